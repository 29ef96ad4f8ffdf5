"""The convolution of bench/gpu/conv.ts in PyTorch: a k×k conv2d (stride 1, "same" padding, no bias) on
float32 NCHW (channels-first) tensors, forward + backward (grad x and grad w), timed the same way
(warm-up, then the median of `iters` synchronised runs). Modes: tf32 (cuDNN with TF32 allowed and its
heuristic algorithm choice, PyTorch's defaults, as ingot's cuDNN path), tf32-benchmark
(torch.backends.cudnn.benchmark: algorithms timed once per shape) and fp32 (no TF32). One JSON line per mode.
Usage: python3 bench/gpu/conv_torch.py [--batch 64 --cin 64 --cout 64 --size 56 --k 3 --iters 10 --warmup 3] [--modes tf32,tf32-benchmark,fp32]"""
import argparse
import json

import torch
import torch.nn.functional as F
from median_time import median_time

p = argparse.ArgumentParser()
for k, v in dict(batch=64, cin=64, cout=64, size=56, k=3, iters=10, warmup=3).items():
    p.add_argument(f"--{k}", type=int, default=v)
p.add_argument("--modes", default="tf32,tf32-benchmark,fp32")
a = p.parse_args()


def run(mode):
    N, C, K, S, k = a.batch, a.cin, a.cout, a.size, a.k
    torch.backends.cudnn.allow_tf32 = mode != "fp32"
    torch.backends.cudnn.benchmark = mode == "tf32-benchmark"
    torch.manual_seed(0)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()  # before the inputs: ingot's peak counts them too
    x = torch.randn(N, C, S, S, device="cuda", requires_grad=True)
    w = (torch.randn(K, C, k, k, device="cuda") / (C * k * k) ** 0.5).requires_grad_()
    g_out = torch.randn(N, K, S, S, device="cuda")

    def step():
        y = F.conv2d(x, w, padding=(k - 1) // 2)
        y.backward(g_out)
        x.grad = None
        w.grad = None

    ms, times = median_time(step, a.warmup, a.iters)
    flops = 3 * 2 * N * K * S * S * C * k * k  # as conv.ts: forward, grad x and grad w
    print(json.dumps(dict(impl=f"torch-conv-{mode}", torch=torch.__version__, cudnn=torch.backends.cudnn.version(), batch=N, cin=C, cout=K, size=S, k=k,
                          msFwdBwd=ms, tflops=flops / (ms / 1000) / 1e12, peakBytes=torch.cuda.max_memory_allocated(), trials=times)), flush=True)


for m in a.modes.split(","):
    try:
        run(m)
    except Exception as e:  # one failing mode must not hide the others
        print(json.dumps(dict(impl=f"torch-conv-{m}", error=str(e)[:400])), flush=True)
