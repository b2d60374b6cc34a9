/**
 * Correctly rounded `log`, `sin`, `cos` and `pow` for doubles, evaluated in double-double arithmetic
 * (about 104 significant bits) and rounded once.
 *
 * Why: numpy's legacy Gaussian calls C's `log`, and `np.sin` / `np.cos` call C's `sin` / `cos`
 * (glibc on Linux), which return the correctly rounded result for all but vanishingly rare inputs.
 * V8's `Math.log` / `Math.sin` / `Math.cos` (fdlibm) are faithful but not correctly rounded: they
 * differ from glibc in the last bit for several percent of inputs, which would break bit-for-bit
 * reproduction of numpy's random streams and sklearn's toy datasets.
 *
 * `pow` (`crPow`) is for bit-for-bit reproducibility across engines: Node 20's V8 and Chromium's round `Math.pow`
 * / `**` differently in the last bit for some inputs (Node 20's misrounds 7% of test/data/fixtures/cr_pow.json).
 * It is exp(y log x) in double-double, with exact ties (x^y halfway between two doubles) rounded to even.
 * `crPow` and `crLog` first try a table-driven fast path (at the end of this file) and fall back to the slow
 * series above only near a rounding boundary, so their results are exactly the slow path's.
 *
 * `sin` / `cos` reduce the argument with a three-part pi/2 (Cody–Waite), accurate for |x| <= 2^20;
 * beyond that they fall back to `Math.sin` / `Math.cos` (faithful, not correctly rounded).
 */

/** A double-double: the unevaluated sum hi + lo with |lo| <= ulp(hi) / 2. */
interface DoubleDouble {
  hi: number;
  lo: number;
}

const SPLITTER = 134217729; // 2^27 + 1, Dekker's split

function dd(hi: number, lo = 0): DoubleDouble {
  return { hi, lo };
}

