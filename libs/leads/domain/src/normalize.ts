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

/**
 * An account's domain as a dedupe key: `https://www.Example.com/about` and `example.com` collide.
 * Null when what remains is not a host name.
 */
export const normalizeDomain = (domain: string): string | null => {
  const host = domain
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
    .replace(/^www\./, '')
    .replace(/\.$/, '');
  return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host) ? host : null;
};

const legalSuffixes = /\b(inc|incorporated|llc|ltd|limited|plc|gmbh|ag|sa|sas|sarl|bv|nv|corp|corporation|co|company|srl|spa|oy|ab|as|kg)\b\.?/g;

/**
 * A company name as a dedupe key: case, accents, punctuation and legal-form suffixes do not count,
 * so `Analytical Engines Ltd.` and `analytical engines` collide.
 */
export const normalizeCompanyName = (name: string): string => {
  const folded = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ');
  const stripped = folded.replace(legalSuffixes, ' ').replace(/\s+/g, ' ').trim();
  // A name that is nothing but a legal form ("Ltd") keeps its folded self.
  return stripped || folded.replace(/\s+/g, ' ').trim();
};
