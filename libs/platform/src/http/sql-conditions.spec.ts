import { sqlConditions } from './sql-conditions';

describe('sqlConditions', () => {
  it('numbers parameters in the order conditions are added', () => {
    const { where, params, add } = sqlConditions((p) => `tenant_id = ${p}`, 't1');
    add((p) => `status = ${p}`, 'open');
    add((p) => `(name ILIKE ${p} OR email ILIKE ${p})`, '%ada%');
    expect(where).toEqual(['tenant_id = $1', 'status = $2', '(name ILIKE $3 OR email ILIKE $3)']);
    expect(params).toEqual(['t1', 'open', '%ada%']);
  });
});
