"""The PyTorch twin of examples/gpt-moby.ts: the same GPT-2 (pre-LN, tanh GELU, tied head, module names
as src/models/gpt2.ts so the state dicts line up), loaded with Ingot's initial weights, trained on the
very batches Ingot trained on (twin/run.json lists every window's start offset) with the same AdamW,
warm-up + cosine schedule and clipping, evaluated on the same validation windows at the same steps.
Writes torch-metrics.json beside Ingot's metrics.json and prints both curves and their ratio.

Usage: /usr/bin/python3 bench/zoo/gpt_moby_torch.py [out/examples/gpt-moby] [--threads 2]
(run the example first: npx tsx examples/gpt-moby.ts [--quick])
"""
import argparse
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("out", nargs="?", default="out/examples/gpt-moby")
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
twin = os.path.join(a.out, "twin")
run = json.load(open(os.path.join(twin, "run.json")))
cfg, h = run["config"], run["hyper"]
ids = torch.from_numpy(np.fromfile(os.path.join(twin, "tokens.bin"), dtype="<i4").astype(np.int64))


def read_safetensors(path):
    """A minimal reader (float32 only, which is all Ingot's GPT2 holds): 8-byte header length, JSON, data."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", f"{path}: {name} is {t['dtype']}, expected F32"
        lo, hi = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[lo:hi], dtype="<f4").copy().reshape(t["shape"]))
    return out


class Attention(nn.Module):
    def __init__(s, d, nh):
        super().__init__()
        s.nh, s.cAttn, s.cProj = nh, nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(s, x):
        B, T, d = x.shape
        q, k, v = s.cAttn(x).split(d, dim=2)
        hs = lambda t: t.view(B, T, s.nh, d // s.nh).transpose(1, 2)
        q, k, v = hs(q), hs(k), hs(v)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // s.nh)
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return s.cProj(y.transpose(1, 2).reshape(B, T, d))


class Block(nn.Module):
    def __init__(s, d, nh, eps):
        super().__init__()
        s.ln1, s.attn = nn.LayerNorm(d, eps=eps), Attention(d, nh)
        s.ln2, s.cFc, s.cProj = nn.LayerNorm(d, eps=eps), nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(s, x):
        x = x + s.attn(s.ln1(x))
        return x + s.cProj(F.gelu(s.cFc(s.ln2(x)), approximate="tanh"))


class GPT2(nn.Module):
    def __init__(s, c):
        super().__init__()
        eps = c.get("layerNormEps", 1e-5)
        s.wte, s.wpe = nn.Embedding(c["vocabSize"], c["nEmbd"]), nn.Embedding(c["nPositions"], c["nEmbd"])
        s.h = nn.ModuleList(Block(c["nEmbd"], c["nHead"], eps) for _ in range(c["nLayer"]))
        s.lnF = nn.LayerNorm(c["nEmbd"], eps=eps)

    def forward(s, idx):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1]))
        for b in s.h:
            x = b(x)
        return F.linear(s.lnF(x), s.wte.weight)  # head tied to the token embedding


model = GPT2(cfg)
model.load_state_dict(read_safetensors(os.path.join(twin, "init.safetensors")), strict=True)  # Ingot's initial weights: both runs start identical
T, B, V = cfg["nPositions"], h["batch"], cfg["vocabSize"]
decay = [w for w in model.parameters() if w.dim() >= 2]
rest = [w for w in model.parameters() if w.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": h["weightDecay"]}, {"params": rest, "weight_decay": 0.0}], lr=h["lr"], betas=tuple(h["betas"]), eps=1e-8)


def lr_factor(k):  # examples/gpt-moby.ts lrFactor
    if k < h["warmup"]:
        return (k + 1) / h["warmup"]
    progress = min(1.0, (k - h["warmup"]) / max(1, h["steps"] - h["warmup"]))
    return h["minLrFactor"] + (1 - h["minLrFactor"]) * 0.5 * (1 + math.cos(math.pi * progress))


sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
offs = torch.arange(T)


def windows(starts):
    s = torch.tensor(starts, dtype=torch.int64)[:, None] + offs
    return ids[s], ids[s + 1]


def loss_of(x, y):
    return F.cross_entropy(model(x).view(-1, V), y.reshape(-1))


def val_loss():
    model.eval()
    with torch.no_grad():
        v = run["batches"]["val"]
        total = sum(loss_of(*windows(v[i * B:(i + 1) * B])).item() for i in range(h["evalBatches"]))
    model.train()
    return total / h["evalBatches"]


curve = [dict(step=0, valLoss=val_loss(), trainLoss=None, seconds=0.0)]  # JSON has no NaN; Ingot writes null too
recent, train_s = [], 0.0
for step in range(1, h["steps"] + 1):
    t0 = time.perf_counter()
    loss = loss_of(*windows(run["batches"]["train"][step - 1]))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), h["clip"])
    opt.step()
    opt.zero_grad(set_to_none=True)
    sched.step()
    recent.append(loss.item())
    train_s += time.perf_counter() - t0
    if step % h["evalEvery"] == 0 or step == h["steps"]:
        tail = recent[-h["evalEvery"]:]
        curve.append(dict(step=step, valLoss=val_loss(), trainLoss=sum(tail) / len(tail), seconds=train_s))
        print(f"step {step:5d}  val {curve[-1]['valLoss']:.4f}  train {curve[-1]['trainLoss']:.4f}  {train_s:.1f} s", flush=True)

result = dict(impl="torch", torch=torch.__version__, threads=a.threads, steps=h["steps"], finalValLoss=curve[-1]["valLoss"], trainSeconds=train_s, msPerStep=train_s * 1000 / h["steps"], curve=curve)
with open(os.path.join(a.out, "torch-metrics.json"), "w") as f:
    json.dump(result, f, indent=2)

ingot_path = os.path.join(a.out, "metrics.json")
if os.path.exists(ingot_path):
    ingot = json.load(open(ingot_path))
    by_step = {c["step"]: c["valLoss"] for c in ingot["curve"]}
    print("step   ingot val   torch val   ratio")
    for c in curve:
        if c["step"] in by_step:
            print(f"{c['step']:5d}   {by_step[c['step']]:.4f}     {c['valLoss']:.4f}     {by_step[c['step']] / c['valLoss']:.4f}")
    result["ingotFinalValLoss"] = ingot["finalValLoss"]
    result["valLossRatio"] = ingot["finalValLoss"] / curve[-1]["valLoss"]
    result["trainTimeRatio"] = ingot["trainSeconds"] / train_s
print(json.dumps({k: v for k, v in result.items() if k != "curve"}))
