// The control panel, layered as in the TensorFlow Playground: data, network, optimizer, lr and schedule,
// training. It is redrawn from the state whenever the state changes, and reports what the user changed:
// settings that make a new run, the lr or schedule (which apply from the next step), or the run's length.

import {
  CHILD_TYPES,
  SCHEDULERS,
  schedulerDef,
  type ArgDef,
  type ArgValue,
  type SchedulerChoice,
} from './schedulers.ts';
import {
  ACTIVATIONS,
  DATASETS,
  DATA_DEFAULTS,
  MAX_STEPS,
  MAX_TEST_PERCENT,
  OPTIMIZERS,
  OPTIMIZER_DEFAULTS,
  GROUPINGS,
  classCount,
  cloneState,
  featureCount,
  fitGroups,
  groupLrs,
  layerNames,
  isReal,
  isRegression,
  pickScheduler,
  type Grouping,
  type PlaygroundState,
  type ScheduleState,
} from './state.ts';
import {
  activationArgs,
  argRefusal,
  defaultLoss,
  declaredDefault,
  lossArgs,
  lossesFor,
  type DeclaredArg,
  type DeclaredValue,
  type LossType,
} from './losses.ts';
import { MAX_LAYERS, MAX_SAMPLES, MAX_WIDTH } from './url.ts';
import { optimizerDefs, refusal, type OptimizerParamDef } from './optimizers.ts';

export interface ControlEvents {
  /** Settings that define the run (data, network, optimizer, batch): a new run from step 0. */
  run(state: PlaygroundState): void;
  /** The lr or the schedule: from the next step on. */
  schedule(schedule: ScheduleState): void;
  steps(steps: number): void;
  /** A value that was not accepted. */
  problem(message: string): void;
}

type Child = Node | string | null | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'className') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== false) el.append(c);
  return el;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

interface NumberOptions {
  integer?: boolean;
  min?: number;
  max?: number;
  /** An empty field is allowed and means "not given". */
  optional?: boolean;
  hint?: string;
  /** The tooltip. */
  title?: string;
  /** A further check of a number (a library's declaration): null when accepted, else what is allowed. */
  check?: (v: number) => string | null;
}

/** A labelled text field for a number: committed on change (Enter or leaving the field), checked first. */
function numberField(
  label: string,
  key: string,
  value: number | undefined,
  commit: (v: number | undefined) => void,
  onProblem: (m: string) => void,
  o: NumberOptions = {},
): HTMLElement {
  const input = h('input', {
    type: 'text',
    inputmode: 'decimal',
    'data-key': key,
    value: value === undefined ? '' : String(value),
    size: 7,
    spellcheck: 'false',
  });
  input.addEventListener('change', () => {
    const raw = input.value.trim();
    if (raw === '' && o.optional) return commit(undefined);
    const v = DECIMAL.test(raw) ? Number(raw) : NaN;
    const ok =
      Number.isFinite(v) &&
      (!o.integer || Number.isInteger(v)) &&
      !(o.min !== undefined && v < o.min) &&
      !(o.max !== undefined && v > o.max);
    const refused = ok ? (o.check?.(v) ?? null) : null;
    if (refused !== null) {
      onProblem(`${label}: expected ${refused}, got ${JSON.stringify(raw)}`);
      input.value = value === undefined ? '' : String(value);
      return;
    }
    if (!ok) {
      const range =
        o.min !== undefined && o.max !== undefined
          ? ` from ${o.min} to ${o.max}`
          : o.min !== undefined
            ? ` >= ${o.min}`
            : o.max !== undefined
              ? ` <= ${o.max}`
              : '';
      onProblem(`${label}: expected ${o.integer ? 'a whole number' : 'a number'}${range}, got ${JSON.stringify(raw)}`);
      input.value = value === undefined ? '' : String(value);
      return;
    }
    commit(v);
  });
  return field(label, input, o.hint, o.title);
}

function field(label: string, control: HTMLElement, hint?: string, title?: string): HTMLElement {
  return h(
    'label',
    { className: 'field', title },
    h('span', { className: 'name' }, label),
    control,
    hint ? h('span', { className: 'hint' }, hint) : null,
  );
}

function select(
  key: string,
  options: readonly string[],
  value: string,
  commit: (v: string) => void,
  labels?: (o: string) => string,
): HTMLSelectElement {
  const el = h(
    'select',
    { 'data-key': key },
    ...options.map((o) => h('option', { value: o, selected: o === value }, labels ? labels(o) : o)),
  );
  el.addEventListener('change', () => commit(el.value));
  return el;
}

