/*
 * nnt's optional native backend: the three dense products of the Kernels interface
 * (src/core/kernels.ts) as calls of the system's CBLAS dgemm, on Float64Arrays in place
 * (plain ones or views of the WebAssembly backend's shared memory), plus OpenBLAS's thread
 * count. Plain C Node-API (node_api.h), no C++ wrapper.
 *
 * Every size is checked against the arrays' lengths here, in C: dgemm writes through raw
 * pointers, so a wrong call must throw before it can write out of bounds.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <node_api.h>
#include <cblas.h>
#include "nnt_dense.h"
#include "nnt_gather.h"
#include "nnt_softmax.h"
#include "nnt_sparse.h"
#include "nnt_update.h"

#define CHECK(call) do { if ((call) != napi_ok) return throw_last(env); } while (0)

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "node-api call failed");
  return NULL;
}

/* A size argument: a whole number in [0, INT_MAX] (CBLAS takes int). Returns 0 after throwing. */
static int get_size(napi_env env, napi_value value, const char *what, int *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= 0 && d <= INT_MAX) || d != (double)(int)d) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a whole number from 0 to %d", what, INT_MAX);
    napi_throw_range_error(env, NULL, message);
    return 0;
  }
  *out = (int)d;
  return 1;
}

/* A typed array of `type` with at least `need` values: its data (byte offset included) and
 * length. Returns 0 after throwing. */
static int get_typed(napi_env env, napi_value value, const char *what, napi_typedarray_type want, uint64_t need,
                     void **out, size_t *count) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  char message[128];
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok || type != want) {
    snprintf(message, sizeof message, "%s must be a%s", what, want == napi_int32_array ? "n Int32Array" : " Float64Array");
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  if ((uint64_t)length < need || (need > 0 && data == NULL)) {
    snprintf(message, sizeof message, "%s has %zu values, the kernel needs %llu", what, length, (unsigned long long)need);
    napi_throw_range_error(env, NULL, message);
    return 0;
  }
  *out = data;
  if (count) *count = length;
  return 1;
}

static int get_doubles(napi_env env, napi_value value, const char *what, uint64_t need, double **out) {
  return get_typed(env, value, what, napi_float64_array, need, (void **)out, NULL);
}

/* The call's first `count` arguments into argv; 0 after throwing `usage` when there are fewer. */
static int get_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    throw_last(env);
    return 0;
  }
  if (argc < count) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

static int overlap(const double *p, uint64_t n, const double *q, uint64_t m) {
  return n > 0 && m > 0 && p < q + m && q < p + n;
}

static enum nnt_isa sparse_isa = NNT_NO_ISA;

/*
 * C (M×N) = op(A) · op(B), row-major, op(X) = X or Xᵀ, with the arguments (a, b, c, and
 * three sizes) in the Kernels interface's order: by CBLAS dgemm, or with `exact` (a seventh
 * argument: fused or not) by nnt_dense_product, the wasm module's sums.
 */
