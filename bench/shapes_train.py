"""The held-out shapes of bench/shapes.bench.ts in numpy (book style) or PyTorch, float64.

Usage: shapes_train.py numpy|torch DATA_DIR SIZES ACTIVATION OPTIMIZER BATCH STEPS REPS THREADS WARMUP
  SIZES       the layer widths, e.g. 784,512,512,10
  ACTIVATION  relu | sigmoid, after every affine layer but the last
  OPTIMIZER   sgd (lr 0.1) | adam (lr 0.001, betas 0.9, 0.999, eps 1e-8, as nnt's)
Weights N(0, 0.01²), biases 0, softmax with cross-entropy, batches of shuffled MNIST training
images (bytes / 255, gathered per batch as nnt does). Like nnt's first layer, neither computes
the gradient with respect to the input images. Runs WARMUP steps to warm up, then REPS times
STEPS steps, and prints one JSON object: the seconds of each of those REPS, and the library.
numpy's BLAS threads are set by the caller (OPENBLAS_NUM_THREADS); torch's by THREADS. torch
needs Debian's /usr/bin/python3 with python3-torch.
"""
import json
import os
import sys
import time

import numpy as np

from numpy_epoch import blas_info, read_idx


class Affine:
    def __init__(self, w, first):
        self.W, self.b, self.first = w, np.zeros(w.shape[1]), first

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return None if self.first else dout @ self.W.T


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class Sigmoid:
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


def softmax_loss_backward(s, t):
    y = np.exp(s - s.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    y[np.arange(len(t)), t] -= 1
    return y / len(t)


class Adam:
    """nnt's Adam (src/optim/adam.ts): bias corrections applied to m and v, eps added to √v̂."""

    def __init__(self, params, lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params, grads):
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def numpy_trainer(sizes, activation, optimizer, rng):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(Affine(0.01 * rng.standard_normal((sizes[i], sizes[i + 1])), i == 0))
        if i < len(sizes) - 2:
            layers.append(Relu() if activation == "relu" else Sigmoid())
    affines = [l for l in layers if isinstance(l, Affine)]
    params = [p for a in affines for p in (a.W, a.b)]
    adam = Adam(params) if optimizer == "adam" else None

    def step(x, t):
        for layer in layers:
            x = layer.forward(x)
        d = softmax_loss_backward(x, t)
        for layer in reversed(layers):
            d = layer.backward(d)
        grads = [g for a in affines for g in (a.dW, a.db)]
        if adam:
            adam.step(params, grads)
        else:
            for p, g in zip(params, grads):
                p -= 0.1 * g

    return step, blas_info()


def torch_trainer(sizes, activation, optimizer, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(1)
    modules = []
    for i in range(len(sizes) - 1):
        linear = torch.nn.Linear(sizes[i], sizes[i + 1]).double()
        torch.nn.init.normal_(linear.weight, std=0.01)
        torch.nn.init.zeros_(linear.bias)
        modules.append(linear)
        if i < len(sizes) - 2:
            modules.append(torch.nn.ReLU() if activation == "relu" else torch.nn.Sigmoid())
    net = torch.nn.Sequential(*modules)
    opt = torch.optim.Adam(net.parameters(), lr=0.001, eps=1e-8) if optimizer == "adam" else torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(x, t):
        opt.zero_grad()
        loss_fn(net(torch.from_numpy(x)), torch.from_numpy(t)).backward()
        opt.step()

    return step, f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)"


def main():
    framework, data_dir, sizes, activation, optimizer = sys.argv[1:6]
    batch, steps, reps, threads, warmup = (int(a) for a in sys.argv[6:11])
    sizes = [int(s) for s in sizes.split(",")]
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte")).reshape(-1, 784)
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte")).astype(np.int64)
    rng = np.random.default_rng(1)
    if framework == "torch":
        step, library = torch_trainer(sizes, activation, optimizer, threads)
    else:
        step, library = numpy_trainer(sizes, activation, optimizer, rng)
    order = rng.permutation(len(images))
    per_epoch = len(images) // batch
    done = 0

    def run(count):
        nonlocal done
        for _ in range(count):
            it = done % per_epoch
            idx = order[it * batch : (it + 1) * batch]
            step(images[idx] / 255.0, labels[idx])
            done += 1

    run(warmup)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run(steps)
        times.append(time.perf_counter() - start)
    print(json.dumps({"times": times, "library": library}))


if __name__ == "__main__":
    main()
