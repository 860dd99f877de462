export type { EventEnvelope, LeadEvent } from '@crm/contracts';
export type { SqlExecutor as SqlExecutorLike } from '@crm/event-sourcing';
