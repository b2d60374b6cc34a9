// exp, log and tanh on 8 f32 lanes: the formulas of anneal's core (assembly/vmath.ts: Cephes' expf and logf,
// Eigen's rational tanh), operation for operation, without FMA (compiled with -ffp-contract=off), so that the
// native baselines compute what anneal computes and only the speed differs.
#ifndef ANNEAL_BENCH_VMATH_H
#define ANNEAL_BENCH_VMATH_H

#include <immintrin.h>

#define V(x) _mm256_set1_ps((float)(x))

/** exp(x) within 1 ulp on [-87.3, 88], clamped beyond. */
static inline __m256 exp8(__m256 x0) {
  __m256 x = _mm256_min_ps(_mm256_max_ps(x0, V(-87.3365447504019)), V(88.0));
  __m256 t = _mm256_add_ps(_mm256_mul_ps(x, V(1.44269504088896341)), V(12582912.0));
  __m256 n = _mm256_sub_ps(t, V(12582912.0));
  __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(n, V(0.693359375)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(n, V(-2.12194440e-4)));
  __m256 p = V(1.9875691500e-4);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), V(1.3981999507e-3));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), V(8.3334519073e-3));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), V(4.1665795894e-2));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), V(1.6666665459e-1));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), V(5.0000001201e-1));
  p = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, r), r), r), V(1));
  __m256i bits = _mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127 - 0x4b400000));
  return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23)));
}

/** tanh(x): a 13/6-degree rational interpolant on [-9, 9]; within 6 ulp. */
static inline __m256 tanh8(__m256 x0) {
  __m256 x = _mm256_min_ps(_mm256_max_ps(x0, V(-9)), V(9));
  __m256 x2 = _mm256_mul_ps(x, x);
  __m256 p = _mm256_add_ps(_mm256_mul_ps(x2, V(-2.76076847742355e-16)), V(2.00018790482477e-13));
  p = _mm256_add_ps(_mm256_mul_ps(x2, p), V(-8.60467152213735e-11));
  p = _mm256_add_ps(_mm256_mul_ps(x2, p), V(5.12229709037114e-8));
  p = _mm256_add_ps(_mm256_mul_ps(x2, p), V(1.48572235717979e-5));
  p = _mm256_add_ps(_mm256_mul_ps(x2, p), V(6.37261928875436e-4));
  p = _mm256_add_ps(_mm256_mul_ps(x2, p), V(4.89352455891786e-3));
  p = _mm256_mul_ps(x, p);
  __m256 q = _mm256_add_ps(_mm256_mul_ps(x2, V(1.19825839466702e-6)), V(1.18534705686654e-4));
  q = _mm256_add_ps(_mm256_mul_ps(x2, q), V(2.26843463243900e-3));
  q = _mm256_add_ps(_mm256_mul_ps(x2, q), V(4.89352518554385e-3));
  return _mm256_div_ps(p, q);
}

/** Natural log of positive normal numbers (Cephes' logf). */
static inline __m256 log8(__m256 x) {
  __m256i bits = _mm256_castps_si256(x);
  __m256i ei = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7f800000)), 23),
                                _mm256_set1_epi32(126));
  __m256 e = _mm256_cvtepi32_ps(ei);
  __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32((int)0x807fffff)),
                                                 _mm256_set1_epi32(0x3f000000)));
  __m256 below = _mm256_cmp_ps(m, V(0.707106781186547524), _CMP_LT_OQ);
  e = _mm256_sub_ps(e, _mm256_and_ps(V(1), below));
  m = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(m, below)), V(1));
  __m256 z = _mm256_mul_ps(m, m);
  __m256 y = V(7.0376836292e-2);
  y = _mm256_add_ps(_mm256_mul_ps(y, m), V(-1.1514610310e-1));
  y = _mm256_add_ps(_mm256_mul_ps(y, m), V(1.1676998740e-1));
  y = _mm256_add_ps(_mm256_mul_ps(y, m), V(-1.2420140846e-1));
  y = _mm256_add_ps(_mm256_mul_ps(y, m), V(1.4249322787e-1));
  y = _mm256_add_ps(_mm256_mul_ps(y, m), V(-1.6668057665e-1));
  y = _mm256_add_ps(_mm256_mul_ps(y, m), V(2.0000714765e-1));
  y = _mm256_add_ps(_mm256_mul_ps(y, m), V(-2.4999993993e-1));
  y = _mm256_add_ps(_mm256_mul_ps(y, m), V(3.3333331174e-1));
  y = _mm256_mul_ps(_mm256_mul_ps(y, m), z);
  y = _mm256_add_ps(y, _mm256_mul_ps(e, V(-2.12194440e-4)));
  y = _mm256_sub_ps(y, _mm256_mul_ps(z, V(0.5)));
  return _mm256_add_ps(_mm256_add_ps(m, y), _mm256_mul_ps(e, V(0.693359375)));
}

