import { Command, Option } from 'commander';
import { parseScheduleSpec, type ScheduleSpec } from '../schedule/schedule_spec.ts';
import { runSchedule, type ScheduleTrace } from '../schedule/run_schedule.ts';
import { lrChartOption } from '../plot/charts.ts';
import { readJsonFile, UsageError } from './files.ts';
import { addOptimizerFlags, optimizerKwargsFromFlags } from './optimizer_flags.ts';
import { writeFileAtomic } from '../io/atomic_write.ts';
import { choiceArg, fileExtensionArg, intArg, listArg, numberArg } from './parse.ts';
import { addSchedulerFlags, schedulerSpecFromFlags, schedulerType } from './scheduler_flags.ts';

/** What `--plot` draws, by the file's extension. */
const PLOT_EXTENSIONS = ['.svg', '.png'] as const;

interface ScheduleFlags {
  config?: string;
  scheduler?: string;
  optimizer: 'Adam' | 'AdamW' | 'SGD';
  lr: number[];
  steps?: number;
  metrics?: number[];
  json?: boolean;
  [flag: string]: unknown;
}

export function scheduleCommand(): Command {
  const command = new Command('schedule')
    .description(
      "Print a scheduler's lr (and cycled momentum or beta1) for every param group, " +
        'right after construction and after every step, as PyTorch computes it.',
    )
    .option(
      '--config <file>',
      'a spec in the shape of a schedulers.json case: ' +
        '{"optimizer": {type, groups, kwargs}, "scheduler": {type, args}, "steps", "metrics"}',
    )
    .option(
      '--scheduler <name>',
      'without --config: StepLR, cosine, onecycle, plateau, ... (PyTorch class names or short names)',
      schedulerType,
    )
    .addOption(
      new Option('--optimizer <name>', 'Adam, AdamW or SGD')
        .default('Adam')
        .argParser(choiceArg(['Adam', 'AdamW', 'SGD'] as const)),
    )
    .option('--lr <lrs>', 'initial lr of each param group, comma-separated', listArg(numberArg(0)), [0.01])
    .option('--steps <n>', "number of steps (default: the spec's, or 100)", intArg(0, 10_000_000))
    .option('--metrics <values>', 'ReduceLROnPlateau: the metric of every step, comma-separated', listArg(numberArg()))
    .option('--json', 'print {"lr": [[...], ...], "momentum"|"beta1": [[...], ...]} and nothing else')
    .option(
      '--plot <file>',
      'also draw the lr curve (and cycled momentum) as a chart: SVG for a .svg file, PNG for a .png file',
      fileExtensionArg(PLOT_EXTENSIONS),
    );
  addOptimizerFlags(command, ['lr']);
  addSchedulerFlags(command);
  return command.action(async function (this: Command, flags: ScheduleFlags) {
    const given = (key: string) => this.getOptionValueSource(key) === 'cli';
    let spec: ScheduleSpec;
    if (flags.config) {
      const clash = this.options
        .map((o) => o.attributeName())
        .filter((k) => given(k) && !['config', 'steps', 'json', 'plot'].includes(k));
      if (clash.length) {
        const flagList = clash.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
        throw new UsageError(`--config takes the optimizer and scheduler from the file; drop ${flagList}`);
      }
      spec = parseScheduleSpec(readJsonFile(flags.config), flags.config);
      if (flags.steps !== undefined) spec = { ...spec, steps: flags.steps };
    } else {
      if (!flags.scheduler) throw new UsageError('give --scheduler NAME (with its flags) or --config spec.json');
      const kwargs = optimizerKwargsFromFlags(flags);
      spec = parseScheduleSpec(
        {
          optimizer: {
            type: flags.optimizer,
            groups: flags.lr.map((lr) => ({ lr })),
            ...(Object.keys(kwargs).length ? { kwargs } : {}),
          },
          scheduler: schedulerSpecFromFlags(flags.scheduler, flags, given),
          steps: flags.steps ?? 100,
          ...(flags.metrics ? { metrics: flags.metrics } : {}),
        },
        'flags',
      );
    }
    const trace = runSchedule(spec);
    if (typeof flags.plot === 'string') {
      const momentum = trace.momentum ?? trace.beta1;
      const title = `${spec.scheduler.type} over ${spec.optimizer.type}`;
      // ECharts (and resvg) load only when a chart is drawn
      const { renderPng, renderSvg } = await import('../plot/render.ts');
      const svg = renderSvg(
        lrChartOption(
          { lr: trace.lr, ...(momentum ? { momentum, momentumName: trace.momentum ? 'momentum' : 'beta1' } : {}) },
          title,
        ),
      );
      writeFileAtomic(flags.plot, flags.plot.toLowerCase().endsWith('.png') ? await renderPng(svg) : svg);
    }
    process.stdout.write(flags.json ? `${JSON.stringify(trace)}\n` : table(spec, trace));
  });
}

function table(spec: ScheduleSpec, trace: ScheduleTrace): string {
  const groups = trace.lr[0].length;
  const extra = trace.momentum ? 'momentum' : trace.beta1 ? 'beta1' : null;
  const extraValues = trace.momentum ?? trace.beta1;
  const head = ['step', ...Array.from({ length: groups }, (_, g) => (groups > 1 ? `lr[${g}]` : 'lr'))];
  if (extra) head.push(...Array.from({ length: groups }, (_, g) => (groups > 1 ? `${extra}[${g}]` : extra)));
  const rows = trace.lr.map((lrs, i) => [
    i === 0 ? 'init' : String(i),
    ...lrs.map(fmt),
    ...(extraValues ? extraValues[i].map(fmt) : []),
  ]);
  // A reduce, not Math.max(...rows): a spread of 150 000 rows overflows the stack.
  const widths = head.map((h, c) => rows.reduce((width, r) => Math.max(width, r[c].length), h.length));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c])).join('  ');
  const args = Object.entries(spec.scheduler.args ?? {})
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return [
    `${spec.scheduler.type}(${args}) over ${spec.optimizer.type}, ${spec.steps} steps`,
    line(head),
    ...rows.map(line),
    '',
  ].join('\n');
}

function fmt(v: number): string {
  return v.toPrecision(10).replace(/\.?0+(e|$)/, '$1');
}