static napi_value product(napi_env env, napi_callback_info info, int trans_a, int trans_b, int exact) {
  napi_value argv[7];
  if (!get_args(env, info, exact ? 7 : 6, argv, exact ? "expected (a, b, c, three sizes, fused)" : "expected (a, b, c, and three sizes)")) return NULL;
  int s[3];
  if (!get_size(env, argv[3], "m", &s[0])) return NULL;
  if (!get_size(env, argv[4], trans_b ? "n" : "k", &s[1])) return NULL;
  if (!get_size(env, argv[5], trans_b ? "k" : "n", &s[2])) return NULL;
  /* matmul(a, b, c, m, k, n):       C m×n = A (m×k) · B (k×n)
   * matmulTransA(a, b, c, m, k, n): C k×n = Aᵀ · B, A m×k, B m×n
   * matmulTransB(a, b, c, m, n, k): C m×k = A (m×n) · Bᵀ, B k×n */
  int M = trans_a ? s[1] : s[0], K = trans_a ? s[0] : s[1], N = s[2];
  uint64_t na = (uint64_t)M * K, nb = (uint64_t)K * N, nc = (uint64_t)M * N;
  double *a, *b, *c;
  bool fused = false;
  if (!get_doubles(env, argv[0], "A", na, &a) || !get_doubles(env, argv[1], "B", nb, &b) ||
      !get_doubles(env, argv[2], "C", nc, &c)) return NULL;
  if (exact) CHECK(napi_get_value_bool(env, argv[6], &fused));
  if (overlap(c, nc, a, na) || overlap(c, nc, b, nb)) {
    napi_throw_range_error(env, NULL, "C overlaps A or B");
    return NULL;
  }
  if (exact && sparse_isa == NNT_NO_ISA) {
    napi_throw_error(env, NULL, "the exact products need AVX2 with FMA, or AVX-512");
    return NULL;
  }
  if (nc == 0) return NULL;
  if (exact) { /* A(r, q) and B(q, j) through strides, as kernels.wat's gemm reads them */
    nnt_dense_product(sparse_isa, a, trans_a ? 1 : K, trans_a ? M : 1, b, trans_b ? 1 : N, trans_b ? K : 1, c, M, K, N, fused);
    return NULL;
  }
  if (K == 0) { /* an empty sum; CBLAS would refuse lda = 0 */
    memset(c, 0, nc * sizeof(double));
    return NULL;
  }
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              M, N, K, 1.0, a, trans_a ? M : K, b, trans_b ? K : N, 0.0, c, N);
  return NULL;
}

static napi_value matmul(napi_env env, napi_callback_info info) { return product(env, info, 0, 0, 0); }
static napi_value matmul_trans_a(napi_env env, napi_callback_info info) { return product(env, info, 1, 0, 0); }
static napi_value matmul_trans_b(napi_env env, napi_callback_info info) { return product(env, info, 0, 1, 0); }
static napi_value exact_matmul(napi_env env, napi_callback_info info) { return product(env, info, 0, 0, 1); }
static napi_value exact_matmul_trans_a(napi_env env, napi_callback_info info) { return product(env, info, 1, 0, 1); }
static napi_value exact_matmul_trans_b(napi_env env, napi_callback_info info) { return product(env, info, 0, 1, 1); }

/* The largest index (entry >> 8) of entry[lo .. hi−1]: one pass the compiler vectorizes. */
static uint32_t max_index(const int32_t *entry, int64_t lo, int64_t hi) {
  uint32_t m = 0;
  for (int64_t t = lo; t < hi; t++) {
    const uint32_t index = (uint32_t)entry[t] >> 8;
    m = index > m ? index : m;
  }
  return m;
}

/* Lists from..to−1 of (start, entry), read from argv[0..4] (start, entry, from, to, size):
 * checked to start in order within the entries, every index below size, before a kernel
 * follows them as raw addresses. Returns 0 after throwing. */
static int get_lists(napi_env env, napi_value *argv, int32_t **start, int32_t **entry, int *from, int *to, int *size) {
  size_t entries;
  if (!get_size(env, argv[2], "from", from) || !get_size(env, argv[3], "to", to) || !get_size(env, argv[4], "size", size)) return 0;
  if (*from > *to) {
    napi_throw_range_error(env, NULL, "from must not be above to");
    return 0;
  }
  if (!get_typed(env, argv[0], "start", napi_int32_array, (uint64_t)*to + 1, (void **)start, NULL) ||
      !get_typed(env, argv[1], "entry", napi_int32_array, 0, (void **)entry, &entries)) return 0;
  for (int r = *from; r < *to; r++) {
    if (!((*start)[r] >= 0 && (*start)[r] <= (*start)[r + 1] && (size_t)(*start)[r + 1] <= entries)) {
      napi_throw_range_error(env, NULL, "sparse matrix: a list starts outside its entries");
      return 0;
    }
  }
  if ((*start)[*to] > (*start)[*from] && max_index(*entry, (*start)[*from], (*start)[*to]) >= (uint32_t)*size) {
    napi_throw_range_error(env, NULL, "sparse matrix: an entry lies outside the matrix");
    return 0;
  }
  return 1;
}

