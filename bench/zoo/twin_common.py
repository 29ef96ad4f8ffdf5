"""What the PyTorch twins of the zoo examples share: reading the twin/ folder an example exports with
--export-data (run.json and .npy tensors), and the plain shuffled mini-batch training loop."""
import argparse
import json
import os

import numpy as np
import torch


def open_twin(default_dir):
    """Parses `[twin dir] [--threads 2]`, sets torch's threads and seed; returns (run settings, load)."""
    p = argparse.ArgumentParser()
    p.add_argument("twin", nargs="?", default=default_dir)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)  # the machine the Ingot run measured on has 2 cores
    run = json.load(open(os.path.join(a.twin, "run.json")))
    torch.manual_seed(run["seed"])

    def load(name, dtype=None):
        t = torch.from_numpy(np.load(os.path.join(a.twin, f"{name}.npy")))
        return t if dtype is None else t.to(dtype)

    load.dir = a.twin
    return run, load


def load_init(folder, rename=lambda name: name):
    """A state dict from `folder`/<parameter>.npy (Ingot's untrained weights), names mapped by `rename`."""
    return {rename(f[:-4]): torch.from_numpy(np.load(os.path.join(folder, f))) for f in os.listdir(folder)}


def train_epochs(model, opt, n, batch_size, epochs, gen, loss_of):
    """`epochs` passes over n rows in mini-batches shuffled by `gen`; loss_of(idx) is a batch's loss."""
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for b in range(0, n, batch_size):
            idx = perm[b:b + batch_size]
            opt.zero_grad()
            loss = loss_of(idx)
            loss.backward()
            opt.step()
