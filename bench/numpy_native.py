"""numpy + OpenBLAS anchors for bench/native.bench.ts (set OPENBLAS_NUM_THREADS for the thread count).

  numpy_native.py gemm '<json [[form, m, k, n], ...]>'   GFLOP/s of each product, best of 5 rounds
  numpy_native.py mlp <data dir> <hidden,sizes> <batch> <limit> <epochs>
      epoch times of a ReLU MLP on the first <limit> MNIST images (SGD lr 0.01, He init, float64),
      the same maths as nnt: no gradient for the input images.
Prints one JSON object.
"""
import json
import os
import sys
import time

import numpy as np

from numpy_epoch import blas_info, read_idx


def gemm(shapes):
    rng = np.random.default_rng(1)
    out = []
    for form, m, k, n in shapes:
        # The operands as the product reads them: matmul A (m×k)·B (k×n); transA Aᵀ with A (k×m); transB Bᵀ with B (n×k).
        a = rng.standard_normal((k, m) if form == "matmulTransA" else (m, k))
        b = rng.standard_normal((n, k) if form == "matmulTransB" else (k, n))
        c = np.empty((m, n))
        x = a.T if form == "matmulTransA" else a
        y = b.T if form == "matmulTransB" else b
        reps = max(3, int(2e8 / (2 * m * k * n)))
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(reps):
                np.matmul(x, y, out=c)
            best = min(best, (time.perf_counter() - start) / reps)
        out.append(2 * m * k * n / best / 1e9)
    return {"gflops": out, "blas": blas_info()}


def mlp(data_dir, hidden, batch, limit, epochs):
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte")).reshape(-1, 784)[:limit] / 255.0
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte")).astype(np.int64)[:limit]
    rng = np.random.default_rng(1)
    sizes = [784] + hidden + [10]
    W = [rng.standard_normal((i, o)) * np.sqrt(2.0 / i) for i, o in zip(sizes, sizes[1:])]
    b = [np.zeros(o) for o in sizes[1:]]
    lr, iterations, rows = 0.01, len(images) // batch, np.arange(batch)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(images))
        for it in range(iterations):
            idx = order[it * batch : (it + 1) * batch]
            hs = [images[idx]]
            for l in range(len(W)):
                a = hs[-1] @ W[l] + b[l]
                hs.append(np.maximum(a, 0) if l < len(W) - 1 else a)
            s = hs[-1]
            y = np.exp(s - s.max(axis=1, keepdims=True))
            y /= y.sum(axis=1, keepdims=True)
            y[rows, labels[idx]] -= 1
            d = y / batch
            for l in range(len(W) - 1, -1, -1):
                dW, db = hs[l].T @ d, d.sum(axis=0)
                if l > 0:
                    d = d @ W[l].T
                    d[hs[l] <= 0] = 0
                W[l] -= lr * dW
                b[l] -= lr * db
        times.append(time.perf_counter() - start)
    return {"times": times, "blas": blas_info(), "numpy": np.__version__}


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    if sys.argv[1] == "gemm":
        print(json.dumps(gemm(json.loads(sys.argv[2]))))
    else:
        d, hidden, batch, limit, epochs = sys.argv[2:7]
        print(json.dumps(mlp(d, [int(h) for h in hidden.split(",")], int(batch), int(limit), int(epochs))))
