/**
 * Parses CSV text into a `Dataset`: a header row, numeric feature columns and target columns. By default one
 * integer label column (the last, or `labelColumn`) for classification: class indices, integers >= 0, with
 * nClasses = max label + 1. With `targetColumns` (one or more) and `task: 'regression'` (implied by several
 * target columns), float targets instead. A first row of numbers only is refused as a missing header, not read
 * as names.
 *
 * The text is split by csv-parse (its browser build, which runs in Node too): fields may be wrapped in double
 * quotes ("" inside quotes is a literal quote; spaces around a quoted field are dropped); a quoted field cannot
 * span lines; blank lines are skipped; a leading byte order mark is dropped. Pure string processing: runs in the
 * browser; see csv_file.ts for reading from disk in Node.
 */
import { CsvError, parse } from 'csv-parse/browser/esm/sync';
import { ValidationError } from '../params/error.ts';
import { formatValue } from '../params/names.ts';
import type { Dataset } from './dataset.ts';

/** What the target columns of a CSV file are: one integer label column, or float targets. */
export type CsvTask = 'classification' | 'regression';

/** Options of `parseCsv` and `loadCsv`. */
export interface ParseCsvOptions {
  /** The label column: a header name or a 0-based column index. Default: the last column. */
  labelColumn?: string | number;
  /**
   * The target column(s), by header name or 0-based index: one, or several for a regression with several outputs.
   * Default: `labelColumn`, or the last column. Give this or `labelColumn`, not both.
   */
  targetColumns?: string | number | readonly (string | number)[];
  /**
   * `'classification'` (one label column of class indices) or `'regression'` (float targets, one or more
   * columns). Default: regression with several target columns, else classification.
   */
  task?: CsvTask;
  /** Field separator, one character. Default ",". */
  delimiter?: string;
}

/**
 * A dataset parsed from CSV, with the header's column names. A classification dataset has labels (`y`,
 * `nClasses`); a regression dataset has float `targets` (`nTargets` columns), `y` empty and `nClasses` 0.
 */
export interface CsvDataset extends Dataset {
  /** The feature columns' names, in order. */
  readonly featureNames: readonly string[];
  /** The label column's name; for a regression dataset, the first target column's. */
  readonly labelName: string;
  /** The target columns' names, in order (the label column alone for classification). */
  readonly targetNames: readonly string[];
  /** What the targets are: class labels or float regression targets. */
  readonly task: CsvTask;
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

/** A record of the file: its fields and the line it is on. */
interface Row {
  readonly lineNumber: number;
  readonly fields: string[];
}

function notClosed(lineNumber: number): CsvParseError {
  return new CsvParseError(
    `parseCsv: line ${lineNumber}: a quoted field is not closed (quoted fields cannot span lines)`,
  );
}

/** The line breaks csv-parse counts in a quoted field: every \r and every \n. */
function lineBreaks(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 10 || c === 13) count++;
  }
  return count;
}

/**
 * csv-parse's error, in parseCsv's words; `lastLine` is the line of the last record read whole (the one being
 * read began after it), `column` the 1-based column of the field being read.
 */
function translate(error: CsvError, text: string, lastLine: number, column: number): CsvParseError {
  const line = typeof error.lines === 'number' ? error.lines : lastLine + 1;
  // The record being read began on the first line after the last record that has a quote (blank lines,
  // skipped, have none): an unclosed quoted field opened there.
  const lines = text.split(/\r\n|\n|\r/);
  let quoteLine = 0;
  for (let i = lastLine; i < lines.length && quoteLine === 0; i++) if (lines[i].includes('"')) quoteLine = i + 1;
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return notClosed(quoteLine || line);
  if (error.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
    if (quoteLine > 0 && quoteLine < line) return notClosed(quoteLine);
    return new CsvParseError(`parseCsv: line ${line}, column ${column}: unexpected text after a closing quote`);
  }
  return new CsvParseError(`parseCsv: line ${line}: ${error.message}`);
}

/**
 * A record of a space-delimited file as the hand-written parser read it: leading spaces ignored, a run of
 * spaces one delimiter, trailing spaces one empty field after an unquoted last field (an unquoted empty field
 * is a space next to a space).
 */
