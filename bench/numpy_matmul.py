"""GFLOP/s of numpy's matrix products (OpenBLAS) on the shapes of bench/kernels.bench.ts.

Usage: numpy_matmul.py SHAPES_JSON, a list of [kind, m, k, n] as kernels.bench.ts's shapes
(kind: matmul A m×k · B k×n; matmulTransA Aᵀ·B, A m×k, B m×n; matmulTransB A·Bᵀ, A m×n,
B k×n). Prints one JSON object: GFLOP/s per shape (the median of 9 timings of ~20 ms of calls
each, as kernels.bench.ts) and the BLAS in use. Threads as set by the caller (OPENBLAS_NUM_THREADS).
"""
import json
import sys
import time

import numpy as np

from numpy_epoch import blas_info


def operands(kind, m, k, n, rng):
    if kind == "matmul":
        a, b = rng.random((m, k)) - 0.5, rng.random((k, n)) - 0.5
        return lambda: a @ b
    if kind == "matmulTransA":
        a, b = rng.random((m, k)) - 0.5, rng.random((m, n)) - 0.5
        return lambda: a.T @ b
    a, b = rng.random((m, n)) - 0.5, rng.random((k, n)) - 0.5
    return lambda: a @ b.T


def gflops(kind, m, k, n, rng):
    run = operands(kind, m, k, n, rng)
    once = min(timed(run, 1) for _ in range(20))
    reps = max(1, round(0.02 / max(once, 1e-7)))
    times = sorted(timed(run, reps) for _ in range(9))
    return 2 * m * k * n / times[4] / 1e9


def timed(run, reps):
    start = time.perf_counter()
    for _ in range(reps):
        run()
    return (time.perf_counter() - start) / reps


def main():
    rng = np.random.default_rng(1)
    shapes = json.loads(sys.argv[1])
    print(json.dumps({"gflops": [gflops(kind, m, k, n, rng) for kind, m, k, n in shapes], "blas": blas_info()}))


if __name__ == "__main__":
    main()
