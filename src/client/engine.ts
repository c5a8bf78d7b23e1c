/**
 * What only the leading page runs (the scheduler, the worker pool and its clock), in a chunk of
 * its own that a page loads when it takes the lead: pages that never lead never download it.
 */
export { createClock } from '../pool/clock.js'
export { createPool } from '../pool/pool.js'
export { startScheduler } from '../scheduler/scheduler.js'