function collapseSpaces(record: string[], quoted: readonly boolean[]): string[] {
  const emptyRaw = record.map((field, i) => field === '' && !quoted[i]);
  let first = 0;
  while (first < record.length && emptyRaw[first]) first++;
  let end = record.length;
  while (end > first && emptyRaw[end - 1]) end--;
  const fields: string[] = [];
  for (let i = first; i < end; i++) if (!emptyRaw[i]) fields.push(record[i]);
  if (end < record.length && end > first && !quoted[end - 1]) fields.push('');
  return fields;
}

/** csv-parse's options for `delimiter`. */
function csvOptions(delimiter: string) {
  return {
    delimiter,
    quote: '"',
    escape: '"',
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    // csv-parse trims exactly JavaScript's white space (String.prototype.trim). With a space delimiter, spaces
    // are delimiters (runs collapsed by collapseSpaces): nothing is trimmed before a field (a quote after a tab
    // is text, as before); after one, white space is, so text after a closing quote is still refused.
    ltrim: delimiter !== ' ',
    rtrim: true,
    skip_empty_lines: true,
  };
}

/**
 * Space-delimited text without quotes as the hand-written parser read it: a run of spaces delimits once, and
 * spaces starting a line are ignored (line breaks untouched, so line numbers hold).
 */
function collapseSpaceRuns(text: string): string {
  return text.replace(/ {2,}/g, ' ').replace(/(^|\r\n|\n|\r) /g, '$1');
}

/**
 * Splits `text` into records with csv-parse: trimmed unquoted fields, quoted fields as written (one line each),
 * blank lines skipped, each record with its line number (1-based, counting \r\n, \n and \r).
 */
function readRows(text: string, delimiter: string): Row[] {
  const rows: Row[] = [];
  const spaces = delimiter === ' ';
  const whiteDelimiter = delimiter.trim() === '';
  // Space-delimited text with quotes needs each field's quoting (csv-parse's per-field context, several times
  // slower) to collapse runs of spaces; without quotes the runs are collapsed in the text first.
  const flagged = spaces && text.includes('"');
  const input = spaces && !flagged ? collapseSpaceRuns(text) : text;
  let lines: string[] | undefined;
  const hasQuote = (n: number) => {
    lines ??= input.split(/\r\n|\n|\r/);
    return (lines[n - 1] ?? '').includes('"');
  };
  let values: string[] = [];
  let quoted: boolean[] = [];
  const cast = (value: string, context: { quoting: boolean }) => {
    values.push(value);
    quoted.push(context.quoting);
    return value;
  };
  let lastLine = 0;
  try {
    parse(input, {
      ...csvOptions(delimiter),
      ...(flagged ? { cast } : {}),
      on_record: (record: string[], context) => {
        lastLine = context.lines;
        const q = quoted;
        values = [];
        quoted = [];
        // A line break in a field comes from a quoted field spanning lines: refused where its record began
        // (csv-parse counts each \r and \n in quotes).
        let breaks = 0;
        for (const field of record) if (/[\r\n]/.test(field)) breaks += lineBreaks(field);
        if (breaks > 0) throw notClosed(context.lines - breaks);
        // Not trimmed before a field with a space delimiter (see csvOptions): unquoted fields are trimmed here.
        let fields = spaces ? record.map((field, i) => (q[i] ? field : field.trim())) : record;
        // A line of white space (and of delimiters that are white space) only is blank; one with `""` is not.
        if ((fields.length === 1 || whiteDelimiter) && fields.every((field) => field === '')) {
          if (!(flagged ? q.some(Boolean) : !spaces && hasQuote(context.lines))) return null;
        }
        if (flagged) fields = collapseSpaces(fields, q);
        rows.push({ lineNumber: context.lines, fields });
        return null;
      },
    });
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    // The refused field's column: 1 + the fields before it in its record (a run of spaces delimiting once).
    const before = flagged
      ? values.filter((value, i) => quoted[i] || value.trim() !== '').length
      : typeof e.index === 'number'
        ? e.index
        : 0;
    throw translate(e, input, lastLine, before + 1);
  }
  return rows;
}

