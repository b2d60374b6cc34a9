// Shared by the native C baselines of anneal's benchmark: reading the input the harness wrote, timing (warm-up
// runs, then timed runs, each run's milliseconds divided by its calls, as bench/timing.ts does) and printing
// the one line of JSON the harness reads. Single thread, no allocation inside a timed region.
#ifndef ANNEAL_BENCH_COMMON_H
#define ANNEAL_BENCH_COMMON_H

#if !defined(__AVX2__) || !defined(__FMA__)
#error "this baseline needs AVX2 and FMA, which -march=native does not enable on this CPU"
#endif

#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline void die(const char *what) {
  printf("{\"error\": \"%s\"}\n", what);
  exit(2);
}

static inline void *aligned(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 64, bytes ? (bytes + 63) / 64 * 64 : 64) != 0) die("out of memory");
  memset(p, 0, bytes ? (bytes + 63) / 64 * 64 : 64);
  return p;
}

/** The whole input file, and a cursor over it: fields are read in the order the harness wrote them. */
typedef struct {
  unsigned char *data;
  size_t size, at;
} Input;

static inline Input read_input(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open the input file");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  Input in = {malloc((size_t)size + 1), (size_t)size, 0};
  if (fread(in.data, 1, (size_t)size, f) != (size_t)size) die("cannot read the input file");
  fclose(f);
  return in;
}

static inline void take(Input *in, void *dst, size_t bytes) {
  if (in->at + bytes > in->size) die("input file too short");
  memcpy(dst, in->data + in->at, bytes);
  in->at += bytes;
}

static inline int32_t take_i32(Input *in) {
  int32_t v;
  take(in, &v, 4);
  return v;
}

static inline double take_f64(Input *in) {
  double v;
  take(in, &v, 8);
  return v;
}

static inline double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/** How many calls of `step` fill about `target_ms`, from one probe call (at least 1, at most 10 000). */
static inline int calls_for(double target_ms, void (*step)(void *), void *ctx) {
  step(ctx);
  double t0 = now_ms();
  step(ctx);
  double dt = now_ms() - t0;
  if (dt < 1e-6) dt = 1e-6;
  double calls = target_ms / dt + 0.5;
  return calls < 1 ? 1 : calls > 10000 ? 10000 : (int)calls;
}

/** Warm-up runs, then `runs` timed runs of `calls` calls each; samples[r] = ms per call of run r. */
static inline void time_calls(int warmup, int runs, int calls, void (*step)(void *), void *ctx, double *samples) {
  for (int r = 0; r < warmup + runs; r++) {
    double t0 = now_ms();
    for (int i = 0; i < calls; i++) step(ctx);
    double t1 = now_ms();
    if (r >= warmup) samples[r - warmup] = (t1 - t0) / calls;
  }
}

static inline void print_doubles(const char *key, const double *v, int n) {
  printf("\"%s\": [", key);
  for (int i = 0; i < n; i++) printf(i ? ", %.17g" : "%.17g", v[i]);
  printf("]");
}

/** The timing fields of the JSON line: samples_ms, calls_per_run, warmup. */
static inline void print_timing(const double *samples, int runs, int calls, int warmup) {
  print_doubles("samples_ms", samples, runs);
  printf(", \"calls_per_run\": %d, \"warmup\": %d", calls, warmup);
}

#endif
