// The engine of `errand` alone, for bench/tools/engine-size.mjs: the scheduler with its turn,
// the worker pool, the store's schema, adding jobs and renewing leases. No public API.
export { startScheduler } from '../../src/scheduler/scheduler.js'
export { createPool } from '../../src/pool/pool.js'
export { addJobs, renewLeases } from '../../src/store/jobs.js'
export { openDatabase } from '../../src/store/schema.js'
