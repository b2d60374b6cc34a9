// Single-thread f32 GEMM for the native baselines, the way BLAS libraries build it (Goto's blocking): B is packed
// into KC×NR panels and A into MR×KC panels (both zero-padded at the edges), and a 6×16 register-blocked
// microkernel (12 ymm accumulators, AVX2 + FMA) walks them. Both operands are read through strides, so
// transposed operands cost only their packing.
#ifndef ANNEAL_BENCH_GEMM_H
#define ANNEAL_BENCH_GEMM_H

#include "common.h"

#define MR 6
#define NR 16
#define KC 256
#define MC 120
#define NC 1024

/** A matrix operand: element (i, j) at data[i * rs + j * cs]. */
typedef struct {
  const float *data;
  long rs, cs;
} Operand;

/** Scratch for the packed panels; allocate once with gemm_scratch(), reuse across calls. */
typedef struct {
  float *a, *b;
} GemmScratch;

static inline GemmScratch gemm_scratch(void) {
  GemmScratch s = {aligned(sizeof(float) * MC * KC), aligned(sizeof(float) * KC * NC)};
  return s;
}

/** Packs rows [i0, i0 + mc) × columns [p0, p0 + kc) of A into MR-row panels: panel[p][r]. */
static inline void pack_a(Operand a, long i0, long mc, long p0, long kc, float *dst) {
  for (long i = 0; i < mc; i += MR) {
    long rows = mc - i < MR ? mc - i : MR;
    const float *src = a.data + (i0 + i) * a.rs + p0 * a.cs;
    if (a.cs == 1 && rows == MR) {
      for (long p = 0; p < kc; p++)
        for (long r = 0; r < MR; r++) dst[p * MR + r] = src[r * a.rs + p];
    } else if (a.rs == 1 && rows == MR) {
      for (long p = 0; p < kc; p++)
        for (long r = 0; r < MR; r++) dst[p * MR + r] = src[p * a.cs + r];
    } else {
      for (long p = 0; p < kc; p++)
        for (long r = 0; r < MR; r++) dst[p * MR + r] = r < rows ? src[r * a.rs + p * a.cs] : 0.0f;
    }
    dst += MR * kc;
  }
}

/** Packs rows [p0, p0 + kc) × columns [j0, j0 + nc) of B into NR-column panels: panel[p][j]. */
static inline void pack_b(Operand b, long p0, long kc, long j0, long nc, float *dst) {
  for (long j = 0; j < nc; j += NR) {
    long cols = nc - j < NR ? nc - j : NR;
    const float *src = b.data + p0 * b.rs + (j0 + j) * b.cs;
    if (b.cs == 1 && cols == NR) {
      for (long p = 0; p < kc; p++) {
        _mm256_store_ps(dst + p * NR, _mm256_loadu_ps(src + p * b.rs));
        _mm256_store_ps(dst + p * NR + 8, _mm256_loadu_ps(src + p * b.rs + 8));
      }
    } else {
      for (long p = 0; p < kc; p++)
        for (long c = 0; c < NR; c++) dst[p * NR + c] = c < cols ? src[p * b.rs + c * b.cs] : 0.0f;
    }
    dst += NR * kc;
  }
}

/** C[6×16] (+)= Apanel · Bpanel over kc; only the first mr × nr of the tile are written. */
static inline void kernel_6x16(long kc, const float *restrict a, const float *restrict b, float *c, long ldc,
                               int accumulate, long mr, long nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps();
  __m256 c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps();
  __m256 c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (long p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 x = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(x, b0, c00);
    c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(x, b0, c10);
    c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(x, b0, c20);
    c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(x, b0, c30);
    c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(x, b0, c40);
    c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(x, b0, c50);
    c51 = _mm256_fmadd_ps(x, b1, c51);
    a += MR;
    b += NR;
  }
  __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; r++) {
      float *row = c + r * ldc;
      if (accumulate) {
        acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_loadu_ps(row));
        acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, acc[r][0]);
      _mm256_storeu_ps(row + 8, acc[r][1]);
    }
    return;
  }
  float tile[MR][NR] __attribute__((aligned(32)));
  for (int r = 0; r < MR; r++) {
    _mm256_store_ps(tile[r], acc[r][0]);
    _mm256_store_ps(tile[r] + 8, acc[r][1]);
  }
  for (long r = 0; r < mr; r++)
    for (long j = 0; j < nr; j++) c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r][j] : tile[r][j];
}

/** C[m×n] (row-major, ldc) = A[m×k]·B[k×n], or += with accumulate. Not inlined: one copy serves every call. */
__attribute__((noinline)) static void gemm(long m, long n, long k, Operand a, Operand b, float *c, long ldc,
                                           int accumulate, GemmScratch *s) {
  for (long j0 = 0; j0 < n; j0 += NC) {
    long nc = n - j0 < NC ? n - j0 : NC;
    for (long p0 = 0; p0 < k; p0 += KC) {
      long kc = k - p0 < KC ? k - p0 : KC;
      pack_b(b, p0, kc, j0, nc, s->b);
      int acc = accumulate || p0 > 0;
      for (long i0 = 0; i0 < m; i0 += MC) {
        long mc = m - i0 < MC ? m - i0 : MC;
        pack_a(a, i0, mc, p0, kc, s->a);
        for (long j = 0; j < nc; j += NR) {
          const float *bp = s->b + j * kc;
          for (long i = 0; i < mc; i += MR) {
            kernel_6x16(kc, s->a + i * kc, bp, c + (i0 + i) * ldc + j0 + j, ldc, acc, mc - i < MR ? mc - i : MR,
                        nc - j < NR ? nc - j : NR);
          }
        }
      }
    }
  }
}

#endif
