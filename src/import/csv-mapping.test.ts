import { describe, expect, it } from 'vitest';
import { compileCsvMapping, parseMapRule, type CsvMappingOptions } from './csv-mapping.ts';

const track: CsvMappingOptions = { rules: [], defaultType: 'track' };

function mapOne(header: string[], values: string[], options: Partial<CsvMappingOptions> = {}) {
  return compileCsvMapping(header, { ...track, ...options })(values);
}

describe('parseMapRule', () => {
  it('reads a spec field, a nested path and a value kind', () => {
    expect(parseMapRule('userId=customer_no')).toEqual({ target: ['userId'], column: 'customer_no', kind: 'string' });
    expect(parseMapRule('properties.revenue=amount:number')).toEqual({ target: ['properties', 'revenue'], column: 'amount', kind: 'number' });
    expect(parseMapRule('context.traits.vip=VIP flag:boolean')).toEqual({ target: ['context', 'traits', 'vip'], column: 'VIP flag', kind: 'boolean' });
  });

  it('keeps a colon that is not a value kind as part of the column name', () => {
    expect(parseMapRule('timestamp=time:utc')).toEqual({ target: ['timestamp'], column: 'time:utc', kind: 'string' });
  });

  it('refuses a rule without "=", an unknown target or a path into the prototype, naming the problem', () => {
    expect(() => parseMapRule('userId')).toThrow(/must look like target=column/);
    expect(() => parseMapRule('userId=')).toThrow(/must look like target=column/);
    expect(() => parseMapRule('customer=customer_no')).toThrow(/"customer" is not a field an event can hold/);
    expect(() => parseMapRule('properties.=x')).toThrow(/not a field/);
    expect(() => parseMapRule('properties.__proto__=x')).toThrow(/not a field/);
  });
});

describe('compileCsvMapping', () => {
  it('fills mapped fields, converting numbers and booleans, and puts other columns into properties', () => {
    const rules = ['userId=customer_no', 'event=action', 'timestamp=date', 'properties.revenue=amount:number', 'traits.email=mail', 'properties.vip=vip:boolean'].map(parseMapRule);
    const result = mapOne(['customer_no', 'action', 'date', 'amount', 'mail', 'vip', 'Store Name'], ['C1', 'Order Completed', '2024-03-01', ' 19.99 ', 'a@x.de', 'Yes', 'Berlin'], { rules });
    expect(result).toEqual({
      ok: true,
      event: {
        type: 'track',
        userId: 'C1',
        event: 'Order Completed',
        timestamp: '2024-03-01',
        properties: { revenue: 19.99, vip: true, 'Store Name': 'Berlin' },
        traits: { email: 'a@x.de' },
      },
    });
  });

  it('maps headers named like spec fields or dotted paths without any --map', () => {
    const result = mapOne(
      ['type', 'userId', 'anonymousId', 'messageId', 'name', 'groupId', 'previousId', 'traits.plan', 'context.touchpoint.channel'],
      ['group', 'u1', 'a1', 'm1', 'Acme', 'g1', 'p1', 'pro', 'store'],
    );
    expect(result).toEqual({
      ok: true,
      event: {
        type: 'group', userId: 'u1', anonymousId: 'a1', messageId: 'm1', name: 'Acme', groupId: 'g1', previousId: 'p1',
        traits: { plan: 'pro' }, context: { touchpoint: { channel: 'store' } },
      },
    });
  });

  it('puts unmapped columns into traits for identify and group rows, into properties for the others', () => {
    const header = ['type', 'userId', 'city'];
    expect(mapOne(header, ['identify', 'u1', 'Berlin'])).toMatchObject({ event: { traits: { city: 'Berlin' } } });
    expect(mapOne(header, ['group', 'u1', 'Berlin'])).toMatchObject({ event: { traits: { city: 'Berlin' } } });
    expect(mapOne(header, ['page', 'u1', 'Berlin'])).toMatchObject({ event: { properties: { city: 'Berlin' } } });
    expect(mapOne(['userId', 'city'], ['u1', 'Berlin'], { defaultType: 'identify' })).toEqual({
      ok: true,
      event: { type: 'identify', userId: 'u1', traits: { city: 'Berlin' } },
    });
  });

  it('omits empty cells, and takes type and event from the defaults when a row has none', () => {
    const result = mapOne(['type', 'userId', 'event', 'note'], ['', 'u1', '  ', ''], { defaultEvent: 'Store Visit' });
    expect(result).toEqual({ ok: true, event: { type: 'track', userId: 'u1', event: 'Store Visit' } });
  });

  it('rejects a row whose value does not convert, naming the column and field', () => {
    const rules = [parseMapRule('properties.revenue=amount:number'), parseMapRule('properties.vip=vip:boolean')];
    expect(mapOne(['userId', 'amount', 'vip'], ['u1', '12,50', 'true'], { rules })).toEqual({
      ok: false,
      code: 'CENTRIC_ERR_EVENT_INVALID_FIELD',
      message: expect.stringMatching(/column "amount" is "12,50"; field "properties.revenue" needs a number/),
      field: 'properties.revenue',
    });
    expect(mapOne(['userId', 'amount', 'vip'], ['u1', '3', 'maybe'], { rules })).toMatchObject({ ok: false, field: 'properties.vip' });
  });

  it('rejects a row with more or fewer fields than the header', () => {
    expect(mapOne(['userId', 'event'], ['u1', 'A', 'extra'])).toEqual({
      ok: false,
      code: 'CENTRIC_ERR_IMPORT_CSV_FIELD_COUNT',
      message: 'row has 3 fields; the header has 2',
    });
  });

  it('lets an explicit rule take a spec field, moving the column of that name into properties', () => {
    const result = mapOne(['userId', 'customer_no'], ['internal-7', 'C1'], { rules: [parseMapRule('userId=customer_no')] });
    expect(result).toEqual({ ok: true, event: { type: 'track', userId: 'C1', properties: { userId: 'internal-7' } } });
  });

  it('refuses a mapping that names a missing column, listing the columns there are', () => {
    expect(() => compileCsvMapping(['a', 'b'], { ...track, rules: [parseMapRule('userId=c')] })).toThrow(
      '--map userId=c: the file has no column "c"; its columns are "a", "b"',
    );
  });

  it('refuses two columns that would fill the same field, and duplicate header names', () => {
    expect(() => compileCsvMapping(['a', 'b'], { ...track, rules: [parseMapRule('userId=a'), parseMapRule('userId=b')] })).toThrow(
      /columns "a" and "b" would both fill userId/,
    );
    expect(() => compileCsvMapping(['plan', 'properties.plan'], track)).toThrow(/would both fill properties.plan/);
    expect(() => compileCsvMapping(['a', 'a'], track)).toThrow('the header names column "a" twice (columns 1 and 2); rename one of them');
  });
});
