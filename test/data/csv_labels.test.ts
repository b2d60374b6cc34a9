import { describe, expect, it } from 'vitest';
import { CsvParseError, MAX_CLASSES, MAX_LABEL, parseCsv } from '../../src/data/csv.ts';

// A label is a class index and the output layer has a unit per class: Linear's widest layer (1048576 units)
// bounds the labels, and a CSV file beyond it is refused where it is read, naming the label column.

describe('CSV labels', () => {
  it('are class indices up to the widest output layer', () => {
    expect(MAX_CLASSES).toBe(1048576);
    expect(MAX_LABEL).toBe(1048575);
    expect(parseCsv('a,b,y\n1,2,1048575\n').nClasses).toBe(1048576);
  });

  it('refuse a label beyond it, naming the column, the value and the maximum', () => {
    const read = () => parseCsv('a,b,cls\n1,2,0\n1,2,1048576\n');
    expect(read).toThrow(CsvParseError);
    expect(read).toThrow(
      'parseCsv: line 3, column 3 ("cls"): the label column "cls" holds class indices from 0 to 1048575 ' +
        '(the output layer has one unit per class, at most 1048576), got "1048576"',
    );
    try {
      read();
    } catch (err) {
      expect(err).toMatchObject({ param: 'cls', allowed: 'an integer from 0 to 1048575', got: '1048576' });
    }
    expect(() => parseCsv('a,b,y\n1,2,2147483648\n')).toThrow(/holds class indices from 0 to 1048575/);
    expect(() => parseCsv('y,a\n1e7,0\n', { labelColumn: 'y' })).toThrow(/label column "y" .*got "1e7"/);
  });
});
