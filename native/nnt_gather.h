/* The sparse batch gather of the native backend (nnt_gather.c). */
#ifndef NNT_GATHER_H
#define NNT_GATHER_H
#include <stdint.h>

/*
 * A batch's rows taken from listed byte rows (kernels.wat's list_bytes: row i's entries,
 * column·256 + byte, are entries[starts[i]] .. entries[starts[i + 1] − 1]). Sizes are counts
 * of int32 values.
 */
struct nnt_gather {
  const int32_t *starts; int64_t listed;           /* starts has listed + 1 values */
  const int32_t *entries; int64_t entry_count;
  const int32_t *ids; int64_t rows; int64_t cols;  /* the batch: rows of the listing */
  int32_t *row_start; int32_t *row_entry; int64_t row_room;  /* row_start: rows + 1 values */
  int32_t *next;                                   /* cols values of scratch */
  int32_t *col_start; int32_t *col_entry; int64_t col_room;  /* col_start: cols + 1 values */
  const int32_t *next_ids; int64_t next_rows;      /* the batch after this one, to prefetch */
};

/*
 * kernels.wat's gather_lists, to the same integers: the rows' lists copied in order (by
 * rows), and counting-sorted by column (by columns: row·256 + byte, rows increasing). Then
 * asks the processor to fetch the next batch's lists, which training reads next.
 * Every index is checked before it is followed; returns NULL, or what was wrong (nothing
 * written, except by rows when an entry's column lies outside the matrix).
 */
const char *nnt_gather_lists(const struct nnt_gather *g);

#endif
