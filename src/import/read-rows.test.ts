import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsvRecords, readLines, type CsvRecord, type TextLine } from './read-rows.ts';

async function csv(text: string | string[], options = {}): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const record of readCsvRecords(Readable.from(Array.isArray(text) ? text : [text]), options)) records.push(record);
  return records;
}

async function lines(chunks: Array<string | Buffer>, maxLineBytes = 1024): Promise<TextLine[]> {
  const result: TextLine[] = [];
  for await (const line of readLines(Readable.from(chunks), { maxLineBytes })) result.push(line);
  return result;
}

describe('readCsvRecords', () => {
  it('yields the header and each record with the line it starts on, skipping blank lines and a BOM', async () => {
    expect(await csv('\uFEFFa,b\n1,2\n\n3,"multi\nline"\n4,5\n,\n6,7')).toEqual([
      { line: 1, values: ['a', 'b'] },
      { line: 2, values: ['1', '2'] },
      { line: 4, values: ['3', 'multi\nline'] },
      { line: 6, values: ['4', '5'] },
      { line: 8, values: ['6', '7'] },
    ]);
  });

  it('reads CRLF files, other delimiters, stray quotes as text and rows of the wrong length', async () => {
    expect(await csv('a;b\r\n1;x"y\r\n2;3;4\r\n', { delimiter: ';' })).toEqual([
      { line: 1, values: ['a', 'b'] },
      { line: 2, values: ['1', 'x"y'] },
      { line: 3, values: ['2', '3', '4'] },
    ]);
  });

  it('keeps a record split across chunks whole', async () => {
    expect(await csv(['a,b\n1,"he', 'llo"\n2,', '3\n'])).toEqual([
      { line: 1, values: ['a', 'b'] },
      { line: 2, values: ['1', 'hello'] },
      { line: 3, values: ['2', '3'] },
    ]);
  });

  it('ends with where and why the file cannot be read when a quote is never closed', async () => {
    const records = await csv('a,b\n1,2\n3,"never closed\n4,5\n');
    expect(records.slice(0, 2)).toEqual([{ line: 1, values: ['a', 'b'] }, { line: 2, values: ['1', '2'] }]);
    expect(records[2]).toEqual({ line: 3, unreadable: expect.stringMatching(/record starting on line 3 is never closed/) });
    expect(records).toHaveLength(3);
  });

  it('gives up on a runaway record at the size limit instead of holding the rest of the file', async () => {
    const records = await csv(['a,b\n1,"open\n', ...Array.from({ length: 100 }, (_, i) => `${i},${'x'.repeat(100)}\n`)], { maxRecordBytes: 2000 });
    expect(records.at(-1)).toEqual({ line: 2, unreadable: expect.stringMatching(/grew past 2000 bytes/) });
  });
});

describe('readLines', () => {
  it('numbers lines from 1, skips blank ones and strips CR and a BOM', async () => {
    expect(await lines(['\uFEFF{"a":1}\r\n\n  \n{"b":2}\n{"c":3}'])).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
      { line: 5, text: '{"c":3}' },
    ]);
  });

  it('joins lines split across chunks, multi-byte characters included', async () => {
    const bytes = Buffer.from('{"city":"Köln"}\n{"x":1}\n');
    const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of "ö"
    expect(await lines([bytes.subarray(0, split), bytes.subarray(split, split + 3), bytes.subarray(split + 3)])).toEqual([
      { line: 1, text: '{"city":"Köln"}' },
      { line: 2, text: '{"x":1}' },
    ]);
  });

  it('reports an overlong line by size and start without holding it, and goes on with the next', async () => {
    const long = 'y'.repeat(5000);
    const result = await lines(['{"a":1}\n', `{"big":"${long.slice(0, 2000)}`, long.slice(2000), '"}\n{"b":2}\n'], 1024);
    expect(result).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, tooLongBytes: 5010, preview: `{"big":"${'y'.repeat(192)}` },
      { line: 3, text: '{"b":2}' },
    ]);
  });
});
