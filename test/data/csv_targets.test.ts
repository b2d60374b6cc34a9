import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParseError, parseCsv } from '../../src/data/csv.ts';
import { isRegression } from '../../src/data/dataset.ts';
import { validateDataset } from '../../src/data/validate.ts';
import { loadsOrRefuses } from '../fuzz/support.ts';

// Target columns (`targetColumns`, `task`) and what the csv-parse-based splitter reads as the hand-written one
// did (test/data/csv.test.ts holds the original cases, unchanged).

const HOUSES = 'rooms,age,price,tax\n3,10.5,200.25,1.5\n4,2,350,2.25\n2,40,99.5,0.75\n';

describe('parseCsv: target columns', () => {
  it('several target columns are a regression: float targets, in the order given', () => {
    const ds = parseCsv(HOUSES, { targetColumns: ['tax', 'price'] });
    expect(ds.task).toBe('regression');
    expect(isRegression(ds)).toBe(true);
    expect([ds.nSamples, ds.nFeatures, ds.nTargets, ds.nClasses]).toEqual([3, 2, 2, 0]);
    expect(ds.featureNames).toEqual(['rooms', 'age']);
    expect(ds.targetNames).toEqual(['tax', 'price']);
    expect(ds.labelName).toBe('tax');
    expect(Array.from(ds.xF64!)).toEqual([3, 10.5, 4, 2, 2, 40]);
    expect(Array.from(ds.targetsF64!)).toEqual([1.5, 200.25, 2.25, 350, 0.75, 99.5]);
    expect(Array.from(ds.targets!)).toEqual([1.5, 200.25, 2.25, 350, 0.75, 99.5].map(Math.fround));
    expect(ds.y).toEqual(new Int32Array(0));
    expect(validateDataset(ds, { nFeatures: 2, nTargets: 2 })).toBe(ds);
    expect(() => validateDataset(ds, { nClasses: 2 })).toThrow(
      'validateDataset: the dataset is a regression dataset (float targets, nTargets = 2) but the model is a ' +
        'classifier with 2 outputs (nClasses): a classifier needs class labels',
    );
    // By index, and mixed with names.
    expect(parseCsv(HOUSES, { targetColumns: [3, 'price'] }).targetNames).toEqual(['tax', 'price']);
  });

  it("one target column: a label column by default, float targets with task: 'regression'", () => {
    const byLabel = parseCsv(HOUSES, { labelColumn: 'price', task: 'regression' });
    expect(byLabel.task).toBe('regression');
    expect(Array.from(byLabel.targetsF64!)).toEqual([200.25, 350, 99.5]);
    expect(byLabel.featureNames).toEqual(['rooms', 'age', 'tax']);
    const byTarget = parseCsv(HOUSES, { targetColumns: 'price', task: 'regression' });
    expect(byTarget.targetsF64).toEqual(byLabel.targetsF64);
    expect(byTarget.nTargets).toBe(1);
    // The last column by default.
    expect(parseCsv(HOUSES, { task: 'regression' }).targetNames).toEqual(['tax']);
    // Classification: the label column, as before.
    const classes = parseCsv('a,b,y\n1,2,0\n3,4,2\n', { targetColumns: ['y'] });
    expect(classes.task).toBe('classification');
    expect(Array.from(classes.y)).toEqual([0, 2]);
    expect(classes.nClasses).toBe(3);
    expect(classes.targetNames).toEqual(['y']);
    expect(classes.targets).toBeUndefined();
    expect(isRegression(classes)).toBe(false);
    expect(parseCsv('a,b,y\n1,2,0\n', { task: 'classification' }).labelName).toBe('y');
    expect(() => validateDataset(classes, { nTargets: 1 })).toThrow(
      'validateDataset: the model has 1 regression outputs (nTargets) but the dataset has class labels',
    );
  });

  it('refuses bad target options and bad target values, naming them', () => {
    const cases: [string, object, string | RegExp][] = [
      [HOUSES, { task: 'clustering' }, `parseCsv: task must be 'classification' or 'regression', got "clustering"`],
      [HOUSES, { labelColumn: 'tax', targetColumns: 'price' }, 'parseCsv: give labelColumn or targetColumns, not both'],
      [HOUSES, { targetColumns: [] }, /targetColumns must be a column \(index or header name\) or a non-empty list/],
      [HOUSES, { targetColumns: [true] }, /targetColumns must be a column .*got \[true\]/],
      [HOUSES, { labelColumn: {} }, 'parseCsv: labelColumn must be a column index or a header name, got object'],
      [
        HOUSES,
        { targetColumns: ['price', 'tax'], task: 'classification' },
        'parseCsv: classification takes one label column, got 2 targetColumns; several target columns are a ' +
          "regression (task: 'regression')",
      ],
      [
        HOUSES,
        { targetColumns: ['price', 'value'] },
        'parseCsv: targetColumns[1] "value" is not in the header (columns: "rooms", "age", "price", "tax")',
      ],
      [
        HOUSES,
        { targetColumns: 'value' },
        'parseCsv: targetColumns "value" is not in the header (columns: "rooms", "age", "price", "tax")',
      ],
      [HOUSES, { targetColumns: [2, 7] }, 'parseCsv: targetColumns[1] must be a column index in [0, 3] or a header'],
      [
        HOUSES,
        { targetColumns: ['price', 2] },
        'parseCsv: targetColumns names column 2 ("price") twice (targetColumns[0] and targetColumns[1])',
      ],
      [
        'a,b\n1,2\n',
        { targetColumns: ['a', 'b'] },
        'parseCsv: every column is a target ("a", "b"): at least one feature column must remain',
      ],
      ['a,b,t\n1,2,x\n', { task: 'regression' }, 'parseCsv: line 2, column 3 ("t"): "x" is not a number'],
      ['a,b,t\n1,2,\n', { task: 'regression' }, 'parseCsv: line 2, column 3 ("t") is empty; expected a number'],
      ['a,b,t\n1,2,1e39\n', { task: 'regression' }, /line 2, column 3 \("t"\): 1e39 is outside the float32 range/],
      ['a,b,t\n1,2,-inf\n', { targetColumns: ['t', 'a'] }, 'parseCsv: line 2, column 3 ("t"): "-inf" is not a finite'],
    ];
    for (const [text, options, message] of cases) {
      expect(() => parseCsv(text, options), JSON.stringify(options)).toThrow(message);
      expect(() => parseCsv(text, options)).toThrow(CsvParseError);
    }
  });
});

