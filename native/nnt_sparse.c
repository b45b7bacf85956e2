/*
 * The sparse first layer's two products (Kernels.sparseMatmul and sparseMatmulTransA) as
 * AVX2 or AVX-512 code, for the native backend: the one kernel of the default two-layer run
 * that WebAssembly's 128-bit SIMD leaves load- and issue-bound.
 *
 * Row r of C (n columns) = Σ table[code] · (row `index` of B) over the entries of list r
 * (entry = index·256 + code, src/core/sparse.ts), from +0, entry by entry in order: each
 * column is one chain of multiply-adds, whatever the vector width, so the sums are those of
 * kernels.wat's sparse_matmul bit for bit: fused (one rounding, as relaxed SIMD's madd is
 * where the processor has FMA) or multiply then add (plain SIMD, and the TypeScript
 * reference). The build passes -ffp-contract=off so that the compiler fuses nothing itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nnt_scratch.h"
#include "nnt_simd.h"
#include "nnt_sparse.h"

#ifdef NNT_X86

/*
 * L lists at a time, each column block's sums of all of them in registers: one list's chain
 * of multiply-adds per column waits on each step's latency (four cycles), several keep more
 * in flight (X·W1 at width 50: two lists 5–7% faster than one, four ~10% faster than two
 * where B is cold, see HOT_READS). They run side by side over their common length, then each
 * alone to its end; then their sums are stored, list by list.
 * VEC, ZERO, LOAD (x, the last vector masked), STORE, BROADCAST and MADD name one width's
 * instructions; L and V (the block's vectors) are constants wherever this is expanded.
 */
#define GROUP_BODY(L, VEC, ZERO, LOAD, STORE, BROADCAST, MADD)                                      \
  {                                                                                                \
    VEC s[L][MAXV];                                                                                \
    int64_t length[L], common = INT64_MAX;                                                         \
    _Pragma("GCC unroll 4") for (int k = 0; k < L; k++) {                                         \
      length[k] = end[k] - e[k];                                                                   \
      common = length[k] < common ? length[k] : common;                                            \
      _Pragma("GCC unroll 12") for (int v = 0; v < MAXV; v++) s[k][v] = ZERO();                   \
    }                                                                                              \
    for (int64_t t = 0; t < common; t++) {                                                        \
      _Pragma("GCC unroll 4") for (int k = 0; k < L; k++) ADD_ENTRY(VEC, e[k][t], s[k], LOAD, BROADCAST, MADD) \
    }                                                                                              \
    _Pragma("GCC unroll 4") for (int k = 0; k < L; k++) {                                         \
      for (int64_t t = common; t < length[k]; t++) ADD_ENTRY(VEC, e[k][t], s[k], LOAD, BROADCAST, MADD) \
    }                                                                                              \
    _Pragma("GCC unroll 4") for (int k = 0; k < L; k++) {                                         \
      _Pragma("GCC unroll 12") for (int v = 0; v < MAXV; v++) {                                   \
        if (v >= V) break;                                                                         \
        STORE(c[k], v, s[k][v]);                                                                   \
      }                                                                                            \
    }                                                                                              \
  }

/* One entry E into one list's sums (no address of them is taken: they stay in registers). */
#define ADD_ENTRY(VEC, E, SUMS, LOAD, BROADCAST, MADD)                                             \
  {                                                                                                \
    const int32_t x_ = (E);                                                                        \
    const VEC x = BROADCAST(table + (x_ & 255));                                                   \
    const double *row = b + (int64_t)((uint32_t)x_ >> 8) * stride;                                 \
    _Pragma("GCC unroll 12") for (int v = 0; v < MAXV; v++) {                                     \
      if (v >= V) break;                                                                           \
      SUMS[v] = MADD(x, LOAD(row, v), SUMS[v]);                                                    \
    }                                                                                              \
  }

/*
 * Lists from..to−1 of one block of columns: four at a time while `quads` (and V ≤ QUAD_V),
 * then two; an odd last list goes second beside an empty first one, whose zeros are stored
 * to the same row just before the list's sums. C's rows are n doubles apart, B's `stride`.
 */
#define LISTS_BODY(VEC, ZERO, LOAD, STORE, BROADCAST, MADD)                                        \
  for (int64_t r = from; r < to;) {                                                                \
    if (QUAD_V >= V && quads && to - r >= 4) {                                                     \
      const int32_t *e[4], *end[4];                                                                \
      double *c[4];                                                                                \
      _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {                                       \
        e[k] = entry + start[r + k];                                                               \
        end[k] = entry + start[r + k + 1];                                                         \
        c[k] = c0 + (r + k) * n;                                                                   \
      }                                                                                            \
      GROUP_BODY(4, VEC, ZERO, LOAD, STORE, BROADCAST, MADD)                                       \
      r += 4;                                                                                      \
    } else {                                                                                       \
      const int64_t q = r + 1 < to ? r + 1 : r;                                                    \
      const int32_t *e[2] = { entry + start[r], entry + start[q] };                                \
      const int32_t *end[2] = { q == r ? e[0] : entry + start[r + 1], entry + start[q + 1] };      \
      double *c[2] = { c0 + r * n, c0 + q * n };                                                   \
      GROUP_BODY(2, VEC, ZERO, LOAD, STORE, BROADCAST, MADD)                                       \
      r += 2;                                                                                      \
    }                                                                                              \
  }

#define LISTS_ARGS const int32_t *start, const int32_t *entry, int64_t from, int64_t to, const double *table, \
  const double *b, int64_t stride, double *c0, int64_t n, int quads

