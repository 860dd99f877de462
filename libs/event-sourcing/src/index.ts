export * from './decider';
export * from './errors';
export * from './event-store';
export * from './upcasting';
export * from './command-handler';
export * from './testing';
export * from './in-memory-event-store';
export * from './polling-subscription';
