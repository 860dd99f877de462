import { CrmEventType, eventCatalogue } from './catalogue';
import { envelopeSchema, eventDataSchemas, eventHeadersSchema, eventMetadataSchema, JsonSchema } from './event-schemas';
import { deadLetterTopic, eventHeaders, serviceCategories, Topic, topics } from './topics';

export { envelopeSchema, eventDataSchemas, eventHeadersSchema, eventMetadataSchema } from './event-schemas';
export type { EventDescription, JsonSchema, JsonType } from './event-schemas';

export type AsyncApiServer = { host: string; protocol: string; protocolVersion?: string; description?: string };

export type AsyncApiOptions = {
  /** `info.version` of the document. */
  version?: string;
  /** Server id to server; the default names one local broker. */
  servers?: Record<string, AsyncApiServer>;
};

/** Headers a consumer adds when it parks a message on a dead-letter topic (see @crm/kafka's event bus). */
export const deadLetterHeaders = { error: 'crm-error', originalOffset: 'crm-original-offset' } as const;

const defaultServers: Record<string, AsyncApiServer> = {
  kafka: { host: 'localhost:9092', protocol: 'kafka', description: 'The brokers in `KAFKA_BROKERS` (this is the example of the README\'s distributed stack)' },
};

const kafkaBinding = { bindingVersion: '0.5.0' } as const;

type Context = keyof typeof topics;

const producers: Record<Context, string> = {
  leads: 'the leads service (`apps/leads-service`)',
  opportunities: 'the opportunities service (`apps/opportunities-service`)',
  tasks: 'the tasks service (`apps/tasks-service`)',
  analytics: 'the analytics service (`apps/analytics-service`)',
};

const capitalised = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** `LeadCaptured` → `Lead captured`. */
const titleOf = (type: string): string => {
  const words = type.split(/(?=[A-Z])/);
  return [words[0], ...words.slice(1).map((word) => word.toLowerCase())].join(' ');
};

/** Stream ids (= message keys) of the categories a service writes. */
const streamPatternOf = (context: Context): string => `^(${serviceCategories[context].join('|')})-.+$`;

const contexts = Object.keys(topics) as Context[];
const typesOn = (topic: Topic): CrmEventType[] => (Object.keys(eventCatalogue) as CrmEventType[]).filter((type) => eventCatalogue[type].topic === topic);

const ref = (path: string): { $ref: string } => ({ $ref: path });
const channelId = (context: Context): string => `${context}Events`;
const deadLetterChannelId = (context: Context): string => `${context}DeadLetters`;
const deadLetterMessageId = (context: Context): string => `${capitalised(context)}DeadLetter`;

const withDeadLetterHeaders = (headers: JsonSchema): JsonSchema => ({
  ...headers,
  properties: {
    ...headers.properties,
    [deadLetterHeaders.error]: { type: 'string', description: 'The last error, at most 1000 characters' },
    [deadLetterHeaders.originalOffset]: { type: 'string', pattern: '^[0-9]+$', description: 'Offset of the message on the original topic' },
  },
  required: [...(headers.required ?? []), deadLetterHeaders.error, deadLetterHeaders.originalOffset],
});

const description = `
Domain events of the CRM, one Kafka topic per producing service. Subscribe with
\`@crm/contracts\`: it exports these types (\`eventCatalogue\`, the payload types, \`eventHeaders\`).

- **Producers** are the owning services only: each relays its own event store's streams to its topic
  from a checkpointed subscription, so every stored event is published at least once. The
  operations below are a subscriber's: \`receive\` from an events topic, \`send\` to its dead-letter
  topic.
- **Key** = the stream id (\`<category>-<uuid>\`): a stream's events stay in order on one partition.
- **Value** = the event envelope as JSON; **headers** repeat the type, version, ids, tenant and
  trace context so a consumer can route or skip without parsing the value.
- **Delivery** is at least once: deduplicate on the event id (\`${eventHeaders.eventId}\`).
- **Versions**: a change of shape adds a schema version (old ones are upcast on read). Skip types
  you do not know and versions newer than you know; never fail on them.
- **Dead letters**: a consumer retries a failing message a bounded number of times, then parks it on
  \`<topic>.dlq\` with \`${deadLetterHeaders.error}\` and \`${deadLetterHeaders.originalOffset}\` added, and moves on.
- **Dates** are ISO-8601 strings, **money** is \`{amountMinor, currency}\` (integer minor units).
- **Personal data** of leads (name, e-mail, phone, disqualification reason) may be \`enc:v1:\`
  ciphertext that only the leads service opens; treat those strings as opaque.
- \`KAFKA_TOPIC_PREFIX\`, when set, is prepended to every topic name.
`.trim();

