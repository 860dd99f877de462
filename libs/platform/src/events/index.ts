export * from './event-bus.transport';
export * from './standalone-consumers';
