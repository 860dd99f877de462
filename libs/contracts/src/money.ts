/** Money travels as integer minor units with an ISO-4217 currency code, never as a float. */
export type Money = {
  amountMinor: number;
  currency: string;
};

/** Digits after the decimal point per ISO-4217 currency (2 unless listed). */
const minorDigits: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export const currencyDigits = (currency: string): number => minorDigits[currency] ?? 2;

/** Parses a decimal string ("1234.5") into integer minor units; null when it is not exact. */
export const parseMoney = (amount: string, currency: string): Money | null => {
  const match = /^(\d{1,13})(?:\.(\d+))?$/.exec(amount);
  if (!match || !/^[A-Z]{3}$/.test(currency)) return null;
  const digits = currencyDigits(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const amountMinor = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(amountMinor) ? { amountMinor, currency } : null;
};

/** Formats minor units as a decimal string with the currency's digits ("1234.50"). */
export const formatMoney = (money: Money): { amount: string; currency: string } => {
  const digits = currencyDigits(money.currency);
  const sign = money.amountMinor < 0 ? '-' : '';
  const abs = Math.abs(money.amountMinor);
  const whole = Math.floor(abs / 10 ** digits);
  const fraction = digits ? `.${String(abs % 10 ** digits).padStart(digits, '0')}` : '';
  return { amount: `${sign}${whole}${fraction}`, currency: money.currency };
};
