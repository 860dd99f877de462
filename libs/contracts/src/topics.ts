import { StreamCategory } from './streams';

/** Kafka topics, one per producing service. The message key is always the stream id. */
export const topics = {
  leads: 'crm.leads.events',
  opportunities: 'crm.opportunities.events',
  tasks: 'crm.tasks.events',
  analytics: 'crm.analytics.events',
} as const;

export type Topic = (typeof topics)[keyof typeof topics];

/** Dead-letter topic of a topic: where a consumer parks a message it could not handle. */
export const deadLetterTopic = (topic: Topic): string => `${topic}.dlq`;

/** Which topic a stream's events are published to. */
export const topicForCategory = (category: StreamCategory): Topic => {
  switch (category) {
    case 'lead':
    case 'account':
    case 'contact':
    case 'scoring':
      return topics.leads;
    case 'opportunity':
    case 'pipeline':
      return topics.opportunities;
    case 'task':
    case 'activity':
    case 'team':
      return topics.tasks;
    case 'analytics':
      return topics.analytics;
    default: {
      const unreachable: never = category;
      throw new Error(`no topic for category ${String(unreachable)}`);
    }
  }
};

/** Kafka header names carried by every published event. */
export const eventHeaders = {
  type: 'crm-event-type',
  schemaVersion: 'crm-schema-version',
  eventId: 'crm-event-id',
  correlationId: 'crm-correlation-id',
  causationId: 'crm-causation-id',
  tenantId: 'crm-tenant-id',
  traceparent: 'traceparent',
} as const;

/** The stream categories each service writes (and so relays to its topic). */
export const serviceCategories = {
  leads: ['lead', 'account', 'contact', 'scoring'],
  opportunities: ['opportunity', 'pipeline'],
  tasks: ['task', 'activity', 'team'],
  analytics: ['analytics'],
} as const satisfies Record<keyof typeof topics, readonly StreamCategory[]>;
