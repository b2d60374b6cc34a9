/**
 * Node-only: reads a CSV file from disk and parses it with `parseCsv`. Kept apart from csv.ts so that
 * browser bundles that import the data modules never see `node:fs`.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseCsv, type CsvDataset, type ParseCsvOptions } from './csv.ts';

/** Reads the CSV file at `path` (Node only) and parses it with `parseCsv`; errors name the file. */
export async function loadCsv(path: string, options: ParseCsvOptions = {}): Promise<CsvDataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`loadCsv: cannot read ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  return parseWithPath(path, text, options);
}

function parseWithPath(path: string, text: string, options: ParseCsvOptions): CsvDataset {
  try {
    return parseCsv(text, options);
  } catch (e) {
    const error = e as Error;
    error.message = `${path}: ${error.message}`;
    throw error;
  }
}

/** `loadCsv` for callers that cannot await (the CLI's run-config runner). */
export function loadCsvSync(path: string, options: ParseCsvOptions = {}): CsvDataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`loadCsv: cannot read ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  return parseWithPath(path, text, options);
}