function columnList(header: readonly string[]): string {
  return header.map((h) => JSON.stringify(h)).join(', ');
}

/** A column given by index or header name (`name` is the option, as messages show it). */
function resolveColumn(name: string, option: string | number, header: readonly string[]): number {
  const columns = columnList(header);
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 0 || option >= header.length) {
      throw new CsvParseError(
        `parseCsv: ${name} must be a column index in [0, ${header.length - 1}] or a header name, ` +
          `got ${option} (columns: ${columns})`,
        name,
        `a column index in [0, ${header.length - 1}] or a header name`,
        option,
      );
    }
    return option;
  }
  const matches = header.flatMap((h, i) => (h === option ? [i] : []));
  if (matches.length === 0) {
    throw new CsvParseError(
      `parseCsv: ${name} ${JSON.stringify(option)} is not in the header (columns: ${columns})`,
      name,
      `a column index or one of the header names ${columns}`,
      option,
    );
  }
  if (matches.length > 1) {
    throw new CsvParseError(
      `parseCsv: ${name} ${JSON.stringify(option)} names ${matches.length} columns (${matches.join(', ')}); ` +
        'give its index instead',
      name,
      'a column index or a header name that occurs once',
      option,
    );
  }
  return matches[0];
}

/** The target options, checked before the text is read. */
interface TargetSpec {
  /** The option the columns came from, as messages name it. */
  readonly option: 'labelColumn' | 'targetColumns';
  /** The columns as given (none: the last column). */
  readonly columns: readonly (string | number)[] | undefined;
  readonly task: CsvTask;
}

function targetSpec(options: ParseCsvOptions): TargetSpec {
  const { labelColumn, targetColumns, task } = options;
  if (task !== undefined && task !== 'classification' && task !== 'regression') {
    throw new CsvParseError(
      `parseCsv: task must be 'classification' or 'regression', got ${formatValue(task)}`,
      'task',
      "'classification' or 'regression'",
      task,
    );
  }
  const isColumn = (c: unknown) => typeof c === 'string' || typeof c === 'number';
  if (labelColumn !== undefined && !isColumn(labelColumn)) {
    throw new CsvParseError(
      `parseCsv: labelColumn must be a column index or a header name, got ${typeof labelColumn}`,
      'labelColumn',
      'a column index or a header name',
      labelColumn,
    );
  }
  if (targetColumns === undefined) {
    return {
      option: 'labelColumn',
      columns: labelColumn === undefined ? undefined : [labelColumn],
      task: task ?? 'classification',
    };
  }
  if (labelColumn !== undefined) {
    throw new CsvParseError(
      'parseCsv: give labelColumn or targetColumns, not both',
      'targetColumns',
      'absent when labelColumn is given',
      targetColumns,
    );
  }
  const columns = Array.isArray(targetColumns) ? (targetColumns as readonly unknown[]) : [targetColumns];
  if (columns.length === 0 || !columns.every(isColumn)) {
    throw new CsvParseError(
      'parseCsv: targetColumns must be a column (index or header name) or a non-empty list of columns, ' +
        `got ${formatValue(targetColumns)}`,
      'targetColumns',
      'a column index, a header name, or a non-empty list of them',
      targetColumns,
    );
  }
  const resolvedTask = task ?? (columns.length > 1 ? 'regression' : 'classification');
  if (resolvedTask === 'classification' && columns.length > 1) {
    throw new CsvParseError(
      `parseCsv: classification takes one label column, got ${columns.length} targetColumns; ` +
        "several target columns are a regression (task: 'regression')",
      'targetColumns',
      'one column for classification',
      targetColumns,
    );
  }
  return { option: 'targetColumns', columns: columns as (string | number)[], task: resolvedTask };
}

