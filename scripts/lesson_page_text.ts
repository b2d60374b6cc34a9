// The text of docs/lesson.md, written from the outputs of its commands (scripts/lesson_page.ts runs them and
// keeps the numbers the page quotes in docs/lesson/numbers.json). Every number on the page comes from those
// outputs; the sentences that compare numbers are computed here.

/**
 * The page's commands, in the page's order. `json: true` runs it with `--json` added, to quote its numbers
 * (the pictures do not depend on it); the others' numbers come from the results.json they write.
 */
export const LESSON_COMMANDS: Record<LessonPart, { args: string[]; json?: boolean }> = {
  steplr: { args: ['train', '--out', 'docs/lesson', '--png'], json: true },
  manual: {
    args: ['train', '--scheduler', 'none', '--manual-decay', '50:0.99', '--out', 'docs/lesson/manual-decay', '--png'],
    json: true,
  },
  constant: {
    args: [
      'compare',
      '--strategies',
      'constant(lr=0.1),constant(lr=0.01),constant(lr=0.001),halving(lr=0.1)',
      '--no-boundary',
      '--out',
      'docs/lesson/constant-lrs',
      '--png',
    ],
  },
  finder: { args: ['lr-find', '--seeds', '5', '--out', 'docs/lesson/lr-find.png'], json: true },
  batch: { args: ['compare', '--preset', 'batch-vs-decay', '--out', 'docs/lesson/batch-vs-decay', '--png'] },
  fineTune: {
    args: [
      'train',
      '--group-by-layer',
      '--lr',
      '0.001,0.02',
      '--lr-lambda',
      '0.99 ** epoch',
      '--lr-lambda',
      'min(1, (epoch + 1) / 20)',
      '--out',
      'docs/lesson/fine-tune',
      '--png',
    ],
    json: true,
  },
};

/** A command as a reader types it. */
export function shown(args: readonly string[]): string {
  const quote = (a: string) => (/^[A-Za-z0-9_.,:=/@+-]+$/.test(a) ? a : `"${a.replace(/(["\\$`])/g, '\\$1')}"`);
  return ['anneal', ...args.map(quote)].join(' ');
}

/** The parts of the page, each made by one command. */
export type LessonPart = 'steplr' | 'manual' | 'constant' | 'finder' | 'batch' | 'fineTune';

