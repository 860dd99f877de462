/** Dedupe keys: the same person typed differently must collide. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * E.164: `+` and 8 to 15 digits. Accepts the usual separators and a `00` international prefix;
 * a number without a country code cannot be normalised reliably and is refused (null).
 */
export const normalizePhone = (phone: string): string | null => {
  const trimmed = phone.trim();
  if (!/^(\+|00)?[\d\s().\-/]+$/.test(trimmed)) return null;
  const international = trimmed.startsWith('+') || trimmed.startsWith('00');
  if (!international) return null;
  const digits = trimmed.replace(/^\+|^00/, '').replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15 || digits.startsWith('0')) return null;
  return `+${digits}`;
};
