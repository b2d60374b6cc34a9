import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig } from '../../src/config/run_config.ts';
import { runCli } from '../cli/run_cli.ts';

// Keys a run config would otherwise lose or misread: `__proto__` (JSON.parse makes it an own key, zod's record
// leaves it out) and an lr written as a string.

const base = { sizes: [2, 3, 2], data: { type: 'moons' }, steps: 5 };
const parse = (extra: string) => () => parseRunConfig({ ...base, ...JSON.parse(extra) });

describe('run configs', () => {
  it('refuse a __proto__ key in scheduler args, optimizer kwargs and groups as an unknown key', () => {
    const adam = '"optimizer":{"type":"Adam","groups":[{"lr":0.01}]}';
    expect(parse(`{${adam},"scheduler":{"type":"StepLR","args":{"__proto__":5,"step_size":2}}}`)).toThrow(
      'run config: scheduler.args: unknown key "__proto__"',
    );
    expect(parse('{"optimizer":{"type":"Adam","groups":[{"lr":0.01}],"kwargs":{"__proto__":{"lr":1}}}}')).toThrow(
      'run config: optimizer.kwargs: unknown key "__proto__"',
    );
    expect(parse('{"optimizer":{"type":"Adam","groups":[{"lr":0.01,"__proto__":1}]}}')).toThrow(
      'run config: optimizer.groups.0: unknown key "__proto__"',
    );
    expect(parse(`{${adam},"batch_schedule":{"type":"StepBS","args":{"__proto__":1}}}`)).toThrow(
      /batch_schedule\.args: unknown key "__proto__"/,
    );
    const ok = parseRunConfig({
      ...base,
      ...JSON.parse(`{${adam},"scheduler":{"type":"StepLR","args":{"step_size":2}}}`),
    });
    expect(ok.scheduler).toEqual({ type: 'StepLR', args: { step_size: 2 } });
  });

  it('refuse an lr given as a string, naming the key', () => {
    const refused = parse('{"optimizer":{"type":"Adam","groups":[{"lr":"0.01"}]}}');
    expect(refused).toThrow(ConfigError);
    expect(refused).toThrow('run config: optimizer.groups.0.lr: lr must be a number, got the string "0.01"');
    expect(parse('{"optimizer":{"type":"SGD","groups":[{"lr":0.1}],"kwargs":{"lr":"1e-2"}}}')).toThrow(
      'optimizer.kwargs.lr: lr must be a number, got the string "1e-2"',
    );
    try {
      parse('{"optimizer":{"type":"Adam","groups":[{"lr":"0.01"}]}}')();
    } catch (err) {
      expect((err as ConfigError).param).toBe('optimizer.groups.0.lr');
    }
  });

  it('anneal schedule refuses three betas', async () => {
    const { code, stderr } = await runCli('schedule', '--betas', '0.9,0.99,0.5');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--betas.*0\.9,0\.99,0\.5/);
  });
});
