/* The per-thread scratch of nnt_scratch.h: a pthread key whose destructor frees the buffer. */
#include <pthread.h>
#include <stdlib.h>
#include "nnt_scratch.h"

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int have_key;
struct scratch { size_t doubles; double *data; };

static void scratch_free(void *p) {
  free(((struct scratch *)p)->data);
  free(p);
}

static void make_key(void) { have_key = pthread_key_create(&key, scratch_free) == 0; }

double *nnt_scratch(size_t doubles) {
  pthread_once(&once, make_key);
  if (!have_key) return NULL;
  struct scratch *s = pthread_getspecific(key);
  if (!s) {
    if (!(s = calloc(1, sizeof *s))) return NULL;
    if (pthread_setspecific(key, s) != 0) {
      free(s);
      return NULL;
    }
  }
  if (s->doubles < doubles) {
    free(s->data);
    /* aligned_alloc wants a size that is a multiple of the alignment. */
    s->data = aligned_alloc(64, (doubles * sizeof(double) + 63) / 64 * 64);
    s->doubles = s->data ? doubles : 0;
  }
  return s->data;
}
