// W1 in native C: the lesson's LogicNet (Linear 2→3, tanh, Linear 3→2, softmax cross-entropy, mean) trained
// with Adam (PyTorch 1.13's formulas, scalars in f64) and StepLR, whole-batch steps, with the batch in the lanes
// of AVX2 registers: 8 samples per __m256, up to 24 samples in 3 registers, the padded lanes masked out of the
// loss and the gradients. The 17 parameters live packed in 3 registers' worth of floats, so Adam is 3 vector
// updates. Every step records its loss and lr, as anneal's Trainer does.
//
// usage: w1_lesson INPUT WARMUP RUNS
//   INPUT (little-endian): f64 lr, f64 gamma, i32 step_size, i32 n, i32 steps, f32 x[n][2], i32 y[n],
//   f32 W1[3][2], b1[3], W2[2][3], b2[2].
// Prints one JSON line: the first 10 losses and the last of one run from the initial weights, then (RUNS > 0)
// the milliseconds per 1000 steps of RUNS timed runs after WARMUP untimed ones, each from the initial weights.
#include <math.h>

#include "common.h"
#include "vmath.h"

#define NV 3        // sample vectors: up to 24 samples
#define NP 24       // packed parameter slots (17 used)
#define W1_AT 0     // W1[j][i] at j * 2 + i
#define B1_AT 6     // b1[j]
#define W2_AT 9     // W2[c][j] at 9 + c * 3 + j
#define B2_AT 15    // b2[c]

typedef struct {
  __m256 x0[NV], x1[NV], live[NV], onehot0[NV], onehot1[NV], is1[NV];
  float init[NP];
  float p[NP] __attribute__((aligned(32)));
  float m[NP] __attribute__((aligned(32)));
  float v[NP] __attribute__((aligned(32)));
  int n, steps, step_size, t;
  double base_lr, gamma, lr;
  double *losses, *lrs;
} Lesson;

static void reset(Lesson *s) {
  memcpy(s->p, s->init, sizeof s->p);
  memset(s->m, 0, sizeof s->m);
  memset(s->v, 0, sizeof s->v);
  s->t = 0;
  s->lr = s->base_lr;
}

/**
 * One whole-batch step: forward, loss, backward, Adam; returns the loss (before the update). Each stage runs on
 * all sample vectors (and units) before the next, so that their independent dependency chains overlap.
 */
