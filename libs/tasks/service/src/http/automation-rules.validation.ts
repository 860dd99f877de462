import { AutomationRules, DealValueBand, parseMoney, PlaybookTask, taskPriorities, TaskPriority, taskTypes, TaskType } from '@crm/contracts';
import { FieldError } from '@crm/platform';
import { memberIdPattern } from './validators';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown, max: number): value is string => typeof value === 'string' && /\S/.test(value) && value.length <= max;
/** Hours until a generated task is due: up to a year, in minutes' precision at most. */
const hours = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 8760;

/**
 * Checks a PUT /automation/rules body field by field (unknown fields are errors too) and builds
 * the rules in a fixed shape, so that putting the rules in force again is recognised as no change.
 * `version` may be sent back as GET returned it; the server assigns versions and ignores it.
 */
export const validateAutomationRules = (body: unknown): { rules?: AutomationRules; errors: FieldError[] } => {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, messages: [message] });
  if (!isRecord(body)) return { errors: [{ field: '', messages: ['the body must be a JSON object'] }] };
  const unknownKeys = (value: Record<string, unknown>, path: string, known: string[]) => {
    for (const key of Object.keys(value)) if (!known.includes(key)) fail(path ? `${path}.${key}` : key, `property ${key} should not exist`);
  };
  unknownKeys(body, '', ['version', 'leadAssigned', 'stagePlaybooks', 'dealWentStale', 'assignment']);

  const task = (value: unknown, path: string, dueField: 'dueInHours' | 'slaHours', extra: string[] = []): (PlaybookTask & { enabled?: boolean }) | undefined => {
    if (!isRecord(value)) return void fail(path, `${path} must be an object`);
    unknownKeys(value, path, ['title', 'taskType', 'priority', dueField, ...extra]);
    const ok = errors.length;
    if (!text(value.title, 200)) fail(`${path}.title`, 'title must be a non-blank string of at most 200 characters');
    if (!(taskTypes as readonly unknown[]).includes(value.taskType)) fail(`${path}.taskType`, `taskType must be one of ${taskTypes.join(', ')}`);
    if (!(taskPriorities as readonly unknown[]).includes(value.priority)) fail(`${path}.priority`, `priority must be one of ${taskPriorities.join(', ')}`);
    if (!hours(value[dueField])) fail(`${path}.${dueField}`, `${dueField} must be a number of hours above 0 and at most 8760`);
    if (extra.includes('enabled') && typeof value.enabled !== 'boolean') fail(`${path}.enabled`, 'enabled must be a boolean');
    if (errors.length !== ok) return undefined;
    return { title: (value.title as string).trim(), taskType: value.taskType as TaskType, priority: value.priority as TaskPriority, dueInHours: value[dueField] as number, enabled: value.enabled as boolean };
  };

  const leadAssigned = task(body.leadAssigned, 'leadAssigned', 'slaHours', ['enabled']);
  const dealWentStale = task(body.dealWentStale, 'dealWentStale', 'dueInHours', ['enabled']);

  const stagePlaybooks: Record<string, PlaybookTask[]> = {};
  if (!isRecord(body.stagePlaybooks)) fail('stagePlaybooks', 'stagePlaybooks must map stage names to lists of tasks');
  else {
    const stages = Object.entries(body.stagePlaybooks);
    if (stages.length > 50) fail('stagePlaybooks', 'stagePlaybooks may name at most 50 stages');
    for (const [stage, tasks] of stages) {
      const path = `stagePlaybooks.${stage}`;
      if (!text(stage, 100) || stage !== stage.trim()) fail(path, 'stage names must be 1 to 100 characters without surrounding spaces');
      if (!Array.isArray(tasks) || tasks.length > 20) {
        fail(path, 'a playbook is a list of at most 20 tasks');
        continue;
      }
      stagePlaybooks[stage] = tasks.flatMap((entry, index) => {
        const parsed = task(entry, `${path}[${index}]`, 'dueInHours');
        return parsed ? [{ title: parsed.title, taskType: parsed.taskType, priority: parsed.priority, dueInHours: parsed.dueInHours }] : [];
      });
    }
  }

  const valueBands: DealValueBand[] = [];
  if (!isRecord(body.assignment)) fail('assignment', 'assignment must be an object with valueBands');
  else {
    unknownKeys(body.assignment, 'assignment', ['valueBands']);
    const bands = body.assignment.valueBands;
    if (!Array.isArray(bands) || bands.length > 20) fail('assignment.valueBands', 'valueBands must be a list of at most 20 bands');
    else
      bands.forEach((band, index) => {
        const path = `assignment.valueBands[${index}]`;
        if (!isRecord(band)) return fail(path, 'each band is {name, minAmount: {amount, currency}, memberIds}');
        unknownKeys(band, path, ['name', 'minAmount', 'memberIds']);
        if (!text(band.name, 100)) fail(`${path}.name`, 'name must be a non-blank string of at most 100 characters');
        const min = band.minAmount;
        const money = isRecord(min) && typeof min.amount === 'string' && typeof min.currency === 'string' && Object.keys(min).length === 2 ? parseMoney(min.amount, min.currency) : null;
        if (!money) fail(`${path}.minAmount`, 'minAmount must be {amount: a non-negative decimal string, currency: an ISO-4217 code}');
        const members = band.memberIds;
        const membersOk = Array.isArray(members) && members.length >= 1 && members.length <= 100 && members.every((id) => typeof id === 'string' && memberIdPattern.test(id));
        if (!membersOk) fail(`${path}.memberIds`, 'memberIds must list 1 to 100 team member ids');
        if (money && membersOk && text(band.name, 100)) valueBands.push({ name: (band.name as string).trim(), minAmount: money, memberIds: [...new Set(members as string[])] });
      });
  }

  if (body.version !== undefined && !(Number.isInteger(body.version) && (body.version as number) >= 0)) fail('version', 'version, when sent back, must be the non-negative integer GET returned');
  if (errors.length || !leadAssigned || !dealWentStale) return { errors };
  return {
    rules: {
      leadAssigned: { enabled: leadAssigned.enabled as boolean, title: leadAssigned.title, taskType: leadAssigned.taskType, priority: leadAssigned.priority, slaHours: leadAssigned.dueInHours },
      stagePlaybooks,
      dealWentStale: { enabled: dealWentStale.enabled as boolean, title: dealWentStale.title, taskType: dealWentStale.taskType, priority: dealWentStale.priority, dueInHours: dealWentStale.dueInHours },
      assignment: { valueBands },
    },
    errors,
  };
};
