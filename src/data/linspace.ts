import { checkInteger } from '../params/check.ts';

/**
 * `numpy.linspace(start, stop, num, endpoint)` with numpy's arithmetic (numpy/core/function_base.py):
 * `y = arange(num) * step + start` with `step = (stop - start) / div`, and the last element set to
 * `stop` exactly when `endpoint`. Computing `start + i * (stop - start) / div` instead differs in the
 * last bit for some i, which shows up in every sklearn toy dataset built on it.
 */
export function linspace(start: number, stop: number, num: number, endpoint = true): Float64Array {
  checkInteger('linspace', 'num', num, { min: 0 }, 'plain');
  const out = new Float64Array(num);
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    for (let i = 0; i < num; i++) {
      // numpy's special case for a step that underflows to zero (gh-5437): divide first.
      out[i] = (step === 0 ? (i / div) * delta : i * step) + start;
    }
  } else {
    for (let i = 0; i < num; i++) out[i] = i * delta + start;
  }
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}
