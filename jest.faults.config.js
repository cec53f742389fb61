/**
 * The fault tests (test/faults/) restart RabbitMQ and kill the hub: run alongside the other suites they
 * would break those suites' connections, so `npm test` runs them on their own, one at a time, after the
 * rest, and adds their counts to the summary line.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  reporters: ['default', ['<rootDir>/test/summary-reporter.js', { accumulate: true }]],
};
