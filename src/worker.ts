/**
 * errand/worker: what a worker module needs to serve jobs.
 * @module errand/worker
 */
export { defineJobs, serveJobs } from './pool/serve.js'
export { UnrecoverableError, ErrandError } from './core/errors.js'
export type { JobContext, JobHandler, JobDefinitions } from './core/registry.js'
