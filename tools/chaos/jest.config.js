// `npm run chaos` only: the scenario's name matches none of the `npm test` patterns (*.spec.ts,
// *.int-spec.ts, *.e2e-spec.ts), and this config matches nothing else.
module.exports = require('../../jest.preset').projectConfig(__dirname, {
  testMatch: ['<rootDir>/*.scenario.ts'],
  reporters: ['default'],
  maxWorkers: 1,
});
