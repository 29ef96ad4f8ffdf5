"""The GPT-2 training step of bench/gpu/gpt2.ts in PyTorch, timed the same way (warm-up, then `steps`
steps, synchronising at the end), in four settings: fp32 with TF32 matmuls (what ingot runs), "medium"
(fp32 with matmuls allowed on bf16 tensor cores),
bf16 autocast, and bf16 autocast under torch.compile. Prints one JSON line per setting.
Usage: python3 bench/gpu/gpt2_torch.py [--layers 12 --d 768 ...] [--modes tf32,bf16,compile]"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
for k, v in dict(layers=12, d=768, heads=12, seq=1024, batch=16, vocab=50304, steps=10, warmup=3).items():
    p.add_argument(f"--{k}", type=int, default=v)
p.add_argument("--modes", default="tf32,bf16,compile")
a = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True


class Block(nn.Module):
    def __init__(s, d, nh):
        super().__init__()
        s.nh = nh
        s.ln1, s.qkv, s.proj = nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.ln2, s.fc, s.fc2 = nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(s, x):
        B, T, d = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(d, dim=2)
        hs = lambda t: t.view(B, T, s.nh, d // s.nh).transpose(1, 2)
        y = F.scaled_dot_product_attention(hs(q), hs(k), hs(v), is_causal=True)
        x = x + s.proj(y.transpose(1, 2).reshape(B, T, d))
        return x + s.fc2(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(a.vocab, a.d), nn.Embedding(a.seq, a.d)
        s.h = nn.ModuleList(Block(a.d, a.heads) for _ in range(a.layers))
        s.lnf = nn.LayerNorm(a.d)
        for n, w in s.named_parameters():
            if w.dim() == 2:
                nn.init.normal_(w, 0, 0.02 / math.sqrt(2 * a.layers) if n.endswith(("proj.weight", "fc2.weight")) else 0.02)
            elif n.endswith("bias"):
                nn.init.zeros_(w)

    def forward(s, idx, targets):
        x = s.wte(idx) + s.wpe.weight
        for b in s.h:
            x = b(x)
        logits = F.linear(s.lnf(x), s.wte.weight)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def run(mode):
    torch.manual_seed(1234)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    model = GPT().cuda()
    decay = [w for w in model.parameters() if w.dim() == 2]
    rest = [w for w in model.parameters() if w.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}], lr=6e-4, betas=(0.9, 0.95), eps=1e-8, fused=True)
    stream = torch.randint(0, a.vocab, (a.batch, a.seq + 1), device="cuda")
    x, y = stream[:, :-1].contiguous(), stream[:, 1:].contiguous()
    fwd = torch.compile(model) if mode == "compile" else model
    # "medium": float32 everywhere, matmuls allowed onto bf16 tensor cores (ingot's --precision medium)
    torch.set_float32_matmul_precision("medium" if mode == "medium" else "high")

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=mode not in ("tf32", "medium")):
            loss = fwd(x, y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.detach()

    losses = [step().item() for _ in range(a.warmup)]
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        last = step()
    losses.append(last.item())
    ms = (time.perf_counter() - t0) * 1000 / a.steps
    n = sum(w.numel() for w in model.parameters())
    fpt = 6 * n + 12 * a.layers * a.seq * a.d
    tps = a.batch * a.seq / (ms / 1000)
    print(json.dumps(dict(impl=f"torch-{mode}", torch=torch.__version__, params=n, msPerStep=ms, tokensPerS=tps, tflops=fpt * tps / 1e12, mfu=fpt * tps / 989e12, peakBytes=torch.cuda.max_memory_allocated(), losses=losses)), flush=True)
    del model, opt


for m in a.modes.split(","):
    try:
        run(m)
    except Exception as e:  # a failed mode (e.g. compile without a C compiler) must not hide the others
        print(json.dumps(dict(impl=f"torch-{m}", error=str(e)[:400])), flush=True)
