/* The softmax of the native backend (nnt_softmax.c), with the wasm module's bits. */
#ifndef NNT_SOFTMAX_H
#define NNT_SOFTMAX_H
#include <stdint.h>
#include "nnt_sparse.h"

/*
 * kernels.wat's softmax_rows, eight rows at a time (one per lane) with AVX-512: out (rows×cols)
 * = each row's e^(x − max) / sum, with exp.ts's e^x; stats[2i], stats[2i + 1] = row i's max
 * and sum. Returns 0 without AVX-512 (the caller then uses the wasm kernel). Nothing is checked.
 */
int nnt_softmax_rows(enum nnt_isa isa, const double *x, double *out, int64_t rows, int64_t cols, double *stats);

#endif
