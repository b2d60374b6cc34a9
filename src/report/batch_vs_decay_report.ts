/**
 * The report of `runBatchVsDecay` (`anneal compare --preset batch-vs-decay`): report.md, report.html (charts
 * inlined), the charts as SVG (and PNG), results.json and every run's config under runs/, as `anneal compare`
 * lays its folder out.
 */
import { escapeHtml, escapeMd, reportHead } from './html.ts';
import { overlayChartOption, type OverlaySeries } from '../plot/charts.ts';
import { runConfigToJson } from '../train/run.ts';
import {
  type Agreement,
  type BatchVsDecayResult,
  type BatchVsDecaySettings,
  type BvdOptimizerResult,
  DEFAULT_BATCH_VS_DECAY,
  optimizerId,
  optimizerLabel,
  SCHEDULE_LABELS,
  type SchedulePlan,
  schedulePlans,
} from './batch_vs_decay.ts';
import type { OutputFile } from './output_dir.ts';
import type { ChartSpec } from './run_report.ts';

/**
 * The paper's CIFAR-10 setting (section 5.1): 16-4 wide ResNet, 50 000 training images, 200 epochs, the lr (0.1,
 * momentum 0.9) divided — or the batch (128) multiplied — by 5 at epochs 60, 120 and 160.
 */
export const PAPER_SETTING = {
  nTrain: 50_000,
  settings: { ...DEFAULT_BATCH_VS_DECAY, epochs: 200, milestones: [60, 120, 160], factor: 5, batchSize: 128 },
};

