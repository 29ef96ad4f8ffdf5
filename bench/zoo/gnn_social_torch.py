"""PyTorch twin of examples/gnn-social.ts (GCN node classification and the GAE link predictor), on the
split that the example writes to out/examples/gnn-social/split.json: same graph (log-scaled weights),
same one-hot features, same architectures (GCN 77-16-11 with dropout 0.5, Adam 0.01, weight decay 5e-4;
GAE GCN 77-32-16, inner-product decoder, fresh negatives each epoch), same epoch counts. Dense
normalised adjacency (77 nodes). Prints one JSON line.

    npx tsx examples/gnn-social.ts && /usr/bin/python3 bench/zoo/gnn_social_torch.py
"""
import json, math, os, random, time
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

torch.set_num_threads(1)
torch.manual_seed(0)
root = os.path.dirname(os.path.abspath(__file__))
split = json.load(open(os.path.join(root, "..", "..", "out", "examples", "gnn-social", "split.json")))
data = json.load(open(os.path.join(root, "..", "..", "node_modules", "vega-datasets", "data", "miserables.json")))
n = len(data["nodes"])
groups = torch.tensor([x["group"] for x in data["nodes"]])
classes = int(groups.max()) + 1
epochs = split["epochs"]


def norm_adj(a, b, w):
    A = torch.eye(n)
    for i, j, v in zip(a, b, w):
        A[i, j] = A[j, i] = v
    d = A.sum(1).rsqrt()
    return d[:, None] * A * d[None, :]


class GCN(torch.nn.Module):
    def __init__(self, sizes, p):
        super().__init__()
        self.ws = torch.nn.ModuleList(torch.nn.Linear(i, o) for i, o in zip(sizes, sizes[1:]))
        self.p = p

    def forward(self, x, A):
        for k, lin in enumerate(self.ws):
            x = F.dropout(x, self.p, self.training)
            x = A @ (x @ lin.weight.T) + lin.bias
            if k < len(self.ws) - 1:
                x = F.relu(x)
        return x


X = torch.eye(n)
links = data["links"]
A = norm_adj([l["source"] for l in links], [l["target"] for l in links], [1 + math.log(l["value"]) for l in links])
train_rows, test_rows = torch.tensor(split["trainRows"]), torch.tensor(split["testRows"])
t0 = time.time()
gcn = GCN([n, 16, classes], 0.5)
opt = torch.optim.Adam(gcn.parameters(), lr=0.01, weight_decay=5e-4)
for _ in range(epochs):
    gcn.train(); opt.zero_grad()
    loss = F.cross_entropy(gcn(X, A)[train_rows], groups[train_rows]); loss.backward(); opt.step()
gcn.eval()
acc = float((gcn(X, A).argmax(1)[test_rows] == groups[test_rows]).float().mean())
gcn_secs = time.time() - t0

tr = split["train"]
At = norm_adj(tr["a"], tr["b"], [1.0] * len(tr["a"]))
edges = {tuple(sorted((l["source"], l["target"]))) for l in links}
held = {tuple(sorted(p)) for p in zip(split["testPositive"]["a"], split["testPositive"]["b"])}
pos_a = tr["a"] + tr["b"]; pos_b = tr["b"] + tr["a"]
rng = random.Random(0)
t0 = time.time()
gae = GCN([n, 32, 16], 0.0)
opt = torch.optim.Adam(gae.parameters(), lr=0.01)
for _ in range(epochs):
    neg = set()
    while len(neg) < len(pos_a):
        i, j = rng.randrange(n), rng.randrange(n)
        k = tuple(sorted((i, j)))
        if i != j and k not in edges and k not in held:
            neg.add(k)
    na, nb = zip(*neg)
    opt.zero_grad()
    z = gae(X, At)
    logits = torch.cat([(z[pos_a] * z[pos_b]).sum(1), (z[list(na)] * z[list(nb)]).sum(1)])
    target = torch.cat([torch.ones(len(pos_a)), torch.zeros(len(na))])
    loss = F.binary_cross_entropy_with_logits(logits, target); loss.backward(); opt.step()
with torch.no_grad():
    z = gae(X, At)
    pa = split["testPositive"]["a"] + split["testNegative"]["a"]; pb = split["testPositive"]["b"] + split["testNegative"]["b"]
    scores = (z[pa] * z[pb]).sum(1).numpy()
auc = roc_auc_score([1] * len(split["testPositive"]["a"]) + [0] * len(split["testNegative"]["a"]), scores)
print(json.dumps({"gcnTestAccuracy": acc, "gaeTestAuc": auc, "gcnSeconds": gcn_secs, "gaeSeconds": time.time() - t0, "epochs": epochs}))
