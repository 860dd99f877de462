import { engagementTypes, ScoringRules } from '@crm/contracts';
import { FieldError } from '@crm/platform';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const points = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 100;

/** Checks a PUT /scoring/rules body field by field; unknown fields are errors too. */
export const validateScoringRules = (body: unknown): { rules?: ScoringRules; errors: FieldError[] } => {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, messages: [message] });
  if (!isRecord(body)) return { errors: [{ field: '', messages: ['the body must be a JSON object'] }] };
  const known = ['titleSeniority', 'companySize', 'industry', 'country', 'estimatedValue', 'engagement', 'engagementHalfLifeDays', 'engagementCap', 'attributes'];
  for (const key of Object.keys(body)) if (!known.includes(key)) fail(key, `property ${key} should not exist`);

  const table = (field: string) => {
    const value = body[field];
    if (!isRecord(value)) return fail(field, `${field} must map names to points`);
    if (Object.keys(value).length > 200) fail(field, `${field} may have at most 200 entries`);
    for (const [key, p] of Object.entries(value)) {
      if (key.length === 0 || key.length > 100) fail(`${field}.${key}`, 'keys must be 1 to 100 characters');
      if (!points(p)) fail(`${field}.${key}`, 'points must be a number between -100 and 100');
    }
  };
  const bands = (field: string, threshold: string) => {
    const value = body[field];
    if (!Array.isArray(value) || value.length > 20) return fail(field, `${field} must be a list of at most 20 bands`);
    value.forEach((entry, index) => {
      if (!isRecord(entry) || Object.keys(entry).some((k) => k !== threshold && k !== 'points')) return fail(`${field}[${index}]`, `each band is {${threshold}, points}`);
      if (!(Number.isInteger(entry[threshold]) && (entry[threshold] as number) >= 0)) fail(`${field}[${index}].${threshold}`, `${threshold} must be a non-negative integer`);
      if (!points(entry.points)) fail(`${field}[${index}].points`, 'points must be a number between -100 and 100');
    });
  };
  table('titleSeniority');
  table('industry');
  table('country');
  bands('companySize', 'min');
  bands('estimatedValue', 'minMinor');
  const engagement = body.engagement;
  if (!isRecord(engagement)) fail('engagement', 'engagement must map every engagement type to points');
  else {
    for (const type of engagementTypes) if (!points(engagement[type])) fail(`engagement.${type}`, 'points must be a number between -100 and 100');
    for (const key of Object.keys(engagement)) if (!(engagementTypes as readonly string[]).includes(key)) fail(`engagement.${key}`, `unknown engagement type ${key}`);
  }
  const halfLife = body.engagementHalfLifeDays;
  if (!(typeof halfLife === 'number' && halfLife > 0 && halfLife <= 3650)) fail('engagementHalfLifeDays', 'engagementHalfLifeDays must be a number of days between 0 and 3650');
  const cap = body.engagementCap;
  if (!(typeof cap === 'number' && cap >= 0 && cap <= 100)) fail('engagementCap', 'engagementCap must be between 0 and 100');
  const attributes = body.attributes;
  if (!Array.isArray(attributes) || attributes.length > 100) fail('attributes', 'attributes must be a list of at most 100 rules');
  else
    attributes.forEach((rule, index) => {
      if (!isRecord(rule) || Object.keys(rule).some((k) => !['key', 'equals', 'points'].includes(k))) return fail(`attributes[${index}]`, 'each rule is {key, equals, points}');
      if (typeof rule.key !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(rule.key)) fail(`attributes[${index}].key`, 'key must be an attribute name');
      if (!['string', 'number', 'boolean'].includes(typeof rule.equals)) fail(`attributes[${index}].equals`, 'equals must be a string, number or boolean');
      if (!points(rule.points)) fail(`attributes[${index}].points`, 'points must be a number between -100 and 100');
    });
  return errors.length ? { errors } : { rules: body as ScoringRules, errors };
};
