export * from './postgres-event-store';
export { schemaSql } from './schema';
