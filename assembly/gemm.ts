// General matrix multiply on row-major f32 matrices, register-tiled: a 4×8 block of C (eight f32x4
// accumulators) is built over the whole reduction before it is stored, so C is written once per tile.
// A is read through strides, so Aᵀ costs nothing extra: element (i, p) of A is at a + 4·(i·rowStep + p·colStep).

/**
 * c + a·b per lane. The default build rounds the product, then the sum (bits identical on every machine); the
 * `fast` build (relaxed SIMD) lets the engine fuse them into one FMA where the CPU has one, which rounds once:
 * faster, and different in the last bits from machine to machine.
 */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * C[m×n] = A[m×k]·B[k×n] (+ C when accumulate), rows of B and C `ldb`/`ldc` floats apart, n a multiple of 4.
 * When bias is not 0, C starts from bias[i] in row i instead.
 */
export function gemm(
  a: usize, rowStep: i32, colStep: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, bias: usize, accumulate: bool,
): void {
  // The reduction is cut into blocks of KC so that the slice of B a tile walks stays in the L1 cache.
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    gemmBlock(a + (<usize>(p0 * colStep) << 2), rowStep, colStep, b + (<usize>(p0 * ldb) << 2), ldb, c, ldc, m, n, kc,
      p0 == 0 ? bias : 0, accumulate || p0 > 0);
  }
}

const KC: i32 = 128;

function gemmBlock(
  a: usize, rowStep: i32, colStep: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, bias: usize, accumulate: bool,
): void {
  const bRow = <usize>ldb << 2;
  const cRow = <usize>ldc << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const c0 = c + <usize>i * cRow + (<usize>j << 2);
      let x00: v128, x01: v128, x10: v128, x11: v128, x20: v128, x21: v128, x30: v128, x31: v128;
      if (accumulate) {
        x00 = v128.load(c0); x01 = v128.load(c0, 16);
        x10 = v128.load(c0 + cRow); x11 = v128.load(c0 + cRow, 16);
        x20 = v128.load(c0 + 2 * cRow); x21 = v128.load(c0 + 2 * cRow, 16);
        x30 = v128.load(c0 + 3 * cRow); x31 = v128.load(c0 + 3 * cRow, 16);
      } else if (bias != 0) {
        x00 = x01 = f32x4.splat(load<f32>(bias + (<usize>i << 2)));
        x10 = x11 = f32x4.splat(load<f32>(bias + (<usize>(i + 1) << 2)));
        x20 = x21 = f32x4.splat(load<f32>(bias + (<usize>(i + 2) << 2)));
        x30 = x31 = f32x4.splat(load<f32>(bias + (<usize>(i + 3) << 2)));
      } else {
        x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = f32x4.splat(0);
      }
      let bp = b + (<usize>j << 2);
      const aRow = <usize>rowStep << 2;
      const aCol = <usize>colStep << 2;
      let a0 = a + (<usize>(i * rowStep) << 2);
      let a1 = a0 + aRow;
      let a2 = a1 + aRow;
      let a3 = a2 + aRow;
      const bEnd = bp + <usize>k * bRow;
      while (bp < bEnd) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let s = v128.load32_splat(a0);
        x00 = madd(s, b0, x00); x01 = madd(s, b1, x01);
        s = v128.load32_splat(a1);
        x10 = madd(s, b0, x10); x11 = madd(s, b1, x11);
        s = v128.load32_splat(a2);
        x20 = madd(s, b0, x20); x21 = madd(s, b1, x21);
        s = v128.load32_splat(a3);
        x30 = madd(s, b0, x30); x31 = madd(s, b1, x31);
        bp += bRow;
        a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol;
      }
      v128.store(c0, x00); v128.store(c0, x01, 16);
      v128.store(c0 + cRow, x10); v128.store(c0 + cRow, x11, 16);
      v128.store(c0 + 2 * cRow, x20); v128.store(c0 + 2 * cRow, x21, 16);
      v128.store(c0 + 3 * cRow, x30); v128.store(c0 + 3 * cRow, x31, 16);
    }
    for (; j < n; j += 4) {
      for (let r = 0; r < 4; r++) rowTail(a, rowStep, colStep, b, bRow, c, cRow, i + r, j, k, bias, accumulate);
    }
  }
  for (; i < m; i++) {
    let j = 0;
    for (; j + 8 <= n; j += 8) rowPair(a, rowStep, colStep, b, bRow, c, cRow, i, j, k, bias, accumulate);
    for (; j < n; j += 4) rowTail(a, rowStep, colStep, b, bRow, c, cRow, i, j, k, bias, accumulate);
  }
}

@inline function start(c: usize, bias: usize, i: i32, accumulate: bool): v128 {
  if (accumulate) return v128.load(c);
  return bias != 0 ? f32x4.splat(load<f32>(bias + (<usize>i << 2))) : f32x4.splat(0);
}

