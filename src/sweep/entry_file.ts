/**
 * Where the files that threads and BullMQ's sandboxes load (trial_worker, queue_processor) are, whichever build
 * runs: the sources (`.ts`, under tsx or vitest), dist/esm and dist/cjs (`.js` beside this module), and the CLI
 * bundle (dist/cli/NAME.js, one folder above its chunks).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The entry `name` (`trial_worker`, `queue_processor`) beside the sweep modules; `what` names it in errors. */
export function sweepEntryFile(name: string, what: string): string {
  const here = thisModuleFile();
  const dir = dirname(here);
  const candidates = here.endsWith('.ts')
    ? [join(dir, `${name}.ts`)]
    : [join(dir, `${name}.js`), join(dir, '..', `${name}.js`)];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`anneal: cannot find ${what} (looked for ${candidates.join(', ')})`);
  return found;
}

/**
 * The file this module was loaded from. `import.meta.url` would do in an ES module, but the CommonJS build
 * cannot spell it; V8's call sites name the file in either (a path, or a file: URL).
 */
function thisModuleFile(): string {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let name: string | null | undefined;
  try {
    Error.prepareStackTrace = (_err, frames) => frames;
    Error.stackTraceLimit = 1;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    name = frames[0]?.getFileName();
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  if (!name) throw new Error('anneal: cannot tell where the sweep modules were loaded from');
  return name.startsWith('file:') ? fileURLToPath(name) : name;
}