/**
 * A control of a declared argument (a loss's, an activation's): a number field or a select, checked by the
 * library's declaration; `commit` gets the arguments that differ from their declared defaults.
 */
function declaredControl(
  arg: DeclaredArg,
  key: string,
  values: Record<string, DeclaredValue>,
  onProblem: (m: string) => void,
  commit: (args: Record<string, DeclaredValue>) => void,
): HTMLElement {
  const put = (v: DeclaredValue) => {
    const next = { ...values };
    if (v === declaredDefault(arg)) delete next[arg.name];
    else next[arg.name] = v;
    commit(next);
  };
  const value = values[arg.name] ?? declaredDefault(arg);
  if (arg.kind === 'choice') {
    return field(arg.name, select(key, arg.param.choices ?? [], String(value), put), undefined, arg.title);
  }
  return numberField(arg.name, key, value as number, (v) => put(v as number), onProblem, {
    hint: arg.hint,
    title: arg.title,
    check: (v) => (argRefusal(arg, v) === null ? null : arg.param.allowed),
  });
}

function checkbox(
  label: string,
  key: string,
  value: boolean,
  commit: (v: boolean) => void,
  title?: string,
): HTMLElement {
  const el = h('input', { type: 'checkbox', 'data-key': key, checked: value });
  el.addEventListener('change', () => commit(el.checked));
  return h('label', { className: 'field check', title }, el, h('span', { className: 'name' }, label));
}

function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { className: 'panel' }, h('h2', {}, title), ...children);
}

