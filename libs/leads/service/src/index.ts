export * from './leads.module';
