// W3 in native C: f32 GEMM C[m×n] = A[m×k]·B[k×n], row-major, single thread, through gemm.h (packed panels,
// 6×16 AVX2/FMA microkernel).
//
// usage: w3_gemm INPUT OUTPUT WARMUP RUNS TARGET_MS
//   INPUT (little-endian): i32 m, k, n, then f32 A[m][k], B[k][n]. OUTPUT receives f32 C[m][n].
// Prints one JSON line; with RUNS > 0 the milliseconds per call of RUNS timed runs (each about TARGET_MS long,
// the calls per run found with a probe) after WARMUP untimed ones.
#include "gemm.h"

typedef struct {
  long m, k, n;
  float *a, *b, *c;
  GemmScratch scratch;
} Job;

static void call(void *ctx) {
  Job *j = ctx;
  Operand a = {j->a, j->k, 1}, b = {j->b, j->n, 1};
  gemm(j->m, j->n, j->k, a, b, j->c, j->n, 0, &j->scratch);
}

int main(int argc, char **argv) {
  if (argc != 6) die("usage: w3_gemm INPUT OUTPUT WARMUP RUNS TARGET_MS");
  Input in = read_input(argv[1]);
  int warmup = atoi(argv[3]), runs = atoi(argv[4]);
  double target_ms = atof(argv[5]);
  Job j;
  j.m = take_i32(&in);
  j.k = take_i32(&in);
  j.n = take_i32(&in);
  if (j.m < 1 || j.k < 1 || j.n < 1) die("bad sizes in the input");
  j.a = aligned(sizeof(float) * j.m * j.k);
  j.b = aligned(sizeof(float) * j.k * j.n);
  j.c = aligned(sizeof(float) * j.m * j.n);
  take(&in, j.a, sizeof(float) * j.m * j.k);
  take(&in, j.b, sizeof(float) * j.k * j.n);
  j.scratch = gemm_scratch();

  call(&j);
  FILE *out = fopen(argv[2], "wb");
  if (!out || fwrite(j.c, sizeof(float), j.m * j.n, out) != (size_t)(j.m * j.n)) die("cannot write the output");
  fclose(out);
  printf("{\"m\": %ld, \"k\": %ld, \"n\": %ld", j.m, j.k, j.n);
  if (runs > 0) {
    double *samples = aligned(sizeof(double) * runs);
    int calls = calls_for(target_ms, call, &j);
    time_calls(warmup, runs, calls, call, &j, samples);
    printf(", ");
    print_timing(samples, runs, calls, warmup);
  }
  printf("}\n");
  return 0;
}
