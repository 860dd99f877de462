import { normalizePhone } from '@crm/leads-domain';
import { decorator } from '@crm/platform';

export { IsAttributes, IsCalendarDate, IsMoneyAmount, IsPastInstant, Optional } from '@crm/platform';

/** International phone number that normalises to E.164. */
export const IsInternationalPhone = decorator('isInternationalPhone', '$property must be an international phone number, e.g. +44 20 7946 0958', (value) => typeof value === 'string' && value.length <= 40 && normalizePhone(value) !== null);
