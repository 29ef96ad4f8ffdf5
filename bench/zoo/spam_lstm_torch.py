"""PyTorch twin of examples/spam-lstm.ts: the same bidirectional GRU (or LSTM) spam classifier
(Embedding with a zero pad row → BiRNN over the real lengths → mean over the real steps → Linear),
started from Ingot's initial weights and trained on the very same padded word ids of the spam.yaml
split, with the same Adam, batch size, epochs, gradient clipping and early stopping on validation loss
(patience 2, best weights restored). Only the shuffle order differs (torch's generator, same seed).

  npx tsx examples/spam-lstm.ts --export-data            # writes out/examples/spam-lstm/twin/
  /usr/bin/python3 bench/zoo/spam_lstm_torch.py [twin dir] [--threads 2]

Prints one JSON line: held-out F1 / ROC-AUC / accuracy, epochs run, training seconds (the fit loop with
its per-epoch validation, as Ingot's fitSeconds).
"""
import copy
import json
import os
import sys
import time

import torch
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from torch import nn

from twin_common import load_init, open_twin

run, load = open_twin("out/examples/spam-lstm/twin")


data = {s: (load(f"{s}-x", torch.long), load(f"{s}-y", torch.float32)) for s in ("train", "val", "test")}


class SpamRnn(nn.Module):
    """ids [B, L] (padding after the tokens) → logit [B, 1], Ingot's SpamRnnClassifier.

    The bidirectional RNN over the real lengths runs as two one-direction RNNs: forward on the padded
    ids (steps before a row's length never see its padding), backward on each row reversed within its
    length. That is exactly pack_padded_sequence + a bidirectional RNN (checked to 1e-6), but this
    torch build's packed backward pass is about 4× slower (a zero-filled slice gradient per step), and
    the twin should time torch at its best.
    """

    def __init__(s, c):
        super().__init__()
        s.pad = c["padId"]
        s.embedding = nn.Embedding(c["vocabSize"], c["embeddingDim"], padding_idx=s.pad)
        cell = nn.LSTM if c["cell"] == "lstm" else nn.GRU
        s.fwd = cell(c["embeddingDim"], c["hiddenSize"], batch_first=True)
        s.bwd = cell(c["embeddingDim"], c["hiddenSize"], batch_first=True)
        s.head = nn.Linear(2 * c["hiddenSize"], 1)

    def forward(s, ids):
        b, l = ids.shape
        lengths = (ids != s.pad).sum(1, keepdim=True)
        steps = torch.arange(l).expand(b, l)
        real = (steps < lengths).unsqueeze(2)
        # position t of the reversed row reads position len-1-t; padding stays where it is (a self-inverse map)
        rev = torch.where(steps < lengths, lengths - 1 - steps, steps).unsqueeze(2)
        e = s.embedding(ids)
        out_f = s.fwd(e)[0]
        flip = lambda t: t.gather(1, rev.expand(-1, -1, t.shape[2]))
        out_b = flip(s.bwd(flip(e))[0])
        # padded steps output zeros, so an e-mail with no known word pools to zeros, as in Ingot
        out = torch.cat([out_f, out_b], 2) * real
        return s.head(out.sum(1) / lengths.clamp(min=1))


def ingot_to_torch(name):
    """rnn.weightIhL0 → fwd.weight_ih_l0, rnn.weightIhL0Reverse → bwd.weight_ih_l0; other names already match."""
    if not name.startswith("rnn."):
        return name
    n = name[4:]
    module = "bwd." if n.endswith("L0Reverse") else "fwd."
    for ingot, torch_name in (("weightIh", "weight_ih"), ("weightHh", "weight_hh"), ("biasIh", "bias_ih"), ("biasHh", "bias_hh")):
        if n.startswith(ingot) and n[len(ingot):] in ("L0", "L0Reverse"):
            return module + torch_name + "_l0"
    raise ValueError(f"unexpected recurrent parameter {name} (the twin replays one bidirectional layer)")


model = SpamRnn(run)
state = load_init(os.path.join(load.dir, "init"), ingot_to_torch)
model.load_state_dict(state)  # strict: every parameter must come from Ingot's initial weights

opt = torch.optim.Adam(model.parameters(), lr=run["lr"])
loss_fn = nn.BCEWithLogitsLoss()
gen = torch.Generator().manual_seed(run["seed"])
x_train, y_train = data["train"]


def predict(x, bs=256):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + bs]) for i in range(0, len(x), bs)])


best, best_epoch, best_state, wait, epochs_run = float("inf"), 0, None, 0, 0
train_seconds = 0.0
for epoch in range(1, run["epochs"] + 1):
    start = time.perf_counter()
    model.train()
    perm = torch.randperm(len(x_train), generator=gen)
    total = 0.0
    for b in range(0, len(perm), run["batchSize"]):
        idx = perm[b:b + run["batchSize"]]
        opt.zero_grad()
        loss = loss_fn(model(x_train[idx]), y_train[idx])
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), run["clipGradNorm"])
        opt.step()
        total += loss.item() * len(idx)
    val_loss = loss_fn(predict(data["val"][0]), data["val"][1]).item()
    train_seconds += time.perf_counter() - start
    epochs_run = epoch
    print(f"epoch {epoch}: loss {total / len(perm):.4f} val loss {val_loss:.4f}", file=sys.stderr)
    # EarlyStopping(monitor valLoss, patience, restoreBestWeights) as src/train/callbacks.ts
    if val_loss < best:
        best, best_epoch, wait = val_loss, epoch, 0
        best_state = copy.deepcopy(model.state_dict())
    else:
        wait += 1
        if wait > run["patience"]:
            break
if best_epoch != epochs_run:
    model.load_state_dict(best_state)

x_test, y_test = data["test"]
prob = torch.sigmoid(predict(x_test)).view(-1).numpy()
y = y_test.view(-1).numpy().astype(int)
pred = (prob >= 0.5).astype(int)
print(json.dumps({
    "scenario": "spam-lstm", "framework": f"torch {torch.__version__}", "cell": run["cell"], "quick": run["quick"],
    "f1": f1_score(y, pred), "rocAuc": roc_auc_score(y, prob), "accuracy": accuracy_score(y, pred),
    "epochs": epochs_run, "bestEpoch": best_epoch, "trainSeconds": train_seconds, "threads": torch.get_num_threads(),
}))
