#!/usr/bin/env python3
"""PyTorch twins of the Ingot benchmark workloads (bench/workloads/*.ts).

    python3 bench/torch_worker.py <workload> <iters> [--warmup N] [--budget-ms MS] [--config JSON]
    python3 bench/torch_worker.py --check <workload> <in.json>

Timing mode prints one {"event": "iter"} line per iteration, then one JSON line: median
ms/iteration and peak RSS. Check mode loads the initial
weights and inputs the Ingot worker wrote, runs two steps and prints the losses and the first step's
gradients (or, for sgemm, the output) as one JSON line.

Threads: torch.set_num_threads($INGOT_NUM_THREADS, or all cores), the same count Ingot's native
backend uses.
"""
import json
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234

# Benchmark sizes; bench/run.ts passes the Ingot side's config with --config, so these are only
# the defaults for running this file by hand.
DEFAULT_CONFIGS = {
    "sgemm_256": {"n": 256},
    "sgemm_512": {"n": 512},
    "sgemm_1024": {"n": 1024},
    "sgemm_2048": {"n": 2048},
    "mlp_step": {"batch": 32, "in": 1000, "hidden": 64},
    "cnn_step": {"batch": 64, "size": 28, "c1": 8, "c2": 16, "classes": 10},
    "lstm_step": {"batch": 32, "seq": 50, "vocab": 1000, "embed": 64, "hidden": 128, "classes": 2},
    "attention_step": {"batch": 32, "heads": 4, "seq": 128, "hd": 32},
    "gpt_step": {"layers": 2, "d": 128, "heads": 4, "seq": 64, "batch": 16, "vocab": 256},
    "fit_epoch": {"rows": 267, "features": 7, "hidden": 64, "batch": 32},
    "csv_to_tensors": {"rows": 1000000, "cols": 8, "batch": 1024},
}


# ---------------------------------------------------------------- models (parameter names match Ingot's)