static inline double train_step(Lesson *s) {
  const float *P = s->p;
  __m256 h[3 * NV], z[2 * NV], e[2 * NV], d[2 * NV], sum[NV], lse[NV], gz[2 * NV];
  // Forward, in anneal's order of operations: (b + w0·x0) + w1·x1, then tanh; the logits likewise.
  for (int j = 0; j < 3; j++) {
    const __m256 b = _mm256_set1_ps(P[B1_AT + j]);
    const __m256 w0 = _mm256_set1_ps(P[W1_AT + 2 * j]), w1 = _mm256_set1_ps(P[W1_AT + 2 * j + 1]);
    for (int q = 0; q < NV; q++)
      h[j * NV + q] = _mm256_add_ps(_mm256_add_ps(b, _mm256_mul_ps(w0, s->x0[q])), _mm256_mul_ps(w1, s->x1[q]));
  }
  tanh8_n(h, 3 * NV);
  for (int c = 0; c < 2; c++)
    for (int q = 0; q < NV; q++) {
      __m256 a = _mm256_set1_ps(P[B2_AT + c]);
      for (int j = 0; j < 3; j++)
        a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(P[W2_AT + 3 * c + j]), h[j * NV + q]));
      z[c * NV + q] = a;
    }
  // Softmax cross-entropy: log Σ exp(z − max) − (z_y − max); gradient (softmax − onehot) / n.
  for (int q = 0; q < NV; q++) {
    __m256 mx = _mm256_max_ps(z[q], z[NV + q]);
    d[q] = _mm256_sub_ps(z[q], mx);
    d[NV + q] = _mm256_sub_ps(z[NV + q], mx);
    e[q] = d[q];
    e[NV + q] = d[NV + q];
  }
  exp8_n(e, 2 * NV);
  for (int q = 0; q < NV; q++) lse[q] = sum[q] = _mm256_add_ps(e[q], e[NV + q]);
  for (int q = 0; q < NV; q++) lse[q] = log8(lse[q]);
  double loss = 0;
  const __m256 inv_n = _mm256_set1_ps(1.0f / (float)s->n);
  for (int q = 0; q < NV; q++) {
    __m256 zy = _mm256_blendv_ps(d[q], d[NV + q], s->is1[q]);
    loss += hsum_pd(_mm256_and_ps(_mm256_sub_ps(lse[q], zy), s->live[q]));
    __m256 inv = _mm256_div_ps(_mm256_set1_ps(1), sum[q]);
    gz[q] = _mm256_and_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(e[q], inv), s->onehot0[q]), inv_n), s->live[q]);
    gz[NV + q] = _mm256_and_ps(
        _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(e[NV + q], inv), s->onehot1[q]), inv_n), s->live[q]);
  }
  // Backward, per sample lane; the lanes of each parameter's gradient are summed once, in the Adam step.
  __m256 g[NP];
  for (int k = 0; k < NP; k++) g[k] = _mm256_setzero_ps();
  for (int c = 0; c < 2; c++)
    for (int q = 0; q < NV; q++) {
      g[B2_AT + c] = _mm256_add_ps(g[B2_AT + c], gz[c * NV + q]);
      for (int j = 0; j < 3; j++)
        g[W2_AT + 3 * c + j] = _mm256_add_ps(g[W2_AT + 3 * c + j], _mm256_mul_ps(gz[c * NV + q], h[j * NV + q]));
    }
  for (int j = 0; j < 3; j++) {
    const __m256 v0 = _mm256_set1_ps(P[W2_AT + j]), v1 = _mm256_set1_ps(P[W2_AT + 3 + j]);
    for (int q = 0; q < NV; q++) {
      __m256 gh = _mm256_add_ps(_mm256_mul_ps(v0, gz[q]), _mm256_mul_ps(v1, gz[NV + q]));
      __m256 y = h[j * NV + q];
      __m256 ga = _mm256_mul_ps(gh, _mm256_sub_ps(_mm256_set1_ps(1), _mm256_mul_ps(y, y)));
      g[B1_AT + j] = _mm256_add_ps(g[B1_AT + j], ga);
      g[W1_AT + 2 * j] = _mm256_add_ps(g[W1_AT + 2 * j], _mm256_mul_ps(ga, s->x0[q]));
      g[W1_AT + 2 * j + 1] = _mm256_add_ps(g[W1_AT + 2 * j + 1], _mm256_mul_ps(ga, s->x1[q]));
    }
  }
  loss /= s->n;

  // Adam (torch.optim.Adam, single-tensor path): scalars in f64, rounded to f32 where PyTorch hands them to a
  // float32 kernel; the gradients of all 17 parameters in 3 vectors.
  s->t++;
  const double step_size = s->lr / (1 - pow(0.9, s->t));
  const __m256 bc2 = _mm256_set1_ps((float)sqrt(1 - pow(0.999, s->t)));
  const __m256 b1 = _mm256_set1_ps((float)0.9), omb1 = _mm256_set1_ps((float)(1 - 0.9));
  const __m256 b2 = _mm256_set1_ps((float)0.999), omb2 = _mm256_set1_ps((float)(1 - 0.999));
  const __m256 eps = _mm256_set1_ps((float)1e-8), neg_step = _mm256_set1_ps((float)-step_size);
  for (int k = 0; k < NP / 8; k++) {
    __m256 gv = hsum8x8(g + 8 * k);
    __m256 m = _mm256_add_ps(_mm256_mul_ps(_mm256_load_ps(s->m + 8 * k), b1), _mm256_mul_ps(omb1, gv));
    __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_load_ps(s->v + 8 * k), b2),
                             _mm256_mul_ps(_mm256_mul_ps(omb2, gv), gv));
    __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(v), bc2), eps);
    __m256 p = _mm256_add_ps(_mm256_load_ps(s->p + 8 * k), _mm256_div_ps(_mm256_mul_ps(neg_step, m), denom));
    _mm256_store_ps(s->p + 8 * k, p);
    _mm256_store_ps(s->m + 8 * k, m);
    _mm256_store_ps(s->v + 8 * k, v);
  }
  return loss;
}

