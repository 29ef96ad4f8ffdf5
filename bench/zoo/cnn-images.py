"""PyTorch twin of examples/cnn-images.ts: the same CNN, optimiser, augmentation and epochs on the very
same generated pixels, which the example exports with --export-data.

  npx tsx examples/cnn-images.ts --export-data      # writes out/examples/cnn-images/data/*.npy
  /usr/bin/python3 bench/zoo/cnn-images.py [data dir] [--epochs 8]

Prints one JSON line: test accuracy, training seconds, threads.
"""
import json
import sys
import time

import numpy as np
import torch
from torch import nn

args = [a for a in sys.argv[1:] if not a.startswith("--")]
data_dir = args[0] if args else "out/examples/cnn-images/data"
epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 8
torch.manual_seed(0)
torch.set_num_threads(2)  # the machine the Ingot run measured on has 2 cores

x_train = torch.from_numpy(np.load(f"{data_dir}/train-x.npy"))
y_train = torch.from_numpy(np.load(f"{data_dir}/train-y.npy")).long()
x_test = torch.from_numpy(np.load(f"{data_dir}/test-x.npy"))[:, :, 2:30, 2:30]  # centre crop, as the example
y_test = torch.from_numpy(np.load(f"{data_dir}/test-y.npy")).long()

model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 6),
)
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
loss_fn = nn.CrossEntropyLoss()
gen = torch.Generator().manual_seed(100)


def augment(x):
    """Random 28×28 crop of the 32×32 canvas, horizontal flip with p 0.5, N(0, 0.05²) noise (IMAGE_STEPS)."""
    n = x.shape[0]
    tops = torch.randint(0, 5, (n,), generator=gen)
    lefts = torch.randint(0, 5, (n,), generator=gen)
    out = torch.stack([x[i, :, tops[i]:tops[i] + 28, lefts[i]:lefts[i] + 28] for i in range(n)])
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(-1)
    return out + 0.05 * torch.randn(out.shape, generator=gen)


train_seconds = 0.0
for epoch in range(epochs):
    # timed like the example's trainSeconds: augmentation, the epoch, and the per-epoch test evaluation
    start = time.perf_counter()
    xa = augment(x_train)
    model.train()
    perm = torch.randperm(len(xa), generator=gen)
    for b in range(0, len(xa), 64):
        idx = perm[b:b + 64]
        opt.zero_grad()
        loss = loss_fn(model(xa[idx]), y_train[idx])
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == y_test).float().mean().item()
    train_seconds += time.perf_counter() - start
    print(f"epoch {epoch + 1}: loss {loss.item():.4f} test accuracy {acc:.4f}", file=sys.stderr)

print(json.dumps({"testAccuracy": acc, "trainSeconds": train_seconds, "epochs": epochs, "threads": torch.get_num_threads(), "torch": torch.__version__}))
