import cliProgress from 'cli-progress';

/**
 * A progress bar for long runs, on a terminal only: it appears once a run has taken 300 ms and is
 * not nearly done, so short runs (the lesson takes milliseconds) print nothing but their summary.
 */
export function progressReporter(
  total: number,
  stream: NodeJS.WriteStream = process.stdout,
): ((step: number) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const start = performance.now();
  let bar: cliProgress.SingleBar | null = null;
  return (step: number) => {
    if ((step & 255) !== 0 && step + 1 !== total) return;
    if (!bar) {
      if (performance.now() - start < 300 || step > total * 0.8) return;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: '  training [{bar}] {percentage}% | step {value}/{total} | eta {eta_formatted}',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, step + 1);
    }
    bar.update(step + 1);
    if (step + 1 === total) bar.stop();
  };
}