/* checkLists(start, entry, from, to, size): throws as listProducts would on these lists. */
static napi_value check_lists(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t *start, *entry;
  int from, to, size;
  if (get_args(env, info, 5, argv, "expected (start, entry, from, to, size)")) get_lists(env, argv, &start, &entry, &from, &to, &size);
  return NULL;
}

/*
 * listProducts(start, entry, from, to, size, table, b, c, n, fused): rows from..to−1 of C (n
 * columns) = the sparse list products (nnt_sparse.h) over B (size×n), after get_lists.
 */
static napi_value list_products(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!get_args(env, info, 10, argv, "expected (start, entry, from, to, size, table, b, c, n, fused)")) return NULL;
  if (sparse_isa == NNT_NO_ISA) {
    napi_throw_error(env, NULL, "the sparse products need AVX2 with FMA, or AVX-512");
    return NULL;
  }
  int32_t *start, *entry;
  int from, to, size, n;
  bool fused = false;
  double *table, *b, *c;
  if (!get_lists(env, argv, &start, &entry, &from, &to, &size) || !get_size(env, argv[8], "n", &n) ||
      !get_doubles(env, argv[5], "table", 256, &table) || !get_doubles(env, argv[6], "B", (uint64_t)size * n, &b) ||
      !get_doubles(env, argv[7], "C", (uint64_t)to * n, &c)) return NULL;
  CHECK(napi_get_value_bool(env, argv[9], &fused));
  const uint64_t nc = (uint64_t)to * n;
  if (overlap(c, nc, b, (uint64_t)size * n) || overlap(c, nc, table, 256)) {
    napi_throw_range_error(env, NULL, "C overlaps B or the table");
    return NULL;
  }
  if (n > 0) nnt_list_products(sparse_isa, start, entry, table, from, to, b, size, c, n, fused);
  return NULL;
}

/*
 * gatherLists(starts, entries, ids, rows, cols, rowStart, rowEntry, next, colStart, colEntry,
 * nextIds, nextRows): kernels.wat's gather_lists (nnt_gather.h) on these arrays, then a
 * prefetch of the lists of nextIds[0 .. nextRows−1].
 */
static napi_value gather_lists(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!get_args(env, info, 12, argv, "expected (starts, entries, ids, rows, cols, rowStart, rowEntry, next, colStart, colEntry, nextIds, nextRows)")) return NULL;
  int rows, cols, next_rows;
  size_t listed, entries, row_room, col_room;
  struct nnt_gather g;
  if (!get_size(env, argv[3], "rows", &rows) || !get_size(env, argv[4], "cols", &cols) || !get_size(env, argv[11], "nextRows", &next_rows) ||
      !get_typed(env, argv[0], "starts", napi_int32_array, 1, (void **)&g.starts, &listed) ||
      !get_typed(env, argv[1], "entries", napi_int32_array, 0, (void **)&g.entries, &entries) ||
      !get_typed(env, argv[2], "ids", napi_int32_array, (uint64_t)rows, (void **)&g.ids, NULL) ||
      !get_typed(env, argv[5], "rowStart", napi_int32_array, (uint64_t)rows + 1, (void **)&g.row_start, NULL) ||
      !get_typed(env, argv[6], "rowEntry", napi_int32_array, 0, (void **)&g.row_entry, &row_room) ||
      !get_typed(env, argv[7], "next", napi_int32_array, (uint64_t)cols, (void **)&g.next, NULL) ||
      !get_typed(env, argv[8], "colStart", napi_int32_array, (uint64_t)cols + 1, (void **)&g.col_start, NULL) ||
      !get_typed(env, argv[9], "colEntry", napi_int32_array, 0, (void **)&g.col_entry, &col_room) ||
      !get_typed(env, argv[10], "nextIds", napi_int32_array, (uint64_t)next_rows, (void **)&g.next_ids, NULL)) return NULL;
  g.listed = (int64_t)listed - 1;
  g.entry_count = (int64_t)entries;
  g.rows = rows;
  g.cols = cols;
  g.row_room = (int64_t)row_room;
  g.col_room = (int64_t)col_room;
  g.next_rows = next_rows;
  const char *wrong = nnt_gather_lists(&g);
  if (wrong) napi_throw_range_error(env, NULL, wrong);
  return NULL;
}

