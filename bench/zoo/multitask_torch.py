"""PyTorch and scikit-learn twins of examples/multitask.ts on the same penguins split (rows i % 5 == 0
held out) and the same standardised features, exported by the example:
  - PyTorch: the two-headed network (shared trunk Linear 32 ReLU Linear 32 ReLU, species head 3 logits,
    mass head 1 value) trained on cross entropy + massWeight · MSE of the standardised mass, and the two
    single-task networks of the same shape, each from Ingot's initial weights, with the same Adam,
    epochs and batch size; only the shuffle order differs (torch's generator, same seed);
  - scikit-learn: MLPClassifier (species) and MLPRegressor (standardised mass) with the same two hidden
    layers of 32, Adam, learning rate, batch size and epoch budget, no L2.

  npx tsx examples/multitask.ts --export-data            # writes out/examples/multitask/twin/
  /usr/bin/python3 bench/zoo/multitask_torch.py [twin dir] [--threads 2]

Prints one JSON line: species accuracy and body-mass RMSE (g) / R² of each model, and each PyTorch
model's training seconds (its fit loop, as Ingot's trainSeconds).
"""
import json
import os
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, mean_squared_error, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from torch import nn
from torch.nn import functional as F

from twin_common import load_init, open_twin, train_epochs

run, load = open_twin("out/examples/multitask/twin")


x, x_test = load("train-x"), load("test-x")
species, species_test = load("train-species").long(), load("test-species").numpy()
mass, mass_test = load("train-mass"), load("test-mass").numpy()
mass_z = ((mass - run["massMean"]) / run["massStd"]).view(-1, 1)
hidden = run["hidden"]


def trunk():
    return nn.Sequential(nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())


class PenguinMultiTask(nn.Module):
    """Shared trunk, species head and mass head, side by side as [N, 4]; names as Ingot's PenguinMultiTask."""

    def __init__(s):
        super().__init__()
        s.trunk, s.speciesHead, s.massHead = trunk(), nn.Linear(hidden, 3), nn.Linear(hidden, 1)

    def forward(s, v):
        h = s.trunk(v)
        return torch.cat([s.speciesHead(h), s.massHead(h)], 1)


def multi_loss(out, idx):
    return F.cross_entropy(out[:, :3], species[idx]) + run["massWeight"] * F.mse_loss(out[:, 3:], mass_z[idx])


def train(name, model, loss_of):
    """Loads init-<name>/ (Ingot's untrained weights), runs the fit loop; returns its seconds."""
    model.load_state_dict(load_init(os.path.join(load.dir, f"init-{name}")))
    opt = torch.optim.Adam(model.parameters(), lr=run["lr"])
    gen = torch.Generator().manual_seed(run["seed"])
    start = time.perf_counter()
    train_epochs(model, opt, len(x), run["batchSize"], run["epochs"], gen, lambda idx: loss_of(model(x[idx]), idx))
    seconds = time.perf_counter() - start
    model.eval()
    return seconds


def grams(z):
    return np.asarray(z).reshape(-1) * run["massStd"] + run["massMean"]


def mass_scores(pred_g):
    return {"massRmse": float(np.sqrt(mean_squared_error(mass_test, pred_g))), "massR2": float(r2_score(mass_test, pred_g))}


multi = PenguinMultiTask()
t_multi = train("multi", multi, multi_loss)
species_net = nn.Sequential(trunk(), nn.Linear(hidden, 3))
t_species = train("species", species_net, lambda out, idx: F.cross_entropy(out, species[idx]))
mass_net = nn.Sequential(trunk(), nn.Linear(hidden, 1))
t_mass = train("mass", mass_net, lambda out, idx: F.mse_loss(out, mass_z[idx]))
with torch.no_grad():
    out = multi(x_test).numpy()
    species_only = species_net(x_test).argmax(1).numpy()
    mass_only = grams(mass_net(x_test).numpy())

# scikit-learn on the same standardised features, the same epoch budget (max_iter counts epochs for adam)
sk = dict(hidden_layer_sizes=(hidden, hidden), alpha=0.0, batch_size=run["batchSize"], learning_rate_init=run["lr"], max_iter=run["epochs"], random_state=run["seed"])
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    start = time.perf_counter()
    sk_species = MLPClassifier(**sk).fit(x.numpy(), species.numpy()).predict(x_test.numpy())
    sk_mass = grams(MLPRegressor(**sk).fit(x.numpy(), mass_z.view(-1).numpy()).predict(x_test.numpy()))
    sk_seconds = time.perf_counter() - start

print(json.dumps({
    "scenario": "multitask", "framework": f"torch {torch.__version__}, scikit-learn", "quick": run["quick"], "nTrain": len(x), "nTest": len(x_test),
    "multiTask": {"speciesAccuracy": accuracy_score(species_test, out[:, :3].argmax(1)), **mass_scores(grams(out[:, 3])), "trainSeconds": t_multi},
    "speciesOnly": {"speciesAccuracy": accuracy_score(species_test, species_only), "trainSeconds": t_species},
    "massOnly": {**mass_scores(mass_only), "trainSeconds": t_mass},
    "sklearn": {"speciesAccuracy": accuracy_score(species_test, sk_species), **mass_scores(sk_mass), "trainSeconds": sk_seconds},
    "threads": torch.get_num_threads(),
}))
