"""The two-layer net's training epoch in lean numpy, the yardstick for bench/epoch.bench.ts.

784-50-10 ReLU, weights N(0, 0.01^2), SGD lr 0.1, batch 100, 600 iterations over a shuffled
MNIST training set, float64: the same maths as nnt. Like nnt's first Affine layer it does not
compute the gradient with respect to the input images (nothing uses it).
Prints one JSON object: the epoch times in seconds, the test accuracy, and the BLAS in use.
Run with OPENBLAS_NUM_THREADS=1 for a one-core comparison (the bench sets it).
"""
import ctypes
import json
import os
import sys
import time

import numpy as np


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def blas_info():
    info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    text = f"{info.get('name')} {info.get('version')}"
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return f"{text}, kernel {pools[0].get('architecture')}, {pools[0].get('num_threads')} thread(s)"
    except ImportError:
        pass
    # Without threadpoolctl: ask the loaded OpenBLAS library for its core kernel directly.
    for line in open("/proc/self/maps"):
        if "openblas" in line.lower():
            lib = ctypes.CDLL(line.split()[-1])
            for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
                fn = getattr(lib, name, None)
                if fn is not None:
                    fn.restype = ctypes.c_char_p
                    return f"{text}, kernel {fn().decode()}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    return text


def gradients(x, t, W1, b1, W2, b2):
    """dW1, db1, dW2, db2 of the mean softmax-with-loss of batch x (labels t); no dX for the input."""
    a1 = x @ W1 + b1
    h = np.maximum(a1, 0)
    s = h @ W2 + b2
    y = np.exp(s - s.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    y[np.arange(len(x)), t] -= 1
    dy = y / len(x)
    da1 = dy @ W2.T
    da1[a1 <= 0] = 0
    return [x.T @ da1, da1.sum(axis=0), h.T @ dy, dy.sum(axis=0)]


def main():
    data_dir, epochs = sys.argv[1], int(sys.argv[2])
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte")).reshape(-1, 784) / 255.0
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte")).astype(np.int64)
    test_x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte")).reshape(-1, 784) / 255.0
    test_t = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte"))

    rng = np.random.default_rng(1)
    W1 = 0.01 * rng.standard_normal((784, 50))
    b1 = np.zeros(50)
    W2 = 0.01 * rng.standard_normal((50, 10))
    b2 = np.zeros(10)
    lr, batch = 0.1, 100
    iterations = len(images) // batch

    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(images))
        for it in range(iterations):
            idx = order[it * batch : (it + 1) * batch]
            for p, g in zip((W1, b1, W2, b2), gradients(images[idx], labels[idx], W1, b1, W2, b2)):
                p -= lr * g
        times.append(time.perf_counter() - start)

    scores = np.maximum(test_x @ W1 + b1, 0) @ W2 + b2
    accuracy = float((scores.argmax(axis=1) == test_t).mean())
    print(json.dumps({"times": times, "accuracy": accuracy, "blas": blas_info(), "numpy": np.__version__}))


if __name__ == "__main__":
    main()
