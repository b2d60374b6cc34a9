// f32x4 exp, log and tanh, computed in wasm (a call out to JS costs more than the whole step of a small model).
// exp is Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial), log is Cephes' logf.

const LOG2E: f32 = 1.44269504088896341;
const C1: f32 = 0.693359375;
const C2: f32 = -2.12194440e-4;
const EXP_HI: f32 = 88.0; // keeps n = round(x·log2 e) <= 127, so 2^n is one exponent field
const EXP_LO: f32 = -87.3365447504019; // n >= -126
const ROUNDER: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits
const ROUNDER_BITS: i32 = 0x4b400000;
const SQRT_HALF: f32 = 0.707106781186547524;

// tanh: a 13/6-degree odd/even rational interpolant on [-9, 9] (Eigen's generic_fast_tanh_float; beyond ±9
// tanh is ±1 in f32). One division and no branch; within 6 ulp (4 near 0), as test/core/vmath.test.ts checks.
const A1: f32 = 4.89352455891786e-3;
const A3: f32 = 6.37261928875436e-4;
const A5: f32 = 1.48572235717979e-5;
const A7: f32 = 5.12229709037114e-8;
const A9: f32 = -8.60467152213735e-11;
const A11: f32 = 2.00018790482477e-13;
const A13: f32 = -2.76076847742355e-16;
const B0: f32 = 4.89352518554385e-3;
const B2: f32 = 2.26843463243900e-3;
const B4: f32 = 1.18534705686654e-4;
const B6: f32 = 1.19825839466702e-6;

