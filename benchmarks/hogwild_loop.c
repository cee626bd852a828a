// word2vec.c's skip-gram negative-sampling inner loop, on pairs drawn by symw2v, on 1 thread and on
// 2 threads that update the same rows (Hogwild) or each its own copy: is the cost of sharing rows
// symw2v's or the machine's? Compiled and run by benchmarks/train_bench.py when a C compiler exists:
//
//     cc -O3 -march=native -pthread -o hogwild_loop hogwild_loop.c -lm && ./hogwild_loop pairs.bin
//
// pairs.bin: int32 V, int64 N, int32 centre[N], int32 context[N], int32 negs[N][K], float32 W_in[V][D].
// Per pair, as word2vec.c (with the centre's row as the input row): for the context word and each
// negative, f = <syn0[centre], syn1neg[target]>, g = (label - sigma(f)) * alpha, neu1e += g syn1neg[target],
// syn1neg[target] += g syn0[centre]; then syn0[centre] += neu1e. Prints one line per repetition.
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define D 100
#define K 5
#define REPEAT 3

static int V;
static long N;
static int *centre, *context, *negs;
static float *init;

typedef struct {
  float *syn0, *syn1;
  long lo, hi;
  double cpu;  // thread CPU seconds
} job_t;

static double seconds(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void *train(void *arg) {
  job_t *j = arg;
  float neu1e[D];
  const float alpha = 0.025f;
  double t0 = seconds(CLOCK_THREAD_CPUTIME_ID);
  for (long p = j->lo; p < j->hi; p++) {
    float *in = j->syn0 + (long)centre[p] * D;
    memset(neu1e, 0, sizeof neu1e);
    for (int k = 0; k <= K; k++) {
      int target = k == 0 ? context[p] : negs[p * K + k - 1];
      float *out = j->syn1 + (long)target * D, f = 0, g;
      for (int c = 0; c < D; c++) f += in[c] * out[c];
      g = ((k == 0) - 1.0f / (1.0f + expf(-f))) * alpha;
      for (int c = 0; c < D; c++) neu1e[c] += g * out[c];
      for (int c = 0; c < D; c++) out[c] += g * in[c];
    }
    for (int c = 0; c < D; c++) in[c] += neu1e[c];
  }
  j->cpu = seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
  return NULL;
}

static float *copy(float scale) {
  float *a = malloc(sizeof(float) * (size_t)V * D);
  for (long i = 0; i < (long)V * D; i++) a[i] = init[i] * scale;
  return a;
}

// wall seconds of the pairs split over `threads` threads; *ns: mean thread CPU ns per pair
static double run(int threads, int shared, double *ns) {
  pthread_t th[2];
  job_t jobs[2];
  for (int t = 0; t < threads; t++) {
    jobs[t].syn0 = shared && t ? jobs[0].syn0 : copy(1.0f);
    jobs[t].syn1 = shared && t ? jobs[0].syn1 : copy(0.1f);
    jobs[t].lo = N * t / threads;
    jobs[t].hi = N * (t + 1) / threads;
  }
  double t0 = seconds(CLOCK_MONOTONIC);
  for (int t = 0; t < threads; t++) pthread_create(&th[t], NULL, train, &jobs[t]);
  for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
  double wall = seconds(CLOCK_MONOTONIC) - t0;
  *ns = 0;
  for (int t = 0; t < threads; t++) {
    *ns += jobs[t].cpu / (jobs[t].hi - jobs[t].lo) * 1e9 / threads;
    if (!shared || t == 0) {
      free(jobs[t].syn0);
      free(jobs[t].syn1);
    }
  }
  return wall;
}

int main(int argc, char **argv) {
  FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
  if (!f || fread(&V, 4, 1, f) != 1 || fread(&N, 8, 1, f) != 1) {
    fprintf(stderr, "usage: hogwild_loop pairs.bin\n");
    return 2;
  }
  centre = malloc(4 * N);
  context = malloc(4 * N);
  negs = malloc(4 * N * K);
  init = malloc(sizeof(float) * (size_t)V * D);
  if (fread(centre, 4, N, f) != (size_t)N || fread(context, 4, N, f) != (size_t)N ||
      fread(negs, 4, N * K, f) != (size_t)(N * K) || fread(init, 4, (size_t)V * D, f) != (size_t)V * D) {
    fprintf(stderr, "hogwild_loop: %s is too short\n", argv[1]);
    return 2;
  }
  fclose(f);
  for (int r = 0; r < REPEAT; r++) {
    double one, shared, own, w1 = run(1, 1, &one), w2 = run(2, 1, &shared), w3 = run(2, 0, &own);
    printf("1 thread %.0f ns/pair; 2 threads, same rows: %.2fx (%.0f ns of CPU a pair), own copies: %.2fx (%.0f ns)\n",
           w1 / N * 1e9, w1 / w2, shared, w1 / w3, own);
  }
  return 0;
}
