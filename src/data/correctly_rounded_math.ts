/**
 * Correctly rounded `log`, `sin` and `cos` for doubles, evaluated in double-double arithmetic
 * (about 104 significant bits) and rounded once.
 *
 * Why: numpy's legacy Gaussian calls C's `log`, and `np.sin` / `np.cos` call C's `sin` / `cos`
 * (glibc on Linux), which return the correctly rounded result for all but vanishingly rare inputs.
 * V8's `Math.log` / `Math.sin` / `Math.cos` (fdlibm) are faithful but not correctly rounded: they
 * differ from glibc in the last bit for several percent of inputs, which would break bit-for-bit
 * reproduction of numpy's random streams and sklearn's toy datasets.
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
  const result = add(mul(dd(exponent), LN2), logM);
  return result.hi + result.lo;
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