class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Linear(c["in"], c["hidden"])
        self.fc2 = nn.Linear(c["hidden"], c["hidden"])
        self.fc3 = nn.Linear(c["hidden"], 1)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class CNN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c["c1"], 3, padding=1)
        self.conv2 = nn.Conv2d(c["c1"], c["c2"], 3, padding=1)
        self.flat = c["c2"] * (c["size"] // 4) * (c["size"] // 4)
        self.fc = nn.Linear(self.flat, c["classes"])

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return self.fc(h.reshape(h.shape[0], self.flat))


class LSTMClassifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.emb = nn.Embedding(c["vocab"], c["embed"])
        self.lstm = nn.LSTM(c["embed"], c["hidden"], batch_first=True)
        self.fc = nn.Linear(c["hidden"], c["classes"])

    def forward(self, ids):
        _, (h, _) = self.lstm(self.emb(ids))
        return self.fc(h[-1])


class Block(nn.Module):
    def __init__(self, d, nh, T):
        super().__init__()
        self.nh = nh
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)
        # additive causal mask: -inf above the diagonal
        self.register_buffer("mask", torch.full((T, T), float("-inf")).triu(1), persistent=False)

    def forward(self, x):
        B, T, d = x.shape
        hd = d // self.nh
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=2)
        q, k, v = (t.reshape(B, T, self.nh, hd).transpose(1, 2) for t in (q, k, v))
        # explicit attention: F.scaled_dot_product_attention is not in torch 1.13
        att = F.softmax(q @ k.transpose(-2, -1) * (1.0 / math.sqrt(hd)) + self.mask[:T, :T], dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, T, V = c["d"], c["seq"], c["vocab"]
        self.wte = nn.Embedding(V, d)
        self.wpe = nn.Parameter(torch.zeros(T, d))
        self.blocks = nn.ModuleList([Block(d, c["heads"], T) for _ in range(c["layers"])])
        self.lnf = nn.LayerNorm(d)
        self.head = nn.Linear(d, V, bias=False)
        nn.init.normal_(self.wte.weight, std=0.02)
        nn.init.normal_(self.wpe, std=0.02)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe
        for b in self.blocks:
            x = b(x)
        return self.head(self.lnf(x))


# ---------------------------------------------------------------- workloads

class Workload:
    """model (None for pure compute), inputs dict, loss() → scalar tensor or output tensor, optimizer."""

    def __init__(self, model, inputs, fn, opt):
        self.model, self.inputs, self.fn, self.opt = model, inputs, fn, opt

    def step(self, capture=None):
        if self.model is None:
            self.fn()
            return 0.0
        self.opt.zero_grad(set_to_none=True)
        loss = self.fn()
        loss.backward()
        if capture is not None:
            for n, p in self.model.named_parameters():
                capture[n] = p.grad.detach().reshape(-1).tolist()
        self.opt.step()
        return loss.item()


class FitEpoch:
    """One epoch of the usual PyTorch training loop over shuffled minibatches (Ingot's side runs fit())."""

    def __init__(self, c, inputs):
        h = c["hidden"]
        self.model = nn.Sequential(nn.Linear(c["features"], h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 1), nn.Sigmoid())
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.x, self.y, self.batch = inputs["x"], inputs["y"], c["batch"]
        self.g = torch.Generator().manual_seed(SEED)

    def step(self, capture=None):
        n = self.x.shape[0]
        perm = torch.randperm(n, generator=self.g)
        total = 0.0
        for i in range(0, n, self.batch):
            idx = perm[i:i + self.batch]
            self.opt.zero_grad(set_to_none=True)
            loss = F.binary_cross_entropy(self.model(self.x[idx]), self.y[idx])
            loss.backward()
            self.opt.step()
            total += loss.item() * len(idx)
        return total / n


def bench_csv_path(c):
    """The CSV of bench/workloads/csv_to_tensors.ts (same name, same integer formula, byte-identical)."""
    import tempfile
    p = os.path.join(tempfile.gettempdir(), f"ingot-bench-csv-{c['rows']}x{c['cols']}.csv")
    if os.path.exists(p) and os.path.getsize(p) > 0:
        return p
    lines = [",".join(f"c{j}" for j in range(c["cols"]))]
    for i in range(c["rows"]):
        vals = ((i * 7919 + j * 104729) % 100003 for j in range(c["cols"]))
        lines.append(",".join(f"{v // 1000}.{v % 1000:03d}" for v in vals))
    tmp = f"{p}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, p)
    return p


class CsvToTensors:
    """pandas.read_csv, then float32 batches through torch.from_numpy (the usual PyTorch tabular loading)."""

    def __init__(self, c):
        import numpy as np
        import pandas as pd
        self.np, self.pd, self.c = np, pd, c
        self.path = bench_csv_path(c)

    def step(self, capture=None):
        arr = self.pd.read_csv(self.path).to_numpy(dtype=self.np.float32)
        rows = 0
        for i in range(0, arr.shape[0], self.c["batch"]):
            rows += torch.from_numpy(arr[i:i + self.c["batch"]]).shape[0]
        if rows != self.c["rows"]:
            raise SystemExit(f"csv_to_tensors: read {rows} rows, expected {self.c['rows']}")
        return 0.0


def causal_attention(q, k, v):
    if hasattr(F, "scaled_dot_product_attention"):  # torch >= 2.0: its fused kernels
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    T = q.shape[-2]
    mask = torch.full((T, T), float("-inf")).triu(1)
    return F.softmax(q @ k.transpose(-2, -1) * (1.0 / math.sqrt(q.shape[-1])) + mask, dim=-1) @ v


def attention_step(inputs):
    """Forward and backward of causal attention with the output weighted by sin(i), as Ingot's side."""
    q, k, v = (inputs[n].clone().requires_grad_(True) for n in ("q", "k", "v"))
    w = torch.sin(torch.arange(q.numel(), dtype=torch.float64)).float().reshape(q.shape)

    def step():
        if not torch.is_grad_enabled():  # --check compares the forward output
            return causal_attention(q, k, v)
        for x in (q, k, v):
            x.grad = None
        (causal_attention(q, k, v) * w).sum().backward()
        return q.grad
    return step


def random_inputs(name, c):
    """Random inputs with a fixed seed for timing (the Ingot side uses its own generator: same shapes and maths)."""
    g = torch.Generator().manual_seed(SEED)
    if name.startswith("sgemm"):
        return {"a": torch.randn(c["n"], c["n"], generator=g), "b": torch.randn(c["n"], c["n"], generator=g)}
    if name == "mlp_step":
        return {"x": torch.randn(c["batch"], c["in"], generator=g),
                "y": torch.randint(0, 2, (c["batch"], 1), generator=g).float()}
    if name == "cnn_step":
        return {"x": torch.randn(c["batch"], 1, c["size"], c["size"], generator=g),
                "target": torch.randint(0, c["classes"], (c["batch"],), generator=g)}
    if name == "lstm_step":
        return {"ids": torch.randint(0, c["vocab"], (c["batch"], c["seq"]), generator=g),
                "target": torch.randint(0, c["classes"], (c["batch"],), generator=g)}
    if name == "fit_epoch":
        x = torch.randn(c["rows"], c["features"], generator=g)
        return {"x": x, "y": (x[:, 0] + x[:, 1] > 0).float().unsqueeze(1)}
    if name == "csv_to_tensors":
        return {}
    if name == "attention_step":
        shape = (c["batch"], c["heads"], c["seq"], c["hd"])
        return {k: torch.randn(*shape, generator=g) for k in ("q", "k", "v")}
    if name == "gpt_step":
        s = torch.randint(0, c["vocab"], (c["batch"], c["seq"] + 1), generator=g)
        return {"idx": s[:, :-1].contiguous(), "targets": s[:, 1:].reshape(-1).contiguous()}
    raise SystemExit(f"unknown workload {name}")


def build(name, c, inputs):
    if name.startswith("sgemm"):
        a, b = inputs["a"], inputs["b"]

        def mm():
            with torch.no_grad():
                return a @ b
        return Workload(None, inputs, mm, None)
    if name == "mlp_step":
        m = MLP(c)
        x, y = inputs["x"], inputs["y"]
        return Workload(m, inputs, lambda: F.binary_cross_entropy_with_logits(m(x), y), torch.optim.Adam(m.parameters()))
    if name == "cnn_step":
        m = CNN(c)
        x, t = inputs["x"], inputs["target"]
        return Workload(m, inputs, lambda: F.cross_entropy(m(x), t), torch.optim.Adam(m.parameters()))
    if name == "lstm_step":
        m = LSTMClassifier(c)
        ids, t = inputs["ids"], inputs["target"]
        return Workload(m, inputs, lambda: F.cross_entropy(m(ids), t), torch.optim.Adam(m.parameters()))
    if name == "fit_epoch":
        return FitEpoch(c, inputs)
    if name == "csv_to_tensors":
        return CsvToTensors(c)
    if name == "attention_step":
        return Workload(None, inputs, attention_step(inputs), None)
    if name == "gpt_step":
        m = GPT(c)
        idx, t = inputs["idx"], inputs["targets"]
        return Workload(m, inputs, lambda: F.cross_entropy(m(idx).reshape(-1, c["vocab"]), t), torch.optim.AdamW(m.parameters()))
    raise SystemExit(f"unknown workload {name}")


def build_loaded(name, c, params, inputs):
    """Builds the workload, then overwrites its parameters with Ingot's (optimizer state is still empty)."""
    w = build(name, c, inputs)
    if w.model is not None:
        own = dict(w.model.named_parameters())
        given = {p["name"]: p for p in params}
        if set(own) != set(given):
            raise SystemExit(f"{name}: parameter names differ: torch-only {sorted(set(own) - set(given))}, ingot-only {sorted(set(given) - set(own))}")
        with torch.no_grad():
            for n, p in own.items():
                src = torch.tensor(given[n]["data"], dtype=torch.float32).reshape(given[n]["shape"])
                if tuple(src.shape) != tuple(p.shape):
                    raise SystemExit(f"{name}: {n} is {tuple(src.shape)} in ingot and {tuple(p.shape)} in torch")
                p.copy_(src)
    return w


# ---------------------------------------------------------------- drivers

def set_threads():
    n = int(os.environ.get("INGOT_NUM_THREADS") or 0) or os.cpu_count() or 1
    torch.set_num_threads(n)
    return n


def flag(args, name, default):
    return args[args.index(name) + 1] if name in args else default


def run_timing(name, args):
    iters = int(args[1]) if len(args) > 1 else 10
    warmup = int(flag(args, "--warmup", 2))
    budget = float(flag(args, "--budget-ms", 10000))
    min_iters = int(flag(args, "--min-iters", 1))
    cfg = flag(args, "--config", None)
    c = json.loads(cfg) if cfg else DEFAULT_CONFIGS[name]
    threads = set_threads()
    torch.manual_seed(SEED)
    t0 = time.perf_counter()
    w = build(name, c, random_inputs(name, c))
    setup_ms = (time.perf_counter() - t0) * 1e3
    w0 = time.perf_counter()
    def progress(phase, ms):
        print(json.dumps({"event": "iter", "phase": phase, "ms": ms}), flush=True)

    for _ in range(warmup):
        t = time.perf_counter()
        w.step()
        progress("warmup", (time.perf_counter() - t) * 1e3)
        if (time.perf_counter() - w0) * 1e3 > budget / 2:
            break
    warmup_ms = (time.perf_counter() - w0) * 1e3
    samples = []
    spent = 0.0
    for _ in range(iters):
        t = time.perf_counter()
        w.step()
        dt = (time.perf_counter() - t) * 1e3
        samples.append(dt)
        progress("timed", dt)
        spent += dt
        if len(samples) >= min_iters and spent > budget:
            break
    print(json.dumps({
        "workload": name, "impl": "torch", "backend": f"torch {torch.__version__}", "threads": threads, "config": c,
        "iters": len(samples), "median_ms": statistics.median(samples), "min_ms": min(samples),
        "mean_ms": sum(samples) / len(samples), "warmup_ms": warmup_ms, "setup_ms": setup_ms,
        # ru_maxrss is in KiB on Linux
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }), flush=True)


def run_check(name, path):
    set_threads()
    with open(path) as f:
        d = json.load(f)
    c = d["config"]
    inputs = {}
    for k, t in d["inputs"].items():
        dtype = torch.float32 if t["dtype"] == "float32" else torch.int64
        inputs[k] = torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])
    w = build_loaded(name, c, d["params"], inputs)
    if w.model is None:
        with torch.no_grad():
            out = w.fn().reshape(-1).tolist()
        print(json.dumps({"workload": name, "impl": "torch", "output": out}), flush=True)
        return
    grads = {}
    loss0 = w.step(grads)
    loss1 = w.step()
    print(json.dumps({"workload": name, "impl": "torch", "losses": [loss0, loss1], "grads": grads}), flush=True)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "--check":
        run_check(argv[1], argv[2])
    else:
        run_timing(argv[0], argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
