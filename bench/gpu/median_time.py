"""Median wall time of a CUDA step, as bench/gpu/median-time.ts measures Ingot's."""
import time

import torch


def median_time(step, warmup, iters):
    """Runs step warmup times, then iters timed times (each ending in a device sync); (median ms, sorted trials)."""
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    trials = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        trials.append((time.perf_counter() - t0) * 1000)
    trials.sort()
    return trials[len(trials) // 2], trials
