/*
 * The small dense products (below the size `auto` gives to CBLAS) in AVX2 or AVX-512 code, for
 * the native backend: kernels.wat's gemm bit for bit, so the default run's weights do not
 * depend on which backend ran (the second layer of the two-layer net: 100×50 by 50×10 and its
 * two gradients, where the wasm module's two-double vectors leave most of each core idle).
 * Each element of C is one chain over q from +0, in order; built with -ffp-contract=off.
 */
#include "nnt_dense.h"
#include "nnt_scratch.h"
#include "nnt_simd.h"

#ifdef NNT_X86

/* Rows of C four at a time, a block of V vectors of columns: 4·V sums in registers, each load
 * of B serving four rows. Rows past `rows` (the last group) are skipped, not computed. */
#define ROWS 4
#define BLOCK_BODY(VEC, ZERO, LOAD, STORE, BROADCAST, MADD)                                        \
  for (int64_t r0 = 0; r0 < rows; r0 += ROWS) {                                                    \
    const int64_t nr = rows - r0 < ROWS ? rows - r0 : ROWS;                                         \
    VEC s[ROWS][MAXV];                                                                             \
    _Pragma("GCC unroll 4") for (int i = 0; i < ROWS; i++)                                        \
      _Pragma("GCC unroll 8") for (int v = 0; v < MAXV; v++) s[i][v] = ZERO();                    \
    for (int64_t q = 0; q < nq; q++) {                                                             \
      VEC w[MAXV];                                                                                 \
      _Pragma("GCC unroll 8") for (int v = 0; v < MAXV; v++) if (v < V) w[v] = LOAD(b + q * bqs, v); \
      _Pragma("GCC unroll 4") for (int i = 0; i < ROWS; i++) {                                    \
        if (i >= nr) break;                                                                        \
        const VEC x = BROADCAST(a + (r0 + i) * ars + q * aqs);                                     \
        _Pragma("GCC unroll 8") for (int v = 0; v < MAXV; v++) if (v < V) s[i][v] = MADD(x, w[v], s[i][v]); \
      }                                                                                            \
    }                                                                                              \
    _Pragma("GCC unroll 4") for (int i = 0; i < ROWS; i++) {                                      \
      if (i >= nr) break;                                                                          \
      _Pragma("GCC unroll 8") for (int v = 0; v < MAXV; v++) if (v < V) STORE(c + (r0 + i) * cols, v, s[i][v]); \
    }                                                                                              \
  }

/* C's columns j0 .. j0 + 8V (or 4V) − 1: b and c point at column j0; C's rows are `cols` apart. */
#define BLOCK_ARGS const double *a, int64_t ars, int64_t aqs, const double *b, int64_t bqs, double *c, \
  int64_t rows, int64_t nq, int64_t cols

#define MAXV 3
AVX2 void block_avx2_fused(BLOCK_ARGS, int V, __m256i tail) { BLOCK_BODY(__m256d, _mm256_setzero_pd, L2, S2, _mm256_broadcast_sd, FMA2) }
AVX2 void block_avx2_plain(BLOCK_ARGS, int V, __m256i tail) { BLOCK_BODY(__m256d, _mm256_setzero_pd, L2, S2, _mm256_broadcast_sd, MULADD2) }
#undef MAXV

#define MAXV 6
AVX512 void block_avx512_fused(BLOCK_ARGS, int V, __mmask8 tail) { BLOCK_BODY(__m512d, _mm512_setzero_pd, L8, S8, B8, FMA8) }
AVX512 void block_avx512_plain(BLOCK_ARGS, int V, __mmask8 tail) { BLOCK_BODY(__m512d, _mm512_setzero_pd, L8, S8, B8, MULADD8) }
#undef MAXV

#define CASE(K, F) case K: return F(a, ars, aqs, b, bqs, c, rows, nq, cols, K, tail);

__attribute__((target("avx2,fma"))) static void block_avx2(BLOCK_ARGS, int width, int fused) {
  const int V = (width + 3) / 4;
  const __m256i tail = nnt_tail4(width, V);
#define CASES(F) CASE(1, F) CASE(2, F) CASE(3, F)
  BY_WIDTH(block_avx2)
#undef CASES
}

__attribute__((target("avx512f"))) static void block_avx512(BLOCK_ARGS, int width, int fused) {
  const int V = (width + 7) / 8;
  const __mmask8 tail = nnt_tail8(width, V);
#define CASES(F) CASE(1, F) CASE(2, F) CASE(3, F) CASE(4, F) CASE(5, F) CASE(6, F)
  BY_WIDTH(block_avx512)
#undef CASES
}

#endif /* NNT_X86 */

void nnt_dense_product(enum nnt_isa isa, const double *a, int64_t ars, int64_t aqs, const double *b, int64_t bqs,
                       int64_t bjs, double *c, int64_t rows, int64_t nq, int64_t cols, int fused) {
#ifdef NNT_X86
  /* A B read across its rows (Bᵀ of a row-major matrix) is copied to rows first: the same values. */
  if (bjs != 1 && nq > 0 && cols > 0) {
    double *copy = nnt_scratch((size_t)(nq * cols));
    if (copy) {
      for (int64_t q = 0; q < nq; q++)
        for (int64_t j = 0; j < cols; j++) copy[q * cols + j] = b[q * bqs + j * bjs];
      b = copy;
      bqs = cols;
      bjs = 1;
    }
  }
  /* kernels.wat fuses only with four columns or more (narrower products run its scalar code). */
  fused = fused && cols >= 4;
  if (bjs == 1) {
    const int most = isa == NNT_AVX512 ? 48 : 12;
    for (int64_t j = 0; j < cols; j += most) {
      const int width = (int)(cols - j < most ? cols - j : most);
      if (isa == NNT_AVX512) block_avx512(a, ars, aqs, b + j, bqs, c + j, rows, nq, cols, width, fused);
      else block_avx2(a, ars, aqs, b + j, bqs, c + j, rows, nq, cols, width, fused);
    }
  } else { /* no memory for the copy: one element at a time, the same chains */
    for (int64_t r = 0; r < rows; r++)
      for (int64_t j = 0; j < cols; j++) {
        double s = 0;
        for (int64_t q = 0; q < nq; q++) {
          const double x = a[r * ars + q * aqs], w = b[q * bqs + j * bjs];
          s = fused ? __builtin_fma(x, w, s) : s + x * w;
        }
        c[r * cols + j] = s;
      }
  }
#else
  (void)isa; (void)a; (void)ars; (void)aqs; (void)b; (void)bqs; (void)bjs; (void)c; (void)rows; (void)nq; (void)cols; (void)fused;
#endif
}