interface Stat {
  mean: number;
  sd: number;
}
/** What the page quotes of an `anneal train --json` run. */
interface TrainNumbers {
  final_loss: number;
  final_accuracy: number;
  /** The lr of every param group at the first and at the last step. */
  first_lr: number[];
  last_lr: number[];
}
/** What the page quotes of a compare row (results.json). */
interface CompareRow {
  strategy: string;
  seeds: number[];
  final_loss: Stat;
  final_val_loss: Stat;
  final_val_accuracy: Stat;
  steps_to_target: Stat | null;
  reached_target: number;
}
interface SpreadEntry {
  lrs: number[];
  median: number;
  decades: number;
}
/** The numbers docs/lesson.md quotes (docs/lesson/numbers.json). */
export interface LessonNumbers {
  steplr: TrainNumbers;
  manual: TrainNumbers;
  fineTune: TrainNumbers;
  constant: { target_loss: number; rows: CompareRow[]; conclusion: string[] };
  finder: { spread: Record<'valley' | 'slide' | 'minimum' | 'steep', SpreadEntry> };
  batch: {
    settings: {
      n_train: number;
      n_val: number;
      hidden: number[];
      activation: string;
      seeds: number[];
      epochs: number;
      milestones: number[];
      factor: number;
      batchSize: number;
      optimizers: { type: string; lr: number; momentum?: number; weightDecay?: number }[];
    };
    schedules: { id: string; label: string; updates: number }[];
    optimizers: { optimizer: { type: string }; conclusion: string[] }[];
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the commands' JSON outputs, as parsed
type Json = any;

const trainNumbers = (run: Json): TrainNumbers => ({
  final_loss: run.final_loss,
  final_accuracy: run.final_accuracy,
  first_lr: run.lr[0],
  last_lr: run.lr.at(-1),
});

/** The numbers the page quotes, from the commands' outputs (`--json` or the results.json they wrote). */
export function lessonNumbers(out: Record<LessonPart, Json>): LessonNumbers {
  const keep = <T extends object>(o: Json, keys: (keyof T)[]) =>
    Object.fromEntries(keys.map((k) => [k, o[k]])) as unknown as T;
  return {
    steplr: trainNumbers(out.steplr),
    manual: trainNumbers(out.manual),
    fineTune: trainNumbers(out.fineTune),
    constant: {
      target_loss: out.constant.settings.target_loss,
      rows: out.constant.rows.map((r: Json) =>
        keep<CompareRow>(r, [
          'strategy',
          'seeds',
          'final_loss',
          'final_val_loss',
          'final_val_accuracy',
          'steps_to_target',
          'reached_target',
        ]),
      ),
      conclusion: out.constant.conclusion.text,
    },
    finder: {
      spread: Object.fromEntries(
        Object.entries(out.finder.spread).map(([m, e]: [string, Json]) => [
          m,
          { lrs: e.lrs, median: e.median, decades: e.decades },
        ]),
      ) as LessonNumbers['finder']['spread'],
    },
    batch: {
      settings: out.batch.settings,
      schedules: out.batch.schedules.map((s: Json) => ({ id: s.id, label: s.label, updates: s.updates })),
      optimizers: out.batch.optimizers.map((o: Json) => ({
        optimizer: { type: o.optimizer.type },
        conclusion: o.conclusion,
      })),
    },
  };
}

const sig = (v: number, digits = 3) => String(Number(v.toPrecision(digits)));
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const pm = (s: Stat | null, f: (v: number) => string = sig) => (s ? `${f(s.mean)} ± ${f(s.sd)}` : '—');
const block = (name: LessonPart) => ['```sh', shown(LESSON_COMMANDS[name].args), '```'].join('\n');

/** docs/lesson.md from the numbers it quotes. */
export function lessonPage(r: LessonNumbers): string {
  const steplrLr = r.steplr.last_lr[0];
  const manualLr = r.manual.last_lr[0];
  const rows = r.constant.rows;
  const row = (label: string) => rows.find((x) => x.strategy === label) as CompareRow;
  const [fast, mid, slow, decay] = [row('constant lr 0.1'), row('constant lr 0.01'), row('constant lr 0.001'), rows[3]];
  const steps = (x: CompareRow) => {
    if (!x.steps_to_target) return 'never';
    const some = x.reached_target < x.seeds.length ? ` (${x.reached_target} of ${x.seeds.length} runs)` : '';
    return `${Math.round(x.steps_to_target.mean)} steps${some}`;
  };
  const target = r.constant.target_loss;
  const spread = r.finder.spread;
  const methods = ['valley', 'slide', 'minimum', 'steep'] as const;
  const lessonLr = 0.01;
  const where =
    lessonLr < spread.valley.median
      ? `below every suggestion`
      : lessonLr <= spread.slide.median
        ? `between valley (${sig(spread.valley.median)}) and slide (${sig(spread.slide.median)})`
        : `above the valley and slide suggestions`;
  const b = r.batch;
  const updates = Object.fromEntries(b.schedules.map((s) => [s.id, s.updates]));
  const fewer = (id: string) => `${(100 * (1 - updates[id] / updates['decay-lr'])).toFixed(1)} %`;
  const ft = r.fineTune;
  const lrs = (values: number[]) => values.map((v) => sig(v, 4)).join(' and ');
  const optimizers = b.settings.optimizers
    .map((o) => `${o.type} lr ${o.lr}${o.momentum ? ` momentum ${o.momentum}` : ''}`)
    .join(', then ');
  return `${[
    '# The lesson, with anneal: learning-rate decay (退化学习率)',
    '',
    'The lesson behind anneal in five pictures and their numbers: what the lr does, decaying it by hand and with',
    'a scheduler, the speed/precision trade-off of a constant lr, finding an lr to start from, growing the batch',
    'instead of decaying the lr, and a schedule per layer for fine-tuning. Every picture and number below is the',
    'output of the command above it; `npm run docs:lesson` runs them all again and rewrites this page',
    '(scripts/lesson-page.mjs, about a minute).',
    '',
    '## 1. The lesson: `LogicNet`, Adam, `StepLR(50, 0.99)`',
    '',
    'The lr is the step size along the gradient: a large one moves fast but cannot settle into a narrow minimum, a',
    'small one settles but takes many steps. Decay gives both: start large, end small. The lesson trains',
    '`LogicNet` (Linear 2→3, tanh, Linear 3→2, cross-entropy) with Adam at lr 0.01 on 20 points of',
    '`make_moons(noise=0.2)` for 1000 steps, the lr multiplied by 0.99 every 50 steps:',
    '',
    block('steplr'),
    '',
    `Final loss ${sig(r.steplr.final_loss, 4)} on the 20 points, accuracy ${pct(r.steplr.final_accuracy)}; the last`,
    `step used lr ${sig(steplrLr, 6)} = 0.01 × 0.99^19.`,
    '',
    '![The lesson: lr per step](lesson/lr.png)',
    '![The lesson: loss and accuracy](lesson/loss.png)',
    '![The lesson: decision boundary](lesson/boundary.png)',
    '',
    '## 2. Decay by hand and by `StepLR`',
    '',
    "The lesson's hand-written decay (`for g in optimizer.param_groups: g['lr'] *= 0.99` after steps 0, 50, 100, …)",
    'is the same staircase one step earlier:',
    '',
    block('manual'),
    '',
    `Its last step used lr ${sig(manualLr, 6)} = 0.01 × 0.99^20 (StepLR's: ${sig(steplrLr, 6)}); final loss`,
    `${sig(r.manual.final_loss, 4)} (StepLR's: ${sig(r.steplr.final_loss, 4)}). Over 1000 steps either takes the`,
    `lr down only to ${pct(manualLr / 0.01)} of where it started: a gentle decay. The comparison below uses one that`,
    'halves the lr four times.',
    '',
    '![Hand-written decay: lr per step](lesson/manual-decay/lr.png)',
    '',
    '## 3. Speed against precision: three constant lrs and a decay',
    '',
    `The same MLP from the same initial weights under four lr strategies, over ${fast.seeds.length} seeds, on 1000`,
    'moons points of which 20 % are held out (never trained on), so that "precise" is measured on points the model',
    'has not seen:',
    '',
    block('constant'),
    '',
    `| strategy | final train loss | final val loss | val accuracy | steps to val loss ≤ ${target} |`,
    '|---|---:|---:|---:|---:|',
    ...rows
      .map((x) =>
        [x.strategy, pm(x.final_loss), pm(x.final_val_loss), pm(x.final_val_accuracy, pct), steps(x)].join(' | '),
      )
      .map((cells) => `| ${cells} |`),
    '',
    `(mean ± standard deviation over the seeds.) The large lr 0.1 reaches the target in ${steps(fast)} but ends at`,
    `a training loss of ${sig(fast.final_loss.mean)}; 0.001 needs ${steps(slow)}; 0.01 in between takes ${steps(mid)}.`,
    `The decay starts at 0.1 and halves it every 400 steps: ${steps(decay)} to the target, and a final training loss`,
    `of ${sig(decay.final_loss.mean)}. What \`anneal compare\` concludes from these numbers:`,
    '',
    ...r.constant.conclusion.map((t) => `> ${t}`),
    '',
    '![Loss, accuracy and lr of the four strategies](lesson/constant-lrs/curves.png)',
    '',
    '## 4. Where to start: the lr finder',
    '',
    "Smith's range test, as fastai's `lr_find` runs it: the lr grows exponentially from 1e-7 to 10 over 100 steps,",
    'the loss is smoothed (β = 0.98, debiased), the test stops when it passes 4× its best, and the model and optimizer',
    "are restored afterwards. fastai's four suggestions, for the lesson's model, over five seeds (each its own",
    'initial weights):',
    '',
    block('finder'),
    '',
    '| suggestion | median lr | seeds | spread |',
    '|---|---:|---|---:|',
    ...methods.map((m) =>
      [
        `| ${m}${m === 'valley' ? ' (the default)' : ''}`,
        sig(spread[m].median),
        spread[m].lrs.map((v) => sig(v)).join(', '),
        `${spread[m].decades.toFixed(2)} decades |`,
      ].join(' | '),
    ),
    '',
    `The lesson's lr 0.01 lies ${where}.`,
    '',
    "![The lr finder's curve for the lesson's model, suggestions marked](lesson/lr-find.png)",
    '',
    '## 5. Growing the batch instead of decaying the lr',
    '',
    'A larger batch averages out more of the gradient noise, which acts like a smaller lr. Smith, Kindermans, Ying',
    '& Le ("Don\'t Decay the Learning Rate, Increase the Batch Size", ICLR 2018) train a wide ResNet on CIFAR-10 for',
    '200 epochs with steps at epochs 60, 120 and 160 by a factor 5: (a) the lr divided by 5 at each step, (b) the',
    'batch multiplied by 5 instead, (c) a hybrid that grows the batch at the first two steps and decays the lr at',
    'the last. anneal runs the same schedules, in epochs, at small scale:',
    '',
    block('batch'),
    '',
    `- data: scikit-learn's digits (${b.settings.n_train} training rows, ${b.settings.n_val} held out), standardized;`,
    `  MLP ${[64, ...b.settings.hidden, 10].join('-')} (${b.settings.activation}); ${b.settings.seeds.length} seeds;`,
    `- ${b.settings.epochs} epochs, steps at epochs ${b.settings.milestones.join(', ')}, factor ${b.settings.factor};` +
      ` first batch ${b.settings.batchSize} (b grows it to ${b.settings.batchSize * b.settings.factor ** 3});`,
    `- ${optimizers} (weight decay ${b.settings.optimizers[0].weightDecay}).`,
    '',
    '| schedule | parameter updates |',
    '|---|---:|',
    ...b.schedules.map(
      (s) =>
        `| ${s.label} | ${s.updates.toLocaleString('en-US')}${s.id === 'decay-lr' ? '' : ` (${fewer(s.id)} fewer)`} |`,
    ),
    '',
    ...b.optimizers.flatMap((o) => [`**${o.optimizer.type}:** ${o.conclusion.join(' ')}`, '']),
    '![SGD: held-out accuracy per epoch](lesson/batch-vs-decay/sgd_val_accuracy_epochs.png)',
    '![SGD: held-out accuracy per parameter update](lesson/batch-vs-decay/sgd_val_accuracy_updates.png)',
    '![Adam: held-out accuracy per epoch](lesson/batch-vs-decay/adam_val_accuracy_epochs.png)',
    '![Adam: held-out accuracy per parameter update](lesson/batch-vs-decay/adam_val_accuracy_updates.png)',
    '![The three schedules: lr and batch size per epoch](lesson/batch-vs-decay/lr.png)',
    '![The three schedules: batch size per epoch](lesson/batch-vs-decay/batch_size.png)',
    '',
    'Full report: [batch-vs-decay/report.md](lesson/batch-vs-decay/report.md).',
    '',
    '## 6. Fine-tuning: an lr and a schedule per layer',
    '',
    'When a pretrained network is fine-tuned, its early layers should move little and its new head a lot: one param',
    'group per layer, each with its own lr and its own `LambdaLR` factor. Here the first layer starts at 0.001 and',
    'decays by 1 % a step, the head warms up linearly to 0.02 over its first 20 steps:',
    '',
    block('fineTune'),
    '',
    `The first step used lrs ${lrs(ft.first_lr)}; the last ${lrs(ft.last_lr)}`,
    `(0.001 × 0.99^999 and 0.02 × 1). Final loss ${sig(ft.final_loss, 4)}, accuracy ${pct(ft.final_accuracy)}: the`,
    `first layer is all but frozen after a few hundred steps, which suits pretrained weights; these are random, so`,
    `the model ends ${ft.final_loss > r.steplr.final_loss ? 'above' : 'below'} the lesson's loss of ` +
      `${sig(r.steplr.final_loss, 4)}.`,
    '',
    '![One lr curve per param group](lesson/fine-tune/lr.png)',
    '',
  ].join('\n')}`;
}
