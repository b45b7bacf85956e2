/*
 * The softmax of a batch's scores (Kernels.softmaxRows) in AVX-512 code, eight rows at a time,
 * for the native backend: kernels.wat's softmax_rows and its $exp (src/core/exp.ts: fdlibm's
 * e_exp.c, V8's Math.exp) operation for operation, so the same bits; built with
 * -ffp-contract=off. The rows' values are gathered and scattered across the lanes (a row's
 * own sum runs over its values in order, in one lane).
 */
#include "nnt_simd.h"
#include "nnt_softmax.h"

#ifdef NNT_X86
#define AVX512F __attribute__((target("avx512f")))
#define SPLAT(c) _mm512_set1_pd(c)

/* |x|'s high 32 bits below `limit`, lane by lane. */
AVX512F static inline __mmask8 high_below(__m512i hx, int64_t limit) {
  return _mm512_cmplt_epi64_mask(hx, _mm512_set1_epi64(limit));
}

/* $exp of kernels.wat on eight doubles. */
AVX512F static __m512d exp8(__m512d given) {
  /* pmax/pmin as kernels.wat's: the bound where x is beyond it, x otherwise (a NaN stays). */
  const __m512d x = _mm512_min_pd(SPLAT(710), _mm512_max_pd(SPLAT(-746), given));
  const __m512i bits = _mm512_castpd_si512(x);
  const __m512i hx = _mm512_srli_epi64(_mm512_and_si512(bits, _mm512_set1_epi64(0x7fffffffffffffff)), 32);
  const __m512i sign = _mm512_and_si512(bits, _mm512_set1_epi64((int64_t)0x8000000000000000ull));
  const __m512d half = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(SPLAT(0.5)), sign));
  const __m512d one = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(SPLAT(1)), sign));
  __m512d k = _mm512_roundscale_pd(_mm512_add_pd(_mm512_mul_pd(x, SPLAT(1.4426950408889634)), half), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  k = _mm512_mask_blend_pd(high_below(hx, 0x3ff0a2b2), k, one);
  k = _mm512_mask_blend_pd(high_below(hx, 0x3fd62e43), k, _mm512_setzero_pd());
  const __m512d hi = _mm512_sub_pd(x, _mm512_mul_pd(k, SPLAT(6.93147180369123816490e-1)));
  const __m512d lo = _mm512_mul_pd(k, SPLAT(1.90821492927058770002e-10));
  const __m512d r = _mm512_sub_pd(hi, lo), t = _mm512_mul_pd(r, r);
  __m512d c = _mm512_mul_pd(t, SPLAT(4.13813679705723846039e-8));
  c = _mm512_mul_pd(t, _mm512_add_pd(SPLAT(-1.65339022054652515390e-6), c));
  c = _mm512_mul_pd(t, _mm512_add_pd(SPLAT(6.61375632143793436117e-5), c));
  c = _mm512_mul_pd(t, _mm512_add_pd(SPLAT(-2.77777777770155933842e-3), c));
  c = _mm512_mul_pd(t, _mm512_add_pd(SPLAT(1.66666666666666019037e-1), c));
  c = _mm512_sub_pd(r, c);
  __m512d y = _mm512_sub_pd(SPLAT(1), _mm512_sub_pd(_mm512_sub_pd(lo, _mm512_div_pd(_mm512_mul_pd(r, c), _mm512_sub_pd(SPLAT(2), c))), hi));
  /* 2^j from the bits of R + j (R = 1.5·2^52), for j = k1 = floor(k/2) and k − k1. */
  const __m512d R = SPLAT(6755399441055744.0);
  const __m512i bias = _mm512_sub_epi64(_mm512_castpd_si512(R), _mm512_set1_epi64(1023));
  const __m512d k1 = _mm512_roundscale_pd(_mm512_div_pd(k, SPLAT(2)), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m512d p1 = _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_sub_epi64(_mm512_castpd_si512(_mm512_add_pd(k1, R)), bias), 52));
  const __m512d p2 = _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_sub_epi64(_mm512_castpd_si512(_mm512_add_pd(_mm512_sub_pd(k, k1), R)), bias), 52));
  y = _mm512_mul_pd(_mm512_mul_pd(y, p1), p2);
  y = _mm512_mask_blend_pd(high_below(hx, 0x3e300000), y, _mm512_add_pd(SPLAT(1), x));
  return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(given, SPLAT(1), _CMP_EQ_OQ), y, SPLAT(2.718281828459045));
}

/* Rows r0 .. r0 + 7 (lanes past `lanes` idle): max, the e^(x − max) and their sum, then / sum. */
AVX512F static void rows8(const double *x, double *out, int64_t cols, __mmask8 lanes, double *stats) {
  const __m512i at = _mm512_set_epi64(7 * cols, 6 * cols, 5 * cols, 4 * cols, 3 * cols, 2 * cols, cols, 0);
  __m512d max = SPLAT(-__builtin_inf()), sum = _mm512_setzero_pd();
  for (int64_t j = 0; j < cols; j++) {
    const __m512d v = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), lanes, at, x + j, 8);
    max = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(v, max, _CMP_GT_OQ), max, v);
  }
  for (int64_t j = 0; j < cols; j++) {
    const __m512d e = exp8(_mm512_sub_pd(_mm512_mask_i64gather_pd(_mm512_setzero_pd(), lanes, at, x + j, 8), max));
    _mm512_mask_i64scatter_pd(out + j, lanes, at, e, 8);
    sum = _mm512_add_pd(sum, e);
  }
  for (int64_t j = 0; j < cols; j++) {
    const __m512d e = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), lanes, at, out + j, 8);
    _mm512_mask_i64scatter_pd(out + j, lanes, at, _mm512_div_pd(e, sum), 8);
  }
  const __m512i two = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
  _mm512_mask_i64scatter_pd(stats, lanes, two, max, 8);
  _mm512_mask_i64scatter_pd(stats + 1, lanes, two, sum, 8);
}
#endif

int nnt_softmax_rows(enum nnt_isa isa, const double *x, double *out, int64_t rows, int64_t cols, double *stats) {
#ifdef NNT_X86
  if (isa != NNT_AVX512) return 0;
  for (int64_t r = 0; r < rows; r += 8) {
    const __mmask8 lanes = (__mmask8)(rows - r >= 8 ? 0xff : (1u << (rows - r)) - 1);
    rows8(x + r * cols, out + r * cols, cols, lanes, stats + 2 * r);
  }
  return 1;
#else
  (void)isa; (void)x; (void)out; (void)rows; (void)cols; (void)stats;
  return 0;
#endif
}
