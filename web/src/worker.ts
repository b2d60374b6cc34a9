// The training worker: owns the PlaygroundRun (the library and its WebAssembly core live here, off the page's
// thread), trains it in slices at the chosen speed, and reports progress about 30 times a second.

import { errorText } from './error_text.ts';
import type { FromWorker, Preview, ToWorker } from './protocol.ts';
import { PlaygroundRun } from './run.ts';
import { withEdit } from './state.ts';

interface Scope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as Scope;

const GRID = 80;
/** Milliseconds of training between two looks at the message queue, at full speed. */
const SLICE_MS = 12;
const POST_MS = 33;

let run: PlaygroundRun | null = null;
let runId = 0;
let playing = false;
let speed = 300;
let failed = false;
// Speed limit: steps owed since `clockStart`.
let clockStart = 0;
let clockSteps = 0;
// Steps per second, measured over windows of at least a quarter second of play.
let meterStart = 0;
let meterSteps = 0;
let stepsPerSecond = 0;
let lastPost = 0;
let gridStep = -1;
let chunk = 64;
const wake = new MessageChannel();
wake.port1.onmessage = () => loop();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function startClock(): void {
  clockStart = meterStart = performance.now();
  clockSteps = run?.step ?? 0;
  meterSteps = 0;
}

function postProgress(): void {
  if (!run) return;
  const r = run;
  const rec = r.takeRecord();
  const evaluation = r.evaluate();
  const test = r.evaluateTest();
  const grid = r.step !== gridStep && r.points.planar ? r.grid(GRID) : null;
  gridStep = r.step;
  const last = rec.loss.length ? rec.loss[rec.loss.length - 1] : NaN;
  const loss = Float64Array.from(rec.loss);
  const lr = rec.lrs.map((l) => Float64Array.from(l));
  const lastLrs = lr.map((l) => l[l.length - 1]);
  const momentum = Float64Array.from(rec.momentum);
  post(
    {
      kind: 'progress',
      id: runId,
      loss,
      lr,
      momentum,
      evals: rec.evals,
      grid,
      gridSize: GRID,
      status: {
        step: r.step,
        steps: r.state.steps,
        lastLoss: last,
        loss: evaluation.loss,
        accuracy: evaluation.accuracy,
        testLoss: test?.loss ?? null,
        testAccuracy: test?.accuracy ?? null,
        lr: rec.loss.length ? lastLrs[0] : r.hyperParameters.lr,
        lrs: rec.loss.length ? lastLrs : r.hyperParameters.lrs,
        stepsPerSecond,
        playing,
        done: r.done,
      },
    },
    [loss.buffer, ...lr.map((l) => l.buffer), momentum.buffer, ...(grid ? [grid.buffer] : [])],
  );
  lastPost = performance.now();
}

/** The coming schedule, as the page draws it (every param group's lr). */
function preview(r: PlaygroundRun): Preview {
  const { lrs, momentum, note } = r.preview();
  return { lrs, momentum, note };
}

function fail(during: 'train' | 'schedule' | 'steps', err: unknown): void {
  playing = false;
  postProgress();
  post({ kind: 'error', id: runId, during, message: errorText(err) });
}

/** One slice of training, then a look at the messages, then the next slice. */
function loop(): void {
  if (!playing || !run) return;
  const r = run;
  const t0 = performance.now();
  let taken = 0;
  try {
    if (speed === 0) {
      while (!r.done && performance.now() - t0 < SLICE_MS) {
        const c0 = performance.now();
        taken += r.advance(chunk);
        if (performance.now() - c0 < 1) chunk = Math.min(chunk * 2, 1 << 16);
        else if (chunk > 1) chunk >>= 1;
      }
    } else {
      const owed = clockSteps + Math.floor(((t0 - clockStart) * speed) / 1000) - r.step;
      if (owed > 0) taken = r.advance(Math.min(owed, 1 << 16));
    }
  } catch (err) {
    failed = true;
    fail('train', err);
    return;
  }
  const now = performance.now();
  meterSteps += taken;
  if (now - meterStart >= 250) {
    stepsPerSecond = (meterSteps * 1000) / (now - meterStart);
    meterStart = now;
    meterSteps = 0;
  }
  if (r.done) {
    if (meterSteps > 0 && now > meterStart) stepsPerSecond = (meterSteps * 1000) / (now - meterStart);
    playing = false;
  }
  if (r.done || now - lastPost >= POST_MS) postProgress();
  if (!playing) return;
  if (speed === 0) wake.port2.postMessage(0);
  else setTimeout(loop, Math.min(POST_MS, Math.max(1, 1000 / speed)));
}

