import { derivedEventId } from './event-ids';

describe('derivedEventId', () => {
  it('is a stable, well-formed v4-layout UUID that differs by source and purpose', () => {
    const id = derivedEventId('e-1', 'route-0');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('e-1', 'route-0')).toBe(id);
    expect(derivedEventId('e-2', 'route-0')).not.toBe(id);
    expect(derivedEventId('e-1', 'route-1')).not.toBe(id);
  });
});