/**
 * The AsyncAPI 3.0 document of the event catalogue: a channel per topic and per dead-letter topic,
 * a message per event type (Kafka headers, key and envelope with its `data` schema), and the
 * operations a subscriber performs. Served at `/asyncapi` and written to docs/ by
 * `npm run asyncapi`.
 */
export const asyncApiDocument = (options: AsyncApiOptions = {}): object => {
  const channels: Record<string, object> = {};
  const operations: Record<string, object> = {};
  const messages: Record<string, object> = {};
  const schemas: Record<string, JsonSchema> = { EventMetadata: eventMetadataSchema };

  for (const context of contexts) {
    const topic = topics[context];
    const types = typesOn(topic);
    const key: JsonSchema = { type: 'string', pattern: streamPatternOf(context), description: 'The stream id' };
    for (const type of types) {
      const { version } = eventCatalogue[type];
      schemas[`${type}Event`] = envelopeSchema(type, version, streamPatternOf(context), ref('#/components/schemas/EventMetadata'));
      messages[type] = {
        name: type,
        title: titleOf(type),
        summary: eventDataSchemas[type].summary,
        contentType: 'application/json',
        headers: eventHeadersSchema(type, version),
        payload: ref(`#/components/schemas/${type}Event`),
        correlationId: { description: 'Ties together everything done for one request or workflow', location: `$message.header#/${eventHeaders.correlationId}` },
        tags: [{ name: context }],
        bindings: { kafka: { key, ...kafkaBinding } },
      };
    }
    messages[deadLetterMessageId(context)] = {
      name: `${capitalised(context)}DeadLetter`,
      title: `A ${topic} message a consumer gave up on`,
      summary: `The original message unchanged (key, value, headers), with ${deadLetterHeaders.error} and ${deadLetterHeaders.originalOffset} added.`,
      contentType: 'application/json',
      headers: withDeadLetterHeaders(eventHeadersSchema(types)),
      payload: { oneOf: types.map((type) => ref(`#/components/schemas/${type}Event`)) },
      tags: [{ name: context }],
      bindings: { kafka: { key, ...kafkaBinding } },
    };

    channels[channelId(context)] = {
      address: topic,
      title: `${capitalised(context)} events`,
      description: `Every event of the streams ${producers[context]} writes (${serviceCategories[context].map((category) => `\`${category}-…\``).join(', ')}); key = stream id.`,
      messages: Object.fromEntries(types.map((type) => [type, ref(`#/components/messages/${type}`)])),
      bindings: { kafka: { topic, ...kafkaBinding } },
    };
    channels[deadLetterChannelId(context)] = {
      address: deadLetterTopic(topic),
      title: `${capitalised(context)} dead letters`,
      description: `Messages of ${topic} that a consumer failed to handle after bounded retries (one partition).`,
      messages: { [deadLetterMessageId(context)]: ref(`#/components/messages/${deadLetterMessageId(context)}`) },
      bindings: { kafka: { topic: deadLetterTopic(topic), partitions: 1, ...kafkaBinding } },
    };

    operations[`receive${capitalised(context)}Events`] = {
      action: 'receive',
      channel: ref(`#/channels/${channelId(context)}`),
      title: `Receive ${context} events`,
      summary: `Consume ${topic}; produced by ${producers[context]} only.`,
      description:
        'Use a consumer group of your own per subscribing service (a shared group drops events for the others). Deduplicate on the event id, ' +
        'skip unknown types and newer versions, and commit only after the event is handled.',
      messages: types.map((type) => ref(`#/channels/${channelId(context)}/messages/${type}`)),
      bindings: { kafka: { groupId: { type: 'string', description: 'One per subscribing service' }, ...kafkaBinding } },
    };
    operations[`send${capitalised(context)}DeadLetter`] = {
      action: 'send',
      channel: ref(`#/channels/${deadLetterChannelId(context)}`),
      title: `Park a failed ${context} event`,
      summary: `After bounded retries, a consumer of ${topic} sends the message here and moves on.`,
      messages: [ref(`#/channels/${deadLetterChannelId(context)}/messages/${deadLetterMessageId(context)}`)],
    };
  }

  const document = {
    asyncapi: '3.0.0',
    id: 'urn:crm:events',
    info: {
      title: 'CRM events',
      version: options.version ?? '1',
      description,
      tags: contexts.map((context) => ({ name: context, description: `Events ${producers[context]} produces` })),
    },
    defaultContentType: 'application/json',
    servers: options.servers ?? defaultServers,
    channels,
    operations,
    components: { schemas, messages },
  };
  // A plain JSON tree: no object shared between two places (YAML would write anchors for those).
  return JSON.parse(JSON.stringify(document)) as object;
};
