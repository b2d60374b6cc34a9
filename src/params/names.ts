/**
 * PyTorch's snake_case keyword names and their camelCase spelling here (`step_size` ↔ `stepSize`, `T_max` ↔
 * `tMax`, `T_0` ↔ `t0`), and how values are shown in messages.
 */

/** PyTorch's keyword name in camelCase: `step_size` → `stepSize`, `T_max` → `tMax`. */
export function snakeToCamel(name: string): string {
  const [first, ...rest] = name.split('_');
  return first.toLowerCase() + rest.map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** A camelCase option name in PyTorch's snake_case: `stepSize` → `step_size`, `tMax` → `T_max`. */
export function camelToSnake(name: string): string {
  // SGDR's T_0 / T_max / T_mult keep their capital T in PyTorch.
  const period = /^t([A-Z0-9].*)$/.exec(name);
  if (period !== null) return `T_${camelToSnake(period[1].charAt(0).toLowerCase() + period[1].slice(1))}`;
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** `stepSize (step_size)`, or just `gamma` where both spellings agree. */
export function displayName(camelName: string): string {
  const snake = camelToSnake(camelName);
  return snake === camelName ? camelName : `${camelName} (${snake})`;
}

/** A value as a message shows it: numbers as JavaScript prints them (-0 kept), strings quoted, lists inline. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
