// The page: reads the state from the URL, hands the training to the worker, draws what comes back, and keeps
// the URL equal to the state so any moment of the playground is a link.

import type { EvalPoint } from '../../src/index.ts';
import type { LrFindResult } from '../../src/tuner/lr_find.ts';
import { SUGGESTION_METHODS } from '../../src/tuner/suggestions.ts';
import { renderControls } from './controls.ts';
import { errorText } from './error_text.ts';
import type { ExportKind, FromWorker, ModelFileKind, Preview, Status, ToWorker } from './protocol.ts';
import {
  SPEEDS,
  featureCount,
  groupLrs,
  layerNames,
  lessonState,
  runCyclesMomentum,
  sameLrs,
  scheduleAt,
  type PlaygroundState,
  type ScheduleState,
} from './state.ts';
import { sameChoice } from './schedulers.ts';
import { decodeState, encodeState } from './url.ts';
import { BoundaryView } from './views/boundary.ts';
import { ChartsView, Series } from './views/charts.ts';
import { renderStatus, sig } from './views/status.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const boundary = new BoundaryView($<HTMLCanvasElement>('boundary'));
const charts = new ChartsView($('loss-chart'), $('lr-chart'));
/** Every step's loss, lr and momentum so far (the worker sends them in slices). */
const record = { loss: new Series(), lr: [new Series()], momentum: new Series() };
/** With test data: the evaluations of the training and the test data so far. */
let evals: EvalPoint[] = [];

let state: PlaygroundState;
let loaded = false;
/** The run stopped on an error (a NaN loss, a schedule that failed): it cannot go on, only be reset. */
let failed = false;
let loadId = 0;
let preview: Preview = { lrs: [], momentum: null, note: null };
let status: Status | null = null;
let grid: { data: Float32Array; size: number } | null = null;
let gridFresh = false;
let shownSchedule: ScheduleState | null = null;

/** Messages wait here until the worker has loaded the core and listens. */
let pending: ToWorker[] | null = [];

function send(message: ToWorker): void {
  if (pending) pending.push(message);
  else worker.postMessage(message);
}

function load(next: PlaygroundState, play = status?.playing ?? false): void {
  send({ kind: 'load', id: ++loadId, state: next, play });
}

// Messages -------------------------------------------------------------------------------------------------

let hideInfo = 0;

function showMessage(text: string, kind: 'error' | 'info' = 'error'): void {
  const box = $('message');
  box.className = kind;
  $('message-text').textContent = text;
  box.hidden = false;
  clearTimeout(hideInfo);
  if (kind === 'info') hideInfo = window.setTimeout(() => (box.hidden = true), 5000);
}

$('message-close').addEventListener('click', () => ($('message').hidden = true));

function startWorker(): Worker {
  try {
    return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  } catch (err) {
    showMessage(
      `The training worker cannot start here (${errorText(err)}). ` +
        'Serve the page over http, e.g. npx vite preview --config web/vite.config.ts.',
    );
    throw err;
  }
}

const worker = startWorker();

// State, URL and controls ----------------------------------------------------------------------------------

/** The worker's state, with what only the page keeps (speed, log scale). */
function adopt(next: PlaygroundState): void {
  state = { ...next, speed: state?.speed ?? next.speed, logLoss: state?.logLoss ?? next.logLoss };
  window.history.replaceState(null, '', `${location.pathname}?${encodeState(state)}`);
  renderAllControls();
}

function renderAllControls(): void {
  const current = scheduleAt(state, status?.step ?? 0);
  shownSchedule = current;
  renderControls($('controls'), state, current, {
    run: (next) => load(next),
    schedule: (schedule) => send({ kind: 'schedule', schedule }),
    steps: (steps) => send({ kind: 'steps', steps }),
    problem: (m) => showMessage(m),
  });
  ($('speed') as HTMLSelectElement).value = String(state.speed);
  ($('log-loss') as HTMLInputElement).checked = state.logLoss;
  renderEdits();
}

function renderEdits(): void {
  const list = $('edits');
  list.replaceChildren(
    ...state.edits.map((e) => {
      const li = document.createElement('li');
      const lrs = groupLrs(e.schedule).map(sig).join(', ');
      li.textContent = `from step ${e.at}: lr ${lrs}, ${e.schedule.scheduler.type}`;
      return li;
    }),
  );
  $('edits-box').hidden = state.edits.length === 0;
}

function clearRecord(): void {
  record.loss.clear();
  record.lr = [new Series()];
  record.momentum.clear();
  evals = [];
}

// Drawing, at most once a frame (charts a few times a second while training) ------------------------------

let frame = 0;
let lastCharts = 0;
let chartsDirty = false;

