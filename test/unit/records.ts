// A job record as the store holds it, for the unit tests of transitions (CPU and network).
import type { JobRecord } from '../../src/core/job.js'

export const NOW = 1_700_000_000_000

/** A queued CPU job created 5 s before NOW; `overrides` replace any field. */
export function queuedJob(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job-1',
    name: 'thumbnail',
    kind: 'cpu',
    payload: { size: 64 },
    state: 'queued',
    priority: 0,
    seq: 1,
    runAt: NOW - 5000,
    attempt: 0,
    claims: 0,
    stalls: 0,
    maxAttempts: 3,
    backoff: { type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0 },
    timeout: 0,
    key: 'thumb:1',
    activeKey: 'thumb:1',
    progress: 0,
    errors: [],
    createdAt: NOW - 5000,
    ...overrides,
  }
}
