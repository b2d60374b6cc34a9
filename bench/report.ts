// The results of one run: measurements, ratios computed from them, the targets, checks and skips, written
// as JSON and as a Markdown report.
import type { Stats } from './timing.ts';

/** Who produced a number: anneal itself or a baseline measured in this run. */
export type Kind = 'anneal' | 'baseline';

export interface Measurement {
  /** Which workload (and shape) the number belongs to: 'W1', 'W2', 'W3 256×256×256', 'sweep b=64 w=16'. */
  group: string;
  /** Stable id of the implementation: 'anneal-fused', 'plain-js', 'tfjs-wasm', 'torch-1', 'native-c', ... */
  id: string;
  /** Label for the tables. */
  impl: string;
  kind: Kind;
  unit: string;
  higherIsBetter: boolean;
  /** The median; null when skipped. */
  value: number | null;
  /** Timing of the runs in milliseconds per call (absent for skips). */
  stats?: Stats;
  /** For GFLOP/s: the rate of the slowest and fastest run. */
  range?: [number, number];
  /** Scaling sweep: batch and hidden width. */
  sweep?: { batch: number; width: number };
  skipped?: string;
  note?: string;
  /** How the runs were made, for the tables (default: "runs × calls per run"). */
  perRun?: string;
  /** A diagnostic anneal row (e.g. the core alone): shown, but given no "× faster" column of its own. */
  diagnostic?: boolean;
  /**
   * Compare only with the row of this id (same group), as a multiple of its value ("× <that row>" column,
   * e.g. the CLI's start-up over `node -e 0`), instead of the "× faster" columns.
   */
  relativeTo?: string;
}

export interface Ratio {
  group: string;
  anneal: string;
  baseline: string;
  baselineKind: Kind;
  /** How many times faster anneal is (below 1: slower). */
  speedup: number;
}

export interface Check {
  name: string;
  /** true: agrees; false: does not; null: could not be checked. */
  ok: boolean | null;
  detail: string;
}

export interface MemoryRow {
  model: string;
  batch: number;
  capacity: number;
  modelBytes: number;
  modelBytesByHand: number;
  optimizerBytes: number;
  optimizerBytesByHand: number;
  /** Bytes the allocator handed out for model and optimizer (16-byte aligned blocks). */
  allocatedBytes: number;
  agree: boolean;
}

export interface TargetResult {
  target: string;
  measured: string;
  verdict: 'pass' | 'falls short' | 'not measured';
  detail: string;
}

export interface BenchResult {
  schema: 1;
  date: string;
  mode: 'quick' | 'full';
  durationSeconds: number;
  machine: Record<string, string>;
  measurements: Measurement[];
  ratios: Ratio[];
  memory: MemoryRow[];
  checks: Check[];
  targets: TargetResult[];
  skipped: string[];
}

export function measured(m: Omit<Measurement, 'value'> & { value?: number | null }): Measurement {
  return { ...m, value: m.value ?? (m.stats ? m.stats.median : null) };
}

export function skippedMeasurement(m: Omit<Measurement, 'value' | 'skipped'>, reason: string): Measurement {
  return { ...m, value: null, skipped: reason };
}

/** anneal's speed-up against every other number of the same group. */
export function computeRatios(measurements: readonly Measurement[]): Ratio[] {
  const ratios: Ratio[] = [];
  for (const a of measurements) {
    if (a.kind !== 'anneal' || a.value === null) continue;
    for (const b of measurements) {
      if (b === a || b.group !== a.group || b.value === null || b.unit !== a.unit) continue;
      if (a.relativeTo && b.id !== a.relativeTo) continue;
      ratios.push({ group: a.group, anneal: a.id, baseline: b.id, baselineKind: b.kind, speedup: speedup(a, b) });
    }
  }
  return ratios;
}

function speedup(a: Measurement, b: Measurement): number {
  return a.higherIsBetter ? a.value! / b.value! : b.value! / a.value!;
}

