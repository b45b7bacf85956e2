/* Per-thread scratch of the native backend's kernels (nnt_scratch.c). */
#ifndef NNT_SCRATCH_H
#define NNT_SCRATCH_H
#include <stddef.h>

/*
 * The calling thread's own buffer of at least `doubles` doubles, 64-byte aligned, kept for its
 * next call (so a kernel called every step allocates only when it first needs more); freed when
 * the thread ends. NULL when there is no memory: the caller then works without it. Its contents
 * are the caller's until the thread's next call of nnt_scratch.
 */
double *nnt_scratch(size_t doubles);

#endif
