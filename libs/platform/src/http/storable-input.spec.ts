import { storableInputErrors } from './storable-input';

describe('storable input', () => {
  it('accepts ordinary bodies', () => {
    expect(storableInputErrors({ name: 'Ada Lovelace', tags: ['a', 'ü', '😀'], nested: { deep: [1, { x: null }] } })).toEqual([]);
  });

  it('names the field holding NUL or a lone surrogate', () => {
    expect(storableInputErrors({ name: 'x\u0000y' })).toEqual([{ field: 'name', messages: ['name must not contain NUL characters'] }]);
    expect(storableInputErrors({ a: { b: ['ok', 'x\udfffy'] } })).toEqual([{ field: 'a.b[1]', messages: ['a.b[1] must be well-formed Unicode (it holds a lone surrogate)'] }]);
    expect(storableInputErrors({ ['k\ud800']: 1 })).toHaveLength(1);
  });

  it('stops at 32 levels without recursing, however deep the body', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 20_000; level++) deep = [deep];
    const errors = storableInputErrors(deep);
    expect(errors).toHaveLength(1);
    expect(errors[0].messages[0]).toMatch(/nested more than 32 levels deep/);
    let fine: unknown = 'leaf';
    for (let level = 0; level < 31; level++) fine = { next: fine };
    expect(storableInputErrors(fine)).toEqual([]);
  });
});
