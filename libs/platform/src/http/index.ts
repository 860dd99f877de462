export * from './commands';
export * from './validators';
