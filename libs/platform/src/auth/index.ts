export * from './jwt';
export * from './request-context';
export * from './auth.guard';
export * from './record-access';
export * from './jwks';