function redraw(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    boundary.draw(gridFresh && grid ? grid.data : null, grid?.size ?? 0);
    gridFresh = false;
    if (status) renderStatus($('status'), status);
    const now = performance.now();
    if (chartsDirty && (!status?.playing || now - lastCharts > 150)) {
      drawCharts();
      lastCharts = now;
      chartsDirty = false;
    } else if (chartsDirty) redraw();
  });
}

function drawCharts(): void {
  const cycles = runCyclesMomentum(state);
  charts.drawLoss(record.loss.values, evals, state.steps, state.logLoss);
  charts.drawLr(
    record.lr.map((s) => s.values),
    state.groups === 'layer' ? layerNames(state) : null,
    cycles ? record.momentum.values : null,
    preview,
    state.optimizer.type === 'SGD' ? 'momentum' : 'beta1',
    state.steps,
  );
  $('preview-note').textContent = preview.note ?? '';
}

function updateButtons(): void {
  const playing = status?.playing ?? false;
  const done = status?.done ?? false;
  const play = $<HTMLButtonElement>('play');
  play.textContent = playing ? '❚❚ pause' : '▶ play';
  play.disabled = !loaded || failed || (done && !playing);
  play.title = failed ? 'The run stopped on an error: reset it, or change its settings' : '';
  $<HTMLButtonElement>('step').disabled = !loaded || failed || done || playing;
  $<HTMLButtonElement>('find-lr').disabled = !loaded || findingLr;
  // Nothing to export before the worker has built a model.
  for (const b of document.querySelectorAll<HTMLButtonElement>('#bar .export button')) b.disabled = !loaded;
}

// The worker's messages ------------------------------------------------------------------------------------

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const msg = event.data;
  switch (msg.kind) {
    case 'ready':
      for (const m of pending ?? []) worker.postMessage(m);
      pending = null;
      return;
    case 'loaded':
      loaded = true;
      failed = false;
      status = null;
      grid = null;
      clearRecord();
      preview = msg.preview;
      boundary.setData(msg.points, msg.bounds, featureCount(msg.state.data));
      $('boundary-caption').textContent = !msg.points.planar
        ? 'This dataset has more than 2 features: no plane to draw; the charts show the training.'
        : msg.points.regression
          ? 'Predicted value: orange for -1, white for 0, blue for +1; the points coloured by their target. ' +
            'Test data (held out of training) is drawn hollow.'
          : 'Decision boundary: the colour of the class the network predicts, paler where it is less sure. ' +
            'Test data (held out of training) is drawn hollow.';
      adopt(msg.state);
      chartsDirty = true;
      break;
    case 'state':
      preview = msg.preview;
      adopt(msg.state);
      chartsDirty = true;
      break;
    case 'progress': {
      record.loss.push(msg.loss);
      while (record.lr.length < msg.lr.length) record.lr.push(new Series());
      msg.lr.forEach((lr, g) => record.lr[g].push(lr));
      record.momentum.push(msg.momentum);
      if (msg.evals.length) evals = [...evals, ...msg.evals];
      status = msg.status;
      if (msg.grid) {
        grid = { data: msg.grid, size: msg.gridSize };
        gridFresh = true;
      }
      chartsDirty = true;
      // A change recorded in the link takes effect: show the lr and schedule now in force.
      const current = scheduleAt(state, status.step);
      if (
        shownSchedule &&
        (!sameLrs(current, shownSchedule) || !sameChoice(current.scheduler, shownSchedule.scheduler))
      )
        renderAllControls();
      break;
    }
    case 'lr-find':
      findingLr = false;
      showLrFind(msg.result, msg.step);
      break;
    case 'export':
      download(`anneal-${msg.what}.json`, new Blob([msg.json], { type: 'application/json' }));
      break;
    case 'export-file':
      download(MODEL_FILES[msg.what], new Blob([msg.bytes], { type: 'application/octet-stream' }));
      break;
    case 'error':
      if (msg.during === 'load' && !loaded) {
        showMessage(`This link's settings do not make a run: ${msg.message}. The lesson's settings are shown instead.`);
        state = lessonState();
        load(state, false);
        return;
      }
      if (msg.during === 'train') failed = true;
      if (msg.during === 'lr-find') findingLr = false;
      if (msg.during === 'export') showMessage(`Not exported: ${msg.message}`);
      else if (msg.during === 'lr-find') showMessage(`The lr finder failed: ${msg.message}`);
      else showMessage(msg.during === 'train' ? msg.message : `Not applied: ${msg.message}`);
      if (msg.during === 'load') renderAllControls(); // back to the settings of the run that is still there
      break;
  }
  updateButtons();
  redraw();
};

worker.onerror = (event) => showMessage(`The training worker failed: ${event.message || 'see the console'}`);

/** The file name of each export of the trained model. */
const MODEL_FILES: Record<ModelFileKind, string> = {
  safetensors: 'anneal-model.safetensors',
  onnx: 'anneal-model.onnx',
};

function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The lr finder ---------------------------------------------------------------------------------------------

