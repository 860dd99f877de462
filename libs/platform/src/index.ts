export * from './config';
export * from './tokens';
export * from './embedded-postgres';
export * from './infrastructure.module';
export * from './health.controller';
export * from './problem-details';
export * from './http-app';
export * from './runtime';
