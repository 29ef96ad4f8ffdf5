"""PyTorch and scikit-learn twins of examples/crossmodal.ts on the same SpamAssassin split (messages
i % 5 == 0 held out) and the very same inputs, exported by the example: the TF-IDF matrix of the
header-stripped bodies followed by the 7 standardised message features.
  - PyTorch: the fused network (text branch Linear 32 ReLU, tabular branch Linear 8 ReLU, concatenated,
    one logit) and the text-only network (Linear 32 ReLU Linear 1), each from Ingot's initial weights,
    BCE with logits, the same Adam, epochs and batch size; only the shuffle order differs (torch's
    generator, same seed);
  - scikit-learn: LogisticRegression on the fused inputs and on the TF-IDF columns alone.
Spam is predicted where the logit is > 0, as in the example.

  npx tsx examples/crossmodal.ts --export-data            # writes out/examples/crossmodal/twin/
  /usr/bin/python3 bench/zoo/crossmodal_torch.py [twin dir] [--threads 2]

Prints one JSON line: test F1 (spam positive) and accuracy of each model, and each model's training
seconds (the PyTorch fit loop, as Ingot's trainSeconds; the whole fit() for scikit-learn).
"""
import json
import os
import time

import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from torch import nn

from twin_common import load_init, open_twin, train_epochs

run, load = open_twin("out/examples/crossmodal/twin")


x, y, x_test, y_test = load("train-x"), load("train-y"), load("test-x"), load("test-y").view(-1).numpy().astype(int)
vocab, tab = run["vocabulary"], len(run["features"])
assert x.shape[1] == vocab + tab, f"train-x has {x.shape[1]} columns, expected vocabulary {vocab} + {tab} features"


class FusionNet(nn.Module):
    """[N, vocab + tab] → one spam logit; names as Ingot's FusionNet."""

    def __init__(s):
        super().__init__()
        s.text = nn.Sequential(nn.Linear(vocab, 32), nn.ReLU())
        s.tabular = nn.Sequential(nn.Linear(tab, 8), nn.ReLU())
        s.head = nn.Linear(40, 1)

    def forward(s, v):
        return s.head(torch.cat([s.text(v[:, :vocab]), s.tabular(v[:, vocab:])], 1))


def train_and_score(name, model, inputs, inputs_test):
    """Loads init-<name>/ (Ingot's untrained weights), runs the fit loop, scores the test messages."""
    model.load_state_dict(load_init(os.path.join(load.dir, f"init-{name}")))
    opt = torch.optim.Adam(model.parameters(), lr=run["lr"])
    loss_fn = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(run["seed"])
    start = time.perf_counter()
    train_epochs(model, opt, len(inputs), run["batchSize"], run["epochs"], gen, lambda idx: loss_fn(model(inputs[idx]), y[idx]))
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        pred = (model(inputs_test).view(-1) > 0).long().numpy()
    return {"f1": f1_score(y_test, pred), "accuracy": accuracy_score(y_test, pred), "trainSeconds": seconds}


def logistic(inputs, inputs_test):
    start = time.perf_counter()
    clf = LogisticRegression(max_iter=2000).fit(inputs.numpy(), y.view(-1).numpy().astype(int))
    seconds = time.perf_counter() - start
    pred = clf.predict(inputs_test.numpy())
    return {"f1": f1_score(y_test, pred), "accuracy": accuracy_score(y_test, pred), "trainSeconds": seconds}


fused = train_and_score("fused", FusionNet(), x, x_test)
text_only = train_and_score("text", nn.Sequential(nn.Linear(vocab, 32), nn.ReLU(), nn.Linear(32, 1)), x[:, :vocab], x_test[:, :vocab])
print(json.dumps({
    "scenario": "crossmodal", "framework": f"torch {torch.__version__}, scikit-learn", "quick": run["quick"], "nTrain": len(x), "nTest": len(x_test),
    "fused": fused, "textOnly": text_only,
    "logisticFused": logistic(x, x_test), "logisticTextOnly": logistic(x[:, :vocab], x_test[:, :vocab]),
    "threads": torch.get_num_threads(),
}))