function twoSum(a: number, b: number): DoubleDouble {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

function quickTwoSum(a: number, b: number): DoubleDouble {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

function twoProd(a: number, b: number): DoubleDouble {
  const p = a * b;
  const ca = SPLITTER * a;
  const aHi = ca - (ca - a);
  const aLo = a - aHi;
  const cb = SPLITTER * b;
  const bHi = cb - (cb - b);
  const bLo = b - bHi;
  return { hi: p, lo: aHi * bHi - p + aHi * bLo + aLo * bHi + aLo * bLo };
}

function add(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const s = twoSum(x.hi, y.hi);
  const t = twoSum(x.lo, y.lo);
  const u = quickTwoSum(s.hi, s.lo + t.hi);
  return quickTwoSum(u.hi, u.lo + t.lo);
}

function neg(x: DoubleDouble): DoubleDouble {
  return { hi: -x.hi, lo: -x.lo };
}

function mul(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const p = twoProd(x.hi, y.hi);
  return quickTwoSum(p.hi, p.lo + (x.hi * y.lo + x.lo * y.hi));
}

function div(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const q1 = x.hi / y.hi;
  let r = add(x, neg(mul(dd(q1), y)));
  const q2 = r.hi / y.hi;
  r = add(r, neg(mul(dd(q2), y)));
  const q3 = r.hi / y.hi;
  const q = quickTwoSum(q1, q2);
  return add(q, dd(q3));
}

/** Coefficients as double-doubles: reciprocals of odd integers for log, (-1)^k / n! for sin / cos. */
const LOG_SERIES_TERMS = 23; // s^2 <= 0.0295 on the reduced range: 0.0295^22 < 2^-106
const ODD_RECIPROCALS: DoubleDouble[] = Array.from({ length: LOG_SERIES_TERMS }, (_, k) => div(dd(1), dd(2 * k + 1)));

const TRIG_SERIES_TERMS = 16; // r^2 <= 0.62 on [-pi/4, pi/4]: 0.62^15 / 30! < 2^-106
const SIN_COEFFS: DoubleDouble[] = [];
const COS_COEFFS: DoubleDouble[] = [];
{
  let inverseFactorial = dd(1); // 1 / n!
  for (let n = 0; n < 2 * TRIG_SERIES_TERMS + 2; n++) {
    if (n > 0) inverseFactorial = div(inverseFactorial, dd(n));
    const sign = Math.floor(n / 2) % 2 === 0 ? 1 : -1;
    const coeff = sign > 0 ? inverseFactorial : neg(inverseFactorial);
    if (n % 2 === 0) COS_COEFFS.push(coeff);
    else SIN_COEFFS.push(coeff);
  }
}

const LN2 = dd(0.6931471805599453, 2.3190468138462996e-17);
const SQRT2 = Math.SQRT2;
const TWO_POW_54 = 18014398509481984;

/** `log(x)` rounded to nearest. */
export function crLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  if (x === 1) return 0;
  fastLog(x);
  const h = FAST_OUT[0];
  const l = FAST_OUT[1];
  const r = h + l;
  const d = h - r + l; // the part rounded off
  wordsF64[0] = r;
  const high = wordsU32[HIGH_WORD];
  let half = pow2(((high >>> 20) & 0x7ff) - 1076); // half an ulp of r (|r| >= 2^-53 is normal)
  if ((high & 0xfffff) === 0 && wordsU32[LOW_WORD] === 0 && d * r < 0) half /= 2; // below a power of two
  if (Math.abs(Math.abs(d) - half) >= half * FAST_WINDOW) return r;
  return round(logDD(x)); // near a rounding boundary: the slow path decides
}

/** `log(x)` in double-double for finite x > 0 (relative error about 2^-100). */
function logDD(x: number): DoubleDouble {
  let exponent = 0;
  let m = x;
  if (m < 2.2250738585072014e-308) {
    m *= TWO_POW_54; // subnormal: scale into the normal range first
    exponent -= 54;
  }
  let e = Math.floor(Math.log2(m)); // may be off by one near powers of two; fixed below
  // exact: power-of-two scalings of a normal double, in two steps so that 2^e never overflows
  const half = Math.trunc(e / 2);
  m = m / 2 ** half / 2 ** (e - half);
  if (m >= 2) {
    m /= 2;
    e += 1;
  } else if (m < 1) {
    m *= 2;
    e -= 1;
  }
  if (m > SQRT2) {
    m /= 2;
    e += 1;
  }
  exponent += e;
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1); m - 1 is exact (Sterbenz) on [sqrt(1/2), sqrt(2)].
  const s = div(dd(m - 1), twoSum(m, 1));
  const z = mul(s, s);
  let series = ODD_RECIPROCALS[LOG_SERIES_TERMS - 1];
  for (let k = LOG_SERIES_TERMS - 2; k >= 0; k--) series = add(mul(series, z), ODD_RECIPROCALS[k]);
  const logM = mul(dd(2 * s.hi, 2 * s.lo), series);
  return add(mul(dd(exponent), LN2), logM);
}

const PIO2_1 = 1.5707963267948966;
const PIO2_2 = 6.123233995736766e-17;
const PIO2_3 = -1.4973849048591698e-33;
const TWO_OVER_PI = 0.6366197723675814;
const MAX_REDUCED_ARGUMENT = 1048576; // 2^20

function reduceQuarterTurns(x: number): { quadrant: number; r: DoubleDouble } {
  const k = Math.round(x * TWO_OVER_PI);
  let r = add(dd(x), neg(twoProd(k, PIO2_1)));
  r = add(r, neg(twoProd(k, PIO2_2)));
  r = add(r, dd(-k * PIO2_3));
  return { quadrant: ((k % 4) + 4) % 4, r };
}

function sinReduced(r: DoubleDouble): DoubleDouble {
  const z = mul(r, r);
  let series = SIN_COEFFS[TRIG_SERIES_TERMS - 1];
  for (let k = TRIG_SERIES_TERMS - 2; k >= 0; k--) series = add(mul(series, z), SIN_COEFFS[k]);
  return mul(series, r);
}

function cosReduced(r: DoubleDouble): DoubleDouble {
  const z = mul(r, r);
  let series = COS_COEFFS[TRIG_SERIES_TERMS - 1];
  for (let k = TRIG_SERIES_TERMS - 2; k >= 0; k--) series = add(mul(series, z), COS_COEFFS[k]);
  return series;
}

