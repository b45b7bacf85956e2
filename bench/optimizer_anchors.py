"""SGD against Adam on the two-layer net, in numpy or PyTorch: the anchors of bench/optimizers.bench.ts.

784-50-10 ReLU, weights N(0, 0.01^2), batch 100, 600 iterations over a shuffled MNIST training
set, float64, one thread, as bench/numpy_epoch.py. SGD (lr 0.1) and Adam (lr 0.001, 0.9,
0.999, 1e-8, bias-corrected as nnt and PyTorch) take turns, epoch by epoch.

    python3 optimizer_anchors.py numpy DATA_DIR EPOCHS          (OPENBLAS_NUM_THREADS=1)
    /usr/bin/python3 optimizer_anchors.py torch DATA_DIR EPOCHS

Prints one JSON object: {"sgd": [epoch seconds...], "adam": [...], "version": "..."}.
"""
import json
import os
import sys
import time

import numpy as np

from numpy_epoch import gradients, read_idx


def numpy_epoch(images, labels, state, optimizer, rng):
    """One epoch of the lean numpy net; state holds the weights and Adam's m, v and step."""
    W1, b1, W2, b2 = state["params"]
    order = rng.permutation(len(images))
    for it in range(len(images) // 100):
        idx = order[it * 100 : (it + 1) * 100]
        grads = gradients(images[idx], labels[idx], W1, b1, W2, b2)
        if optimizer == "sgd":
            for p, g in zip(state["params"], grads):
                p -= 0.1 * g
            continue
        state["step"] += 1
        c1, c2 = 1 - 0.9 ** state["step"], 1 - 0.999 ** state["step"]
        for p, g, m, v in zip(state["params"], grads, state["m"], state["v"]):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= (0.001 / c1) * m / (np.sqrt(v) / np.sqrt(c2) + 1e-8)


def main():
    engine, data_dir, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte")).reshape(-1, 784) / 255.0
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte")).astype(np.int64)
    rng = np.random.default_rng(1)
    times = {"sgd": [], "adam": []}
    if engine == "numpy":
        states = {}
        for name in times:
            params = [0.01 * rng.standard_normal((784, 50)), np.zeros(50), 0.01 * rng.standard_normal((50, 10)), np.zeros(10)]
            states[name] = {"params": params, "m": [np.zeros_like(p) for p in params], "v": [np.zeros_like(p) for p in params], "step": 0}
        for _ in range(epochs):
            for name in times:
                start = time.perf_counter()
                numpy_epoch(images, labels, states[name], name, rng)
                times[name].append(time.perf_counter() - start)
        version = f"numpy {np.__version__}"
    else:
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(1)
        x_all = torch.from_numpy(images)
        t_all = torch.from_numpy(labels)
        nets, optimizers = {}, {}
        for name in times:
            net = torch.nn.Sequential(torch.nn.Linear(784, 50), torch.nn.ReLU(), torch.nn.Linear(50, 10)).double()
            nets[name] = net
            optimizers[name] = torch.optim.SGD(net.parameters(), lr=0.1) if name == "sgd" else torch.optim.Adam(net.parameters(), lr=0.001)
        loss_fn = torch.nn.CrossEntropyLoss()
        for _ in range(epochs):
            for name in times:
                start = time.perf_counter()
                order = torch.from_numpy(rng.permutation(len(images)))
                for it in range(len(images) // 100):
                    idx = order[it * 100 : (it + 1) * 100]
                    optimizers[name].zero_grad()
                    loss_fn(nets[name](x_all[idx]), t_all[idx]).backward()
                    optimizers[name].step()
                times[name].append(time.perf_counter() - start)
        version = f"torch {torch.__version__}"
    print(json.dumps({**times, "version": version}))


if __name__ == "__main__":
    main()
