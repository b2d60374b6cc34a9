// W2 in native C: one training step of an MLP D-H(tanh)-C on a batch of B samples: forward, softmax
// cross-entropy (mean), backward, Adam (PyTorch 1.13's formulas, scalars in f64). The three large products run
// through gemm.h (packed, 6×16 AVX2/FMA microkernel); tanh, exp and log are anneal's formulas on 8 lanes.
// Weights are kept transposed ([in][out]), which makes every operand of the forward pass contiguous; Adam is
// elementwise, so the layout changes nothing else.
//
// usage: w2_mlp INPUT CHECK_STEPS WARMUP RUNS TARGET_MS
//   INPUT (little-endian): i32 B, D, H, C, f64 lr, f32 x[B][D], i32 y[B], f32 W1[H][D], b1[H], W2[C][H], b2[C]
//   (PyTorch's layout).
// Prints one JSON line: the losses of the first CHECK_STEPS steps from the initial weights, then (RUNS > 0) the
// milliseconds per step of RUNS timed runs (each about TARGET_MS long) after WARMUP untimed ones; training
// continues through the timing, as anneal's does.
#include <math.h>

#include "gemm.h"
#include "vmath.h"

typedef struct {
  float *p, *g, *m, *v;
  long size;
} Param;

typedef struct {
  long B, D, H, C;
  double lr;
  int t;
  float *x, *z1, *h1, *z2, *g2, *gh1;
  int32_t *y;
  Param w1t, b1, w2t, b2;
  GemmScratch scratch;
  double loss;
} Mlp;

static Param param(long size) {
  Param q = {aligned(4 * size), aligned(4 * size), aligned(4 * size), aligned(4 * size), size};
  return q;
}

/** Adam on one tensor; its buffers are padded with zeros to whole vectors, which the update leaves zero. */
static void adam(Param *q, __m256 neg_step, __m256 bc2) {
  const __m256 b1 = _mm256_set1_ps((float)0.9), omb1 = _mm256_set1_ps((float)(1 - 0.9));
  const __m256 b2 = _mm256_set1_ps((float)0.999), omb2 = _mm256_set1_ps((float)(1 - 0.999));
  const __m256 eps = _mm256_set1_ps((float)1e-8);
  for (long i = 0; i < q->size; i += 8) {
    __m256 g = _mm256_load_ps(q->g + i);
    __m256 m = _mm256_add_ps(_mm256_mul_ps(_mm256_load_ps(q->m + i), b1), _mm256_mul_ps(omb1, g));
    __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_load_ps(q->v + i), b2), _mm256_mul_ps(_mm256_mul_ps(omb2, g), g));
    __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(v), bc2), eps);
    __m256 p = _mm256_add_ps(_mm256_load_ps(q->p + i), _mm256_div_ps(_mm256_mul_ps(neg_step, m), denom));
    _mm256_store_ps(q->p + i, p);
    _mm256_store_ps(q->m + i, m);
    _mm256_store_ps(q->v + i, v);
  }
}

