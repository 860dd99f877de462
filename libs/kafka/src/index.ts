export * from './kafka-client';
export * from './event-codec';
export * from './relay';
export * from './kafka-event-bus';