// Constants are loaded from these tables rather than written as v128.const: V8 rebuilds a v128 constant
// from immediates at every use inside a loop, while a load from a table is one instruction.
const F = memory.data<f32>([
  EXP_LO, EXP_LO, EXP_LO, EXP_LO, // EXP_LO
  EXP_HI, EXP_HI, EXP_HI, EXP_HI, // EXP_HI
  LOG2E, LOG2E, LOG2E, LOG2E, // LOG2E
  ROUNDER, ROUNDER, ROUNDER, ROUNDER, // ROUNDER
  C1, C1, C1, C1, // C1
  C2, C2, C2, C2, // C2
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, // E0
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, // E1
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, // E2
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, // E3
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, // E4
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, // E5
  1, 1, 1, 1, // ONE
  9, 9, 9, 9, // NINE
  -9, -9, -9, -9, // MINUS_NINE
  A1, A1, A1, A1, // A1
  A3, A3, A3, A3, // A3
  A5, A5, A5, A5, // A5
  A7, A7, A7, A7, // A7
  A9, A9, A9, A9, // A9
  A11, A11, A11, A11, // A11
  A13, A13, A13, A13, // A13
  B0, B0, B0, B0, // B0
  B2, B2, B2, B2, // B2
  B4, B4, B4, B4, // B4
  B6, B6, B6, B6, // B6
  SQRT_HALF, SQRT_HALF, SQRT_HALF, SQRT_HALF, // SQRT_HALF_V
  7.0376836292e-2, 7.0376836292e-2, 7.0376836292e-2, 7.0376836292e-2, // L0
  -1.1514610310e-1, -1.1514610310e-1, -1.1514610310e-1, -1.1514610310e-1, // L1
  1.1676998740e-1, 1.1676998740e-1, 1.1676998740e-1, 1.1676998740e-1, // L2
  -1.2420140846e-1, -1.2420140846e-1, -1.2420140846e-1, -1.2420140846e-1, // L3
  1.4249322787e-1, 1.4249322787e-1, 1.4249322787e-1, 1.4249322787e-1, // L4
  -1.6668057665e-1, -1.6668057665e-1, -1.6668057665e-1, -1.6668057665e-1, // L5
  2.0000714765e-1, 2.0000714765e-1, 2.0000714765e-1, 2.0000714765e-1, // L6
  -2.4999993993e-1, -2.4999993993e-1, -2.4999993993e-1, -2.4999993993e-1, // L7
  3.3333331174e-1, 3.3333331174e-1, 3.3333331174e-1, 3.3333331174e-1, // L8
  0.5, 0.5, 0.5, 0.5, // HALF
], 16);
const I = memory.data<i32>([
  127 - ROUNDER_BITS, 127 - ROUNDER_BITS, 127 - ROUNDER_BITS, 127 - ROUNDER_BITS, // EXP_BIAS
  0x7f800000, 0x7f800000, 0x7f800000, 0x7f800000, // EXP_MASK
  126, 126, 126, 126, // BIAS126
  0x807fffff, 0x807fffff, 0x807fffff, 0x807fffff, // MANT_MASK
  0x3f000000, 0x3f000000, 0x3f000000, 0x3f000000, // HALF_BITS
], 16);
@inline function kEXP_LO(): v128 { return v128.load(F, 0); }
@inline function kEXP_HI(): v128 { return v128.load(F, 16); }
@inline function kLOG2E(): v128 { return v128.load(F, 32); }
@inline function kROUNDER(): v128 { return v128.load(F, 48); }
@inline function kC1(): v128 { return v128.load(F, 64); }
@inline function kC2(): v128 { return v128.load(F, 80); }
@inline function kE0(): v128 { return v128.load(F, 96); }
@inline function kE1(): v128 { return v128.load(F, 112); }
@inline function kE2(): v128 { return v128.load(F, 128); }
@inline function kE3(): v128 { return v128.load(F, 144); }
@inline function kE4(): v128 { return v128.load(F, 160); }
@inline function kE5(): v128 { return v128.load(F, 176); }
@inline function kONE(): v128 { return v128.load(F, 192); }
@inline function kNINE(): v128 { return v128.load(F, 208); }
@inline function kMINUS_NINE(): v128 { return v128.load(F, 224); }
@inline function kA1(): v128 { return v128.load(F, 240); }
@inline function kA3(): v128 { return v128.load(F, 256); }
@inline function kA5(): v128 { return v128.load(F, 272); }
@inline function kA7(): v128 { return v128.load(F, 288); }
@inline function kA9(): v128 { return v128.load(F, 304); }
@inline function kA11(): v128 { return v128.load(F, 320); }
@inline function kA13(): v128 { return v128.load(F, 336); }
@inline function kB0(): v128 { return v128.load(F, 352); }
@inline function kB2(): v128 { return v128.load(F, 368); }
@inline function kB4(): v128 { return v128.load(F, 384); }
@inline function kB6(): v128 { return v128.load(F, 400); }
@inline function kSQRT_HALF_V(): v128 { return v128.load(F, 416); }
@inline function kL0(): v128 { return v128.load(F, 432); }
@inline function kL1(): v128 { return v128.load(F, 448); }
@inline function kL2(): v128 { return v128.load(F, 464); }
@inline function kL3(): v128 { return v128.load(F, 480); }
@inline function kL4(): v128 { return v128.load(F, 496); }
@inline function kL5(): v128 { return v128.load(F, 512); }
@inline function kL6(): v128 { return v128.load(F, 528); }
@inline function kL7(): v128 { return v128.load(F, 544); }
@inline function kL8(): v128 { return v128.load(F, 560); }
@inline function kHALF(): v128 { return v128.load(F, 576); }
@inline function kEXP_BIAS(): v128 { return v128.load(I, 0); }
@inline function kEXP_MASK(): v128 { return v128.load(I, 16); }
@inline function kBIAS126(): v128 { return v128.load(I, 32); }
@inline function kMANT_MASK(): v128 { return v128.load(I, 48); }
@inline function kHALF_BITS(): v128 { return v128.load(I, 64); }

