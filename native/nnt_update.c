/*
 * The optimizers' updates (Kernels.updateWeights) in AVX2 or AVX-512 code, for the native
 * backend. Adam's and RMSprop's take a division and a square root per weight, which
 * WebAssembly does two at a time: on the default net Adam's update took ~80 µs a step, as much
 * as a third of the rest of the step. Element by element the operations of kernels.wat (and
 * of the TypeScript reference), so the same bits; built with -ffp-contract=off.
 */
#include <math.h>
#include "nnt_simd.h"
#include "nnt_update.h"

/*
 * Every rule's loop, from weight i on in steps of WIDTH, for one vector type T and its
 * operations (scalars with WIDTH 1 finish what the vectors leave); i ends where it stopped.
 */
#define RULES(T, WIDTH, LOAD, STORE, SET1, ADD, SUB, MUL, DIV, SQRT)                                     \
  switch (rule) {                                                                                       \
  case NNT_MOMENTUM: case NNT_NESTEROV: {                                                               \
    const T mu = SET1(k[0]), lr = SET1(k[1]);                                                           \
    for (; i + WIDTH <= n; i += WIDTH) {                                                                \
      const T gv = LOAD(g + i), sv = SUB(MUL(mu, LOAD(s + i)), MUL(lr, gv));                            \
      STORE(s + i, sv);                                                                                 \
      STORE(w + i, ADD(LOAD(w + i), rule == NNT_MOMENTUM ? sv : SUB(MUL(mu, sv), MUL(lr, gv))));        \
    }                                                                                                   \
    break;                                                                                              \
  }                                                                                                     \
  case NNT_ADAGRAD: case NNT_RMSPROP: {                                                                 \
    const int rms = rule == NNT_RMSPROP;                                                                \
    const T rho = SET1(k[0]), rho1 = SET1(k[1]), lr = SET1(rms ? k[2] : k[0]), eps = SET1(rms ? k[3] : k[1]); \
    for (; i + WIDTH <= n; i += WIDTH) {                                                                \
      const T gv = LOAD(g + i);                                                                         \
      const T sv = rms ? ADD(MUL(rho, LOAD(s + i)), MUL(MUL(rho1, gv), gv)) : ADD(LOAD(s + i), MUL(gv, gv)); \
      STORE(s + i, sv);                                                                                 \
      STORE(w + i, SUB(LOAD(w + i), DIV(MUL(lr, gv), ADD(SQRT(sv), eps))));                             \
    }                                                                                                   \
    break;                                                                                              \
  }                                                                                                     \
  case NNT_ADAM: {                                                                                      \
    const T b1 = SET1(k[0]), b11 = SET1(k[1]), b2 = SET1(k[2]), b21 = SET1(k[3]);                       \
    const T step = SET1(k[4]), scale = SET1(k[5]), eps = SET1(k[6]);                                    \
    for (; i + WIDTH <= n; i += WIDTH) {                                                                \
      const T gv = LOAD(g + i);                                                                         \
      const T sv = ADD(MUL(b1, LOAD(s + i)), MUL(b11, gv));                                             \
      const T tv = ADD(MUL(b2, LOAD(t + i)), MUL(MUL(b21, gv), gv));                                    \
      STORE(s + i, sv);                                                                                 \
      STORE(t + i, tv);                                                                                 \
      STORE(w + i, SUB(LOAD(w + i), DIV(MUL(step, sv), ADD(MUL(SQRT(tv), scale), eps))));               \
    }                                                                                                   \
    break;                                                                                              \
  }                                                                                                     \
  }

#define SCALAR_LOAD(p) (*(p))
#define SCALAR_STORE(p, x) (*(p) = (x))
#define SCALAR_SET1(x) (x)
#define SCALAR_ADD(a, b) ((a) + (b))
#define SCALAR_SUB(a, b) ((a) - (b))
#define SCALAR_MUL(a, b) ((a) * (b))
#define SCALAR_DIV(a, b) ((a) / (b))