static void train_step(void *ctx) {
  Mlp *s = ctx;
  const long B = s->B, D = s->D, H = s->H, C = s->C;
  // Forward: Z1 = X·W1ᵀ, H1 = tanh(Z1 + b1), Z2 = H1·W2ᵀ.
  gemm(B, H, D, (Operand){s->x, D, 1}, (Operand){s->w1t.p, H, 1}, s->z1, H, 0, &s->scratch);
  for (long r = 0; r < B; r++)
    for (long h = 0; h < H; h += 8)
      _mm256_store_ps(s->h1 + r * H + h,
                      tanh8(_mm256_add_ps(_mm256_load_ps(s->z1 + r * H + h), _mm256_load_ps(s->b1.p + h))));
  gemm(B, C, H, (Operand){s->h1, H, 1}, (Operand){s->w2t.p, C, 1}, s->z2, C, 0, &s->scratch);

  // Softmax cross-entropy, 8 samples per vector; G2 = (softmax − onehot) / B.
  const __m256 inv_n = _mm256_set1_ps(1.0f / (float)B);
  double loss = 0;
  for (long s0 = 0; s0 < B; s0 += 8) {
    float z[64][8] __attribute__((aligned(32)));
    float live[8], lab[8];
    for (int l = 0; l < 8; l++) {
      long r = s0 + l < B ? s0 + l : B - 1;
      for (long c = 0; c < C; c++) z[c][l] = s->z2[r * C + c] + s->b2.p[c];
      union { int32_t i; float f; } on = {s0 + l < B ? -1 : 0};
      live[l] = on.f;
      lab[l] = (float)s->y[r];
    }
    __m256 mask = _mm256_loadu_ps(live), label = _mm256_loadu_ps(lab);
    __m256 mx = _mm256_load_ps(z[0]);
    for (long c = 1; c < C; c++) mx = _mm256_max_ps(mx, _mm256_load_ps(z[c]));
    __m256 sum = _mm256_setzero_ps(), zy = _mm256_setzero_ps();
    for (long c = 0; c < C; c++) {
      __m256 d = _mm256_sub_ps(_mm256_load_ps(z[c]), mx);
      __m256 e = exp8(d);
      _mm256_store_ps(z[c], e);
      sum = _mm256_add_ps(sum, e);
      zy = _mm256_blendv_ps(zy, d, _mm256_cmp_ps(label, _mm256_set1_ps((float)c), _CMP_EQ_OQ));
    }
    loss += hsum_pd(_mm256_and_ps(_mm256_sub_ps(log8(sum), zy), mask));
    __m256 inv = _mm256_div_ps(_mm256_set1_ps(1), sum);
    for (long c = 0; c < C; c++) {
      __m256 onehot = _mm256_and_ps(_mm256_cmp_ps(label, _mm256_set1_ps((float)c), _CMP_EQ_OQ), _mm256_set1_ps(1));
      __m256 p = _mm256_mul_ps(_mm256_load_ps(z[c]), inv);
      _mm256_store_ps(z[c], _mm256_and_ps(_mm256_mul_ps(_mm256_sub_ps(p, onehot), inv_n), mask));
    }
    for (int l = 0; l < 8 && s0 + l < B; l++)
      for (long c = 0; c < C; c++) s->g2[(s0 + l) * C + c] = z[c][l];
  }
  s->loss = loss / B;

  // Backward: gW2ᵀ = H1ᵀ·G2, gb2 = Σ G2, GH1 = G2·W2, GA1 = GH1 ⊙ (1 − H1²), gW1ᵀ = Xᵀ·GA1, gb1 = Σ GA1.
  gemm(H, C, B, (Operand){s->h1, 1, H}, (Operand){s->g2, C, 1}, s->w2t.g, C, 0, &s->scratch);
  for (long c = 0; c < C; c++) {
    float acc = 0;
    for (long r = 0; r < B; r++) acc += s->g2[r * C + c];
    s->b2.g[c] = acc;
  }
  gemm(B, H, C, (Operand){s->g2, C, 1}, (Operand){s->w2t.p, 1, C}, s->gh1, H, 0, &s->scratch);
  for (long h = 0; h < H; h += 8) _mm256_store_ps(s->b1.g + h, _mm256_setzero_ps());
  for (long r = 0; r < B; r++)
    for (long h = 0; h < H; h += 8) {
      __m256 y = _mm256_load_ps(s->h1 + r * H + h);
      __m256 one_minus_y2 = _mm256_sub_ps(_mm256_set1_ps(1), _mm256_mul_ps(y, y));
      __m256 ga = _mm256_mul_ps(_mm256_load_ps(s->gh1 + r * H + h), one_minus_y2);
      _mm256_store_ps(s->gh1 + r * H + h, ga);
      _mm256_store_ps(s->b1.g + h, _mm256_add_ps(_mm256_load_ps(s->b1.g + h), ga));
    }
  gemm(D, H, B, (Operand){s->x, 1, D}, (Operand){s->gh1, H, 1}, s->w1t.g, H, 0, &s->scratch);

  // Adam: the step's scalars in f64, once for all four tensors.
  s->t++;
  const __m256 neg_step = _mm256_set1_ps((float)-(s->lr / (1 - pow(0.9, s->t))));
  const __m256 bc2 = _mm256_set1_ps((float)sqrt(1 - pow(0.999, s->t)));
  adam(&s->w1t, neg_step, bc2);
  adam(&s->b1, neg_step, bc2);
  adam(&s->w2t, neg_step, bc2);
  adam(&s->b2, neg_step, bc2);
}

int main(int argc, char **argv) {
  if (argc != 6) die("usage: w2_mlp INPUT CHECK_STEPS WARMUP RUNS TARGET_MS");
  Input in = read_input(argv[1]);
  int check_steps = atoi(argv[2]), warmup = atoi(argv[3]), runs = atoi(argv[4]);
  double target_ms = atof(argv[5]);
  static Mlp s;
  s.B = take_i32(&in);
  s.D = take_i32(&in);
  s.H = take_i32(&in);
  s.C = take_i32(&in);
  s.lr = take_f64(&in);
  if (s.B < 1 || s.D < 1 || s.H < 8 || s.H % 8 || s.C < 1 || s.C > 64) die("bad sizes in the input");
  const long B = s.B, D = s.D, H = s.H, C = s.C;
  s.x = aligned(4 * B * D);
  s.y = aligned(4 * B);
  take(&in, s.x, 4 * B * D);
  take(&in, s.y, 4 * B);
  for (long r = 0; r < B; r++)
    if (s.y[r] < 0 || s.y[r] >= C) die("label out of range");
  s.w1t = param(D * H);
  s.b1 = param(H);
  s.w2t = param(H * C);
  s.b2 = param(C);
  float *w = aligned(4 * H * D);
  take(&in, w, 4 * H * D);
  for (long h = 0; h < H; h++)
    for (long d = 0; d < D; d++) s.w1t.p[d * H + h] = w[h * D + d];
  take(&in, s.b1.p, 4 * H);
  take(&in, w, 4 * C * H);
  for (long c = 0; c < C; c++)
    for (long h = 0; h < H; h++) s.w2t.p[h * C + c] = w[c * H + h];
  take(&in, s.b2.p, 4 * C);
  s.z1 = aligned(4 * B * H);
  s.h1 = aligned(4 * B * H);
  s.gh1 = aligned(4 * B * H);
  s.z2 = aligned(4 * B * C);
  s.g2 = aligned(4 * B * C);
  s.scratch = gemm_scratch();

  double *losses = aligned(8 * (check_steps > 0 ? check_steps : 1));
  for (int i = 0; i < check_steps; i++) {
    train_step(&s);
    losses[i] = s.loss;
  }
  printf("{");
  print_doubles("losses", losses, check_steps);
  if (runs > 0) {
    double *samples = aligned(sizeof(double) * runs);
    int calls = calls_for(target_ms, train_step, &s);
    time_calls(warmup, runs, calls, train_step, &s, samples);
    printf(", \"last_loss\": %.17g, ", s.loss);
    print_timing(samples, runs, calls, warmup);
  }
  printf("}\n");
  return 0;
}