/** exp(x) within 1 ulp for x in [-87.3, 88]; beyond, the value at the nearest end (a NaN stays a NaN). */
@inline export function expV(x0: v128): v128 {
  const x = f32x4.pmin(f32x4.pmax(x0, kEXP_LO()), kEXP_HI()); // x0 first: a NaN passes through
  const t = f32x4.add(f32x4.mul(x, kLOG2E()), kROUNDER());
  const n = f32x4.sub(t, kROUNDER());
  let r = f32x4.sub(x, f32x4.mul(n, kC1()));
  r = f32x4.sub(r, f32x4.mul(n, kC2()));
  let p = kE0();
  p = f32x4.add(f32x4.mul(p, r), kE1());
  p = f32x4.add(f32x4.mul(p, r), kE2());
  p = f32x4.add(f32x4.mul(p, r), kE3());
  p = f32x4.add(f32x4.mul(p, r), kE4());
  p = f32x4.add(f32x4.mul(p, r), kE5());
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), kONE());
  const scale = i32x4.shl(i32x4.add(t, kEXP_BIAS()), 23); // 2^n from the bits of t
  return f32x4.mul(p, scale);
}


@inline export function tanhV(x0: v128): v128 {
  const x = f32x4.pmin(f32x4.pmax(x0, kMINUS_NINE()), kNINE()); // x0 first: a NaN passes through
  const x2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(x2, kA13()), kA11());
  p = f32x4.add(f32x4.mul(x2, p), kA9());
  p = f32x4.add(f32x4.mul(x2, p), kA7());
  p = f32x4.add(f32x4.mul(x2, p), kA5());
  p = f32x4.add(f32x4.mul(x2, p), kA3());
  p = f32x4.add(f32x4.mul(x2, p), kA1());
  p = f32x4.mul(x, p);
  let q = f32x4.add(f32x4.mul(x2, kB6()), kB4());
  q = f32x4.add(f32x4.mul(x2, q), kB2());
  q = f32x4.add(f32x4.mul(x2, q), kB0());
  return f32x4.div(p, q);
}

@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(kONE(), f32x4.add(kONE(), expV(f32x4.neg(x))));
}

/** Natural log of positive normal numbers (Cephes' logf); the loss only takes logs of sums ≥ 1. */
@inline export function logV(x: v128): v128 {
  const bits = x;
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(v128.and(bits, kEXP_MASK()), 23), kBIAS126()));
  let m = v128.or(v128.and(bits, kMANT_MASK()), kHALF_BITS()); // mantissa in [0.5, 1)
  const below = f32x4.lt(m, kSQRT_HALF_V());
  e = f32x4.sub(e, v128.and(kONE(), below));
  m = f32x4.sub(f32x4.add(m, v128.and(m, below)), kONE());
  const z = f32x4.mul(m, m);
  let y = kL0();
  y = f32x4.add(f32x4.mul(y, m), kL1());
  y = f32x4.add(f32x4.mul(y, m), kL2());
  y = f32x4.add(f32x4.mul(y, m), kL3());
  y = f32x4.add(f32x4.mul(y, m), kL4());
  y = f32x4.add(f32x4.mul(y, m), kL5());
  y = f32x4.add(f32x4.mul(y, m), kL6());
  y = f32x4.add(f32x4.mul(y, m), kL7());
  y = f32x4.add(f32x4.mul(y, m), kL8());
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(e, kC2()));
  y = f32x4.sub(y, f32x4.mul(z, kHALF()));
  return f32x4.add(f32x4.add(m, y), f32x4.mul(e, kC1()));
}