function round(x: DoubleDouble): number {
  return x.hi + x.lo;
}

/** `sin(x)` rounded to nearest for |x| <= 2^20. */
export function crSin(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  if (x === 0) return x; // keeps -0
  if (Math.abs(x) > MAX_REDUCED_ARGUMENT) return Math.sin(x);
  const { quadrant, r } = reduceQuarterTurns(x);
  switch (quadrant) {
    case 0:
      return round(sinReduced(r));
    case 1:
      return round(cosReduced(r));
    case 2:
      return -round(sinReduced(r));
    default:
      return -round(cosReduced(r));
  }
}

/** `cos(x)` rounded to nearest for |x| <= 2^20. */
export function crCos(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  if (Math.abs(x) > MAX_REDUCED_ARGUMENT) return Math.cos(x);
  const { quadrant, r } = reduceQuarterTurns(x);
  switch (quadrant) {
    case 0:
      return round(cosReduced(r));
    case 1:
      return -round(sinReduced(r));
    case 2:
      return -round(cosReduced(r));
    default:
      return round(sinReduced(r));
  }
}

/** 1 / n! as double-doubles for exp's Taylor series: |r| <= 0.347 after reduction by ln 2, 0.347^23 / 23! < 2^-109. */
const EXP_SERIES_TERMS = 23;
const INVERSE_FACTORIALS: DoubleDouble[] = [dd(1)];
for (let n = 1; n < EXP_SERIES_TERMS; n++) INVERSE_FACTORIALS.push(div(INVERSE_FACTORIALS[n - 1], dd(n)));

/** POW2[n + 1074] = 2^n for -1074 <= n <= 1023, built by exact doublings and halvings. */
const POW2 = new Float64Array(2098);
{
  let p = 1;
  for (let n = 0; n <= 1023; n++, p *= 2) POW2[n + 1074] = p;
  p = 0.5;
  for (let n = -1; n >= -1074; n--, p /= 2) POW2[n + 1074] = p;
}
const pow2 = (n: number): number => POW2[n + 1074];

const TWO_POW_53 = 9007199254740992;
const TWO_POW_64 = pow2(64);
/** |x^y - nearest midpoint| below this (relative) is checked for an exact tie; the evaluation errs by < 2^-85. */
const TIE_WINDOW = pow2(-78);

/** exp(t) = e · 2^k with e in about [sqrt(1/2), sqrt(2)], in double-double. */
function expReduced(t: DoubleDouble): { e: DoubleDouble; k: number } {
  const k = Math.round(t.hi / LN2.hi);
  const r = add(add(t, neg(twoProd(k, LN2.hi))), dd(-k * LN2.lo));
  let series = INVERSE_FACTORIALS[EXP_SERIES_TERMS - 1];
  for (let n = EXP_SERIES_TERMS - 2; n >= 0; n--) series = add(mul(series, r), INVERSE_FACTORIALS[n]);
  return { e: series, k };
}

const bitsView = new DataView(new ArrayBuffer(8));

/** x = m · 2^e with m odd, for finite x > 0. */
function oddMantissa(x: number): { m: bigint; e: number } {
  bitsView.setFloat64(0, x);
  const high = bitsView.getUint32(0);
  const biased = high >>> 20;
  let m = (BigInt(high & 0xfffff) << 32n) | BigInt(bitsView.getUint32(4));
  let e = -1074;
  if (biased > 0) {
    m |= 1n << 52n;
    e = biased - 1075;
  }
  while ((m & 1n) === 0n) {
    m >>= 1n;
    e++;
  }
  return { m, e };
}

/**
 * Whether x^y (x > 0 finite, y finite) is exactly mid · 2^e, mid odd. With y = Y / 2^j (Y odd when j > 0):
 * x^y = mid · 2^e iff x^Y = mid^(2^j) · 2^(e 2^j). x = mx 2^ex with mx odd; mx = 1 gives a power of two;
 * otherwise Y > 0, mx a perfect 2^j-th power (so j <= 5, as mx < 2^53) and mx^Y of at most 55 · 2^j bits.
 */
