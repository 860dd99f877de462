export * from './opportunities.module';