export function renderControls(
  root: HTMLElement,
  state: PlaygroundState,
  current: ScheduleState,
  on: ControlEvents,
): void {
  const problem = on.problem;
  const change = (edit: (s: PlaygroundState) => void) => {
    const next = cloneState(state);
    edit(next);
    // One lr (and lambda) per param group, however many layers there are now.
    on.run(fitGroups(next));
  };
  const perLayer = state.groups === 'layer';
  const names = perLayer ? layerNames(state) : null;
  const num = (
    label: string,
    key: string,
    value: number,
    set: (s: PlaygroundState, v: number) => void,
    o: NumberOptions = {},
  ) => numberField(label, key, value, (v) => change((s) => set(s, v as number)), problem, o);

  // Data
  const d = state.data;
  const datasetButtons = h(
    'div',
    { className: 'choices', role: 'radiogroup' },
    ...DATASETS.map((t) =>
      h(
        'button',
        {
          type: 'button',
          className: t === d.type ? 'choice on' : 'choice',
          'data-key': `data-${t}`,
          'aria-pressed': String(t === d.type),
          onclick: () =>
            t !== d.type &&
            change((s) => {
              const was = isRegression(s.data);
              Object.assign(s.data, { type: t }, DATA_DEFAULTS[t]);
              // Labels and float targets take other losses: the data's own default when the kind changes.
              if (isRegression(s.data) !== was) s.loss = defaultLoss(!was);
            }),
        },
        t,
      ),
    ),
  );
  const data = section(
    'Data',
    datasetButtons,
    isReal(d)
      ? h(
          'p',
          { className: 'hint', 'data-key': 'real-note' },
          `${d.samples} samples of ${featureCount(d)} features` +
            (isRegression(d) ? ', a float target each' : `, ${classCount(d)} classes`) +
            ': trained and charted; no plane to draw.',
        )
      : num('samples', 'n', d.samples, (s, v) => (s.data.samples = v), { integer: true, min: 1, max: MAX_SAMPLES }),
    !isReal(d) &&
      num(d.type === 'blobs' ? 'cluster std' : 'noise', 'noise', d.noise, (s, v) => (s.data.noise = v), {
        min: 0,
        max: 100,
      }),
    num('data seed', 'dseed', d.seed, (s, v) => (s.data.seed = v), {
      integer: true,
      min: 0,
      max: 2 ** 32 - 1,
      hint: isReal(d) ? 'seeds the test split' : undefined,
    }),
    num('test data %', 'test', d.test, (s, v) => (s.data.test = v), {
      integer: true,
      min: 0,
      max: MAX_TEST_PERCENT,
      hint: 'held out of training, drawn hollow',
    }),
    d.type === 'circles' &&
      num('factor', 'factor', d.factor, (s, v) => (s.data.factor = v), {
        min: 0,
        max: 1,
        hint: 'inner / outer radius',
      }),
    d.type === 'blobs' &&
      num('centers', 'centers', d.centers, (s, v) => (s.data.centers = v), { integer: true, min: 1, max: 20 }),
    d.type === 'spirals' &&
      num('arms', 'arms', d.arms, (s, v) => (s.data.arms = v), { integer: true, min: 2, max: 20 }),
    d.type === 'spirals' && num('turns', 'turns', d.turns, (s, v) => (s.data.turns = v), { min: 0, max: 10 }),
  );

  // Network: layers and neurons with + and −, as the TensorFlow Playground has them.
  const n = state.network;
  const layers = n.hidden.map((width, i) =>
    h(
      'div',
      { className: 'layer' },
      h(
        'button',
        {
          type: 'button',
          className: 'small',
          'data-key': `width-${i}-minus`,
          title: 'fewer neurons',
          disabled: width <= 1,
          onclick: () => change((s) => (s.network.hidden[i] = width - 1)),
        },
        '−',
      ),
      h('span', { className: 'width', 'data-key': `width-${i}` }, String(width)),
      h(
        'button',
        {
          type: 'button',
          className: 'small',
          'data-key': `width-${i}-plus`,
          title: 'more neurons',
          disabled: width >= MAX_WIDTH,
          onclick: () => change((s) => (s.network.hidden[i] = width + 1)),
        },
        '+',
      ),
    ),
  );
  const network = section(
    'Network',
    h(
      'div',
      { className: 'layers' },
      h('span', { className: 'io' }, `in ${featureCount(state.data)}`),
      ...layers,
      h('span', { className: 'io' }, `out ${classCount(state.data)}`),
    ),
    h(
      'div',
      { className: 'row' },
      h(
        'button',
        {
          type: 'button',
          className: 'small',
          'data-key': 'layers-minus',
          disabled: n.hidden.length === 0,
          onclick: () => change((s) => s.network.hidden.pop()),
        },
        '− layer',
      ),
      h('span', { className: 'hint' }, `${n.hidden.length} hidden layer${n.hidden.length === 1 ? '' : 's'}`),
      h(
        'button',
        {
          type: 'button',
          className: 'small',
          'data-key': 'layers-plus',
          disabled: n.hidden.length >= MAX_LAYERS,
          onclick: () => change((s) => s.network.hidden.push(s.network.hidden.at(-1) ?? 4)),
        },
        '+ layer',
      ),
    ),
    field(
      'activation',
      select('act', ACTIVATIONS, n.activation, (v) =>
        change((s) => {
          s.network.activation = v as typeof n.activation;
          s.network.activationArgs = {};
        }),
      ),
    ),
    ...activationArgs(n.activation).map((arg) =>
      declaredControl(arg, `a.${arg.name}`, n.activationArgs, problem, (args) =>
        change((s) => (s.network.activationArgs = args as Record<string, number>)),
      ),
    ),
    field(
      'loss',
      select('loss', lossesFor(isRegression(state.data)), state.loss.type, (v) =>
        change((s) => (s.loss = { type: v as LossType, args: {} })),
      ),
    ),
    ...lossArgs(state.loss.type).map((arg) =>
      declaredControl(arg, `l.${arg.name}`, state.loss.args, problem, (args) =>
        change((s) => (s.loss = { type: s.loss.type, args })),
      ),
    ),
    num('init seed', 'seed', n.seed, (s, v) => (s.network.seed = v), {
      integer: true,
      min: 0,
      max: 2 ** 32 - 1,
      hint: 'weights and batch order',
    }),
  );

  // Optimizer
  const o = state.optimizer;
  const optimizer = section(
    'Optimizer',
    field(
      'type',
      select('opt', OPTIMIZERS, o.type, (v) =>
        change((s) => Object.assign(s.optimizer, { type: v }, OPTIMIZER_DEFAULTS[v as typeof o.type])),
      ),
    ),
    ...optimizerDefs(o.type).flatMap((def) => optimizerControls(def, state, change, problem)),
    field(
      'param groups',
      select(
        'groups',
        GROUPINGS,
        state.groups,
        (v) => change((s) => (s.groups = v as Grouping)),
        (g) => (g === 'layer' ? 'one per layer' : 'one'),
      ),
      perLayer ? 'each layer its own lr' : undefined,
      'One param group over the whole model, or one per Linear layer (group_by_layer), each with its own lr ' +
        'and, with LambdaLR or MultiplicativeLR, its own lr_lambda.',
    ),
  );

  // lr and schedule: they apply from the next step, mid-run as well.
  const setSchedule = (edit: (s: ScheduleState) => void) => {
    const next = structuredClone(current);
    edit(next);
    on.schedule(next);
  };
  const lrSlider = h('input', {
    type: 'range',
    min: -5,
    max: 0,
    step: 0.01,
    value: Math.log10(Math.max(current.lr, 1e-5)),
    'data-key': 'lr-slider',
    'aria-label': 'lr (log scale)',
  });
  lrSlider.addEventListener('change', () =>
    setSchedule((s) => (s.lr = Number((10 ** Number(lrSlider.value)).toPrecision(2)))),
  );
  const lrs = groupLrs(current);
  const setLr = (i: number, v: number) =>
    setSchedule((s) => {
      s.lrs = lrs.map((x, j) => (j === i ? v : x));
      s.lr = s.lrs[0];
    });
  const schedule = section(
    'Learning rate and schedule',
    names
      ? h(
          'div',
          { className: 'lrs' },
          ...names.map((name, i) =>
            numberField(`lr ${name}`, `lr.${i}`, lrs[i], (v) => setLr(i, v as number), problem, { min: 0 }),
          ),
        )
      : h(
          'div',
          { className: 'lr' },
          numberField('lr', 'lr', current.lr, (v) => setSchedule((s) => (s.lr = v as number)), problem, { min: 0 }),
          lrSlider,
        ),
    field(
      'scheduler',
      select(
        'sched',
        SCHEDULERS.map((s) => s.type),
        current.scheduler.type,
        (v) => setSchedule((s) => (s.scheduler = pickScheduler(v, state.steps))),
        (t) => (t === 'manual' ? 'manual decay (the lesson)' : t),
      ),
    ),
    h('p', { className: 'hint summary' }, schedulerDef(current.scheduler.type)?.summary ?? ''),
    schedulerArgs(
      current.scheduler,
      'sched',
      (c) => setSchedule((s) => (s.scheduler = c)),
      state.steps,
      problem,
      names,
    ),
    h(
      'p',
      { className: 'hint' },
      'Changes here apply from the next step, as in a PyTorch loop; the dashed line shows what is coming.',
    ),
  );

  // Training
  const training = section(
    'Training',
    h(
      'div',
      { className: 'row' },
      checkbox('full batch', 'full-batch', state.batchSize === null, (v) =>
        change((s) => (s.batchSize = v ? null : Math.min(10, s.data.samples))),
      ),
      state.batchSize !== null &&
        numberField(
          'batch size',
          'batch',
          state.batchSize,
          (v) => change((s) => (s.batchSize = v as number)),
          problem,
          { integer: true, min: 1, max: d.samples },
        ),
    ),
    numberField('steps', 'steps', state.steps, (v) => on.steps(v as number), problem, {
      integer: true,
      min: 0,
      max: MAX_STEPS,
    }),
  );

  root.replaceChildren(data, network, optimizer, schedule, training);
}