function play(): void {
  if (!run || run.done || failed) return;
  playing = true;
  startClock();
  loop();
}

function load(id: number, state: ToWorker & { kind: 'load' }): void {
  let next: PlaygroundRun;
  try {
    next = new PlaygroundRun(state.state);
  } catch (err) {
    post({ kind: 'error', id, during: 'load', message: errorText(err) });
    return;
  }
  run?.dispose();
  run = next;
  runId = id;
  failed = false;
  gridStep = -1;
  playing = false;
  post({ kind: 'loaded', id, state: next.state, points: next.points, bounds: next.bounds, preview: preview(next) });
  postProgress();
  if (state.play) play();
}

scope.onmessage = (event) => {
  const msg = event.data;
  switch (msg.kind) {
    case 'load':
      load(msg.id, msg);
      return;
    case 'play':
      play();
      return;
    case 'pause':
      playing = false;
      postProgress();
      return;
    case 'step':
      if (!run || run.done || failed) return;
      playing = false;
      try {
        run.advance(1);
      } catch (err) {
        failed = true;
        fail('train', err);
        return;
      }
      postProgress();
      return;
    case 'schedule': {
      if (!run) return;
      if (run.step === 0) {
        load(runId + 1, { kind: 'load', id: runId + 1, state: withEdit(run.state, 0, msg.schedule), play: playing });
        return;
      }
      try {
        const state = run.changeSchedule(msg.schedule);
        post({ kind: 'state', id: runId, state, preview: preview(run) });
      } catch (err) {
        post({ kind: 'error', id: runId, during: 'schedule', message: errorText(err) });
        post({ kind: 'state', id: runId, state: run.state, preview: preview(run) });
      }
      return;
    }
    case 'steps': {
      if (!run) return;
      if (msg.steps < run.step || run.step === 0) {
        load(runId + 1, { kind: 'load', id: runId + 1, state: { ...run.state, steps: msg.steps }, play: playing });
        return;
      }
      run.setSteps(msg.steps);
      post({ kind: 'state', id: runId, state: run.state, preview: preview(run) });
      postProgress();
      return;
    }
    case 'speed':
      speed = msg.speed;
      startClock();
      return;
    case 'lr-find': {
      if (!run) return;
      if (playing) {
        playing = false;
        postProgress();
      }
      try {
        post({ kind: 'lr-find', id: runId, step: run.step, result: run.findLr() });
      } catch (err) {
        post({ kind: 'error', id: runId, during: 'lr-find', message: errorText(err) });
      }
      return;
    }
    case 'export': {
      if (!run) return;
      const r = run;
      const json =
        msg.what === 'config' ? r.exportConfig() : msg.what === 'weights' ? r.exportWeights() : r.exportRun();
      post({ kind: 'export', id: runId, what: msg.what, json: `${JSON.stringify(json, null, 1)}\n` });
      return;
    }
    case 'export-file': {
      if (!run) return;
      const id = runId;
      // ONNX is encoded asynchronously (protobufjs loads on the first export); the model is read before it yields.
      const pending = msg.what === 'safetensors' ? Promise.resolve(run.exportSafetensors()) : run.exportOnnx();
      pending.then(
        (bytes) => {
          // A buffer of the file's own (the writer's may be a view into a pool it reuses), handed over, not copied.
          const buffer = bytes.slice().buffer;
          post({ kind: 'export-file', id, what: msg.what, bytes: buffer }, [buffer]);
        },
        (err: unknown) => post({ kind: 'error', id, during: 'export', message: errorText(err) }),
      );
      return;
    }
  }
};

// Importing the library has compiled the core (a top-level await); from here on messages are heard.
post({ kind: 'ready' });
