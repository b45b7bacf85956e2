"""The SimpleConvNet in PyTorch on the CPU, float64, for bench/conv.bench.ts.

Same net and training as numpy_convnet.py (Adam lr 0.001, batch 100, He initialisation).
Usage: torch_convnet.py DATA_DIR BATCHES THREADS. Prints one JSON object: seconds per batch,
the torch version and its thread count. Needs /usr/bin/python3 with python3-torch.
"""
import json
import sys
import time

import numpy as np
import torch

from numpy_epoch import read_idx


def main():
    data_dir, batches, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = torch.from_numpy(read_idx(f"{data_dir}/train-images-idx3-ubyte").reshape(-1, 1, 28, 28).astype(np.float64) / 255.0)
    t = torch.from_numpy(read_idx(f"{data_dir}/train-labels-idx1-ubyte").astype(np.int64))
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 30, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2), torch.nn.Flatten(),
        torch.nn.Linear(4320, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10),
    ).double()
    for layer in net:
        if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            torch.nn.init.zeros_(layer.bias)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(len(x))
    start = time.perf_counter()
    for it in range(batches):
        idx = order[(it * 100) % len(x):(it * 100) % len(x) + 100]
        opt.zero_grad()
        loss = loss_fn(net(x[idx]), t[idx])
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"secondsPerBatch": seconds / batches, "batches": batches, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
