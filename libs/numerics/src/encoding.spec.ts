import { encode, encodeAll, Encoder, featureNames, fitEncoder, RawRow } from './encoding';

const repeat = (row: RawRow, times: number): RawRow[] => Array.from({ length: times }, () => row);

describe('fitEncoder / encode', () => {
  it('standardises numeric fields and adds a missing indicator only when training values were missing', () => {
    const rows: RawRow[] = [
      { size: 10, value: 1 },
      { size: 20, value: 2 },
      { size: 30, value: 3 },
      { size: null, value: 4 },
    ];
    const encoder = fitEncoder(rows);
    expect(featureNames(encoder)).toEqual(['size', 'size__missing', 'value']);
    const sd = Math.sqrt(200 / 3);
    expect(encode(encoder, { size: 30, value: 2.5 })).toEqual([10 / sd, 0, 0]);
    // Missing, absent, non-finite and non-numeric all become the mean (0) with the indicator set.
    for (const size of [null, undefined, Number.NaN, 'lots']) expect(encode(encoder, { size, value: 2.5 }).slice(0, 2)).toEqual([0, 1]);
    expect(encode(encoder, {})).toEqual([0, 1, 0]);
  });

  it('pools rare and unseen categories into __other__, missing into __missing__, and drops the commonest level', () => {
    const rows: RawRow[] = [
      ...repeat({ industry: 'software' }, 8),
      ...repeat({ industry: 'finance' }, 5),
      ...repeat({ industry: 'mining' }, 2),
      ...repeat({ industry: 'retail' }, 4),
      ...repeat({ industry: null }, 6),
      { industry: '  ' },
    ];
    const encoder = fitEncoder(rows, { minCategoryCount: 5 });
    // software (8) is the reference; __other__ = mining + retail (6); __missing__ = 7 incl. the blank.
    expect(encoder.features[0]).toMatchObject({ categories: ['finance', 'software'], levels: ['finance', 'software', '__other__', '__missing__'], reference: 'software' });
    expect(featureNames(encoder)).toEqual(['industry=finance', 'industry=__other__', 'industry=__missing__']);
    expect(encode(encoder, { industry: 'software' })).toEqual([0, 0, 0]);
    expect(encode(encoder, { industry: 'finance' })).toEqual([1, 0, 0]);
    expect(encode(encoder, { industry: 'mining' })).toEqual([0, 1, 0]);
    expect(encode(encoder, { industry: 'never-seen' })).toEqual([0, 1, 0]);
    expect(encode(encoder, { industry: undefined })).toEqual([0, 0, 1]);
    expect(encode(encoder, {})).toEqual([0, 0, 1]);
  });

  it('creates no column for a level without training rows, so such values encode as the reference', () => {
    const encoder = fitEncoder([...repeat({ source: 'web' }, 6), ...repeat({ source: 'event' }, 5)]);
    expect(featureNames(encoder)).toEqual(['source=event']);
    expect(encode(encoder, { source: 'partner' })).toEqual([0]);
    expect(encode(encoder, { source: null })).toEqual([0]);
  });

  it('treats booleans and mixed-type fields as categorical', () => {
    const rows: RawRow[] = [...repeat({ budget: true, code: 1 }, 5), ...repeat({ budget: false, code: 'A' }, 6), ...repeat({ budget: null, code: 1 }, 1)];
    const encoder = fitEncoder(rows, { minCategoryCount: 1 });
    expect(encoder.features.map((feature) => feature.kind)).toEqual(['categorical', 'categorical']);
    expect(featureNames(encoder)).toEqual(['budget=true', 'budget=__missing__', 'code=A']);
    expect(encode(encoder, { budget: true, code: 'A' })).toEqual([1, 0, 1]);
    expect(encode(encoder, { budget: false, code: 1 })).toEqual([0, 0, 0]);
  });

  it('orders fields and categories deterministically, whatever the row and key order', () => {
    const rows: RawRow[] = [];
    const industries = ['b', 'a', 'C', 'c'];
    for (let i = 0; i < 40; i++) rows.push({ zeta: i, industry: industries[i % 4], alpha: i % 3 === 0 });
    const forward = fitEncoder(rows, { minCategoryCount: 1 });
    const reversed = fitEncoder(
      [...rows].reverse().map((row) => Object.fromEntries(Object.entries(row).reverse())),
      { minCategoryCount: 1 },
    );
    expect(reversed).toEqual(forward);
    expect(featureNames(forward)).toEqual(['alpha=true', 'industry=a', 'industry=b', 'industry=c', 'zeta']);
    // 'C' is dropped as reference: all four tie at 10 rows and it sorts first (code-unit order).
    expect(forward.features[1]).toMatchObject({ levels: ['C', 'a', 'b', 'c'], reference: 'C' });
  });

  it('skips excluded fields and fields that no training row fills', () => {
    const encoder = fitEncoder(
      [
        { id: 'l-1', converted: 1, notes: null, score: 1 },
        { id: 'l-2', converted: 0, score: 2 },
      ],
      { exclude: ['id', 'converted'] },
    );
    expect(featureNames(encoder)).toEqual(['score']);
  });

  it('is plain JSON that encodes identically after a round trip', () => {
    const rows: RawRow[] = [...repeat({ size: 5, industry: 'x', flag: true }, 5), ...repeat({ size: null, industry: 'y', flag: false }, 7)];
    const encoder = fitEncoder(rows);
    const restored: Encoder = JSON.parse(JSON.stringify(encoder));
    expect(restored).toEqual(encoder);
    expect(encodeAll(restored, rows)).toEqual(encodeAll(encoder, rows));
    expect(encodeAll(encoder, rows).every((row) => row.length === featureNames(encoder).length)).toBe(true);
  });

  it('keeps a constant numeric field finite', () => {
    const encoder = fitEncoder([{ n: 3 }, { n: 3 }]);
    expect(encode(encoder, { n: 3 })).toEqual([0]);
    expect(encode(encoder, { n: 4 })).toEqual([1]);
  });

  it('rejects a nonsensical minCategoryCount', () => {
    expect(() => fitEncoder([], { minCategoryCount: 0 })).toThrow(RangeError);
  });
});