// Same arithmetic per element as the 4×8 tile (one running sum over p in order), for the edges.
@inline function rowPair(
  a: usize, rowStep: i32, colStep: i32, b: usize, bRow: usize, c: usize, cRow: usize,
  i: i32, j: i32, k: i32, bias: usize, accumulate: bool,
): void {
  const c0 = c + <usize>i * cRow + (<usize>j << 2);
  let x0 = start(c0, bias, i, accumulate);
  let x1 = start(c0 + 16, bias, i, accumulate);
  let bp = b + (<usize>j << 2);
  let ap = a + (<usize>(i * rowStep) << 2);
  const aCol = <usize>colStep << 2;
  for (let p = 0; p < k; p++) {
    const s = v128.load32_splat(ap);
    x0 = madd(s, v128.load(bp), x0);
    x1 = madd(s, v128.load(bp, 16), x1);
    bp += bRow;
    ap += aCol;
  }
  v128.store(c0, x0);
  v128.store(c0, x1, 16);
}

@inline function rowTail(
  a: usize, rowStep: i32, colStep: i32, b: usize, bRow: usize, c: usize, cRow: usize,
  i: i32, j: i32, k: i32, bias: usize, accumulate: bool,
): void {
  const c0 = c + <usize>i * cRow + (<usize>j << 2);
  let x = start(c0, bias, i, accumulate);
  let bp = b + (<usize>j << 2);
  let ap = a + (<usize>(i * rowStep) << 2);
  const aCol = <usize>colStep << 2;
  for (let p = 0; p < k; p++) {
    x = madd(v128.load32_splat(ap), v128.load(bp), x);
    bp += bRow;
    ap += aCol;
  }
  v128.store(c0, x);
}

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * C[m×n] += A·Bᵀ where the rows of A (m×k) and of B (n×k) are both contiguous along k (a multiple of 4):
 * the weight gradient gW += gY·Xᵀ on feature-major activations. 4×2 blocks of C share their loads.
 */
export function gemmNT(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32): void {
  const aRow = <usize>lda << 2;
  const bRow = <usize>ldb << 2;
  const kBytes = <usize>k << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * aRow;
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      const b0 = b + <usize>j * bRow;
      let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
      let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
      for (let p: usize = 0; p < kBytes; p += 16) {
        const v0 = v128.load(b0 + p);
        const v1 = v128.load(b0 + bRow + p);
        let u = v128.load(a0 + p);
        x00 = madd(u, v0, x00); x01 = madd(u, v1, x01);
        u = v128.load(a0 + aRow + p);
        x10 = madd(u, v0, x10); x11 = madd(u, v1, x11);
        u = v128.load(a0 + 2 * aRow + p);
        x20 = madd(u, v0, x20); x21 = madd(u, v1, x21);
        u = v128.load(a0 + 3 * aRow + p);
        x30 = madd(u, v0, x30); x31 = madd(u, v1, x31);
      }
      const c0 = c + <usize>i * (<usize>ldc << 2) + (<usize>j << 2);
      const cRow = <usize>ldc << 2;
      store<f32>(c0, load<f32>(c0) + hsum(x00));
      store<f32>(c0, load<f32>(c0, 4) + hsum(x01), 4);
      store<f32>(c0 + cRow, load<f32>(c0 + cRow) + hsum(x10));
      store<f32>(c0 + cRow, load<f32>(c0 + cRow, 4) + hsum(x11), 4);
      store<f32>(c0 + 2 * cRow, load<f32>(c0 + 2 * cRow) + hsum(x20));
      store<f32>(c0 + 2 * cRow, load<f32>(c0 + 2 * cRow, 4) + hsum(x21), 4);
      store<f32>(c0 + 3 * cRow, load<f32>(c0 + 3 * cRow) + hsum(x30));
      store<f32>(c0 + 3 * cRow, load<f32>(c0 + 3 * cRow, 4) + hsum(x31), 4);
    }
    for (; j < n; j++) {
      for (let r = 0; r < 4; r++) {
        dotInto(a + <usize>(i + r) * aRow, b + <usize>j * bRow, c + (<usize>((i + r) * ldc + j) << 2), kBytes);
      }
    }
  }
  for (; i < m; i++) {
    for (let j = 0; j < n; j++) {
      dotInto(a + <usize>i * aRow, b + <usize>j * bRow, c + (<usize>(i * ldc + j) << 2), kBytes);
    }
  }
}

// One element of gemmNT, with the same per-lane running sums and the same final reduction as a block.
@inline function dotInto(a: usize, b: usize, c: usize, kBytes: usize): void {
  let x = f32x4.splat(0);
  for (let p: usize = 0; p < kBytes; p += 16) x = madd(v128.load(a + p), v128.load(b + p), x);
  store<f32>(c, load<f32>(c) + hsum(x));
}

/** out[i] += Σ_p A[i][p] over k (a multiple of 4) for each of m rows: the bias gradient. */
export function rowSums(a: usize, lda: i32, out: usize, m: i32, k: i32): void {
  const kBytes = <usize>k << 2;
  for (let i = 0; i < m; i++) {
    const row = a + (<usize>(i * lda) << 2);
    let x = f32x4.splat(0);
    for (let p: usize = 0; p < kBytes; p += 16) x = f32x4.add(x, v128.load(row + p));
    const o = out + (<usize>i << 2);
    store<f32>(o, load<f32>(o) + hsum(x));
  }
}
