// The chaos run is a test that lives outside a test file (so `npm test` never picks it up); the
// boundary rule allows the testing lib to test files only, so it is crossed here, in one place.
// eslint-disable-next-line @nx/enforce-module-boundaries
export { createDistributedStack, describeWithInfra, serviceNames } from '@crm/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries
export type { DistributedStack, Response, ServiceName, ServiceProcess } from '@crm/testing';
