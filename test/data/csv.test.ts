import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvParseError, parseCsv } from '../../src/data/csv.ts';
import { loadCsv } from '../../src/data/csv_file.ts';

describe('parseCsv', () => {
  it('reads a header, numeric features and the last column as the label', () => {
    const ds = parseCsv('x1,x2,label\n0.5,-1e-3,1\n2,3.25,0\n\n-.5,+4E2,2\n');
    expect(ds.nSamples).toBe(3);
    expect(ds.nFeatures).toBe(2);
    expect(ds.nClasses).toBe(3);
    expect(Array.from(ds.xF64!)).toEqual([0.5, -0.001, 2, 3.25, -0.5, 400]);
    expect(Array.from(ds.x)).toEqual([0.5, -0.001, 2, 3.25, -0.5, 400].map(Math.fround));
    expect(Array.from(ds.y)).toEqual([1, 0, 2]);
    expect(ds.featureNames).toEqual(['x1', 'x2']);
    expect(ds.labelName).toBe('label');
  });

  it('takes the label column by name or index, handles quotes, CRLF, a BOM and another delimiter', () => {
    const byName = parseCsv('\uFEFF"class","a, b",c\r\n1,"2.5",3\r\n0, 4 ,5\r\n', { labelColumn: 'class' });
    expect(Array.from(byName.y)).toEqual([1, 0]);
    expect(Array.from(byName.xF64!)).toEqual([2.5, 3, 4, 5]);
    expect(byName.featureNames).toEqual(['a, b', 'c']);
    const byIndex = parseCsv('a;b;c\n1;2;3\n', { labelColumn: 1, delimiter: ';' });
    expect(Array.from(byIndex.y)).toEqual([2]);
    expect(Array.from(byIndex.xF64!)).toEqual([1, 3]);
    expect(parseCsv('"say ""hi""",y\n1,0\n').featureNames).toEqual(['say "hi"']);
  });

  it('accepts integer-valued labels written as decimals, nClasses = max + 1 even with gaps', () => {
    const ds = parseCsv('a,y\n1,4.0\n2,0\n');
    expect(Array.from(ds.y)).toEqual([4, 0]);
    expect(ds.nClasses).toBe(5);
  });

  it(
    'a header may have numeric names as long as one is not a number; ' +
      'the first data row is never taken for a header',
    () => {
      const ds = parseCsv('0,1,label\n0.5,1.5,1\n2,3,0\n');
      expect(ds.featureNames).toEqual(['0', '1']);
      expect(ds.nSamples).toBe(2);
      expect(Array.from(ds.xF64!)).toEqual([0.5, 1.5, 2, 3]);
      expect(Array.from(ds.y)).toEqual([1, 0]);
    },
  );

  it('names the line and column of every problem', () => {
    const cases: [string, string | RegExp, object?][] = [
      ['', 'parseCsv: the file is empty: expected a header row and data rows'],
      ['\n  \n', 'parseCsv: the file is empty: expected a header row and data rows'],
      ['a,b\n', 'parseCsv: no data rows after the header on line 1'],
      ['a\n1\n', 'parseCsv: line 1: the header must name at least 2 columns (features and a label), got 1'],
      ['a,b,y\n1,2,0\n3,4\n', 'parseCsv: line 3 has 2 fields, expected 3 as in the header'],
      ['a,b,y\n1,2,0,9\n', 'parseCsv: line 2 has 4 fields, expected 3 as in the header'],
      ['a,b,y\n1,abc,0\n', 'parseCsv: line 2, column 2 ("b"): "abc" is not a number'],
      ['a,b,y\n1,0x10,0\n', 'parseCsv: line 2, column 2 ("b"): "0x10" is not a number'],
      ['a,b,y\n1,,0\n', 'parseCsv: line 2, column 2 ("b") is empty; expected a number'],
      ['a,b,y\n1,NaN,0\n', 'parseCsv: line 2, column 2 ("b"): "NaN" is not a finite number'],
      ['a,b,y\n-inf,1,0\n', 'parseCsv: line 2, column 1 ("a"): "-inf" is not a finite number'],
      ['a,b,y\n1e999,1,0\n', 'parseCsv: line 2, column 1 ("a"): "1e999" is not a finite number (out of double range)'],
      ['a,b,y\n1e39,1,0\n', /line 2, column 1 \("a"\): 1e39 is outside the float32 range/],
      ['a,b,y\n1,2,1.5\n', 'parseCsv: line 2, column 3 ("y"): the label must be an integer >= 0, got "1.5"'],
      ['a,b,y\n1,2,-1\n', 'parseCsv: line 2, column 3 ("y"): the label must be an integer >= 0, got "-1"'],
      [
        'a,b,y\n1,2,0\n',
        'parseCsv: labelColumn "label" is not in the header (columns: "a", "b", "y")',
        { labelColumn: 'label' },
      ],
      [
        'a,b,y\n1,2,0\n',
        'parseCsv: labelColumn must be a column index in [0, 2] or a header name, got 3 (columns: "a", "b", "y")',
        { labelColumn: 3 },
      ],
      ['a,a,y\n1,2,0\n', /labelColumn "a" names 2 columns \(0, 1\); give its index instead/, { labelColumn: 'a' }],
      ['a,b,y\n"1,2,0\n', 'parseCsv: line 2: a quoted field is not closed (quoted fields cannot span lines)'],
      ['a,b,y\n"1"x,2,0\n', 'parseCsv: line 2, column 1: unexpected text after a closing quote'],
      ['a,b,y\n1,2,0\n', /delimiter must be one character/, { delimiter: '' }],
      [
        '0.5,-1.5,1\n2,3,0\n',
        'parseCsv: line 1: the first row (0.5,-1.5,1) is all numbers, so the file has no header row; ' +
          'add a header row naming the columns (e.g. x1,x2,label) as its first line',
      ],
      [
        '\uFEFF\n1;2e3;nan;0\n',
        'parseCsv: line 2: the first row (1;2e3;nan;0) is all numbers, so the file has no header row; ' +
          'add a header row naming the columns (e.g. x1;x2;x3;label) as its first line',
        { delimiter: ';' },
      ],
      [
        '"1","2"\n',
        'parseCsv: line 1: the first row (1,2) is all numbers, so the file has no header row; ' +
          'add a header row naming the columns (e.g. x1,label) as its first line',
      ],
    ];
    for (const [text, message, options] of cases) {
      expect(() => parseCsv(text, options), JSON.stringify(text)).toThrow(message);
      expect(() => parseCsv(text, options)).toThrow(CsvParseError);
    }
  });
});

describe('loadCsv (Node)', () => {
  it('reads a file from disk, and prefixes errors with its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anneal-csv-'));
    const good = join(dir, 'good.csv');
    writeFileSync(good, 'f,label\n1.5,1\n2.5,0\n');
    const ds = await loadCsv(good);
    expect(Array.from(ds.xF64!)).toEqual([1.5, 2.5]);
    expect(Array.from(ds.y)).toEqual([1, 0]);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'f,label\nx,1\n');
    await expect(loadCsv(bad)).rejects.toThrow(`${bad}: parseCsv: line 2, column 1 ("f"): "x" is not a number`);
    await expect(loadCsv(join(dir, 'missing.csv'))).rejects.toThrow(/loadCsv: cannot read ".*missing\.csv"/);
    const headless = join(dir, 'headless.csv');
    writeFileSync(headless, '1.5,1\n2.5,0\n');
    await expect(loadCsv(headless)).rejects.toThrow(
      `${headless}: parseCsv: line 1: the first row (1.5,1) is all numbers, so the file has no header row; ` +
        'add a header row naming the columns (e.g. x1,label) as its first line',
    );
  });
});