/* AVX2: vectors of 4 columns, at most 6 a block (two lists' 12 sums and 3 more of 16 registers). */
#define MAXV 6
#define QUAD_V 0
AVX2 void lists_avx2_fused(LISTS_ARGS, int V, __m256i tail) { LISTS_BODY(__m256d, _mm256_setzero_pd, L2, S2, _mm256_broadcast_sd, FMA2) }
AVX2 void lists_avx2_plain(LISTS_ARGS, int V, __m256i tail) { LISTS_BODY(__m256d, _mm256_setzero_pd, L2, S2, _mm256_broadcast_sd, MULADD2) }
#undef MAXV
#undef QUAD_V

/* AVX-512: vectors of 8 columns, at most 12 a block for two lists (24 sums of 32 registers), 7 for four (28). */
#define MAXV 12
#define QUAD_V 7
AVX512 void lists_avx512_fused(LISTS_ARGS, int V, __mmask8 tail) { LISTS_BODY(__m512d, _mm512_setzero_pd, L8, S8, B8, FMA8) }
AVX512 void lists_avx512_plain(LISTS_ARGS, int V, __mmask8 tail) { LISTS_BODY(__m512d, _mm512_setzero_pd, L8, S8, B8, MULADD8) }
#undef MAXV
#undef QUAD_V

/* One block of `width` columns for lists from..to−1, V a constant in each case. */
#define CASE(K, F) case K: return F(start, entry, from, to, table, b, stride, c0, n, quads, K, tail);

__attribute__((target("avx2,fma"))) static void lists_avx2(LISTS_ARGS, int width, int fused) {
  const int V = (width + 3) / 4;
  const __m256i tail = nnt_tail4(width, V);
#define CASES(F) CASE(1, F) CASE(2, F) CASE(3, F) CASE(4, F) CASE(5, F) CASE(6, F)
  BY_WIDTH(lists_avx2)
#undef CASES
}

__attribute__((target("avx512f"))) static void lists_avx512(LISTS_ARGS, int width, int fused) {
  const int V = (width + 7) / 8;
  const __mmask8 tail = nnt_tail8(width, V);
#define CASES(F) CASE(1, F) CASE(2, F) CASE(3, F) CASE(4, F) CASE(5, F) CASE(6, F) \
  CASE(7, F) CASE(8, F) CASE(9, F) CASE(10, F) CASE(11, F) CASE(12, F)
  BY_WIDTH(lists_avx512)
#undef CASES
}

#endif /* NNT_X86 */

/* The widest block of columns each instruction set keeps in registers for two lists. */
static int block_columns(enum nnt_isa isa) { return isa == NNT_AVX512 ? 96 : 24; }

enum nnt_isa nnt_sparse_isa(void) {
#ifdef NNT_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return NNT_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return NNT_AVX2;
#endif
  return NNT_NO_ISA;
}

#ifdef NNT_X86
/*
 * B is "hot" when each of its rows is read at least HOT_READS times on average: Xᵀ·dY reads
 * each row of dY once per nonzero pixel of its image (~150 times on MNIST), X·W each row of W
 * ~19 times. A hot B stays in the first-level cache, so its loads are what is left to save: at
 * a width like 50, most of a row's vectors straddle two cache lines and the last one is
 * masked, and reading a copy with rows padded to whole 512-bit vectors, 64-byte aligned, is
 * faster than the copy costs (MNIST batches of 100, width 50: 32 against 43 µs). A cold B is
 * read from the second-level cache, where four lists at a time keep more of its rows in flight
 * than two (X·W at width 50: 44 against 49 µs; on a hot B, four were 6% slower than two).
 * The copy is in the thread's own scratch (nnt_scratch.h).
 */
enum { HOT_READS = 64 };
/* B (size rows of n) copied with rows of `stride` doubles; NULL when no memory (B is then read in place). */
static const double *padded(const double *b, int64_t size, int64_t n, int64_t stride) {
  double *copy = nnt_scratch((size_t)(size * stride));
  if (!copy) return NULL;
  for (int64_t i = 0; i < size; i++) {
    memcpy(copy + i * stride, b + i * n, (size_t)n * sizeof(double));
    memset(copy + i * stride + n, 0, (size_t)(stride - n) * sizeof(double));
  }
  return copy;
}
#endif

void nnt_list_products(enum nnt_isa isa, const int32_t *start, const int32_t *entry, const double *table,
                       int64_t from, int64_t to, const double *b, int64_t size, double *c, int64_t n, int fused) {
#ifdef NNT_X86
  const int most = block_columns(isa);
  int64_t stride = n;
  const int64_t reads = to > from ? start[to] - start[from] : 0;
  const int hot = reads >= HOT_READS * size;
  if (isa == NNT_AVX512 && n % 8 && n <= most && size > 0 && hot) {
    const double *copy = padded(b, size, n, (n + 7) & ~(int64_t)7);
    if (copy) {
      b = copy;
      stride = (n + 7) & ~(int64_t)7;
    }
  }
  for (int64_t j = 0; j < n; j += most) {
    const int width = (int)(n - j < most ? n - j : most);
    if (isa == NNT_AVX512) lists_avx512(start, entry, from, to, table, b + j, stride, c + j, n, !hot, width, fused);
    else lists_avx2(start, entry, from, to, table, b + j, stride, c + j, n, 0, width, fused);
  }
#else
  (void)isa; (void)start; (void)entry; (void)table; (void)from; (void)to; (void)b; (void)size; (void)c; (void)n; (void)fused;
#endif
}
