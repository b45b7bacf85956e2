"""The book's SimpleConvNet (ch. 7) in numpy, from its formulas: the yardstick for bench/conv.bench.ts.

conv 30 5x5 -> ReLU -> max-pool 2x2 stride 2 -> affine 100 -> ReLU -> affine 10 -> softmax
with loss, on im2col/col2im as in the book's common/util.py and common/layers.py; Adam
lr 0.001, batch 100, float64, He initialisation. Like nnt it does not compute the gradient
with respect to the input images (the book's code does: one col2im more per batch).

Usage: numpy_convnet.py DATA_DIR BATCHES. Trains BATCHES batches of shuffled MNIST and prints
one JSON object: seconds per batch, and the numpy version. Run with OPENBLAS_NUM_THREADS=1.
"""
import json
import sys
import time

import numpy as np

from numpy_epoch import read_idx


def im2col(x, fh, fw, stride=1, pad=0):
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((n, c, fh, fw, oh, ow))
    for y in range(fh):
        y_max = y + stride * oh
        for xx in range(fw):
            x_max = xx + stride * ow
            col[:, :, y, xx, :, :] = img[:, :, y:y_max:stride, xx:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col, shape, fh, fw, stride=1, pad=0):
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1))
    for y in range(fh):
        y_max = y + stride * oh
        for xx in range(fw):
            x_max = xx + stride * ow
            img[:, :, y:y_max:stride, xx:x_max:stride] += col[:, :, y, xx, :, :]
    return img[:, :, pad:h + pad, pad:w + pad]


class Convolution:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        fn, c, fh, fw = self.W.shape
        n, c, h, w = x.shape
        oh, ow = h - fh + 1, w - fw + 1
        self.col = im2col(x, fh, fw)
        self.col_W = self.W.reshape(fn, -1).T
        out = self.col @ self.col_W + self.b
        return out.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        fn = self.W.shape[0]
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).transpose(1, 0).reshape(self.W.shape)
        return None  # first layer: no dx


class Pooling:
    def forward(self, x):
        n, c, h, w = x.shape
        oh, ow = h // 2, w // 2
        col = im2col(x, 2, 2, 2).reshape(-1, 4)
        self.x, self.arg_max = x, np.argmax(col, axis=1)
        return np.max(col, axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        dmax = np.zeros((dout.size, 4))
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dcol = dmax.reshape(dout.shape + (4,)).reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x.shape, 2, 2, 2)


def main():
    data_dir, batches = sys.argv[1], int(sys.argv[2])
    x = read_idx(f"{data_dir}/train-images-idx3-ubyte").reshape(-1, 1, 28, 28)
    t = read_idx(f"{data_dir}/train-labels-idx1-ubyte").astype(np.int64)
    rng = np.random.default_rng(1)
    params = {
        "W1": rng.standard_normal((30, 1, 5, 5)) * np.sqrt(2 / 25), "b1": np.zeros(30),
        "W2": rng.standard_normal((4320, 100)) * np.sqrt(2 / 4320), "b2": np.zeros(100),
        "W3": rng.standard_normal((100, 10)) * np.sqrt(2 / 100), "b3": np.zeros(10),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    conv, pool = Convolution(params["W1"], params["b1"]), Pooling()
    order = rng.permutation(len(x))
    start = time.perf_counter()
    for it in range(batches):
        idx = order[(it * 100) % len(x):(it * 100) % len(x) + 100]
        xb, tb = x[idx].astype(np.float64) / 255.0, t[idx]
        # forward
        h1 = conv.forward(xb)
        r1 = np.maximum(h1, 0)
        p1 = pool.forward(r1)
        f = p1.reshape(100, -1)
        a2 = f @ params["W2"] + params["b2"]
        r2 = np.maximum(a2, 0)
        a3 = r2 @ params["W3"] + params["b3"]
        e = np.exp(a3 - a3.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        # backward
        d3 = y.copy()
        d3[np.arange(100), tb] -= 1
        d3 /= 100
        g = {"W3": r2.T @ d3, "b3": d3.sum(axis=0)}
        d2 = (d3 @ params["W3"].T) * (a2 > 0)
        g["W2"], g["b2"] = f.T @ d2, d2.sum(axis=0)
        dp = (d2 @ params["W2"].T).reshape(p1.shape)
        dr1 = pool.backward(dp) * (h1 > 0)
        conv.backward(dr1)
        g["W1"], g["b1"] = conv.dW, conv.db
        # Adam, the book's form
        lr_t = 0.001 * np.sqrt(1 - 0.999 ** (it + 1)) / (1 - 0.9 ** (it + 1))
        for k in params:
            m[k] += (1 - 0.9) * (g[k] - m[k])
            v[k] += (1 - 0.999) * (g[k] ** 2 - v[k])
            params[k] -= lr_t * m[k] / (np.sqrt(v[k]) + 1e-7)
    seconds = time.perf_counter() - start
    print(json.dumps({"secondsPerBatch": seconds / batches, "batches": batches, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