/** The target columns' indices in the header, each once, with at least one feature column left. */
function resolveTargets(spec: TargetSpec, header: readonly string[]): number[] {
  if (spec.columns === undefined) return [header.length - 1];
  const single = spec.columns.length === 1;
  const indices = spec.columns.map((c, k) => resolveColumn(single ? spec.option : `${spec.option}[${k}]`, c, header));
  indices.forEach((index, k) => {
    const first = indices.indexOf(index);
    if (first !== k) {
      throw new CsvParseError(
        `parseCsv: targetColumns names column ${index} (${JSON.stringify(header[index])}) twice ` +
          `(targetColumns[${first}] and targetColumns[${k}])`,
        'targetColumns',
        'distinct columns',
        spec.columns,
      );
    }
  });
  if (indices.length >= header.length) {
    throw new CsvParseError(
      `parseCsv: every column is a target (${columnList(header)}): at least one feature column must remain`,
      'targetColumns',
      `at most ${header.length - 1} of the ${header.length} columns`,
      spec.columns,
    );
  }
  return indices;
}

/** The number a field holds; refuses an empty field, a non-finite value or text that is not a decimal number. */
function readNumber(field: string, where: string, columnName: string): number {
  if (field === '') {
    throw new CsvParseError(`parseCsv: ${where} is empty; expected a number`, columnName, 'a number', field);
  }
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
  return value;
}

function checkFloat32(value: number, field: string, where: string, columnName: string): number {
  if (!Number.isFinite(Math.fround(value))) {
    throw new CsvParseError(
      `parseCsv: ${where}: ${field} is outside the float32 range (|value| <= 3.4028234663852886e38)`,
      columnName,
      'a number with |value| <= 3.4028234663852886e38 (float32)',
      field,
    );
  }
  return value;
}

function checkLabel(value: number, field: string, where: string, columnName: string): number {
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
      `parseCsv: ${where}: the label column ${JSON.stringify(columnName)} holds class indices ` +
        `from 0 to ${MAX_LABEL} (the output layer has one unit per class, at most ${MAX_CLASSES}), ` +
        `got ${JSON.stringify(field)}`,
      columnName,
      `an integer from 0 to ${MAX_LABEL}`,
      field,
    );
  }
  return value;
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
  const spec = targetSpec(options);
  const rows = readRows(text.replace(/^\uFEFF/, ''), delimiter);
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
  const targetIndices = resolveTargets(spec, header);
  if (dataRows.length === 0) {
    throw new CsvParseError(`parseCsv: no data rows after the header on line ${headerRow.lineNumber}`);
  }
  const regression = spec.task === 'regression';
  const nTargets = targetIndices.length;
  const nFeatures = header.length - nTargets;
  const nSamples = dataRows.length;
  // Per column: -1 for a feature, else the target's position (the label column is target 0).
  const targetOf = header.map((_, column) => targetIndices.indexOf(column));
  const xF64 = new Float64Array(nSamples * nFeatures);
  const targetsF64 = new Float64Array(regression ? nSamples * nTargets : 0);
  const y = new Int32Array(regression ? 0 : nSamples);
  let maxLabel = 0;
  dataRows.forEach(({ lineNumber, fields }, row) => {
    if (fields.length !== header.length) {
      throw new CsvParseError(
        `parseCsv: line ${lineNumber} has ${fields.length} fields, expected ${header.length} as in the header`,
      );
    }
    let feature = 0;
    fields.forEach((field, column) => {
      const columnName = header[column];
      const where = `line ${lineNumber}, column ${column + 1} (${JSON.stringify(columnName)})`;
      const value = readNumber(field, where, columnName);
      const target = targetOf[column];
      if (target < 0) {
        xF64[row * nFeatures + feature++] = checkFloat32(value, field, where, columnName);
      } else if (regression) {
        targetsF64[row * nTargets + target] = checkFloat32(value, field, where, columnName);
      } else {
        y[row] = checkLabel(value, field, where, columnName);
        maxLabel = Math.max(maxLabel, value);
      }
    });
  });
  const targetNames = targetIndices.map((i) => header[i]);
  const common = {
    x: Float32Array.from(xF64),
    xF64,
    nSamples,
    nFeatures,
    featureNames: header.filter((_, i) => targetOf[i] < 0),
    labelName: targetNames[0],
    targetNames,
  };
  if (!regression) return { ...common, y, nClasses: maxLabel + 1, task: 'classification' };
  return {
    ...common,
    y,
    nClasses: 0,
    targets: Float32Array.from(targetsF64),
    targetsF64,
    nTargets,
    task: 'regression',
  };
}