function isExactly(x: number, y: number, mid: bigint, e: number): boolean {
  const { m: mx, e: ex } = oddMantissa(x);
  if (mx === 1n) {
    const p = twoProd(ex, y);
    return mid === 1n && p.lo === 0 && p.hi === e;
  }
  let j = 0;
  let yy = y;
  while (!Number.isInteger(yy) && j <= 5) {
    yy *= 2;
    j++;
  }
  if (!Number.isInteger(yy) || yy <= 0 || mid === 1n || yy > 1200) return false;
  return e * (1 << j) === ex * yy && mid ** BigInt(1 << j) === mx ** BigInt(yy);
}

/** x^y for finite x > 0, x !== 1, finite y !== 0: the slow reference path. */
function powPositiveSlow(x: number, y: number): number {
  if (Math.abs(y) >= TWO_POW_64) return x > 1 === y > 0 ? Infinity : 0; // |y log x| >= 2^64 · 2^-54
  const t = mul(dd(y), logDD(x));
  if (t.hi > 709.79) return Infinity; // > e^709.79 > largest double + half an ulp
  if (t.hi < -745.2) return 0; // < 2^-1075, half the smallest subnormal
  const { e, k } = expReduced(t);
  if (k >= -1021) {
    // A normal result: round e to 53 bits (the grid of e · 2^k), then scale exactly.
    let r = e.hi + e.lo;
    const d = e.hi - r + e.lo; // the part rounded off
    const ulpExponent = (r >= 1 ? -52 : -53) - (d < 0 && r === 1 ? 1 : 0); // the spacing on d's side of r
    const ulp = pow2(ulpExponent);
    if (Math.abs(Math.abs(d) - ulp / 2) < TIE_WINDOW) {
      const mid = BigInt(r / (ulp / 2)) + (d > 0 ? 1n : -1n);
      const odd = (r / ulp) % 2 !== 0;
      if (odd && isExactly(x, y, mid, ulpExponent - 1 + k)) r += d > 0 ? ulp : -ulp; // a tie: to even
    }
    return k === 1024 ? r * pow2(1023) * 2 : r * pow2(k);
  }
  // Subnormal (or smallest normal) result: round e · 2^(k + 1074) to an integer count of 2^-1074.
  const s = pow2(k + 1074);
  const a = e.hi * s;
  const whole = Math.floor(a);
  const frac = a - whole + e.lo * s;
  let n = whole + Math.floor(frac);
  const f = frac - Math.floor(frac);
  if (Math.abs(f - 0.5) < TIE_WINDOW * TWO_POW_53) {
    if (isExactly(x, y, 2n * BigInt(n) + 1n, -1075)) return (n % 2 === 0 ? n : n + 1) * pow2(-1074);
  }
  if (f > 0.5) n += 1;
  return n * pow2(-1074);
}

/**
 * `x ** y` rounded to nearest (ties to even), with ECMAScript's special cases: `y` = ±0 gives 1 (even for NaN `x`),
 * NaN otherwise propagates, `(±1) ** ±Infinity` is NaN (C's `pow` gives 1), a negative `x` with a finite
 * non-integer `y` is NaN, and signed zeros and infinities follow the sign rules of `Math.pow`.
 */
export function crPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  const ax = Math.abs(x);
  if (!Number.isFinite(y)) return ax === 1 ? NaN : ax > 1 === y > 0 ? Infinity : 0;
  const yInteger = Number.isInteger(y);
  const negative = (x < 0 || Object.is(x, -0)) && yInteger && Math.abs(y) < TWO_POW_53 && y % 2 !== 0;
  let r: number;
  if (ax === 0 || ax === Infinity) r = (ax === Infinity) === y > 0 ? Infinity : 0;
  else if (x < 0 && !yInteger) return NaN;
  else if (ax === 1 || y === 1) r = ax;
  else r = powPositiveFast(ax, y);
  return negative ? -r : r;
}

