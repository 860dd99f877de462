export * from './jwt';
export * from './request-context';
export * from './auth.guard';