/** A pair's fields (Adam's betas, one field each): the page's labels and keys. */
const PARTS: Record<string, readonly string[]> = { betas: ['beta1', 'beta2'] };

/**
 * The controls of one of the optimizer's hyper-parameters, from the library's declaration: a field per number
 * (a pair's two), a checkbox for a boolean; a value is checked as the library checks it (`param.check`).
 */
function optimizerControls(
  def: OptimizerParamDef,
  state: PlaygroundState,
  change: (edit: (s: PlaygroundState) => void) => void,
  problem: (m: string) => void,
): HTMLElement[] {
  const type = state.optimizer.type;
  const values = state.optimizer as unknown as Record<string, unknown>;
  const value = values[def.name];
  const set = (v: unknown) => change((s) => ((s.optimizer as unknown as Record<string, unknown>)[def.name] = v));
  const allowed = (v: unknown) => refusal(type, def.name, v)?.allowed ?? null;
  const o = { hint: def.hint, title: def.title };
  switch (def.param.kind) {
    case 'boolean':
      return [checkbox(def.label, def.key, value as boolean, set, def.title)];
    case 'numbers': {
      const list = value as number[];
      const replaced = (i: number, v: number) => list.map((x, j) => (j === i ? v : x));
      return (PARTS[def.name] ?? list.map((_, i) => `${def.label}[${i}]`)).map((label, i) =>
        numberField(label, label, list[i], (v) => set(replaced(i, v as number)), problem, {
          ...o,
          check: (v) => allowed(replaced(i, v)),
        }),
      );
    }
    default:
      return [numberField(def.label, def.key, value as number, set, problem, { ...o, check: allowed })];
  }
}