/*
 * updateWeights(rule, w, g, s, t, k, n): one step of optimizer `rule` (0 momentum, 1 Nesterov,
 * 2 AdaGrad, 3 RMSprop, 4 Adam) on n weights, the coefficients k as kernels.wat's (nnt_update.h).
 */
static napi_value update_weights(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "expected (rule, w, g, s, t, k, n)")) return NULL;
  int rule, n;
  double *w, *g, *s, *t, *k;
  if (!get_size(env, argv[0], "rule", &rule) || !get_size(env, argv[6], "n", &n)) return NULL;
  if (rule > NNT_ADAM) {
    napi_throw_range_error(env, NULL, "rule must be 0 (momentum) to 4 (Adam)");
    return NULL;
  }
  if (!get_doubles(env, argv[1], "w", (uint64_t)n, &w) || !get_doubles(env, argv[2], "g", (uint64_t)n, &g) ||
      !get_doubles(env, argv[3], "s", (uint64_t)n, &s) || !get_doubles(env, argv[4], "t", rule == NNT_ADAM ? (uint64_t)n : 0, &t) ||
      !get_doubles(env, argv[5], "k", 7, &k)) return NULL;
  if (sparse_isa == NNT_NO_ISA) {
    napi_throw_error(env, NULL, "the updates need AVX2 with FMA, or AVX-512");
    return NULL;
  }
  nnt_update(sparse_isa, (enum nnt_rule)rule, w, g, s, t, k, n);
  return NULL;
}

/* addScaled(y, x, alpha, n, fused): y (n) += alpha·x (n), as kernels.wat's add_scaled (nnt_update.h). */
static napi_value add_scaled(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "expected (y, x, alpha, n, fused)")) return NULL;
  int n;
  double alpha, *y, *x;
  bool fused = false;
  if (!get_size(env, argv[3], "n", &n) || !get_doubles(env, argv[0], "y", (uint64_t)n, &y) ||
      !get_doubles(env, argv[1], "x", (uint64_t)n, &x)) return NULL;
  CHECK(napi_get_value_double(env, argv[2], &alpha));
  CHECK(napi_get_value_bool(env, argv[4], &fused));
  if (sparse_isa == NNT_NO_ISA) {
    napi_throw_error(env, NULL, "the updates need AVX2 with FMA, or AVX-512");
    return NULL;
  }
  nnt_add_scaled(sparse_isa, y, x, alpha, n, fused);
  return NULL;
}

/* softmaxRows(x, out, rows, cols, stats): kernels.wat's softmax_rows (nnt_softmax.h); false without AVX-512. */
static napi_value softmax_rows(napi_env env, napi_callback_info info) {
  napi_value argv[5], result;
  if (!get_args(env, info, 5, argv, "expected (x, out, rows, cols, stats)")) return NULL;
  int rows, cols;
  double *x, *out, *stats;
  if (!get_size(env, argv[2], "rows", &rows) || !get_size(env, argv[3], "cols", &cols) ||
      !get_doubles(env, argv[0], "x", (uint64_t)rows * cols, &x) || !get_doubles(env, argv[1], "out", (uint64_t)rows * cols, &out) ||
      !get_doubles(env, argv[4], "stats", 2 * (uint64_t)rows, &stats)) return NULL;
  CHECK(napi_get_boolean(env, nnt_softmax_rows(sparse_isa, x, out, rows, cols, stats) != 0, &result));
  return result;
}

