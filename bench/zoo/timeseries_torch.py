"""PyTorch and scikit-learn twins of examples/timeseries.ts: the same walk-forward validation on the
S&P 500 (the same folds, the same standardised 12-month windows of log returns, exported by the example)
replayed by
  - PyTorch: the same LSTM forecaster (LSTM → last hidden state → Linear) from Ingot's initial weights,
    one Adam kept across folds (as the example: the model continues training fold after fold), the same
    epochs per fold, batch size and learning rate; only the shuffle order differs (torch's generator);
  - scikit-learn: an AR(12) LinearRegression and an MLPRegressor (one hidden layer of the LSTM's width,
    Adam, same learning rate and batch size, no L2, at most as many epochs as the LSTM has trained by
    that fold), both refitted from scratch on each expanding window.
Forecasts are turned into prices exactly as the example does: price[m-1] · exp(predicted return).

  npx tsx examples/timeseries.ts --export-data            # writes out/examples/timeseries/twin/
  /usr/bin/python3 bench/zoo/timeseries_torch.py [twin dir] [--threads 2]

Prints one JSON line: overall RMSE / MAE (index points) of each model and of the naive last value,
and the LSTM's training seconds (all folds' fit loops, as Ingot's trainSeconds).
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.neural_network import MLPRegressor
from torch import nn

from twin_common import load_init, open_twin, train_epochs

run, load = open_twin("out/examples/timeseries/twin")
prices = np.array(run["prices"])


class LstmForecaster(nn.Module):
    """[batch, k, 1] standardised returns → the next one [batch, 1]; names as Ingot's LstmForecaster."""

    def __init__(s, hidden):
        super().__init__()
        s.lstm = nn.LSTM(1, hidden, batch_first=True)
        s.head = nn.Linear(hidden, 1)

    def forward(s, x):
        _, (h, _) = s.lstm(x)
        return s.head(h[-1])


def ingot_to_torch(name):
    """lstm.weightIhL0 → lstm.weight_ih_l0; the head's names already match."""
    for ingot, torch_name in (("weightIh", "weight_ih"), ("weightHh", "weight_hh"), ("biasIh", "bias_ih"), ("biasHh", "bias_hh")):
        if name == f"lstm.{ingot}L0":
            return f"lstm.{torch_name}_l0"
    return name


model = LstmForecaster(run["hidden"])
model.load_state_dict(load_init(os.path.join(load.dir, "init"), ingot_to_torch))
opt = torch.optim.Adam(model.parameters(), lr=run["lr"])
loss_fn = nn.MSELoss()


def errors(actual, forecast):
    d = np.asarray(actual) - np.asarray(forecast)
    return {"mae": float(np.abs(d).mean()), "rmse": float(np.sqrt((d ** 2).mean()))}


forecasts = {"lstm": [], "ar12": [], "mlp": [], "naive": []}
actual_all = []
train_seconds = 0.0
bs = run["batchSize"]
epochs_so_far = 0
for f, fold in enumerate(run["folds"]):
    epochs_so_far += fold["epochs"]
    x, y, xt = load(f"fold{f}-train-x"), load(f"fold{f}-train-y"), load(f"fold{f}-test-x")
    gen = torch.Generator().manual_seed(fold["seed"])
    start = time.perf_counter()
    train_epochs(model, opt, len(x), bs, fold["epochs"], gen, lambda idx: loss_fn(model(x[idx]), y[idx]))
    train_seconds += time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        z = {"lstm": model(xt).view(-1).numpy()}
    # scikit-learn on the same windows, flattened to k lags
    xf, yf, xtf = x.view(len(x), -1).numpy(), y.view(-1).numpy(), xt.view(len(xt), -1).numpy()
    z["ar12"] = LinearRegression().fit(xf, yf).predict(xtf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed epoch budget, as the LSTM's
        mlp = MLPRegressor(hidden_layer_sizes=(run["hidden"],), alpha=0.0, batch_size=bs, learning_rate_init=run["lr"],
                           max_iter=epochs_so_far, random_state=fold["seed"], shuffle=True)
        z["mlp"] = mlp.fit(xf, yf).predict(xtf)
    months = np.arange(fold["start"], fold["end"])
    last = prices[months - 1]
    for name, zs in z.items():
        forecasts[name].extend(last * np.exp(zs * fold["std"] + fold["mean"]))
    forecasts["naive"].extend(last)
    actual_all.extend(prices[months])
    print(f"fold {f + 1}: " + ", ".join(f"{n} RMSE {errors(prices[months], forecasts[n][-len(months):])['rmse']:.1f}" for n in forecasts), file=sys.stderr)

overall = {name: errors(actual_all, fc) for name, fc in forecasts.items()}
print(json.dumps({
    "scenario": "timeseries", "framework": f"torch {torch.__version__}, scikit-learn", "quick": run["quick"], "folds": len(run["folds"]),
    "overall": overall, "lstmBeatsNaive": overall["lstm"]["rmse"] < overall["naive"]["rmse"],
    "trainSeconds": train_seconds, "threads": torch.get_num_threads(),
}))
