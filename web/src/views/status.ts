// The status line: step, loss, accuracy (and on the test data), lr, steps per second.

import type { Status } from '../protocol.ts';

/** Six significant digits, as `anneal train` prints them. */
export function sig(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-4 && a < 1e6 ? String(Number(v.toPrecision(6))) : v.toExponential(5);
}

function rate(v: number): string {
  return v >= 1000 ? `${Math.round(v).toLocaleString('en-US')}` : v.toFixed(v >= 10 ? 0 : 1);
}

export function renderStatus(el: HTMLElement, s: Status): void {
  const parts = [
    ['step', `${s.step.toLocaleString('en-US')} / ${s.steps.toLocaleString('en-US')}`],
    ['loss', sig(s.loss)],
    ...(Number.isNaN(s.accuracy) ? [] : [['accuracy', `${(100 * s.accuracy).toFixed(1)} %`]]),
    ...(s.testLoss === null
      ? []
      : [
          ['test loss', sig(s.testLoss)],
          ...(Number.isNaN(s.testAccuracy)
            ? []
            : [['test accuracy', `${(100 * (s.testAccuracy ?? NaN)).toFixed(1)} %`]]),
        ]),
    ['lr', s.lrs.length > 1 ? s.lrs.map(sig).join(', ') : sig(s.lr)],
    ['steps/s', s.step > 0 ? rate(s.stepsPerSecond) : '–'],
  ];
  el.replaceChildren(
    ...parts.map(([name, value]) => {
      const item = document.createElement('span');
      item.className = 'stat';
      item.dataset.name = name;
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = name;
      const val = document.createElement('b');
      val.textContent = value;
      item.append(label, ' ', val);
      return item;
    }),
  );
  const test = s.testLoss === null ? '' : `; test loss ${s.testLoss}`;
  const which = test ? 'training-set' : 'whole-dataset';
  el.title = `${which} loss ${s.loss}${test}; last step's loss ${s.lastLoss}; lr ${s.lr}`;
  if (s.testLoss === null) delete el.dataset.testLoss;
  else el.dataset.testLoss = String(s.testLoss);
  el.dataset.step = String(s.step);
  el.dataset.done = String(s.done);
  el.dataset.playing = String(s.playing);
  el.dataset.stepsPerSecond = String(s.stepsPerSecond);
}
