import { normalizeEmail, normalizePhone } from './normalize';
import { defaultScoringRules, ruleScore, titleSeniority } from './scoring';

describe('normalisation', () => {
  it('folds e-mail case and whitespace', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it.each([
    ['+44 20 7946 0958', '+442079460958'],
    ['0044 (20) 7946-0958', '+442079460958'],
    ['+1.415.555.2671', '+14155552671'],
  ])('normalises %s to E.164', (input, expected) => expect(normalizePhone(input)).toBe(expected));

  it.each(['020 7946 0958', '+12', '+44 20 7946 0958 1234567', 'call me', '+0 1234 5678'])('refuses %s', (input) => expect(normalizePhone(input)).toBeNull());
});

describe('rule scoring', () => {
  const asOf = '2026-04-01T00:00:00.000Z';

  it('adds weighted features and shows each contribution', () => {
    const result = ruleScore(
      { name: 'x', title: 'VP Sales', companySize: 250, estimatedValue: { amountMinor: 2_000_000, currency: 'EUR' }, industry: 'Software', attributes: { plan: 'Enterprise' } },
      [{ type: 'form_submit', count: 1, occurredAt: asOf }],
      { ...defaultScoringRules, industry: { software: 7 }, attributes: [{ key: 'plan', equals: 'enterprise', points: 4 }] },
      asOf,
    );
    expect(result.contributions).toEqual({ titleSeniority: 15, companySize: 10, industry: 7, country: 0, estimatedValue: 10, engagement: 8, 'attribute:plan': 4 });
    expect(result.score).toBe(54);
  });

  it('decays engagement with age, caps it, and clamps the score to 0-100', () => {
    const old = ruleScore({ name: 'x' }, [{ type: 'event_attended', count: 1, occurredAt: '2026-03-02T00:00:00.000Z' }], defaultScoringRules, asOf);
    expect(old.contributions.engagement).toBe(5); // 10 points, one 30-day half-life ago
    const capped = ruleScore({ name: 'x' }, [{ type: 'call_answered', count: 100, occurredAt: asOf }], defaultScoringRules, asOf);
    expect(capped.contributions.engagement).toBe(40);
    const huge = ruleScore({ name: 'x', title: 'CEO' }, [], { ...defaultScoringRules, titleSeniority: { c_level: 500 } }, asOf);
    expect(huge.score).toBe(100);
    const negative = ruleScore({ name: 'x', country: 'XX' }, [], { ...defaultScoringRules, country: { xx: -30 } }, asOf);
    expect(negative.score).toBe(0);
  });

  it.each([
    ['Chief Revenue Officer', 'c_level'],
    ['SVP Marketing', 'vp'],
    ['Head of Procurement', 'director'],
    ['Sales Manager', 'manager'],
    ['Engineer', 'individual'],
  ])('reads %s as %s', (title, band) => expect(titleSeniority(title)).toBe(band));
});
