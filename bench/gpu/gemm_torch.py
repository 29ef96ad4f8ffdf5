"""The same GEMMs as bench/gpu/gemm.ts through PyTorch, timed the same way (device events, median of
trials), then the ratio ingot / PyTorch. Usage: python3 bench/gpu/gemm_torch.py [ingot-results.json]"""
import json
import statistics
import sys

import torch

torch.backends.cuda.matmul.allow_tf32 = True  # PyTorch's default is full fp32; TF32 is what ingot uses
torch.backends.cudnn.allow_tf32 = True


def bench(name, n, dtype, iters, trials):
    g = torch.Generator(device="cuda").manual_seed(0)
    a = (torch.rand(n, n, device="cuda", generator=g) - 0.5).to(dtype)
    b = (torch.rand(n, n, device="cuda", generator=g) - 0.5).to(dtype)
    c = torch.empty(n, n, device="cuda", dtype=dtype)
    for _ in range(10):
        torch.mm(a, b, out=c)
    torch.cuda.synchronize()
    times = []
    for _ in range(trials):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(iters):
            torch.mm(a, b, out=c)
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e) / iters)
    ms = statistics.median(times)
    return {"name": name, "n": n, "msMedian": ms, "tflops": 2 * n**3 / (ms * 1e-3) / 1e12, "trials": times}


torch_results = [
    bench("tf32 sgemm", 4096, torch.float32, 20, 7),
]
torch.set_float32_matmul_precision("medium")
torch_results += [
    bench("fp32 medium", 4096, torch.float32, 20, 7),
]
torch.set_float32_matmul_precision("high")
torch_results += [
    bench("bf16 gemm", 8192, torch.bfloat16, 10, 7),
]
print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(), "results": torch_results}))

if len(sys.argv) > 1:
    with open(sys.argv[1]) as f:
        ingot = json.load(f)
    ref = {r["name"]: r for r in torch_results}
    print(f"\n{'benchmark':36} {'ingot TFLOP/s':>14} {'torch TFLOP/s':>14} {'ratio':>7}")
    for r in ingot["results"]:
        key = "tf32 sgemm" if r["name"].startswith("tf32") else "fp32 medium" if r["name"].startswith("fp32 medium") else "bf16 gemm"
        t = ref[key]
        print(f"{r['name']:36} {r['tflops']:14.1f} {t['tflops']:14.1f} {r['tflops'] / t['tflops']:7.3f}")
