export * from './commands';
export * from './validators';
export * from './sql-conditions';
export * from './idempotency.interceptor';
