// Issue 11 (5): every loadStateDict of a model and an optimizer checks types, shapes, ranges and unknown or
// missing keys first and changes nothing when it refuses (PyTorch's strict=True); a state dict that goes through
// JSON loads back bit-identically, NaN, ±Infinity and -0 included (they are written as strings).

import { describe, expect, it } from 'vitest';
import { Adam, MLP, SGD, ValidationError } from '../../src/index.ts';

const x = [
  [0.5, -1],
  [1, 2],
];
const y = [0, 1];

function trained() {
  const model = new MLP({ sizes: [2, 3, 2], seed: 0 });
  const adam = new Adam(model.parameters(), { lr: 0.01, amsgrad: true });
  const sgd = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  model.trainStep(x, y, adam);
  model.trainStep(x, y, sgd);
  return { model, adam, sgd };
}

type Loader = { stateDict(): unknown; loadStateDict(s: never): void };

/** Loading `state` into `target` is refused with a ValidationError matching `message`, and changes nothing. */
function refusedUnchanged(target: Loader, state: unknown, message: RegExp): ValidationError {
  const before = JSON.stringify(target.stateDict());
  let caught: unknown;
  try {
    target.loadStateDict(state as never);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  expect((caught as Error).message).toMatch(message);
  expect(JSON.stringify(target.stateDict())).toBe(before);
  return caught as ValidationError;
}

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('model loadStateDict is strict and atomic', () => {
  it('refuses null, unknown and missing keys, bad shapes, and values that are not finite f32', () => {
    const { model } = trained();
    const sd = copy(model.stateDict());
    refusedUnchanged(model, null, /^MLP\.loadStateDict: expected an object/);
    refusedUnchanged(model, [], /expected an object/);
    refusedUnchanged(model, { ...sd, extra: [1] }, /unexpected keys \[extra\]/);
    const { 'layers.1.bias': _bias, ...missing } = sd;
    refusedUnchanged(model, missing, /missing keys \[layers\.1\.bias\]/);
    refusedUnchanged(model, { ...sd, 'layers.0.bias': [1, 2] }, /layers\.0\.bias must be an array of shape \[3\]/);
    const huge = copy(sd);
    (huge['layers.1.weight'] as number[][])[1][2] = 1e300;
    const err = refusedUnchanged(model, huge, /layers\.1\.weight\[1\]\[2\] is 1e\+300, which is not a finite f32/);
    expect(err.param).toBe('layers.1.weight[1][2]');
    const text = copy(sd);
    (text['layers.0.bias'] as unknown[])[0] = 'abc';
    refusedUnchanged(model, text, /layers\.0\.bias\[0\] must be a number that rounds to a finite f32/);
  });

  it('round-trips through JSON bit-identically, with -0, NaN and ±Infinity weights', () => {
    const { model } = trained();
    const [w, b] = model.parameters();
    w.data[0] = -0;
    w.data[1] = NaN;
    b.data[0] = Infinity;
    b.data[1] = -Infinity;
    const sd = model.stateDict();
    expect((sd['layers.0.weight'] as unknown[][])[0].slice(0, 2)).toEqual(['-0', 'NaN']);
    expect((sd['layers.0.bias'] as unknown[]).slice(0, 2)).toEqual(['Infinity', '-Infinity']);
    const other = new MLP({ sizes: [2, 3, 2], seed: 5 });
    other.loadStateDict(copy(sd));
    model.parameters().forEach((p, i) => expect(bits(other.parameters()[i].data)).toEqual(bits(p.data)));
    expect(Object.is(other.parameters()[0].data[0], -0)).toBe(true);
  });
});

describe('optimizer loadStateDict is strict and atomic', () => {
  it('refuses wrong types, ranges, unknown and missing keys', () => {
    const { adam, sgd } = trained();
    const sd = copy(adam.stateDict());
    const group = (patch: Record<string, unknown>) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0], ...patch }] });
    refusedUnchanged(adam, null, /^Adam\.loadStateDict: expected \{state, paramGroups\}/);
    refusedUnchanged(adam, group({ amsgrad: 'no' }), /amsgrad/);
    refusedUnchanged(adam, group({ initialLr: 'abc' }), /initial_?lr/i);
    refusedUnchanged(adam, group({ maxLr: Number.NaN }), /max_?lr/i);
    refusedUnchanged(adam, group({ nope: 1 }), /unknown param-group key nope/);
    refusedUnchanged(adam, group({ params: [0, 1, 2, 9] }), /param group 0 holds 4 parameters/);
    const { eps: _eps, ...noEps } = sd.paramGroups[0];
    refusedUnchanged(adam, { ...sd, paramGroups: [noEps] }, /eps is missing/);
    refusedUnchanged(adam, { ...sd, extra: 1 }, /unknown key "extra"/);
    refusedUnchanged(adam, { ...sd, state: { ...sd.state, 99: sd.state[0] } }, /state\["99"\] names no parameter/);
    const { expAvg: _m, ...noExpAvg } = sd.state[0];
    refusedUnchanged(adam, { ...sd, state: { ...sd.state, 0: noExpAvg } }, /state\[0\]\.expAvg is missing/);
    refusedUnchanged(adam, { ...sd, state: { ...sd.state, 0: { ...sd.state[0], expAvg: null } } }, /expAvg/);
    refusedUnchanged(adam, { ...sd, state: { ...sd.state, 0: { ...sd.state[0], extra: 1 } } }, /unknown key/);
    refusedUnchanged(adam, { ...sd, state: { ...sd.state, 1: { ...sd.state[1], step: 0 } } }, /step must be/);
    refusedUnchanged(adam, { ...sd, state: { ...sd.state, 1: { ...sd.state[1], step: 1.5 } } }, /step must be/);
    const huge = copy(sd);
    (huge.state[3].expAvgSq as number[])[1] = -1e300;
    refusedUnchanged(adam, huge, /state\[3\]\.expAvgSq\[1\] is -1e\+300, which is not a finite f32/);
    const sgdSd = copy(sgd.stateDict());
    refusedUnchanged(sgd, { ...sgdSd, state: { 0: { ...sgdSd.state[0], momentumBuffer: 'x' } } }, /momentumBuffer/);
    sgd.loadStateDict({ ...sgdSd, state: { ...sgdSd.state, 0: { ...sgdSd.state[0], momentumBuffer: null } } });
    expect(sgd.stateDict().state[0].momentumBuffer).toBeNull();
  });

  it('round-trips through JSON bit-identically, with -0 and non-finite state', () => {
    const { model, adam } = trained();
    const engine = model.engine;
    // Reach into the first state buffer (exp_avg of parameter 0) to plant the awkward values.
    const saved = adam.stateDict();
    const m0 = saved.state[0].expAvg as unknown[][];
    m0[0][0] = '-0';
    m0[0][1] = 'NaN';
    m0[1][0] = 'Infinity';
    adam.loadStateDict(saved);
    const again = adam.stateDict();
    expect((again.state[0].expAvg as unknown[][])[0].slice(0, 2)).toEqual(['-0', 'NaN']);
    const twin = new Adam(new MLP({ sizes: [2, 3, 2], seed: 9, engine }).parameters(), { lr: 0.5 });
    twin.loadStateDict(copy(again));
    expect(JSON.stringify(twin.stateDict())).toBe(JSON.stringify(again));
    expect(twin.stateDict()).toEqual(again);
  });
});