// The same functions on n vectors at once (n a small constant, at most 16): one step of the polynomial on every
// vector before the next, so that the independent dependency chains overlap in the pipeline.
#define EACH for (int i = 0; i < n; i++)

static inline void tanh8_n(__m256 *v, int n) {
  __m256 x[16], x2[16], p[16], q[16];
  EACH x[i] = _mm256_min_ps(_mm256_max_ps(v[i], V(-9)), V(9));
  EACH x2[i] = _mm256_mul_ps(x[i], x[i]);
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], V(-2.76076847742355e-16)), V(2.00018790482477e-13));
  EACH q[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], V(1.19825839466702e-6)), V(1.18534705686654e-4));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], p[i]), V(-8.60467152213735e-11));
  EACH q[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], q[i]), V(2.26843463243900e-3));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], p[i]), V(5.12229709037114e-8));
  EACH q[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], q[i]), V(4.89352518554385e-3));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], p[i]), V(1.48572235717979e-5));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], p[i]), V(6.37261928875436e-4));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(x2[i], p[i]), V(4.89352455891786e-3));
  EACH v[i] = _mm256_div_ps(_mm256_mul_ps(x[i], p[i]), q[i]);
}

static inline void exp8_n(__m256 *v, int n) {
  __m256 x[16], t[16], r[16], p[16];
  EACH x[i] = _mm256_min_ps(_mm256_max_ps(v[i], V(-87.3365447504019)), V(88.0));
  EACH t[i] = _mm256_add_ps(_mm256_mul_ps(x[i], V(1.44269504088896341)), V(12582912.0));
  EACH {
    __m256 k = _mm256_sub_ps(t[i], V(12582912.0));
    r[i] = _mm256_sub_ps(_mm256_sub_ps(x[i], _mm256_mul_ps(k, V(0.693359375))), _mm256_mul_ps(k, V(-2.12194440e-4)));
  }
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(V(1.9875691500e-4), r[i]), V(1.3981999507e-3));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(p[i], r[i]), V(8.3334519073e-3));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(p[i], r[i]), V(4.1665795894e-2));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(p[i], r[i]), V(1.6666665459e-1));
  EACH p[i] = _mm256_add_ps(_mm256_mul_ps(p[i], r[i]), V(5.0000001201e-1));
  EACH p[i] = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p[i], r[i]), r[i]), r[i]), V(1));
  EACH {
    __m256i bits = _mm256_add_epi32(_mm256_castps_si256(t[i]), _mm256_set1_epi32(127 - 0x4b400000));
    v[i] = _mm256_mul_ps(p[i], _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23)));
  }
}

#undef EACH

/** The sums of eight vectors' lanes, as one vector: lane i holds the sum of v[i]'s eight lanes. */
static inline __m256 hsum8x8(const __m256 *v) {
  __m256 t0 = _mm256_hadd_ps(v[0], v[1]);
  __m256 t1 = _mm256_hadd_ps(v[2], v[3]);
  __m256 t2 = _mm256_hadd_ps(v[4], v[5]);
  __m256 t3 = _mm256_hadd_ps(v[6], v[7]);
  t0 = _mm256_hadd_ps(t0, t1); // per 128-bit half: v0 v1 v2 v3 partial sums
  t1 = _mm256_hadd_ps(t2, t3); // v4 v5 v6 v7
  return _mm256_add_ps(_mm256_permute2f128_ps(t0, t1, 0x20), _mm256_permute2f128_ps(t0, t1, 0x31));
}

/** The f64 sum of eight f32 lanes. */
static inline double hsum_pd(__m256 v) {
  __m256d d = _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(d), _mm256_extractf128_pd(d, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

#endif