/** The run config file of a run: `runs/sgd-increase-batch.seed3.json`. */
export function bvdRunFile(name: string): string {
  return `runs/${name}.json`;
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const points = (v: number) => (100 * v).toFixed(1);
const thousands = (n: number) => n.toLocaleString('en-US');

/** How many fewer updates `b` took than `a`, in percent of `a`'s. */
export function fewerPercent(a: number, b: number): number {
  return (100 * (a - b)) / a;
}

/** The update count of a plan as its arithmetic: `60·143 + 60·28 + 40·5 + 40·1 = 10,500`. */
export function updatesArithmetic(plan: SchedulePlan): string {
  const terms: string[] = [];
  let e = 0;
  while (e < plan.batchSizes.length) {
    let end = e;
    while (end + 1 < plan.batchSizes.length && plan.batchSizes[end + 1] === plan.batchSizes[e]) end++;
    terms.push(`${end - e + 1}·${plan.updatesPerEpoch[e]}`);
    e = end + 1;
  }
  return `${terms.join(' + ')} = ${thousands(plan.updates)}`;
}

/** The epochs where something changes in any schedule: [start, end) phases. */
function phases(s: BatchVsDecaySettings): [number, number][] {
  const bounds = [0, ...s.milestones, s.epochs];
  return bounds.slice(0, -1).map((b, i) => [b, bounds[i + 1]]);
}

/** The conclusion of one optimizer, in sentences computed from the numbers. */
export function conclusion(result: BatchVsDecayResult, o: BvdOptimizerResult): string[] {
  const [a, b, c] = o.schedules;
  const ag: Agreement = o.agreement;
  const final = (i: number) => {
    const band = o.schedules[i].valAccuracy;
    const E = result.settings.epochs;
    return `${pct(band.median[E])} [${points(band.min[E])}–${points(band.max[E])}]`;
  };
  const all = ag.agreeing === ag.compared;
  const gapAt = ag.largestGap;
  const lines = [
    `The three curves ${all ? 'agree' : 'do not always agree'} within the seed spread: at ${ag.agreeing} of the ` +
      `${ag.compared} epoch ends from epoch ${ag.from} on (before it the three schedules are the same runs)` +
      (all ? '' : `; not after epoch${ag.disagreeing.length > 1 ? 's' : ''} ${listEpochs(ag.disagreeing)}`) +
      `. After the last epoch they ${ag.final ? 'agree' : 'do not agree'}: ` +
      `(a) ${final(0)}, (b) ${final(1)}, (c) ${final(2)} (median [min–max] held-out accuracy). ` +
      `The largest gap between two medians is ${points(gapAt.gap)} points ` +
      `(${SCHEDULE_LABELS[gapAt.between[0]]} and ${SCHEDULE_LABELS[gapAt.between[1]]} after epoch ${gapAt.epoch}).`,
    `(b) took ${thousands(b.plan.updates)} parameter updates, ` +
      `${fewerPercent(a.plan.updates, b.plan.updates).toFixed(1)} % ` +
      `fewer than (a)'s ${thousands(a.plan.updates)}; (c) took ${thousands(c.plan.updates)}, ` +
      `${fewerPercent(a.plan.updates, c.plan.updates).toFixed(1)} % fewer.`,
  ];
  return lines;
}

/** `61, 62, 65–70`. */
function listEpochs(epochs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < epochs.length; ) {
    let j = i;
    while (j + 1 < epochs.length && epochs[j + 1] === epochs[j] + 1) j++;
    parts.push(j === i ? `${epochs[i]}` : `${epochs[i]}–${epochs[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** The charts: per optimizer, held-out accuracy against epochs and against updates; the lr and batch schedules. */
export function batchVsDecayCharts(result: BatchVsDecayResult): ChartSpec[] {
  const { settings } = result;
  const seeds = settings.seeds.length;
  const over = seeds > 1 ? ` (median of ${seeds} seeds, band: min–max)` : '';
  const charts: ChartSpec[] = [];
  const epochs = Array.from({ length: settings.epochs }, (_, i) => i + 1); // after epoch 1 … E
  for (const o of result.optimizers) {
    const series = (x: (plan: SchedulePlan, e: number) => number): OverlaySeries[] =>
      o.schedules.map((s) => ({
        name: s.plan.label,
        points: epochs.map((e) => [x(s.plan, e), 100 * s.valAccuracy.median[e]] as [number, number]),
        ...(seeds > 1
          ? {
              band: {
                low: epochs.map((e) => 100 * s.valAccuracy.min[e]),
                high: epochs.map((e) => 100 * s.valAccuracy.max[e]),
              },
            }
          : {}),
        dashed: s.plan.id === 'hybrid',
      }));
    const lowest = Math.min(...o.schedules.flatMap((s) => epochs.map((e) => s.valAccuracy.min[e])));
    const yMin = Math.max(0, Math.floor(100 * lowest - 1));
    const id = optimizerId(o.optimizer);
    charts.push(
      {
        name: `${id}_val_accuracy_epochs`,
        option: overlayChartOption({
          width: 1000,
          title: `${o.optimizer.type}: held-out accuracy after each epoch${over}`,
          xName: 'epoch',
          yName: 'val accuracy %',
          yMin,
          yMax: 100,
          series: series((_, e) => e),
        }),
        width: 1000,
        height: 500,
      },
      {
        name: `${id}_val_accuracy_updates`,
        option: overlayChartOption({
          width: 1000,
          title: `${o.optimizer.type}: held-out accuracy against parameter updates${over}`,
          xName: 'parameter updates',
          yName: 'val accuracy %',
          yMin,
          yMax: 100,
          series: series((plan, e) => plan.epochEnds[e]),
        }),
        width: 1000,
        height: 500,
      },
    );
  }
  const perEpoch = (pick: (plan: SchedulePlan, e: number) => number): OverlaySeries[] =>
    result.plans.map((plan) => ({
      name: plan.label,
      points: plan.batchSizes.map((_, e) => [e, pick(plan, e)] as [number, number]),
      dashed: plan.id === 'hybrid',
    }));
  charts.push(
    {
      name: 'lr',
      option: overlayChartOption({
        width: 1000,
        title: `The lr of each epoch, as a multiple of the initial lr (÷${settings.factor} at each decay)`,
        xName: 'epoch',
        yName: 'lr / initial lr',
        logScale: true,
        series: perEpoch((plan, e) => settings.factor ** -plan.lrDecays[e]),
      }),
      width: 1000,
      height: 420,
    },
    {
      name: 'batch_size',
      option: overlayChartOption({
        width: 1000,
        title: `The batch size of each epoch (×${settings.factor} at each growth)`,
        xName: 'epoch',
        yName: 'batch size',
        logScale: true,
        series: perEpoch((plan, e) => plan.batchSizes[e]),
      }),
      width: 1000,
      height: 420,
    },
  );
  return charts;
}

const CAPTIONS: Record<string, string> = {
  val_accuracy_epochs:
    'Held-out accuracy after each epoch: the paper claims the three curves coincide when plotted against epochs.',
  val_accuracy_updates: 'The same against parameter updates: growing the batch gets there in fewer updates.',
  lr: 'The lr of each epoch relative to the initial lr: (a) decays at every milestone, (c) only at the last.',
  batch_size: 'The batch size of each epoch: (b) grows at every milestone, (c) at all but the last.',
};
const caption = (name: string) => CAPTIONS[name.replace(/^(sgd|adam)_/, '')] ?? '';

/** The results as JSON (what `--json` prints and results.json holds). */
export function batchVsDecayJson(result: BatchVsDecayResult): Record<string, unknown> {
  const { settings } = result;
  return {
    preset: 'batch-vs-decay',
    paper: 'Smith, Kindermans, Ying & Le, "Don\'t Decay the Learning Rate, Increase the Batch Size", ICLR 2018',
    settings: { ...settings, n_train: result.sizes.nTrain, n_val: result.sizes.nVal },
    schedules: result.plans.map((p) => ({
      id: p.id,
      label: p.label,
      lr_milestones: p.lrMilestones,
      batch_milestones: p.batchMilestones,
      batch_sizes: p.batchSizes,
      lr_decays: p.lrDecays,
      updates_per_epoch: p.updatesPerEpoch,
      updates: p.updates,
      arithmetic: updatesArithmetic(p),
    })),
    optimizers: result.optimizers.map((o) => ({
      optimizer: o.optimizer,
      agreement: o.agreement,
      conclusion: conclusion(result, o),
      schedules: o.schedules.map((s) => ({
        id: s.plan.id,
        updates: s.plan.updates,
        val_accuracy: s.valAccuracy,
        val_loss: s.valLoss,
        runs: s.runs.map((r) => ({
          seed: r.seed,
          config: bvdRunFile(r.config.name as string),
          updates: r.updates,
          final_val_accuracy: r.valAccuracy[r.valAccuracy.length - 1],
          final_val_loss: r.valLoss[r.valLoss.length - 1],
          wall_ms: r.wallMs,
          val_accuracy: r.valAccuracy,
          lr: r.lr,
          batch_size: r.batchSize,
        })),
      })),
    })),
    wall_ms: result.wallMs,
  };
}

/** The tables of the report as rows of text cells. */
export function batchVsDecayTables(result: BatchVsDecayResult): { title: string; head: string[]; rows: string[][] }[] {
  const { settings } = result;
  const [a] = result.plans;
  const updates = {
    title:
      'Parameter updates (an epoch of batch B takes floor(n_train / B) updates; the last partial batch is dropped)',
    head: ['schedule', 'arithmetic', 'updates', 'fewer than (a)'],
    rows: result.plans.map((p) => [
      p.label,
      updatesArithmetic(p),
      thousands(p.updates),
      p === a ? '–' : `${fewerPercent(a.updates, p.updates).toFixed(1)} %`,
    ]),
  };
  // The lr and batch of each phase, as the runs used them (seed 0's run; every seed's are the same).
  const scheduleRows: string[][] = [];
  for (const p of result.plans) {
    for (const [from, to] of phases(settings)) {
      const lrs = result.optimizers.map((o) => {
        const run = o.schedules.find((s) => s.plan.id === p.id)!.runs[0];
        return formatLr(run.lr[from]);
      });
      scheduleRows.push([
        p.label,
        `${from}–${to - 1}`,
        String(p.batchSizes[from]),
        ...lrs,
        String(p.updatesPerEpoch[from]),
      ]);
    }
  }
  const schedules = {
    title: 'The lr and batch size of each epoch, as the runs used them',
    head: [
      'schedule',
      'epochs',
      'batch size',
      ...result.optimizers.map((o) => `lr (${o.optimizer.type})`),
      'updates/epoch',
    ],
    rows: scheduleRows,
  };
  const E = settings.epochs;
  const finals = result.optimizers.map((o) => ({
    title: `${optimizerLabel(o.optimizer)}: held-out accuracy (median [min–max] over ${settings.seeds.length} seeds)`,
    head: ['schedule', `after epoch ${settings.milestones[0]}`, `after epoch ${E}`, 'updates', 'training time'],
    rows: o.schedules.map((s) => [
      s.plan.label,
      `${pct(s.valAccuracy.median[settings.milestones[0]])} [${points(s.valAccuracy.min[settings.milestones[0]])}–` +
        `${points(s.valAccuracy.max[settings.milestones[0]])}]`,
      `${pct(s.valAccuracy.median[E])} [${points(s.valAccuracy.min[E])}–${points(s.valAccuracy.max[E])}]`,
      thousands(s.plan.updates),
      `${(s.runs.reduce((t, r) => t + r.wallMs, 0) / 1000).toFixed(1)} s`,
    ]),
  }));
  return [...finals, updates, schedules];
}

function formatLr(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

/** The setting in words, and beside the paper's. */
export function settingLines(result: BatchVsDecayResult): string[] {
  const s = result.settings;
  const { nTrain, nVal } = result.sizes;
  const data = s.data.type === 'digits' ? 'the 8×8 digits (scikit-learn 1.2.1)' : s.data.type;
  const last = s.milestones[s.milestones.length - 1];
  const batches = [0, ...s.milestones].map((m) => result.plans[1].batchSizes[m]);
  return [
    `data: ${data}, ${nTrain} training rows and ${nVal} held out (${s.valSplit} of the data, stratified, split seed ` +
      `${s.dataSeed}, the same rows in every run), features standardized on the training rows`,
    `model: MLP ${[result.sizes.nFeatures, ...s.hidden, Math.max(result.sizes.nClasses, 2)].join('-')} ` +
      `(${s.activation}), cross-entropy`,
    `${s.epochs} epochs; milestones at epochs ${s.milestones.join(', ')}; factor ${s.factor}; ` +
      `first batch ${s.batchSize}, reshuffled every epoch, the last partial batch of an epoch dropped`,
    `(a) decaying lr: batch ${s.batchSize} throughout, the lr ÷${s.factor} at epochs ${s.milestones.join(', ')}`,
    `(b) increasing batch: the lr constant, the batch ×${s.factor} at the same epochs (${batches.join(' → ')})`,
    `(c) hybrid: the batch ×${s.factor} at epochs ${s.milestones.slice(0, -1).join(', ')} ` +
      `(${batches.slice(0, -1).join(' → ')}), the lr ÷${s.factor} at epoch ${last}`,
    `optimizers: ${s.optimizers.map(optimizerLabel).join('; ')}` +
      (s.optimizers.some((o) => o.weightDecay)
        ? `; L2 weight decay ${s.optimizers.map((o) => `${o.weightDecay ?? 0} (${o.type})`).join(', ')}`
        : ''),
    `seeds: ${s.seeds.join(', ')} (initial weights and batch order; a seed's three runs start from the same weights)`,
    `held-out accuracy evaluated after every epoch; the curves agree at an epoch when every schedule's median lies ` +
      `within every other schedule's min–max band over seeds (compared from epoch ${s.milestones[0] + 1} on)`,
  ];
}

/** The paragraph placing the setting beside the paper's CIFAR-10 setting. */
export function paperParagraph(result: BatchVsDecayResult): string {
  const paper = schedulePlans(PAPER_SETTING.settings, PAPER_SETTING.nTrain);
  const here = result.plans;
  const s = result.settings;
  const grow = (plans: SchedulePlan[], ms: number[]) => [0, ...ms].map((m) => plans[1].batchSizes[m]).join(' → ');
  return (
    'The paper (Smith, Kindermans, Ying & Le, ICLR 2018, arXiv:1711.00489, section 5.1) trains a 16-4 wide ' +
    'ResNet on CIFAR-10 (50,000 training images) for 200 epochs with SGD, momentum 0.9, initial lr 0.1 and batch ' +
    '128, and divides the lr by 5 at epochs 60, 120 and 160 (a), or multiplies the batch by 5 at the same epochs ' +
    `(b: ${grow(paper, [60, 120, 160])}), or grows the batch at the first two and decays the lr at the last (c). ` +
    `Here the same schedule in epochs (${s.milestones.join('/')} of ${s.epochs}, factor ${s.factor}) runs on ` +
    `${result.sizes.nTrain} training rows, so the first batch is ${s.batchSize} to leave room for ` +
    `${grow(here, s.milestones)} (b₀ · ${s.factor}^${s.milestones.length} must fit in an epoch), on an MLP instead ` +
    'of a ResNet, with a larger lr and L2 penalty so that the gradient noise, not the fit, limits the accuracy ' +
    'before the first milestone (as in the paper, where each step of the schedule lifts the test accuracy). ' +
    `The same arithmetic on the paper's setting gives ${thousands(paper[0].updates)}, ${thousands(paper[1].updates)} ` +
    `and ${thousands(paper[2].updates)} updates for (a), (b) and (c) (${updatesArithmetic(paper[1])} for (b), ` +
    `${fewerPercent(paper[0].updates, paper[1].updates).toFixed(1)} % fewer than (a)); here ` +
    `${thousands(here[0].updates)}, ${thousands(here[1].updates)} and ${thousands(here[2].updates)} ` +
    `(${fewerPercent(here[0].updates, here[1].updates).toFixed(1)} % fewer).`
  );
}

const runCount = (r: BatchVsDecayResult) => r.optimizers.length * r.plans.length * r.settings.seeds.length;

const TITLE = "Don't decay the learning rate, increase the batch size — at small scale";

/** Options of `batchVsDecayFiles`. */
export interface BatchVsDecayReportOptions {
  /** Also write every chart as PNG (report.md then shows the PNGs). */
  png?: boolean;
  /** The command line that made the report, shown in it. */
  command?: string;
}

function reportMarkdown(result: BatchVsDecayResult, images: string[], options: BatchVsDecayReportOptions): string {
  const lines = [`# ${TITLE}`, ''];
  for (const o of result.optimizers) {
    lines.push(`**${optimizerLabel(o.optimizer)}.** ${conclusion(result, o).map(escapeMd).join(' ')}`, '');
  }
  lines.push('## Setting', '', ...settingLines(result).map((l) => `- ${escapeMd(l)}`), '', paperParagraph(result), '');
  for (const t of batchVsDecayTables(result)) {
    lines.push(`**${escapeMd(t.title)}**`, '');
    lines.push(
      `| ${t.head.map(escapeMd).join(' | ')} |`,
      `|${t.head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    );
    lines.push(...t.rows.map((r) => `| ${r.map(escapeMd).join(' | ')} |`), '');
  }
  for (const img of images) {
    const name = img.replace(/\.\w+$/, '');
    lines.push(`![${name}](${img})`, '', caption(name), '');
  }
  lines.push('## Reproduce', '');
  if (options.command) lines.push('```sh', options.command, '```', '');
  lines.push(
    `Every run is an ordinary run config (${runCount(result)}` +
      ' under runs/); `anneal train --config runs/<name>.json` reruns it with the same numbers (its final held-out ' +
      'accuracy is the last point of its curve). The lr milestones are in steps (the first update of the milestone ' +
      'epoch), the batch milestones in epochs.',
    '',
  );
  lines.push(`Wall time of the whole reproduction: ${(result.wallMs / 1000).toFixed(1)} s.`, '');
  return lines.join('\n');
}

function reportHtml(
  result: BatchVsDecayResult,
  svgs: { name: string; svg: string }[],
  options: BatchVsDecayReportOptions,
): string {
  const cells = (row: string[], tag: 'th' | 'td') => row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('');
  const table = (t: { title: string; head: string[]; rows: string[][] }) =>
    `<p><b>${escapeHtml(t.title)}</b></p>\n<table>\n<thead><tr>${cells(t.head, 'th')}</tr></thead>\n<tbody>\n` +
    `${t.rows.map((r) => `<tr>${cells(r, 'td')}</tr>`).join('\n')}\n</tbody>\n</table>`;
  const figures = svgs
    .map(
      (s) =>
        `<figure>${s.svg.replace(/^<\?xml[^>]*>\s*/, '')}` +
        `<figcaption>${escapeHtml(caption(s.name))}</figcaption></figure>`,
    )
    .join('\n');
  const runs = result.optimizers
    .flatMap((o) =>
      o.schedules.flatMap((s) => s.runs.map((r) => `<code>${escapeHtml(bvdRunFile(r.config.name as string))}</code>`)),
    )
    .join(', ');
  return `${reportHead('anneal compare — batch-vs-decay')}
<h1>${escapeHtml(TITLE)}</h1>
${result.optimizers
  .map(
    (o) => `<p><b>${escapeHtml(optimizerLabel(o.optimizer))}.</b> ${escapeHtml(conclusion(result, o).join(' '))}</p>`,
  )
  .join('\n')}
<h2>Setting</h2>
<ul>
${settingLines(result)
  .map((l) => `  <li>${escapeHtml(l)}</li>`)
  .join('\n')}
</ul>
<p>${escapeHtml(paperParagraph(result))}</p>
${batchVsDecayTables(result).map(table).join('\n')}
${figures}
<h2>Reproduce</h2>
${options.command ? `<p><code>${escapeHtml(options.command)}</code></p>` : ''}
<p>Every run is an ordinary run config; <code>anneal train --config</code> reruns it with the same numbers: ${runs}.</p>
<p>Wall time of the whole reproduction: ${(result.wallMs / 1000).toFixed(1)} s.</p>
</body>
</html>
`;
}

/** Every file of the report: report.html, report.md, the charts (SVG, PNG), results.json, runs/*.json. */
export async function batchVsDecayFiles(
  result: BatchVsDecayResult,
  options: BatchVsDecayReportOptions = {},
): Promise<OutputFile[]> {
  const { renderPng, renderSvg } = await import('../plot/render.ts'); // ECharts and resvg load only to draw
  const charts = batchVsDecayCharts(result);
  const svgs = charts.map((c) => ({ name: c.name, svg: renderSvg(c.option, c.width, c.height) }));
  const files: OutputFile[] = [];
  for (const { name, svg } of svgs) {
    files.push({ name: `${name}.svg`, contents: svg });
    if (options.png) files.push({ name: `${name}.png`, contents: await renderPng(svg) });
  }
  files.push({ name: 'report.html', contents: reportHtml(result, svgs, options) });
  const images = charts.map((c) => `${c.name}.${options.png ? 'png' : 'svg'}`);
  files.push({ name: 'report.md', contents: reportMarkdown(result, images, options) });
  files.push({ name: 'results.json', contents: `${JSON.stringify(batchVsDecayJson(result), null, 2)}\n` });
  for (const o of result.optimizers)
    for (const s of o.schedules)
      for (const r of s.runs)
        files.push({
          name: bvdRunFile(r.config.name as string),
          contents: `${JSON.stringify(runConfigToJson(r.config), null, 2)}\n`,
        });
  return files;
}
