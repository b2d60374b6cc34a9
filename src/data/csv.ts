import { ValidationError } from '../params/error.ts';
/**
 * Parses CSV text into a `Dataset`: a header row, numeric feature columns and one integer label column
 * (the last by default). A first row of numbers only is refused as a missing header, not read as names.
 * Labels are class indices: integers >= 0, with nClasses = max label + 1.
 * Fields may be wrapped in double quotes ("" inside quotes is a literal quote); a quoted field cannot
 * span lines. Blank lines are skipped. Pure string processing: runs in the browser; see csv_file.ts
 * for reading from disk in Node.
 */
import type { Dataset } from './dataset.ts';

/** Options of `parseCsv` and `loadCsv`. */
export interface ParseCsvOptions {
  /** The label column: a header name or a 0-based column index. Default: the last column. */
  labelColumn?: string | number;
  /** Field separator, one character. Default ",". */
  delimiter?: string;
}

/** A dataset parsed from CSV, with the header's column names. */
export interface CsvDataset extends Dataset {
  /** The feature columns' names, in order. */
  readonly featureNames: readonly string[];
  /** The label column's name. */
  readonly labelName: string;
}

const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE_WORDS = /^[+-]?(inf|infinity|nan)$/i;

/** The most classes a dataset may have: a layer's widest (Linear's `in_features` / `out_features`, src/nn). */
export const MAX_CLASSES = 1 << 20;
/** The largest label: classes are 0 … MAX_CLASSES - 1. */
export const MAX_LABEL = MAX_CLASSES - 1;

/**
 * Thrown by `parseCsv` for malformed CSV or a value that is not a number (or a label that is not a class index);
 * the message names the line.
 */
export class CsvParseError extends ValidationError {
  /** The error's name, 'CsvParseError'. */
  override readonly name: string = 'CsvParseError';
  /**
   * @param message the problem, naming the line (and column)
   * @param param what was refused: an option (`delimiter`, `labelColumn`), a column's header name, or `text`
   * @param allowed what would have been accepted
   * @param got the option's value or the field's text (the whole text is not kept)
   */
  constructor(
    message: string,
    param = 'text',
    allowed = 'CSV text: a header row, then rows of numbers',
    got: unknown = undefined,
  ) {
    super('parseCsv', param, allowed, got, message);
  }
}

/** Splits one line into fields; `lineNumber` (1-based) is for error messages. */
function splitFields(line: string, delimiter: string, lineNumber: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    while (i < line.length && line[i] === ' ') i++;
    if (line[i] === '"') {
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) {
          throw new CsvParseError(
            `parseCsv: line ${lineNumber}: a quoted field is not closed (quoted fields cannot span lines)`,
          );
        }
        field += line.slice(i, close);
        if (line[close + 1] === '"') {
          field += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      while (i < line.length && line[i] === ' ') i++;
      if (i < line.length && line[i] !== delimiter) {
        throw new CsvParseError(
          `parseCsv: line ${lineNumber}, column ${fields.length + 1}: unexpected text after a closing quote`,
        );
      }
    } else {
      const end = line.indexOf(delimiter, i);
      field = (end < 0 ? line.slice(i) : line.slice(i, end)).trim();
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the delimiter
    if (i === line.length) {
      fields.push('');
      return fields;
    }
  }
}

function resolveLabelColumn(option: string | number | undefined, header: readonly string[]): number {
  const columns = header.map((h) => JSON.stringify(h)).join(', ');
  if (option === undefined) return header.length - 1;
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 0 || option >= header.length) {
      throw new CsvParseError(
        `parseCsv: labelColumn must be a column index in [0, ${header.length - 1}] or a header name, ` +
          `got ${option} (columns: ${columns})`,
        'labelColumn',
        `a column index in [0, ${header.length - 1}] or a header name`,
        option,
      );
    }
    return option;
  }
  const matches = header.flatMap((h, i) => (h === option ? [i] : []));
  if (matches.length === 0) {
    throw new CsvParseError(
      `parseCsv: labelColumn ${JSON.stringify(option)} is not in the header (columns: ${columns})`,
      'labelColumn',
      `a column index or one of the header names ${columns}`,
      option,
    );
  }
  if (matches.length > 1) {
    throw new CsvParseError(
      `parseCsv: labelColumn ${JSON.stringify(option)} names ${matches.length} columns (${matches.join(', ')}); ` +
        'give its index instead',
      'labelColumn',
      'a column index or a header name that occurs once',
      option,
    );
  }
  return matches[0];
}

