/**
 * A sweep's results file: JSON Lines, one `TrialRecord` a line, appended (and fsync'd) as each trial's record
 * is final, so a crash loses no finished trial. Reading tolerates a torn last line (a crash mid-write) and
 * refuses a malformed line anywhere else, naming the file and the line.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TrialRecord, TrialState } from './types.ts';

/** A results file that cannot be read as a sweep's records. */
export class ResultsFileError extends Error {
  /** The error's name, `ResultsFileError`. */
  override readonly name: string = 'ResultsFileError';
}

/** Appends `record` as one line and flushes it to the disk before returning. */
export function appendRecord(file: string, record: TrialRecord): void {
  const created = !existsSync(file);
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) syncDirectory(dirname(file));
}

/** Flushes a directory's entries (the new file's name); some systems cannot, which loses nothing but that. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported here (Windows, some file systems).
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** What `readRecords` found. */
export interface ReadRecords {
  /** The records, in file order. */
  records: TrialRecord[];
  /** The torn last line (a crash mid-write), left out of `records`; null when there is none. */
  torn: { line: number; text: string } | null;
  /** The length in bytes of the file's whole lines (everything but the torn line). */
  validBytes: number;
  /** Whether the file's last whole line lacks its newline (append one before appending records). */
  missingNewline: boolean;
}

const STATES: readonly TrialState[] = ['complete', 'pruned', 'failed'];

/**
 * Reads a results file: every line a `TrialRecord` (blank lines skipped). A last line that is not valid JSON
 * and has no newline is a record torn by a crash: reported in `torn`, not refused. A missing file has no
 * records.
 */
export function readRecords(file: string): ReadRecords {
  if (!existsSync(file)) return { records: [], torn: null, validBytes: 0, missingNewline: false };
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ResultsFileError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const text = bytes.toString('utf8');
  const lines = text.split('\n');
  const records: TrialRecord[] = [];
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const last = i === lines.length - 1; // no newline after it
    const length = Buffer.byteLength(line, 'utf8') + (last ? 0 : 1);
    if (line.trim() === '') {
      offset += length;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (last) return { records, torn: { line: i + 1, text: line }, validBytes: offset, missingNewline: false };
      throw new ResultsFileError(`${file}, line ${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    const problem = recordProblem(value);
    if (problem !== null) throw new ResultsFileError(`${file}, line ${i + 1}: not a trial record: ${problem}`);
    records.push(value as TrialRecord);
    offset += length;
  }
  const missingNewline = text.length > 0 && !text.endsWith('\n') && lines[lines.length - 1].trim() !== '';
  return { records, torn: null, validBytes: offset, missingNewline };
}

/** What is wrong with `value` as a `TrialRecord`, or null. */
function recordProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const r = value as Record<string, unknown>;
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (typeof r.sweep !== 'string') return '"sweep" must be a string';
  if (!Number.isSafeInteger(r.trial) || (r.trial as number) < 0) return '"trial" must be an integer >= 0';
  if (!isObject(r.params)) return '"params" must be an object';
  if (!isObject(r.config)) return '"config" must be an object';
  if (!STATES.includes(r.state as TrialState)) return `"state" must be one of ${STATES.join(', ')}`;
  if (r.state === 'pruned' ? !isNumber(r.pruned_at) : r.pruned_at !== null) {
    return '"pruned_at" must be a step for a pruned trial, null otherwise';
  }
  const evals = r.evals;
  if (
    !Array.isArray(evals) ||
    !evals.every((e) => isObject(e) && isNumber(e.step) && (typeof e.value === 'number' || e.value === null))
  ) {
    return '"evals" must be a list of {step, value}';
  }
  if (r.value !== null && typeof r.value !== 'number') return '"value" must be a number or null';
  if (r.error !== undefined && typeof r.error !== 'string') return '"error" must be a string';
  if (typeof r.version !== 'string') return '"version" must be a string';
  if (!isNumber(r.wall_ms)) return '"wall_ms" must be a number';
  return null;
}
