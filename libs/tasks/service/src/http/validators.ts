import { RelatedRecord, RelatedRecordType } from '@crm/contracts';
import { decorator } from '@crm/platform';
import { isEmail } from 'class-validator';

export { IsPastInstant, Optional } from '@crm/platform';

export { memberIdPattern, uuidPattern } from '@crm/contracts';

/** `lead:{uuid}`, `opportunity:{uuid}`, `account:{uuid}` or `contact:{uuid}`, as list filters name a related record. */
export const relatedPattern = /^(lead|opportunity|account|contact):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export const parseRelated = (value: string | undefined): RelatedRecord | undefined => {
  const match = value === undefined ? null : relatedPattern.exec(value);
  return match ? { type: match[1].toLowerCase() as RelatedRecordType, id: match[2].toLowerCase() } : undefined;
};

/** 10000-01-01T00:00:00Z, which Date.parse cannot read in this notation. */
const endOfYear9999 = Date.UTC(10000, 0, 1);

const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 instant with a time zone, past or future (a due date), from 1970 on. */
export const IsInstant = decorator('isInstant', '$property must be an ISO-8601 date-time with a time zone, e.g. 2026-05-01T09:00:00Z', (value) => {
  if (typeof value !== 'string' || !instantPattern.test(value)) return false;
  const time = Date.parse(value);
  // Date.parse rolls 2026-02-30 over to March: the date must read back as written.
  return Number.isFinite(time) && time >= 0 && time < endOfYear9999 && sameCalendarDate(value, time);
});

const sameCalendarDate = (value: string, time: number): boolean => {
  const offset = /(Z|([+-])(\d{2}):(\d{2}))$/.exec(value);
  const minutes = !offset || offset[1] === 'Z' ? 0 : (offset[2] === '-' ? -1 : 1) * (Number(offset[3]) * 60 + Number(offset[4]));
  return new Date(time + minutes * 60_000).toISOString().slice(0, 16) === value.slice(0, 16);
};

/** A note is written, not exchanged: direction and duration belong to calls, e-mails and meetings. */
export const NotForNotes = decorator('notForNotes', '$property does not apply to a note', (_value, args) => (args.object as { type?: unknown }).type !== 'note');

/**
 * An e-mail address. class-validator's isEmail throws (URIError, so a 500) on a string with a lone
 * surrogate, which JSON can carry as "\ud800": such a string is no address, and is said so first.
 */
export const IsEmailAddress = decorator('isEmailAddress', '$property must be an e-mail address', (value) => typeof value === 'string' && !/\p{Cs}/u.test(value) && isEmail(value));
