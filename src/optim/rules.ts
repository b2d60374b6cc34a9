/** The allowed ranges of optimizer hyper-parameters, as PyTorch checks them. */
export type Rule = 'nonNegative' | 'unitInterval' | 'finite';

const ALLOWED: Record<Rule, string> = {
  nonNegative: 'a finite number >= 0',
  unitInterval: 'a number in [0, 1)',
  finite: 'a finite number',
};

export function check(owner: string, name: string, value: unknown, rule: Rule): void {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule === 'finite' ||
      (rule === 'nonNegative' && value >= 0) ||
      (rule === 'unitInterval' && value >= 0 && value < 1));
  if (!ok) throw new RangeError(`${owner}: ${name} must be ${ALLOWED[rule]}, got ${String(value)}`);
}

export function checkBoolean(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new RangeError(`${owner}: ${name} must be true or false, got ${String(value)}`);
}
