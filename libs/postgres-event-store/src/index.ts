export * from './postgres-event-store';
export { schemaSql } from './schema';
export { canonicalJson, eventHash, genesisHash, type HashedContent } from './event-hash';