/** The arguments of a scheduler; SequentialLR's and ChainedScheduler's hold their own schedulers, nested. */
function schedulerArgs(
  choice: SchedulerChoice,
  keyPrefix: string,
  commit: (c: SchedulerChoice) => void,
  steps: number,
  problem: (m: string) => void,
  /** With one param group per layer, the layers' names (LambdaLR's lr_lambda: one per group); else null. */
  names: readonly string[] | null,
): HTMLElement {
  const def = schedulerDef(choice.type);
  const box = h('div', { className: 'args' });
  if (!def) return box;
  const set = (name: string, value: ArgValue | undefined) => {
    const args = structuredClone(choice.args);
    if (value === undefined) delete args[name];
    else args[name] = value;
    commit({ type: choice.type, args });
  };
  for (const arg of def.args)
    box.append(
      argControl(
        arg,
        choice.args[arg.name],
        `${keyPrefix}.${arg.name}`,
        (v) => set(arg.name, v),
        steps,
        problem,
        names,
      ),
    );
  return box;
}

function argControl(
  arg: ArgDef,
  value: ArgValue | undefined,
  key: string,
  commit: (v: ArgValue | undefined) => void,
  steps: number,
  problem: (m: string) => void,
  names: readonly string[] | null,
): HTMLElement {
  const optional = arg.initial(0) === undefined;
  switch (arg.kind) {
    case 'number':
    case 'int':
      return numberField(arg.name, key, value as number | undefined, commit, problem, {
        integer: arg.kind === 'int',
        optional,
        hint: arg.hint,
      });
    case 'bool':
      return checkbox(arg.name, key, value as boolean, commit);
    case 'choice':
      return field(arg.name, select(key, arg.choices!, value as string, commit));
    case 'expr': {
      if (Array.isArray(value)) {
        // One expression per param group (LambdaLR's lr_lambda with one group per layer).
        const list = value as string[];
        return h(
          'div',
          { className: 'lambdas' },
          ...list.map((text, i) => {
            const input = h('input', {
              type: 'text',
              'data-key': `${key}.${i}`,
              value: text,
              size: 18,
              spellcheck: 'false',
            });
            input.addEventListener('change', () => commit(list.map((x, j) => (j === i ? input.value : x))));
            return field(`${arg.name} ${names?.[i] ?? i}`, input, arg.hint);
          }),
        );
      }
      const input = h('input', {
        type: 'text',
        'data-key': key,
        value: (value as string | undefined) ?? '',
        size: 18,
        spellcheck: 'false',
      });
      input.addEventListener('change', () => commit(input.value.trim() === '' && optional ? undefined : input.value));
      return field(arg.name, input, arg.hint);
    }
    case 'ints': {
      const list = (value as number[] | undefined) ?? [];
      const input = h('input', {
        type: 'text',
        'data-key': key,
        value: list.join(', '),
        size: 14,
        spellcheck: 'false',
      });
      input.addEventListener('change', () => {
        const parts = input.value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        if (parts.some((p) => !/^\d+$/.test(p))) {
          problem(`${arg.name}: expected whole numbers separated by commas, got ${JSON.stringify(input.value)}`);
          input.value = list.join(', ');
          return;
        }
        commit(parts.map(Number));
      });
      return field(arg.name, input, arg.hint ?? 'comma-separated steps');
    }
    case 'schedulers': {
      const children = (value as SchedulerChoice[] | undefined) ?? [];
      const setChildren = (next: SchedulerChoice[]) => commit(next);
      const box = h('div', { className: 'children' });
      children.forEach((c, i) => {
        const replace = (nc: SchedulerChoice) => setChildren(children.map((x, j) => (j === i ? nc : x)));
        box.append(
          h(
            'div',
            { className: 'child' },
            h(
              'div',
              { className: 'row' },
              h('span', { className: 'name' }, `${i + 1}.`),
              select(`${key}.${i}`, CHILD_TYPES, c.type, (t) => replace(pickScheduler(t, steps))),
              children.length > 1 &&
                h(
                  'button',
                  {
                    type: 'button',
                    className: 'small',
                    title: 'remove',
                    onclick: () => setChildren(children.filter((_, j) => j !== i)),
                  },
                  '×',
                ),
            ),
            schedulerArgs(c, `${key}.${i}`, replace, steps, problem, names),
          ),
        );
      });
      box.append(
        h(
          'button',
          {
            type: 'button',
            className: 'small',
            'data-key': `${key}-add`,
            onclick: () => setChildren([...children, pickScheduler('ExponentialLR', steps)]),
          },
          '+ scheduler',
        ),
      );
      return box;
    }
  }
}
