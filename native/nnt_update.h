/* The optimizers' weight updates of the native backend (nnt_update.c). */
#ifndef NNT_UPDATE_H
#define NNT_UPDATE_H
#include <stdint.h>
#include "nnt_sparse.h"

/* The rules, in the order of kernels.wat's momentum_step … adam_step. */
enum nnt_rule { NNT_MOMENTUM = 0, NNT_NESTEROV = 1, NNT_ADAGRAD = 2, NNT_RMSPROP = 3, NNT_ADAM = 4 };

/*
 * One step of `rule` on n weights w with gradient g and state s (and t, Adam's second
 * moments), with the coefficients k of kernels.wat's functions (wasm-kernels.ts's
 * ruleCoefficients): the same multiplies, adds, divisions and square roots in the same order,
 * no fused multiply-add, so the same bits. Nothing is checked here.
 */
void nnt_update(enum nnt_isa isa, enum nnt_rule rule, double *w, const double *g, double *s, double *t, const double *k, int64_t n);

/*
 * y (n) += alpha·x (n), SGD's update with alpha = −lr, as kernels.wat's add_scaled: fused
 * multiply-adds over the first n rounded down to four when `fused` (its relaxed-SIMD build's
 * vector loop), a multiply then an add elsewhere.
 */
void nnt_add_scaled(enum nnt_isa isa, double *y, const double *x, double alpha, int64_t n, int fused);

#endif
