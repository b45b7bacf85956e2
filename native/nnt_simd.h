/*
 * The vector operations nnt_sparse.c and nnt_dense.c are written in, for x86 with GCC or
 * Clang: one width's load (the last of a block's V vectors masked by `tail`), store, broadcast
 * and multiply-add, fused or multiply-then-add. V and tail are in scope wherever they expand.
 */
#ifndef NNT_SIMD_H
#define NNT_SIMD_H
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NNT_X86 1

/* A function expanded once per vector count V (a constant in each), inlined into its dispatcher. */
#define AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline
#define AVX512 __attribute__((target("avx512f"), always_inline)) static inline

/* AVX2: four doubles a vector. */
#define L2(p, v) (v == V - 1 ? _mm256_maskload_pd((p) + 4 * (v), tail) : _mm256_loadu_pd((p) + 4 * (v)))
#define S2(p, v, x) (v == V - 1 ? _mm256_maskstore_pd((p) + 4 * (v), tail, x) : _mm256_storeu_pd((p) + 4 * (v), x))
#define FMA2(x, w, s) _mm256_fmadd_pd(x, w, s)
#define MULADD2(x, w, s) _mm256_add_pd(s, _mm256_mul_pd(x, w))

/* AVX-512: eight. */
#define L8(p, v) (v == V - 1 ? _mm512_maskz_loadu_pd(tail, (p) + 8 * (v)) : _mm512_loadu_pd((p) + 8 * (v)))
#define S8(p, v, x) (v == V - 1 ? _mm512_mask_storeu_pd((p) + 8 * (v), tail, x) : _mm512_storeu_pd((p) + 8 * (v), x))
#define B8(p) _mm512_set1_pd(*(p))
#define FMA8(x, w, s) _mm512_fmadd_pd(x, w, s)
#define MULADD8(x, w, s) _mm512_add_pd(s, _mm512_mul_pd(x, w))

/* The lanes of a block's last vector that hold columns: width − 4(V − 1), or width − 8(V − 1). */
__attribute__((target("avx2"))) static inline __m256i nnt_tail4(int width, int V) {
  const int last = width - 4 * (V - 1);
  return _mm256_setr_epi64x(-1, last > 1 ? -1 : 0, last > 2 ? -1 : 0, last > 3 ? -1 : 0);
}
static inline __mmask8 nnt_tail8(int width, int V) { return (__mmask8)(0xff >> (8 * V - width)); }

/* A block's call of the function expanded for its V, fused or not; CASES(F) lists CASE(k, F) for each V. */
#define BY_WIDTH(F) \
  if (fused) switch (V) { CASES(F##_fused) } else switch (V) { CASES(F##_plain) }

#endif
#endif
