/* The small dense products of the native backend (nnt_dense.c), with the wasm module's bits. */
#ifndef NNT_DENSE_H
#define NNT_DENSE_H
#include <stdint.h>
#include "nnt_sparse.h"

/*
 * C (rows×cols, row-major) = Σ_q A(r, q) · B(q, j) over q = 0 .. nq − 1, each element one
 * chain from +0 in increasing q, fused multiply-adds or multiply then add: kernels.wat's gemm
 * bit for bit (which fuses in its relaxed-SIMD build when cols ≥ 4). A(r, q) is
 * a[r·ars + q·aqs]; B(q, j) is b[q·bqs + j·bjs]. Nothing is checked here.
 */
void nnt_dense_product(enum nnt_isa isa, const double *a, int64_t ars, int64_t aqs, const double *b, int64_t bqs,
                       int64_t bjs, double *c, int64_t rows, int64_t nq, int64_t cols, int fused);

#endif