/* sparseIsa(): the instruction set of the sparse products, "avx512", "avx2", or "" (none: use WebAssembly). */
static napi_value sparse_isa_name(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_string_utf8(env, sparse_isa == NNT_AVX512 ? "avx512" : sparse_isa == NNT_AVX2 ? "avx2" : "", NAPI_AUTO_LENGTH, &result));
  return result;
}

/* useSparseIsa(name): runs the sparse products on "avx2" where the processor has AVX-512 too
 * (for the tests of both paths), or back on the widest; returns sparseIsa(). */
static napi_value use_sparse_isa(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[16] = "";
  if (!get_args(env, info, 1, argv, "expected an instruction set's name")) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an instruction set's name");
    return NULL;
  }
  const enum nnt_isa widest = nnt_sparse_isa();
  if (strcmp(name, "avx2") == 0 && widest != NNT_NO_ISA) sparse_isa = NNT_AVX2;
  else sparse_isa = widest;
  return sparse_isa_name(env, info);
}

/* setThreads(n): OpenBLAS's thread count (process-wide); returns the count it now uses, or 0
 * when the library is not OpenBLAS (another CBLAS manages its own threads). */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int n = 0;
  if (!get_args(env, info, 1, argv, "expected a thread count") || !get_size(env, argv[0], "threads", &n)) return NULL;
  if (n < 1) {
    napi_throw_range_error(env, NULL, "threads must be at least 1");
    return NULL;
  }
#ifdef NNT_OPENBLAS
  openblas_set_num_threads(n);
  n = openblas_get_num_threads();
#else
  n = 0;
#endif
  CHECK(napi_create_int32(env, n, &result));
  return result;
}

/* library(): which CBLAS this was built on, e.g. "openblas OpenBLAS 0.3.21 DYNAMIC_ARCH ... SkylakeX". */
static napi_value library(napi_env env, napi_callback_info info) {
  (void)info;
  char text[512];
#ifdef NNT_OPENBLAS
  snprintf(text, sizeof text, "openblas %s %s", openblas_get_config(), openblas_get_corename());
#else
  snprintf(text, sizeof text, "cblas");
#endif
  napi_value result;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "matmul", NULL, matmul, NULL, NULL, NULL, napi_enumerable, NULL },
    { "matmulTransA", NULL, matmul_trans_a, NULL, NULL, NULL, napi_enumerable, NULL },
    { "matmulTransB", NULL, matmul_trans_b, NULL, NULL, NULL, napi_enumerable, NULL },
    { "exactMatmul", NULL, exact_matmul, NULL, NULL, NULL, napi_enumerable, NULL },
    { "exactMatmulTransA", NULL, exact_matmul_trans_a, NULL, NULL, NULL, napi_enumerable, NULL },
    { "exactMatmulTransB", NULL, exact_matmul_trans_b, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL },
    { "library", NULL, library, NULL, NULL, NULL, napi_enumerable, NULL },
    { "listProducts", NULL, list_products, NULL, NULL, NULL, napi_enumerable, NULL },
    { "checkLists", NULL, check_lists, NULL, NULL, NULL, napi_enumerable, NULL },
    { "gatherLists", NULL, gather_lists, NULL, NULL, NULL, napi_enumerable, NULL },
    { "updateWeights", NULL, update_weights, NULL, NULL, NULL, napi_enumerable, NULL },
    { "addScaled", NULL, add_scaled, NULL, NULL, NULL, napi_enumerable, NULL },
    { "softmaxRows", NULL, softmax_rows, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sparseIsa", NULL, sparse_isa_name, NULL, NULL, NULL, napi_enumerable, NULL },
    { "useSparseIsa", NULL, use_sparse_isa, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  sparse_isa = nnt_sparse_isa();
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