/** One run: `steps` steps from the initial weights, StepLR stepped after each; loss and lr recorded. */
static void run(Lesson *s) {
  reset(s);
  for (int i = 0; i < s->steps; i++) {
    s->lrs[i] = s->lr;
    s->losses[i] = train_step(s);
    if ((i + 1) % s->step_size == 0) s->lr *= s->gamma; // StepLR's chainable form
  }
}

static void run_cb(void *ctx) { run((Lesson *)ctx); }

int main(int argc, char **argv) {
  if (argc != 4) die("usage: w1_lesson INPUT WARMUP RUNS");
  Input in = read_input(argv[1]);
  int warmup = atoi(argv[2]), runs = atoi(argv[3]);
  static Lesson s;
  s.base_lr = take_f64(&in);
  s.gamma = take_f64(&in);
  s.step_size = take_i32(&in);
  s.n = take_i32(&in);
  s.steps = take_i32(&in);
  if (s.n < 1 || s.n > 8 * NV || s.steps < 1 || s.step_size < 1) die("bad sizes in the input");
  float x[8 * NV][2] = {{0}};
  int32_t y[8 * NV] = {0};
  take(&in, x, (size_t)s.n * 2 * 4);
  take(&in, y, (size_t)s.n * 4);
  take(&in, s.init + W1_AT, 6 * 4);
  take(&in, s.init + B1_AT, 3 * 4);
  take(&in, s.init + W2_AT, 6 * 4);
  take(&in, s.init + B2_AT, 2 * 4);
  for (int q = 0; q < NV; q++) {
    float x0[8], x1[8], live[8], oh0[8], oh1[8];
    for (int l = 0; l < 8; l++) {
      int i = 8 * q + l;
      int on = i < s.n;
      x0[l] = x[i][0];
      x1[l] = x[i][1];
      union { int32_t i; float f; } all = {-1}, none = {0};
      live[l] = on ? all.f : none.f;
      oh0[l] = on && y[i] == 0 ? all.f : none.f;
      oh1[l] = on && y[i] == 1 ? all.f : none.f;
    }
    s.x0[q] = _mm256_loadu_ps(x0);
    s.x1[q] = _mm256_loadu_ps(x1);
    s.live[q] = _mm256_loadu_ps(live);
    // one-hot as 1.0f where the label is c (for the gradient), and label 1 as a lane mask (for z_y)
    s.onehot0[q] = _mm256_and_ps(_mm256_loadu_ps(oh0), _mm256_set1_ps(1));
    s.is1[q] = _mm256_loadu_ps(oh1);
    s.onehot1[q] = _mm256_and_ps(s.is1[q], _mm256_set1_ps(1));
  }
  s.losses = aligned((size_t)s.steps * 8);
  s.lrs = aligned((size_t)s.steps * 8);

  run(&s);
  printf("{");
  print_doubles("losses_head", s.losses, s.steps < 10 ? s.steps : 10);
  printf(", \"final_loss\": %.17g, \"final_lr\": %.17g", s.losses[s.steps - 1], s.lrs[s.steps - 1]);
  if (runs > 0) {
    double *samples = aligned((size_t)runs * 8);
    time_calls(warmup, runs, 1, run_cb, &s, samples);
    for (int r = 0; r < runs; r++) samples[r] *= 1000.0 / s.steps; // ms per 1000 steps
    printf(", ");
    print_timing(samples, runs, 1, warmup);
  }
  printf("}\n");
  return 0;
}
