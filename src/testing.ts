/**
 * errand/testing: helpers for tests of apps that use errand (and errand's own tests).
 * @module errand/testing
 */
export { createTestQueue, drain, destroyTestQueues, type TestQueue } from './client/testing.js'