static void update_scalar(enum nnt_rule rule, double *w, const double *g, double *s, double *t, const double *k, int64_t i, int64_t n) {
  RULES(double, 1, SCALAR_LOAD, SCALAR_STORE, SCALAR_SET1, SCALAR_ADD, SCALAR_SUB, SCALAR_MUL, SCALAR_DIV, sqrt)
}

#ifdef NNT_X86
__attribute__((target("avx512f"))) static int64_t update_avx512(enum nnt_rule rule, double *w, const double *g, double *s, double *t, const double *k, int64_t n) {
  int64_t i = 0;
  RULES(__m512d, 8, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd, _mm512_add_pd, _mm512_sub_pd, _mm512_mul_pd, _mm512_div_pd, _mm512_sqrt_pd)
  return i;
}

__attribute__((target("avx2,fma"))) static int64_t update_avx2(enum nnt_rule rule, double *w, const double *g, double *s, double *t, const double *k, int64_t n) {
  int64_t i = 0;
  RULES(__m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd, _mm256_add_pd, _mm256_sub_pd, _mm256_mul_pd, _mm256_div_pd, _mm256_sqrt_pd)
  return i;
}
#endif

void nnt_update(enum nnt_isa isa, enum nnt_rule rule, double *w, const double *g, double *s, double *t, const double *k, int64_t n) {
  int64_t i = 0;
#ifdef NNT_X86
  if (isa == NNT_AVX512) i = update_avx512(rule, w, g, s, t, k, n);
  else if (isa == NNT_AVX2) i = update_avx2(rule, w, g, s, t, k, n);
#else
  (void)isa;
#endif
  update_scalar(rule, w, g, s, t, k, i, n);
}

/* add_scaled's loop over weights i .. end − 1 in steps of WIDTH, for one vector type T. */
#define ADD_SCALED(T, WIDTH, LOAD, STORE, SET1, FMA, ADD, MUL)                                     \
  const T a = SET1(alpha);                                                                         \
  for (; i + WIDTH <= end; i += WIDTH) {                                                           \
    const T xv = LOAD(x + i), yv = LOAD(y + i);                                                    \
    STORE(y + i, fused ? FMA(a, xv, yv) : ADD(MUL(a, xv), yv));                                    \
  }                                                                                                \
  return i;

#ifdef NNT_X86
__attribute__((target("avx512f"))) static int64_t add_scaled_avx512(double *y, const double *x, double alpha, int64_t i, int64_t end, int fused) {
  ADD_SCALED(__m512d, 8, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd, _mm512_mul_pd)
}

__attribute__((target("avx2,fma"))) static int64_t add_scaled_avx2(double *y, const double *x, double alpha, int64_t i, int64_t end, int fused) {
  ADD_SCALED(__m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd, _mm256_mul_pd)
}
#endif

/* Weights i .. end − 1, vectors first, then one at a time (the same operation either way). */
static int64_t add_scaled_part(enum nnt_isa isa, double *y, const double *x, double alpha, int64_t i, int64_t end, int fused) {
#ifdef NNT_X86
  if (isa == NNT_AVX512) i = add_scaled_avx512(y, x, alpha, i, end, fused);
  else if (isa == NNT_AVX2) i = add_scaled_avx2(y, x, alpha, i, end, fused);
#else
  (void)isa;
#endif
  for (; i < end; i++) y[i] = fused ? __builtin_fma(alpha, x[i], y[i]) : alpha * x[i] + y[i];
  return i;
}

void nnt_add_scaled(enum nnt_isa isa, double *y, const double *x, double alpha, int64_t n, int fused) {
  const int64_t whole = fused ? n & ~(int64_t)3 : 0;
  add_scaled_part(isa, y, x, alpha, add_scaled_part(isa, y, x, alpha, 0, whole, 1), n, 0);
}