/** Parses CSV text; throws a `CsvParseError` naming the line (1-based) and column (1-based and by name). */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvDataset {
  if (typeof text !== 'string') {
    throw new CsvParseError(`parseCsv: text must be a string, got ${typeof text}`, 'text', 'a string', text);
  }
  const delimiter = options.delimiter ?? ',';
  if (
    typeof delimiter !== 'string' ||
    delimiter.length !== 1 ||
    delimiter === '"' ||
    delimiter === '\n' ||
    delimiter === '\r'
  ) {
    throw new CsvParseError(
      `parseCsv: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`,
      'delimiter',
      'one character other than a quote or a line break',
      delimiter,
    );
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const rows: { lineNumber: number; fields: string[] }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() !== '') rows.push({ lineNumber: i + 1, fields: splitFields(line, delimiter, i + 1) });
  });
  if (rows.length === 0) throw new CsvParseError('parseCsv: the file is empty: expected a header row and data rows');
  const [headerRow, ...dataRows] = rows;
  const header = headerRow.fields;
  if (header.every((field) => DECIMAL_NUMBER.test(field) || NON_FINITE_WORDS.test(field))) {
    // Without this the first sample would silently become the column names.
    const example = header.map((_, i) => (i === header.length - 1 ? 'label' : `x${i + 1}`)).join(delimiter);
    throw new CsvParseError(
      `parseCsv: line ${headerRow.lineNumber}: the first row (${header.join(delimiter)}) is all numbers, ` +
        'so the file has no header row; ' +
        `add a header row naming the columns (e.g. ${example}) as its first line`,
    );
  }
  if (header.length < 2) {
    throw new CsvParseError(
      `parseCsv: line ${headerRow.lineNumber}: the header must name at least 2 columns (features and a label), ` +
        `got ${header.length}`,
    );
  }
  const labelIndex = resolveLabelColumn(options.labelColumn, header);
  if (dataRows.length === 0) {
    throw new CsvParseError(`parseCsv: no data rows after the header on line ${headerRow.lineNumber}`);
  }
  const nFeatures = header.length - 1;
  const nSamples = dataRows.length;
  const xF64 = new Float64Array(nSamples * nFeatures);
  const y = new Int32Array(nSamples);
  let maxLabel = 0;
  dataRows.forEach(({ lineNumber, fields }, row) => {
    if (fields.length !== header.length) {
      throw new CsvParseError(
        `parseCsv: line ${lineNumber} has ${fields.length} fields, expected ${header.length} as in the header`,
      );
    }
    let feature = 0;
    fields.forEach((field, column) => {
      const where = `line ${lineNumber}, column ${column + 1} (${JSON.stringify(header[column])})`;
      const columnName = header[column];
      if (field === '')
        throw new CsvParseError(`parseCsv: ${where} is empty; expected a number`, columnName, 'a number', field);
      if (NON_FINITE_WORDS.test(field)) {
        throw new CsvParseError(
          `parseCsv: ${where}: ${JSON.stringify(field)} is not a finite number`,
          columnName,
          'a finite number',
          field,
        );
      }
      if (!DECIMAL_NUMBER.test(field)) {
        throw new CsvParseError(
          `parseCsv: ${where}: ${JSON.stringify(field)} is not a number`,
          columnName,
          'a number',
          field,
        );
      }
      const value = Number(field);
      if (!Number.isFinite(value)) {
        throw new CsvParseError(
          `parseCsv: ${where}: ${JSON.stringify(field)} is not a finite number (out of double range)`,
          columnName,
          'a finite number',
          field,
        );
      }
      if (column === labelIndex) {
        if (!Number.isInteger(value) || value < 0) {
          throw new CsvParseError(
            `parseCsv: ${where}: the label must be an integer >= 0, got ${JSON.stringify(field)}`,
            columnName,
            'an integer >= 0',
            field,
          );
        }
        if (value > MAX_LABEL) {
          throw new CsvParseError(
            `parseCsv: ${where}: the label column ${JSON.stringify(header[labelIndex])} holds class indices ` +
              `from 0 to ${MAX_LABEL} (the output layer has one unit per class, at most ${MAX_CLASSES}), ` +
              `got ${JSON.stringify(field)}`,
            columnName,
            `an integer from 0 to ${MAX_LABEL}`,
            field,
          );
        }
        y[row] = value;
        maxLabel = Math.max(maxLabel, value);
      } else {
        if (!Number.isFinite(Math.fround(value))) {
          throw new CsvParseError(
            `parseCsv: ${where}: ${field} is outside the float32 range (|value| <= 3.4028234663852886e38)`,
            columnName,
            'a number with |value| <= 3.4028234663852886e38 (float32)',
            field,
          );
        }
        xF64[row * nFeatures + feature++] = value;
      }
    });
  });
  return {
    x: Float32Array.from(xF64),
    xF64,
    y,
    nSamples,
    nFeatures,
    nClasses: maxLabel + 1,
    featureNames: header.filter((_, i) => i !== labelIndex),
    labelName: header[labelIndex],
  };
}
