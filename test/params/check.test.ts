import { describe, expect, it } from 'vitest';
import {
  checkBoolean,
  checkChoice,
  checkInteger,
  checkNumber,
  checkSeed,
  describeInteger,
  describeNumber,
  formatPlain,
  invalid,
} from '../../src/params/check.ts';
import { integer, number } from '../../src/params/declare.ts';
import { ValidationError } from '../../src/params/error.ts';
import { StateReader } from '../../src/params/state_reader.ts';

// One validation module: the declarations, the state-dict reader and the data functions all check through
// src/params/check.ts, each keeping its own wording of a refusal.

function refusal(run: () => unknown): ValidationError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('check.ts', () => {
  it('words a refusal as its caller does: torch, plain, state', () => {
    expect(refusal(() => checkInteger('StepLR', 'stepSize', 0, { min: 1 })).message).toBe(
      'StepLR: stepSize (step_size) must be an integer >= 1, got 0',
    );
    expect(refusal(() => checkInteger('makeMoons', 'nSamples', 0, { min: 1 }, 'plain')).message).toBe(
      'makeMoons: nSamples must be an integer >= 1, got 0',
    );
    expect(refusal(() => checkInteger('StepLR.loadStateDict', 'step_size', 1.5, {}, 'state')).message).toBe(
      "StepLR.loadStateDict: 'step_size' must be an integer, got 1.5",
    );
    const err = invalid('makeBlobs', 'centerBox', 'a pair [min, max]', { a: 1 }, 'plain');
    expect(err.message).toBe('makeBlobs: centerBox must be a pair [min, max], got [object Object]');
    expect([err.where, err.param, err.allowed]).toEqual(['makeBlobs', 'centerBox', 'a pair [min, max]']);
  });

  it('checks numbers, integers, booleans and choices', () => {
    expect(checkNumber('X', 'gamma', 0.5, { min: 0, max: 1, below: true })).toBe(0.5);
    expect(refusal(() => checkNumber('X', 'gamma', 1, { min: 0, max: 1, below: true })).allowed).toBe(
      'a finite number in [0, 1)',
    );
    expect(refusal(() => checkNumber('X', 'eps', Number.NaN)).allowed).toBe('a finite number');
    expect(checkInteger('X', 'n', 2 ** 53 + 2, { min: 1 })).toBe(2 ** 53 + 2);
    expect(refusal(() => checkInteger('X', 'n', 2 ** 53 + 2, { min: 1, safe: true })).allowed).toBe('an integer >= 1');
    expect(checkBoolean('X', 'flag', false)).toBe(false);
    expect(refusal(() => checkBoolean('X', 'flag', 'true')).message).toBe('X: flag must be true or false, got "true"');
    expect(checkChoice('X', 'mode', 'min', ['min', 'max'])).toBe('min');
    expect(refusal(() => checkChoice('X', 'mode', 'up', ['min', 'max'])).allowed).toBe("one of 'min', 'max'");
    expect(refusal(() => checkSeed('DataLoader', -1)).message).toBe(
      'DataLoader: seed must be an integer in [0, 4294967295], got -1',
    );
    expect(formatPlain(['a', 1, [-0]])).toBe('["a", 1, [0]]');
  });

  it('is what the declarations check with', () => {
    const stepSize = integer({ doc: '', min: 1 });
    const gamma = number({ doc: '', min: 0, above: true, default: 0.1 });
    expect(stepSize.allowed).toBe(describeInteger({ min: 1 }));
    expect(gamma.allowed).toBe(describeNumber({ min: 0, above: true }));
    expect(refusal(() => stepSize.check('StepLR', 'stepSize', 0, 1)).message).toBe(
      refusal(() => checkInteger('StepLR', 'stepSize', 0, { min: 1 })).message,
    );
  });
});

describe('StateReader', () => {
  it('reads typed entries and refuses in the state wording', () => {
    const reader = new StateReader('StepLR', { last_epoch: 3, mode: 'min', flag: true, lrs: [0.1] });
    expect(reader.integer('last_epoch')).toBe(3);
    expect(reader.string('mode', ['min', 'max'])).toBe('min');
    expect(reader.boolean('flag')).toBe(true);
    expect(reader.numbers('lrs')).toEqual([0.1]);
    expect(refusal(() => reader.raw('gamma')).message).toBe("StepLR.loadStateDict: the state has no 'gamma'");
    expect(refusal(() => reader.number('mode')).message).toBe(
      `StepLR.loadStateDict: 'mode' must be a finite number, got "min"`,
    );
    expect(refusal(() => reader.string('mode', ['max'])).message).toBe(
      `StepLR.loadStateDict: 'mode' must be one of 'max', got "min"`,
    );
    expect(refusal(() => new StateReader('StepLR', null as never)).message).toBe(
      'StepLR.loadStateDict: expected a state object, got null',
    );
  });
});