/*
 * Fast path for `crPow` and `crLog`: table-driven log and exp in double-double arithmetic written out inline (no
 * objects, no calls, so nothing is allocated), with a relative error below 2^-71 (2^-80 for the log). Its rounded
 * result is the correctly rounded one unless it lies within FAST_WINDOW (2^-10 of half an ulp, so 2^-63 of the
 * value) of a rounding boundary; there the slow path above decides (well under 1 call in 1000), so every result is
 * the slow path's.
 */

const FAST_WINDOW = pow2(-10);
/** Scratch: fastLog's result as [hi, lo]. */
const FAST_OUT = new Float64Array(2);
const wordsF64 = new Float64Array(1);
const wordsU32 = new Uint32Array(wordsF64.buffer);
wordsF64[0] = 1;
const HIGH_WORD = wordsU32[1] === 0x3ff00000 ? 1 : 0;
const LOW_WORD = 1 - HIGH_WORD;

/**
 * 1 / c and -log(1 / c) (double-double, from the slow log) for 128 subintervals of [0.707, 1.414) (the doubles whose
 * high word is LOG_OFFSET + 0 .. 0xfffff), c their midpoints: 75 of width 2^-8 below 1, 53 of width 2^-7 above.
 */
const LOG_TABLE_SIZE = 128;
const LOG_OFFSET = 0x3fe6a000;
const LOG_INVC = new Float64Array(LOG_TABLE_SIZE);
const LOG_LOGC_HI = new Float64Array(LOG_TABLE_SIZE);
const LOG_LOGC_LO = new Float64Array(LOG_TABLE_SIZE);
/** 2^(j / 128) for 0 <= j < 128 in double-double, from the slow exp. */
const EXP_TABLE_SIZE = 128;
const EXP2_HI = new Float64Array(EXP_TABLE_SIZE);
const EXP2_LO = new Float64Array(EXP_TABLE_SIZE);
let fastTablesBuilt = false;

/** Fills the fast path's tables, on its first call: importing the library does no work. */
function buildFastTables(): void {
  fastTablesBuilt = true;
  const fromHighWord = (high: number): number => {
    wordsU32[HIGH_WORD] = high;
    wordsU32[LOW_WORD] = 0;
    return wordsF64[0];
  };
  for (let i = 0; i < LOG_TABLE_SIZE; i++) {
    const start = fromHighWord(LOG_OFFSET + i * 0x2000);
    const end = fromHighWord(LOG_OFFSET + (i + 1) * 0x2000);
    // The two subintervals next to 1 use c = 1, so that log(x) near 1 is the series in r = x - 1 alone.
    const invc = start === 1 || end === 1 ? 1 : 1 / ((start + end) / 2);
    const logc = invc === 1 ? dd(0) : neg(logDD(invc));
    LOG_INVC[i] = invc;
    LOG_LOGC_HI[i] = logc.hi;
    LOG_LOGC_LO[i] = logc.lo;
  }
  for (let j = 0; j < EXP_TABLE_SIZE; j++) {
    const { e, k } = expReduced(mul(dd(j / EXP_TABLE_SIZE), LN2));
    const v = quickTwoSum(e.hi * pow2(k), e.lo * pow2(k));
    EXP2_HI[j] = v.hi;
    EXP2_LO[j] = v.lo;
  }
}
const THIRD = div(dd(1), dd(3));
const FIFTH = div(dd(1), dd(5));
const SIXTH = div(dd(1), dd(6));

