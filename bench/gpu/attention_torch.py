"""The causal attention of bench/gpu/attention.ts in PyTorch: F.scaled_dot_product_attention over the
heads of a packed qkv [B, T, 3·d], forward + backward, timed the same way (warm-up, then the median of
`iters` synchronised runs). Modes: fp32 (TF32 matmuls allowed: PyTorch picks its memory-efficient kernel,
flash needs 16-bit inputs) and bf16 (FlashAttention-2), for reference. Prints one JSON line per mode.
Usage: python3 bench/gpu/attention_torch.py [--batch 16 --heads 12 --seq 1024 --hd 64 --iters 10 --warmup 3] [--modes fp32,bf16]"""
import argparse
import json

import torch
import torch.nn.functional as F
from median_time import median_time

p = argparse.ArgumentParser()
for k, v in dict(batch=16, heads=12, seq=1024, hd=64, iters=10, warmup=3).items():
    p.add_argument(f"--{k}", type=int, default=v)
p.add_argument("--modes", default="fp32,bf16")
a = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True


def run(mode):
    B, H, T, hd = a.batch, a.heads, a.seq, a.hd
    d = H * hd
    dtype = torch.bfloat16 if mode == "bf16" else torch.float32
    torch.manual_seed(0)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()  # before the inputs: ingot's peak counts them too
    qkv = torch.randn(B, T, 3 * d, device="cuda", dtype=dtype, requires_grad=True)
    g_out = torch.randn(B, T, d, device="cuda", dtype=dtype)

    def step():
        q, k, v = qkv.split(d, dim=2)
        heads = lambda t: t.view(B, T, H, hd).transpose(1, 2)
        y = F.scaled_dot_product_attention(heads(q), heads(k), heads(v), is_causal=True)
        y.transpose(1, 2).reshape(B, T, d).backward(g_out)
        qkv.grad = None

    ms, times = median_time(step, a.warmup, a.iters)
    flops = 0.5 * 4 * B * H * T * T * hd * 3.5  # as attention.ts: causal half, backward 2.5x the forward
    print(json.dumps(dict(impl=f"torch-sdpa-{mode}", torch=torch.__version__, batch=B, heads=H, seq=T, hd=hd, msFwdBwd=ms,
                          tflops=flops / (ms / 1000) / 1e12, peakBytes=torch.cuda.max_memory_allocated(), trials=times)), flush=True)


for m in a.modes.split(","):
    try:
        run(m)
    except Exception as e:  # one failing mode must not hide the others
        print(json.dumps(dict(impl=f"torch-sdpa-{m}", error=str(e)[:400])), flush=True)
