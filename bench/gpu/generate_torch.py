"""bench/gpu/generate.ts in PyTorch: the same GPT-2 (random weights), greedy decoding with a
preallocated KV cache (prompt once, then one token per step, attention over the cached prefix via
views), TF32 matmuls, argmax on the device. Prints one JSON line per batch size."""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
for k, v in dict(layers=12, d=768, heads=12, vocab=50304, prompt=128, new=128).items():
    p.add_argument(f"--{k}", type=int, default=v)
p.add_argument("--batches", default="1,32")
a = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = True
D, H, L, V = a.d, a.heads, a.layers, a.vocab


class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln1, s.qkv, s.proj = nn.LayerNorm(D), nn.Linear(D, 3 * D), nn.Linear(D, D)
        s.ln2, s.fc, s.fc2 = nn.LayerNorm(D), nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    def forward(s, x, kc, vc, pos):
        B, T, _ = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(D, dim=2)
        hs = lambda t: t.view(B, T, H, D // H).transpose(1, 2)
        kc[:, :, pos:pos + T] = hs(k)
        vc[:, :, pos:pos + T] = hs(v)
        y = F.scaled_dot_product_attention(hs(q), kc[:, :, :pos + T], vc[:, :, :pos + T], is_causal=T > 1)
        x = x + s.proj(y.transpose(1, 2).reshape(B, T, D))
        return x + s.fc2(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, D), nn.Embedding(1024, D)
        s.h = nn.ModuleList(Block() for _ in range(L))
        s.lnf = nn.LayerNorm(D)

    def forward(s, idx, caches, pos):
        x = s.wte(idx) + s.wpe(torch.arange(pos, pos + idx.shape[1], device=idx.device))
        for b, (kc, vc) in zip(s.h, caches):
            x = b(x, kc, vc, pos)
        return F.linear(s.lnf(x[:, -1]), s.wte.weight)


@torch.no_grad()
def generate(m, prompt, n):
    B, T = prompt.shape
    caches = [(torch.empty(B, H, T + n, D // H, device="cuda"), torch.empty(B, H, T + n, D // H, device="cuda")) for _ in range(L)]
    tok = m(prompt, caches, 0).argmax(-1, keepdim=True)
    out = [tok]
    for i in range(1, n):
        tok = m(tok, caches, T + i - 1).argmax(-1, keepdim=True)
        out.append(tok)
    return torch.cat(out, 1)


torch.manual_seed(0)
model = GPT().cuda().eval()
for b in map(int, a.batches.split(",")):
    prompt = torch.randint(0, V, (b, a.prompt), device="cuda")
    generate(model, prompt, 8)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = generate(model, prompt, a.new)
    torch.cuda.synchronize()
    s = time.perf_counter() - t0
    print(json.dumps(dict(impl="torch", torch=torch.__version__, batch=b, prompt=a.prompt, newTokens=a.new, seconds=s, tokensPerS=b * a.new / s, msPerStep=1000 * s / a.new)), flush=True)
