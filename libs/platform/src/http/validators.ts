// Validation decorators shared by every service's DTOs (class-validator).
import { parseMoney } from '@crm/contracts';
import { registerDecorator, ValidateIf, ValidationArguments, ValidationOptions } from 'class-validator';

export const decorator = (name: string, message: string, validate: (value: unknown, args: ValidationArguments) => boolean) => (options?: ValidationOptions) =>
  function register(object: object, propertyName: string) {
    registerDecorator({ name, target: object.constructor, propertyName, options: { message, ...options }, validator: { validate } });
  };

/** Custom fields: up to 50 keys named like identifiers; values are strings (≤ 500), finite numbers or booleans. */
export const IsAttributes = decorator('isAttributes', '$property must map up to 50 identifier keys to strings (up to 500 characters), finite numbers or booleans', (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= 50 &&
    entries.every(
      ([key, v]) =>
        /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key) &&
        ((typeof v === 'string' && v.length <= 500) || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean'),
    )
  );
});

/** A money amount as a decimal string with the currency's digits, non-negative. */
export const IsMoneyAmount = decorator('isMoneyAmount', '$property must be a non-negative decimal string with at most the currency\'s decimal digits, e.g. "1234.50"', (value, args) => {
  const currency = (args.object as { currency?: unknown }).currency;
  return typeof value === 'string' && parseMoney(value, typeof currency === 'string' ? currency : 'EUR') !== null;
});

/** An ISO-8601 instant with a time zone, not more than 5 minutes in the future. */
export const IsPastInstant = decorator('isPastInstant', '$property must be an ISO-8601 date-time with a time zone, not in the future', (value) => {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return false;
  const time = Date.parse(value);
  return Number.isFinite(time) && time <= Date.now() + 5 * 60_000 && time >= Date.parse('1970-01-01T00:00:00Z');
});

/** A calendar date (YYYY-MM-DD) that exists. */
export const IsCalendarDate = decorator('isCalendarDate', '$property must be a calendar date YYYY-MM-DD', (value) => {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
});

/** Optional, but when present it must be valid: unlike @IsOptional(), null is not taken as absent. */
export const Optional = () => ValidateIf((_object, value) => value !== undefined);