/** log(x) for finite x > 0 into FAST_OUT as hi + lo, relative error below 2^-80. */
function fastLog(x: number): void {
  if (!fastTablesBuilt) buildFastTables();
  let k = 0;
  let m = x;
  if (m < 2.2250738585072014e-308) {
    m *= TWO_POW_54;
    k = -54;
  }
  wordsF64[0] = m;
  const high = wordsU32[HIGH_WORD];
  const tmp = high - LOG_OFFSET;
  const i = (tmp >>> 13) & (LOG_TABLE_SIZE - 1);
  const kz = tmp >> 20;
  k += kz;
  wordsU32[HIGH_WORD] = high - (kz << 20);
  const z = wordsF64[0]; // m = z 2^kz, z in [0.707, 1.414)
  // r = z / c - 1 exactly as rh + rl: z invc is exact as p + pl, p - 1 is exact (Sterbenz); |r| < 2^-7.
  const invc = LOG_INVC[i];
  let c = SPLITTER * z;
  const zH = c - (c - z);
  c = SPLITTER * invc;
  const iH = c - (c - invc);
  const p = z * invc;
  const pl = zH * iH - p + zH * (invc - iH) + (z - zH) * iH + (z - zH) * (invc - iH);
  const pm = p - 1;
  const rh = pm + pl;
  let bb = rh - pm;
  const rl = pm - (rh - bb) + (pl - bb);
  c = SPLITTER * rh;
  const rH = c - (c - rh);
  const rL = rh - rH;
  // log1p(r) = r (1 + r (-1/2 + r (1/3 + r (-1/4 + r (1/5 + r q))))), q = -1/6 + r/7 - ... - r^6/12 in double;
  // each step s <- C + r s in double-double (|r s| < |C|, so C + r s needs no full two-sum).
  const q = -1 / 6 + rh * (1 / 7 + rh * (-1 / 8 + rh * (1 / 9 + rh * (-1 / 10 + rh * (1 / 11 + rh * (-1 / 12))))));
  let t = rh * q;
  let sh = FIFTH.hi + t;
  let sl = FIFTH.hi - sh + t + FIFTH.lo;
  for (let step = 0; step < 4; step++) {
    const ch = step === 0 ? -0.25 : step === 1 ? THIRD.hi : step === 2 ? -0.5 : 1;
    const cl = step === 1 ? THIRD.lo : 0;
    c = SPLITTER * sh;
    const sH = c - (c - sh);
    const sL = sh - sH;
    const ph = rh * sh;
    const pe = rH * sH - ph + rH * sL + rL * sH + rL * sL + (rh * sl + rl * sh);
    const nh = ch + ph;
    const nl = ch - nh + ph + (cl + pe);
    sh = nh + nl;
    sl = nl - (sh - nh);
  }
  c = SPLITTER * sh;
  const sH = c - (c - sh);
  const sL = sh - sH;
  const ph = rh * sh;
  const pe = rH * sH - ph + rH * sL + rL * sH + rL * sL + (rh * sl + rl * sh);
  // + k log 2 + log(c): two-sums of the high parts, the low parts summed (no cancellation to speak of).
  c = SPLITTER * k;
  const kH = c - (c - k);
  const kL = k - kH;
  const ah = k * LN2.hi;
  const al = kH * LN2_HI_HI - ah + kH * LN2_HI_LO + kL * LN2_HI_HI + kL * LN2_HI_LO + k * LN2.lo;
  const logc = LOG_LOGC_HI[i];
  const s = ah + logc;
  bb = s - ah;
  const se = ah - (s - bb) + (logc - bb);
  const u = s + ph;
  bb = u - s;
  const ue = s - (u - bb) + (ph - bb) + (se + al + LOG_LOGC_LO[i] + pe);
  t = u + ue;
  FAST_OUT[0] = t;
  FAST_OUT[1] = ue - (t - u);
}

/** Dekker's split of LN2.hi. */
const LN2_HI_HI = SPLITTER * LN2.hi - (SPLITTER * LN2.hi - LN2.hi);
const LN2_HI_LO = LN2.hi - LN2_HI_HI;
/** ln 2 / 128 in three parts, the first two short enough that k times them is exact for |k| < 2^17. */
const LN2_BY_N_A = Math.round((LN2.hi / EXP_TABLE_SIZE) * pow2(42)) / pow2(42);
const LN2_BY_N_B = Math.round((LN2.hi / EXP_TABLE_SIZE - LN2_BY_N_A) * pow2(77)) / pow2(77);
const LN2_BY_N_C = LN2.hi / EXP_TABLE_SIZE - LN2_BY_N_A - LN2_BY_N_B + LN2.lo / EXP_TABLE_SIZE;
const N_BY_LN2 = EXP_TABLE_SIZE / LN2.hi;
const HALF_ULP_ABOVE_1 = pow2(-53);
const HALF_ULP_BELOW_1 = pow2(-54);

