/* The sparse list products of the native backend (nnt_sparse.c). */
#ifndef NNT_SPARSE_H
#define NNT_SPARSE_H
#include <stdint.h>

/* The instruction sets nnt_list_products has code for; NNT_NO_ISA: none on this processor. */
enum nnt_isa { NNT_NO_ISA = 0, NNT_AVX2 = 1, NNT_AVX512 = 2 };

/* The widest set this processor runs (AVX2 counts only with FMA). */
enum nnt_isa nnt_sparse_isa(void);

/*
 * Rows from..to−1 of C (n columns, row r at c + r·n) = the list products of kernels.wat's
 * sparse_matmul: Σ table[code] · (row index of B, n columns) over list r's entries
 * entry[start[r]] .. entry[start[r + 1] − 1], from +0 in order, fused or not; B has `size`
 * rows. Nothing is checked here: the caller has checked every start and index against the arrays.
 */
void nnt_list_products(enum nnt_isa isa, const int32_t *start, const int32_t *entry, const double *table,
                       int64_t from, int64_t to, const double *b, int64_t size, double *c, int64_t n, int fused);

#endif