export function findRatio(
  ratios: readonly Ratio[],
  group: string,
  anneal: string,
  baseline: string,
): Ratio | undefined {
  return ratios.find((r) => r.group === group && r.anneal === anneal && r.baseline === baseline);
}

// ---------------------------------------------------------------------------------------------------------
// Markdown

export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  if (a >= 1) return x.toFixed(3);
  return x.toPrecision(3);
}

export function fmtRatio(x: number | undefined): string {
  return x === undefined ? '—' : `${fmt(x)}×`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function spread(m: Measurement): string {
  if (m.range) return `${fmt(m.range[0])} – ${fmt(m.range[1])}`;
  if (m.stats) {
    const scale = m.value! / m.stats.median;
    return `${fmt(m.stats.min * scale)} – ${fmt(m.stats.max * scale)}`;
  }
  return '';
}

function runs(m: Measurement): string {
  if (m.perRun) return m.perRun;
  if (!m.stats) return '';
  return m.stats.callsPerRun === 1 ? `${m.stats.runs} × 1 call` : `${m.stats.runs} × ${m.stats.callsPerRun} calls`;
}

/**
 * The rows every row's speed is also given against (a column each, when the group has that row): native C,
 * the physical limit, and PyTorch on one thread.
 */
export const SPEED_REFERENCES = [
  { id: 'native-c', header: '× native C speed' }, // NATIVE_ID in context.ts
  { id: 'torch-1', header: '× PyTorch (1 thread) speed' },
] as const;

/** How many times as fast as `ref` the row `m` is (below 1: slower); undefined when either was not measured. */
export function relativeSpeed(m: Measurement, ref: Measurement | undefined): number | undefined {
  if (!ref || ref.value === null || m.value === null) return undefined;
  return m.higherIsBetter ? m.value / ref.value : ref.value / m.value;
}

/** One table per workload group: every implementation, and anneal's speed-up against each. */
function groupTable(group: string, ms: readonly Measurement[], ratios: readonly Ratio[]): string {
  const anneal = ms.filter((m) => m.kind === 'anneal' && m.value !== null && !m.diagnostic && !m.relativeTo);
  const bases = ms.filter((b) => ms.some((m) => m.relativeTo === b.id));
  const refs = SPEED_REFERENCES.flatMap((r) => {
    const row = ms.find((m) => m.id === r.id);
    return row ? [{ ...r, row }] : [];
  });
  const unit = ms[0].unit;
  const header = [
    'implementation',
    `${unit} (median)`,
    'min – max',
    'timed runs',
    ...anneal.map((a) => `${a.impl}: × faster`),
    ...refs.map((r) => r.header),
    ...bases.map((b) => `× ${b.impl}`),
  ];
  const rows = ms.map((m) => [
    m.impl,
    m.skipped ? `skipped: ${m.skipped}` : fmt(m.value),
    spread(m),
    runs(m),
    ...anneal.map((a) => (a === m ? '' : fmtRatio(findRatio(ratios, group, a.id, m.id)?.speedup))),
    ...refs.map((r) => (m === r.row ? '' : fmtRatio(relativeSpeed(m, r.row)))),
    ...bases.map((b) =>
      m.relativeTo === b.id && m.value !== null && b.value !== null ? fmtRatio(m.value / b.value) : '',
    ),
  ]);
  const notes = ms.filter((m) => m.note).map((m) => `- ${m.impl}: ${m.note}`);
  return [`### ${group}`, '', table(header, rows), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

function sweepTable(ms: readonly Measurement[], ratios: readonly Ratio[]): string {
  const groups = [...new Set(ms.map((m) => m.group))];
  const impls = [...new Map(ms.map((m) => [m.id, m.impl])).entries()];
  const annealId = impls.find(([id]) => ms.some((m) => m.id === id && m.kind === 'anneal'))?.[0];
  const header = [
    'batch',
    'hidden',
    ...impls.flatMap(([id, label]) =>
      id === annealId ? [`${label} µs/step`, 'µs/sample'] : [`${label} µs/step`, `× faster`],
    ),
  ];
  const rows = groups.map((group) => {
    const row = ms.filter((m) => m.group === group);
    const { batch, width } = row[0].sweep!;
    return [
      String(batch),
      String(width),
      ...impls.flatMap(([id]) => {
        const m = row.find((r) => r.id === id);
        if (!m || m.value === null) return [m?.skipped ? 'skipped' : '—', ''];
        const us = m.value * 1000;
        if (id === annealId) return [fmt(us), fmt(us / batch)];
        return [fmt(us), fmtRatio(annealId ? findRatio(ratios, group, annealId, id)?.speedup : undefined)];
      }),
    ];
  });
  return table(header, rows);
}

export function toMarkdown(r: BenchResult): string {
  const out: string[] = [];
  out.push(`# anneal benchmark — ${r.mode} run, ${r.date}`, '');
  out.push(
    `Wall time of the run: ${r.durationSeconds.toFixed(1)} s. Medians of several timed runs after warm-up; ` +
      `"× faster" is anneal's speed-up over that row, from this run (below 1×: anneal is slower); ` +
      '"× native C speed" and "× PyTorch (1 thread) speed" give every row\'s speed as a multiple of that ' +
      "row's, also from this run (native C: the same workload in C with AVX2, compiled for this machine).",
    '',
  );
  out.push(
    '## Machine',
    '',
    table(
      ['', ''],
      Object.entries(r.machine).map(([k, v]) => [k, v]),
    ),
    '',
  );

  const main = r.measurements.filter((m) => !m.sweep);
  const groups = [...new Set(main.map((m) => m.group))];
  if (groups.length) {
    out.push('## Workloads', '');
    for (const g of groups)
      out.push(
        groupTable(
          g,
          main.filter((m) => m.group === g),
          r.ratios,
        ),
        '',
      );
  }
  const sweep = r.measurements.filter((m) => m.sweep);
  if (sweep.length) {
    out.push(
      '## Scaling sweep (MLP 2-W-2, tanh, Adam, one fused step on a staged batch of moons)',
      '',
      sweepTable(sweep, r.ratios),
      '',
    );
    const notes = [...new Set(sweep.filter((m) => m.note).map((m) => `- ${m.impl}: ${m.note}`))];
    if (notes.length) out.push(...notes, '');
  }
  if (r.memory.length) {
    out.push('## Memory (bytes of linear memory)', '');
    out.push(
      table(
        [
          'model',
          'batch (capacity S)',
          'model.memoryBytes',
          'by hand',
          'optimizer.memoryBytes (Adam)',
          'by hand',
          'allocated (16-byte blocks)',
          'agree',
        ],
        r.memory.map((m) => [
          m.model,
          `${m.batch} (${m.capacity})`,
          String(m.modelBytes),
          String(m.modelBytesByHand),
          String(m.optimizerBytes),
          String(m.optimizerBytesByHand),
          String(m.allocatedBytes),
          m.agree ? 'yes' : '**NO**',
        ]),
      ),
      '',
    );
  }
  if (r.checks.length) {
    out.push(
      '## Checks',
      '',
      table(
        ['check', 'result', 'detail'],
        r.checks.map((c) => [c.name, c.ok === null ? 'not checked' : c.ok ? 'ok' : '**FAILED**', c.detail]),
      ),
      '',
    );
  }
  if (r.targets.length) {
    out.push(
      '## Targets (reported, not asserted)',
      '',
      table(
        ['target', 'measured', 'verdict', 'detail'],
        r.targets.map((t) => [
          t.target,
          t.measured,
          t.verdict === 'pass' ? 'pass' : t.verdict === 'falls short' ? '**falls short**' : 'not measured',
          t.detail,
        ]),
      ),
      '',
    );
  }
  out.push('## Skipped', '', ...(r.skipped.length ? r.skipped.map((s) => `- ${s}`) : ['- nothing']), '');
  return out.join('\n');
}