/** x^y for finite x > 0, x !== 1, finite y !== 0: the fast path, or the slow one near a rounding boundary. */
function powPositiveFast(x: number, y: number): number {
  if (Math.abs(y) >= TWO_POW_64) return powPositiveSlow(x, y);
  fastLog(x);
  const lh = FAST_OUT[0];
  // t = y log(x) as th + tl
  let c = SPLITTER * y;
  const yH = c - (c - y);
  const yL = y - yH;
  c = SPLITTER * lh;
  const lH = c - (c - lh);
  const lL = lh - lH;
  const p = y * lh;
  const pe = yH * lH - p + yH * lL + yL * lH + yL * lL + y * FAST_OUT[1];
  const th = p + pe;
  const tl = pe - (th - p);
  if (!(th <= 709 && th >= -707)) {
    // Past the slow path's thresholds (709.79, -745.2) by far more than the error; near them, the slow path decides.
    if (th > 710) return Infinity;
    if (th < -746) return 0;
    return powPositiveSlow(x, y);
  }
  // t = k ln2 / 128 + r, |r| <= ln2 / 256 (a little more): th - k A is exact (Sterbenz), k A and k B are exact.
  const k = Math.round(th * N_BY_LN2);
  const r1 = th - k * LN2_BY_N_A;
  const kb = k * LN2_BY_N_B;
  const rh = r1 - kb;
  const bb = rh - r1;
  const rl = r1 - (rh - bb) + (-kb - bb) + (tl - k * LN2_BY_N_C);
  c = SPLITTER * rh;
  const rH = c - (c - rh);
  const rL = rh - rH;
  // exp(r) = 1 + r (1 + r (1/2 + r (1/6 + r q))), q = 1/24 + ... + r^4 / 8! in double (r^9 / 9! < 2^-95); each step
  // s <- C + r s in double-double (|r s| < |C|).
  const q = 1 / 24 + rh * (1 / 120 + rh * (1 / 720 + rh * (1 / 5040 + rh * (1 / 40320))));
  const t = rh * q;
  let sh = SIXTH.hi + t;
  let sl = SIXTH.hi - sh + t + SIXTH.lo;
  for (let step = 0; step < 3; step++) {
    const ch = step === 0 ? 0.5 : 1;
    c = SPLITTER * sh;
    const sH = c - (c - sh);
    const sL = sh - sH;
    const ph = rh * sh;
    const e = rH * sH - ph + rH * sL + rL * sH + rL * sL + (rh * sl + rl * sh);
    const nh = ch + ph;
    const nl = ch - nh + ph + e;
    sh = nh + nl;
    sl = nl - (sh - nh);
  }
  // times 2^(j / 128)
  const j = k & (EXP_TABLE_SIZE - 1);
  let n = (k - j) / EXP_TABLE_SIZE;
  const tj = EXP2_HI[j];
  c = SPLITTER * tj;
  const tH = c - (c - tj);
  const tL = tj - tH;
  c = SPLITTER * sh;
  const sH = c - (c - sh);
  const sL = sh - sH;
  const ph = tj * sh;
  const e = tH * sH - ph + tH * sL + tL * sH + tL * sL + (tj * sl + EXP2_LO[j] * sh);
  let h = ph + e;
  let l = e - (h - ph);
  // x^y = (h + l) 2^n, h + l in [1, 2)
  if (h >= 2) {
    h /= 2;
    l /= 2;
    n += 1;
  } else if (h < 1) {
    h *= 2;
    l *= 2;
    n -= 1;
  }
  const rounded = h + l;
  const d = h - rounded + l; // the part rounded off
  const half = rounded === 1 && d < 0 ? HALF_ULP_BELOW_1 : HALF_ULP_ABOVE_1; // half an ulp on d's side
  if (Math.abs(Math.abs(d) - half) < half * FAST_WINDOW) return powPositiveSlow(x, y);
  return rounded * pow2(n);
}