// erf: x·(1 + Q(x²)) on |x| < 1, 1 − exp(S(|x|) − x²) on 1 <= |x| (S = log erfc(x) + x², a polynomial in
// |x| − 2.5 on [1, 4]; erf rounds to 1 from 3.92 on); weighted least-squares fits of degree 6 and 8 made with
// mpmath. Within 2 ulp of the correctly rounded value, as test/core/erf.test.ts checks.
const G = memory.data<f32>([
  0.12837916612625122, 0.12837916612625122, 0.12837916612625122, 0.12837916612625122, // Q0
  -0.3761262595653534, -0.3761262595653534, -0.3761262595653534, -0.3761262595653534, // Q1
  0.1128358542919159, 0.1128358542919159, 0.1128358542919159, 0.1128358542919159, // Q2
  -0.02685381844639778, -0.02685381844639778, -0.02685381844639778, -0.02685381844639778, // Q3
  0.005188337992876768, 0.005188337992876768, 0.005188337992876768, 0.005188337992876768, // Q4
  -0.0008010274614207447, -0.0008010274614207447, -0.0008010274614207447, -0.0008010274614207447, // Q5
  7.854108116589487e-05, 7.854108116589487e-05, 7.854108116589487e-05, 7.854108116589487e-05, // Q6
  -1.556815266609192, -1.556815266609192, -1.556815266609192, -1.556815266609192, // S0
  -0.35268068313598633, -0.35268068313598633, -0.35268068313598633, -0.35268068313598633, // S1
  0.05610639229416847, 0.05610639229416847, 0.05610639229416847, 0.05610639229416847, // S2
  -0.010858487337827682, -0.010858487337827682, -0.010858487337827682, -0.010858487337827682, // S3
  0.0021650814451277256, 0.0021650814451277256, 0.0021650814451277256, 0.0021650814451277256, // S4
  -0.00042017310624942183, -0.00042017310624942183, -0.00042017310624942183, -0.00042017310624942183, // S5
  7.745491166133434e-05, 7.745491166133434e-05, 7.745491166133434e-05, 7.745491166133434e-05, // S6
  -1.3301713806868065e-05, -1.3301713806868065e-05, -1.3301713806868065e-05, -1.3301713806868065e-05, // S7
  1.5998219851098838e-06, 1.5998219851098838e-06, 1.5998219851098838e-06, 1.5998219851098838e-06, // S8
  2.5, 2.5, 2.5, 2.5, // S_MID
  4, 4, 4, 4, // FOUR
], 16);
@inline function kQ(i: i32): v128 { return v128.load(G + (<usize>i << 4)); }
@inline function kS(i: i32): v128 { return v128.load(G + (<usize>(7 + i) << 4)); }
@inline function kS_MID(): v128 { return v128.load(G, 256); }
@inline function kFOUR(): v128 { return v128.load(G, 272); }

@inline export function erfV(x: v128): v128 {
  const a = f32x4.abs(x);
  const t = f32x4.mul(a, a);
  let q = kQ(6);
  q = f32x4.add(f32x4.mul(q, t), kQ(5));
  q = f32x4.add(f32x4.mul(q, t), kQ(4));
  q = f32x4.add(f32x4.mul(q, t), kQ(3));
  q = f32x4.add(f32x4.mul(q, t), kQ(2));
  q = f32x4.add(f32x4.mul(q, t), kQ(1));
  q = f32x4.add(f32x4.mul(q, t), kQ(0));
  const small = f32x4.add(a, f32x4.mul(a, q));
  const b = f32x4.pmin(a, kFOUR()); // a first: a NaN passes through
  const u = f32x4.sub(b, kS_MID());
  let s = kS(8);
  s = f32x4.add(f32x4.mul(s, u), kS(7));
  s = f32x4.add(f32x4.mul(s, u), kS(6));
  s = f32x4.add(f32x4.mul(s, u), kS(5));
  s = f32x4.add(f32x4.mul(s, u), kS(4));
  s = f32x4.add(f32x4.mul(s, u), kS(3));
  s = f32x4.add(f32x4.mul(s, u), kS(2));
  s = f32x4.add(f32x4.mul(s, u), kS(1));
  s = f32x4.add(f32x4.mul(s, u), kS(0));
  const large = f32x4.sub(kONE(), expV(f32x4.sub(s, f32x4.mul(b, b))));
  const r = v128.bitselect(small, large, f32x4.lt(a, kONE()));
  return v128.or(r, v128.xor(a, x)); // the sign of x (x ^ |x| is its sign bit)
}

/** log(1 + u) for u in [0, 1] (the softplus of BCEWithLogitsLoss): log(w)·u / (w − 1) with w = 1 + u, else u. */
@inline export function log1pV(u: v128): v128 {
  const w = f32x4.add(kONE(), u);
  const d = f32x4.sub(w, kONE());
  const exact = f32x4.eq(d, f32x4.splat(0));
  const r = f32x4.div(f32x4.mul(logV(w), u), v128.bitselect(kONE(), d, exact));
  return v128.bitselect(u, r, exact);
}
