export { createKafka, ensureTopics, kafkaBrokersFromEnv, quietLogCreator } from './kafka-client';
export type { CreateKafkaOptions, EnsureTopicsOptions, KafkaLogSink, TopicSpec } from './kafka-client';
