export * from './infra';
export * from './event-store-contract';
export * from './embedded-app';
export * from './crm-history';
export * from './distributed-stack';
