import cliProgress from 'cli-progress';
import type { Callback } from '../train/callbacks.ts';

/** A lazily shown progress bar: `update` after every step, `end` when training ends (early or not). */
interface LazyBar {
  update(step: number): void;
  end(): void;
}

function lazyBar(total: number, stream: NodeJS.WriteStream): LazyBar {
  const start = performance.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(step: number) {
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
      if (step + 1 === total) this.end();
    },
    end() {
      bar?.stop();
      bar = null;
    },
  };
}

/**
 * A progress bar for long runs, on a terminal only: it appears once a run has taken 300 ms and is
 * not nearly done, so short runs (the lesson takes milliseconds) print nothing but their summary.
 */
export function progressReporter(
  total: number,
  stream: NodeJS.WriteStream = process.stdout,
): ((step: number) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const bar = lazyBar(total, stream);
  return (step: number) => bar.update(step);
}

/**
 * `progressReporter`'s bar as a Trainer callback: moved on at every step's end, and taken down when training
 * ends (a run stopped early included). Undefined off a terminal.
 */
export function progressCallback(total: number, stream: NodeJS.WriteStream = process.stdout): Callback | undefined {
  if (!stream.isTTY) return undefined;
  const bar = lazyBar(total, stream);
  return { onStepEnd: (record) => bar.update(record.step), onTrainEnd: () => bar.end() };
}