/** The last range test's result and the step of the run it was made at (for the console and the tests). */
let lastLrFind: { step: number; result: LrFindResult } | null = null;
let findingLr = false;

/** The curve, a note of how it ended, and a button per suggestion that puts its lr (2 digits) in the lr field. */
function showLrFind(result: LrFindResult, step: number): void {
  lastLrFind = { step, result };
  $('lr-find-box').hidden = false;
  const at = step === 0 ? 'the initial weights' : `the weights after step ${step.toLocaleString('en-US')}`;
  charts.drawLrFind($('lr-find-chart'), result, `lr range test on ${at}`);
  const { settings } = result;
  const stop =
    result.stopReason === 'numIter'
      ? `all ${settings.numIter} steps`
      : `stopped after ${result.stopStep + 1} of ${settings.numIter} steps: the loss ${
          result.stopReason === 'diverged' ? `exceeded ${settings.divergeThreshold}× its best` : 'was not finite'
        }`;
  $('lr-find-note').textContent =
    `lr from ${settings.startLr[0]} to ${settings.endLr[0]}, ${stop}; ` +
    'the model and optimizer were put back, the run goes on as before. Use a suggestion:';
  $('lr-find-suggestions').replaceChildren(
    ...SUGGESTION_METHODS.map((method) => {
      const s = result.suggestions[method];
      const lr = s ? Number(s.lr.toPrecision(2)) : null;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = method === 'valley' ? 'small primary' : 'small';
      b.dataset.key = `use-${method}`;
      if (s && lr !== null) {
        b.dataset.lr = String(s.lr);
        b.textContent = `${method} ${lr}`;
        b.title = `set the lr to ${lr} (${method}: ${s.lr})`;
        b.addEventListener('click', () => applyLr(lr));
      } else {
        b.textContent = `${method} –`;
        b.title = `${method}: too few points for this suggestion`;
        b.disabled = true;
      }
      return b;
    }),
  );
}

/** An lr for every param group, from the next step (at step 0: the run's own), as the lr field sets it. */
function applyLr(lr: number): void {
  const current = structuredClone(scheduleAt(state, status?.step ?? 0));
  current.lr = lr;
  if (current.lrs) current.lrs = current.lrs.map(() => lr);
  send({ kind: 'schedule', schedule: current });
}

$('find-lr').addEventListener('click', () => {
  findingLr = true;
  updateButtons();
  send({ kind: 'lr-find' });
});
$('lr-find-close').addEventListener('click', () => ($('lr-find-box').hidden = true));

// The run bar ----------------------------------------------------------------------------------------------

$('play').addEventListener('click', () => send({ kind: status?.playing ? 'pause' : 'play' }));
$('step').addEventListener('click', () => send({ kind: 'step' }));
$('reset').addEventListener('click', () => load(state, false));
for (const what of ['config', 'weights', 'run'] as ExportKind[])
  $(`export-${what}`).addEventListener('click', () => send({ kind: 'export', what }));
for (const what of Object.keys(MODEL_FILES) as ModelFileKind[])
  $(`export-${what}`).addEventListener('click', () => send({ kind: 'export-file', what }));
$('copy-link').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(location.href);
    showMessage('The link to this run is on the clipboard.', 'info');
  } catch {
    showMessage(`Copy this link: ${location.href}`, 'info');
  }
});

const speedSelect = $<HTMLSelectElement>('speed');
for (const s of SPEEDS)
  speedSelect.append(new Option(s === 0 ? 'max' : `${s.toLocaleString('en-US')} steps/s`, String(s)));
speedSelect.addEventListener('change', () => {
  state = { ...state, speed: Number(speedSelect.value) };
  send({ kind: 'speed', speed: state.speed });
  adopt(state);
});
$<HTMLInputElement>('log-loss').addEventListener('change', (e) => {
  state = { ...state, logLoss: (e.target as HTMLInputElement).checked };
  adopt(state);
  chartsDirty = true;
  redraw();
});

// For the console and the browser tests: the lr chart's lines as drawn (legend name, [step, lr] points).
// and the last lr range test (its result as the worker sent it, and the step it was made at).
(window as unknown as { playground: unknown }).playground = {
  lrLines: () => charts.lrLines(),
  lrFind: () => lastLrFind,
};

// Start: the state the URL describes (problems reported, the lesson's values in their place) ---------------

const decoded = decodeState(location.search);
state = decoded.state;
if (decoded.problems.length) {
  showMessage(
    "This link has parameters that cannot be used; the lesson's values are used in their place. " +
      decoded.problems.join(' · '),
  );
}
if (!SPEEDS.includes(state.speed as (typeof SPEEDS)[number]))
  speedSelect.append(new Option(`${state.speed} steps/s`, String(state.speed)));
send({ kind: 'speed', speed: state.speed });
load(state, false);
updateButtons();
