/*
 * The sparse batch gather (Kernels.gatherSparse's second step) for the native backend. The
 * lists of 100 images picked at random from 60,000 are cold in the caches: in the wasm
 * module, waiting for them is most of the gather. Here the same copy and counting sort end
 * with a prefetch of the next batch's lists, which arrive while the step trains.
 */
#include <string.h>
#include "nnt_gather.h"

/* The most rows a batch can have: entries by column hold row·256 + byte in an int32. */
#define MOST_ROWS ((int64_t)1 << 23)

/* Every id a row of the listing whose list lies in the entries; their total length in *total. */
static const char *check_rows(const struct nnt_gather *g, int64_t *total) {
  int64_t n = 0;
  for (int64_t r = 0; r < g->rows; r++) {
    const int32_t id = g->ids[r];
    if (id < 0 || id >= g->listed) return "gather: a row index lies outside the listed rows";
    const int32_t s = g->starts[id], e = g->starts[id + 1];
    if (!(s >= 0 && s <= e && e <= g->entry_count)) return "gather: a row's list lies outside its entries";
    n += e - s;
  }
  *total = n;
  return NULL;
}

/* Each line of the lists of rows ids[0..rows−1] that are rows of the listing, fetched ahead. */
static void prefetch_rows(const struct nnt_gather *g, const int32_t *ids, int64_t rows) {
  for (int64_t r = 0; r < rows; r++) {
    const int32_t id = ids[r];
    if (id < 0 || id >= g->listed) continue;
    const int32_t s = g->starts[id], e = g->starts[id + 1];
    if (!(s >= 0 && s <= e && e <= g->entry_count)) continue;
    for (int32_t t = s; t < e; t += 16) __builtin_prefetch(g->entries + t);
  }
}

const char *nnt_gather_lists(const struct nnt_gather *g) {
  int64_t total;
  if (g->rows > MOST_ROWS) return "gather: too many rows for a sparse matrix";
  const char *wrong = check_rows(g, &total);
  if (wrong) return wrong;
  if (total > g->row_room || total > g->col_room) return "gather: the lists need more entries than the output has room for";
  /* By rows: each row's list copied in turn. */
  int64_t n = 0;
  for (int64_t r = 0; r < g->rows; r++) {
    const int32_t s = g->starts[g->ids[r]], count = g->starts[g->ids[r] + 1] - s;
    g->row_start[r] = (int32_t)n;
    memcpy(g->row_entry + n, g->entries + s, (size_t)count * sizeof(int32_t));
    n += count;
  }
  g->row_start[g->rows] = (int32_t)n;
  /* By columns: count each column's entries, turn counts into starts, deal the rows in order. */
  memset(g->next, 0, (size_t)g->cols * sizeof(int32_t));
  int outside = 0;
  for (int64_t t = 0; t < n; t++) {
    const uint32_t q = (uint32_t)g->row_entry[t] >> 8;
    if (q < (uint64_t)g->cols) g->next[q]++;
    else outside = 1;
  }
  if (outside) return "gather: an entry's column lies outside the matrix";
  int32_t at = 0;
  for (int64_t q = 0; q < g->cols; q++) {
    const int32_t count = g->next[q];
    g->col_start[q] = g->next[q] = at;
    at += count;
  }
  g->col_start[g->cols] = at;
  for (int64_t r = 0, t = 0; r < g->rows; r++) {
    for (const int64_t end = g->row_start[r + 1]; t < end; t++) {
      const int32_t e = g->row_entry[t];
      g->col_entry[g->next[(uint32_t)e >> 8]++] = (int32_t)(r << 8) | (e & 255);
    }
  }
  prefetch_rows(g, g->next_ids, g->next_rows);
  return NULL;
}