describe('parseCsv: reading the text (csv-parse)', () => {
  it('keeps column names as written: quotes, commas, non-ASCII', () => {
    const ds = parseCsv('"café, ""x""",温度,😀\n1,2,0\n');
    expect(ds.featureNames).toEqual(['café, "x"', '温度']);
    expect(ds.labelName).toBe('😀');
    expect(parseCsv('" a ",y\n1,0\n').featureNames).toEqual([' a ']);
  });

  it('names the line where a quoted field spanning lines began, whatever the line breaks', () => {
    const cases: [string, string][] = [
      ['a,b,y\r\n1,2,0\r\n\r\n3,"4\r\n5",1\r\n', 'parseCsv: line 4: a quoted field is not closed'],
      ['a,b,y\n1,2,0\n"3\r4",5,1\n', 'parseCsv: line 3: a quoted field is not closed'],
      ['a,b,y\n1,2,0\n\n  \n3,"4,1\n6,7,0\n', 'parseCsv: line 5: a quoted field is not closed'],
      ['a,"b\n\n",y\n1,2,0\n', 'parseCsv: line 1: a quoted field is not closed'],
      ['a,b,y\n1,"2\nx"z,0\n', 'parseCsv: line 2: a quoted field is not closed'],
      ['a,b,y\n1,"2" 3,0\n', 'parseCsv: line 2, column 2: unexpected text after a closing quote'],
      ['a,b,y\r1,2,0\r"1"2,3,4\r', 'parseCsv: line 3, column 1: unexpected text after a closing quote'],
    ];
    for (const [text, message] of cases) expect(() => parseCsv(text), JSON.stringify(text)).toThrow(message);
  });

  it('space-delimited: runs of spaces delimit once, leading spaces and blank lines are ignored', () => {
    const ds = parseCsv('  a   b  label\n 1.5  2 0\n\n   \n\t\n3    -4 1\n', { delimiter: ' ' });
    expect(ds.featureNames).toEqual(['a', 'b']);
    expect(Array.from(ds.xF64!)).toEqual([1.5, 2, 3, -4]);
    expect(Array.from(ds.y)).toEqual([0, 1]);
    // A trailing space is an empty last field, as before.
    expect(() => parseCsv('a b y\n1 2 0 \n', { delimiter: ' ' })).toThrow(
      'parseCsv: line 2 has 4 fields, expected 3 as in the header',
    );
    // Quoted fields: names with spaces, and a refused closing quote's column counts runs of spaces once.
    const quoted = parseCsv('"a b"  c y\n1   "2" 0\n', { delimiter: ' ' });
    expect(quoted.featureNames).toEqual(['a b', 'c']);
    expect(Array.from(quoted.xF64!)).toEqual([1, 2]);
    expect(() => parseCsv('a b y\n1   "2"x 0\n', { delimiter: ' ' })).toThrow(
      'parseCsv: line 2, column 2: unexpected text after a closing quote',
    );
  });

  it('tab-delimited: empty fields between tabs, blank lines of tabs skipped', () => {
    const ds = parseCsv('a\tb\ty\n1\t 2 \t0\n\t\t\n3\t4\t1\n', { delimiter: '\t' });
    expect(Array.from(ds.xF64!)).toEqual([1, 2, 3, 4]);
    expect(() => parseCsv('a\tb\ty\n1\t\t0\n', { delimiter: '\t' })).toThrow(
      'parseCsv: line 2, column 2 ("b") is empty; expected a number',
    );
    expect(() => parseCsv('a\tb\ty\n""\t""\t""\n', { delimiter: '\t' })).toThrow(
      'parseCsv: line 2, column 1 ("a") is empty; expected a number',
    );
  });

  it('a line of "" is a field, not a blank line', () => {
    expect(() => parseCsv('a,y\n""\n1,0\n')).toThrow('parseCsv: line 2 has 1 fields, expected 2 as in the header');
    expect(parseCsv('a,y\n\uFEFF\n\u3000\n1,0\n').nSamples).toBe(1);
  });
});

describe('parseCsv: fuzz', () => {
  it('any text, delimiter and target options load or are refused with a ValidationError', () => {
    const cell = fc.oneof(
      fc.constantFrom('1', '-2.5', '0', 'NaN', '', '"a,b"', '"', '""', ' ', '  ', '\t', '\u00a0', 'y', '1e39', '"q"x'),
      fc.string({ maxLength: 4 }),
    );
    const text = fc
      .tuple(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 6 }),
        fc.constantFrom(',', ' ', '\t', ';'),
        fc.constantFrom('\n', '\r\n', '\r'),
      )
      .map(([rows, delimiter, eol]) => ({ text: rows.map((r) => r.join(delimiter)).join(eol), delimiter }));
    const targets = fc.constantFrom(undefined, 'y', 0, 1, [0, 1], ['y', 2], [5], []);
    const task = fc.constantFrom(undefined, 'classification', 'regression');
    fc.assert(
      fc.property(text, targets, task, ({ text, delimiter }, targetColumns, task) => {
        loadsOrRefuses(() => parseCsv(text, { delimiter, targetColumns, task } as never));
      }),
      { numRuns: 1500, seed: 21 },
    );
  });
});
