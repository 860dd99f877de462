import { formatMoney, parseMoney } from './money';

describe('money', () => {
  it.each([
    ['1234.5', 'EUR', 123450],
    ['0.01', 'USD', 1],
    ['1500', 'JPY', 1500],
    ['1.234', 'KWD', 1234],
  ])('parses %s %s exactly', (amount, currency, minor) => {
    expect(parseMoney(amount, currency)).toEqual({ amountMinor: minor, currency });
    expect(formatMoney({ amountMinor: minor, currency }).amount).toBe(currency === 'EUR' ? '1234.50' : amount);
  });

  it.each([
    ['1.001', 'EUR'],
    ['1.5', 'JPY'],
    ['-1', 'EUR'],
    ['1e5', 'EUR'],
    ['', 'EUR'],
    ['10', 'eur'],
    ['99999999999999', 'EUR'],
  ])('refuses %s %s', (amount, currency) => expect(parseMoney(amount, currency)).toBeNull());
});
