import { describe, expect, test } from 'vitest'
import { UnrecoverableError } from '../../src/core/errors.js'
import type { JobRecord } from '../../src/core/job.js'
import { NOW, queuedJob } from './records.js'
import { cancel, claim, complete, fail, isFinalError, promote, release, retry, seen, stall, start } from '../../src/core/transitions.js'

const LEASE_MS = 30_000
const OWNER = 'queue-a'

/** Claims a job and hands it to an executor at the same moment: a real attempt. */
const run = (job: JobRecord, owner: string, at: number, leaseMs: number): JobRecord => start(claim(job, owner, at, leaseMs), at)

/** A stalled attempt's error, as `stall()` records it. */
const stalledError = (attempt: number, at: number) => ({
  name: 'JobStalledError',
  message: `Attempt ${attempt} stopped without an outcome (its page or worker went away before the lease expired).`,
  stack: '',
  code: 'STALLED',
  at,
})

describe('claim', () => {
  test('leases an attempt: running, attempt + 1, held by the owner until now + leaseMs, not started yet', () => {
    const job = queuedJob({ progress: 0.3, startedAt: NOW - 9000 })
    const { startedAt: _previous, ...rest } = job
    expect(claim(job, OWNER, NOW, LEASE_MS)).toStrictEqual({
      ...rest,
      state: 'running',
      attempt: 1,
      claims: 1,
      progress: 0,
      owner: OWNER,
      leaseExpiresAt: NOW + LEASE_MS,
    })
  })

  test('start() records when the claimed attempt reached an executor', () => {
    expect(start(claim(queuedJob(), OWNER, NOW, LEASE_MS), NOW + 3).startedAt).toBe(NOW + 3)
  })

  test('counts every start, so the second claim is attempt 2', () => {
    const job = queuedJob({ attempt: 1, errors: [{ name: 'Error', message: 'offline', stack: '', at: NOW - 1000 }] })
    expect(claim(job, OWNER, NOW, LEASE_MS).attempt).toBe(2)
  })

  test('returns a new record and leaves the one it was given untouched', () => {
    const job = queuedJob()
    const before = structuredClone(job)
    const running = claim(job, OWNER, NOW, LEASE_MS)
    expect(running).not.toBe(job)
    expect(job).toStrictEqual(before)
  })
})

describe('complete', () => {
  test('stores the result, sets progress to 1 and the finish time', () => {
    const running = run(queuedJob({ progress: 0.4 }), OWNER, NOW, LEASE_MS)
    const done = complete(running, { url: 'blob:1' }, NOW + 200)
    expect(done.state).toBe('completed')
    expect(done.result).toStrictEqual({ url: 'blob:1' })
    expect(done.progress).toBe(1)
    expect(done.finishedAt).toBe(NOW + 200)
    expect(done.attempt).toBe(1)
  })

  test('drops the lease, the owner and the activeKey but keeps the key', () => {
    const done = complete(run(queuedJob(), OWNER, NOW, LEASE_MS), 'ok', NOW + 200)
    expect(Object.keys(done)).not.toContain('leaseExpiresAt')
    expect(Object.keys(done)).not.toContain('owner')
    expect(Object.keys(done)).not.toContain('activeKey')
    expect(done.key).toBe('thumb:1')
  })

  test('keeps a result of undefined as a present field', () => {
    const done = complete(run(queuedJob(), OWNER, NOW, LEASE_MS), undefined, NOW + 200)
    expect(Object.keys(done)).toContain('result')
    expect(done.result).toBeUndefined()
  })
})

describe('fail', () => {
  test('schedules a retry: delayed, runAt = now + backoff, the error recorded', () => {
    const running = run(queuedJob(), OWNER, NOW, LEASE_MS)
    const error = new Error('network down')
    const failed = fail(running, error, NOW + 500, 0)
    expect(failed.state).toBe('delayed')
    expect(failed.runAt).toBe(NOW + 500 + 1000)
    expect(failed.attempt).toBe(1)
    expect(failed.errors).toStrictEqual([{ name: 'Error', message: 'network down', stack: error.stack, at: NOW + 500 }])
    expect(Object.keys(failed)).not.toContain('finishedAt')
  })

  test('drops the lease and owner but keeps the activeKey while the job waits to retry', () => {
    const failed = fail(run(queuedJob(), OWNER, NOW, LEASE_MS), new Error('x'), NOW + 500, 0)
    expect(Object.keys(failed)).not.toContain('leaseExpiresAt')
    expect(Object.keys(failed)).not.toContain('owner')
    expect(failed.activeKey).toBe('thumb:1')
  })

  test('waits twice as long before each further retry with an exponential backoff', () => {
    let job = queuedJob({ maxAttempts: 5 })
    const waits: number[] = []
    for (let i = 1; i <= 4; i++) {
      const at = NOW + i * 100_000
      job = fail(run(job, OWNER, at, LEASE_MS), new Error(`try ${i}`), at + 10, 0)
      waits.push(job.runAt - (at + 10))
    }
    expect(waits).toStrictEqual([1000, 2000, 4000, 8000])
    expect(job.state).toBe('delayed')
  })

  test('waits the same time before each retry with a fixed backoff', () => {
    let job = queuedJob({ maxAttempts: 4, backoff: { type: 'fixed', delay: 750, maxDelay: 3_600_000, jitter: 0 } })
    const waits: number[] = []
    for (let i = 1; i <= 3; i++) {
      const at = NOW + i * 100_000
      job = fail(run(job, OWNER, at, LEASE_MS), new Error(`try ${i}`), at, 0)
      waits.push(job.runAt - at)
    }
    expect(waits).toStrictEqual([750, 750, 750])
  })

  test('shortens the wait with jitter using the random it is given', () => {
    const job = queuedJob({ backoff: { type: 'fixed', delay: 1000, maxDelay: 3_600_000, jitter: 0.5 } })
    const failed = fail(run(job, OWNER, NOW, LEASE_MS), new Error('x'), NOW, 0.5)
    expect(failed.runAt).toBe(NOW + 750)
  })

  test('queues the retry at once when the backoff is zero', () => {
    const job = queuedJob({ backoff: { type: 'fixed', delay: 0, maxDelay: 3_600_000, jitter: 0 } })
    const failed = fail(run(job, OWNER, NOW, LEASE_MS), new Error('x'), NOW + 500, 0)
    expect(failed.state).toBe('queued')
    expect(failed.runAt).toBe(NOW + 500)
  })

  test('fails the job after maxAttempts attempts, keeping every attempt’s error in order', () => {
    let job = queuedJob({ maxAttempts: 3 })
    for (let i = 1; i <= 3; i++) {
      const at = NOW + i * 100_000
      job = fail(run(job, OWNER, at, LEASE_MS), { name: 'Error', message: `try ${i}`, stack: '' }, at + 1, 0)
    }
    expect(job.state).toBe('failed')
    expect(job.attempt).toBe(3)
    expect(job.finishedAt).toBe(NOW + 300_001)
    expect(job.errors).toStrictEqual([
      { name: 'Error', message: 'try 1', stack: '', at: NOW + 100_001 },
      { name: 'Error', message: 'try 2', stack: '', at: NOW + 200_001 },
      { name: 'Error', message: 'try 3', stack: '', at: NOW + 300_001 },
    ])
  })

  test('drops the lease, owner and activeKey when the job fails for good', () => {
    const failed = fail(run(queuedJob({ maxAttempts: 1 }), OWNER, NOW, LEASE_MS), new Error('x'), NOW + 1, 0)
    expect(failed.state).toBe('failed')
    expect(Object.keys(failed)).not.toContain('leaseExpiresAt')
    expect(Object.keys(failed)).not.toContain('owner')
    expect(Object.keys(failed)).not.toContain('activeKey')
    expect(failed.key).toBe('thumb:1')
  })

  test('does not retry a job whose maxAttempts is 1', () => {
    const failed = fail(run(queuedJob({ maxAttempts: 1 }), OWNER, NOW, LEASE_MS), new Error('x'), NOW + 1, 0)
    expect(failed.state).toBe('failed')
    expect(failed.runAt).toBe(NOW - 5000)
  })

  test('fails at once on an UnrecoverableError, whatever attempts are left', () => {
    const running = run(queuedJob({ maxAttempts: 5 }), OWNER, NOW, LEASE_MS)
    const failed = fail(running, new UnrecoverableError('Empty file: nothing to do.'), NOW + 1, 0)
    expect(failed.state).toBe('failed')
    expect(failed.attempt).toBe(1)
    expect(failed.finishedAt).toBe(NOW + 1)
    expect(failed.errors).toHaveLength(1)
    expect(failed.errors[0]).toMatchObject({ name: 'UnrecoverableError', message: 'Empty file: nothing to do.', code: 'UNRECOVERABLE' })
  })

  test('fails at once on an UnrecoverableError that crossed a thread as plain data', () => {
    const running = run(queuedJob({ maxAttempts: 5 }), OWNER, NOW, LEASE_MS)
    const failed = fail(running, { name: 'UnrecoverableError', message: 'Bad input.', stack: '' }, NOW + 1, 0)
    expect(failed.state).toBe('failed')
  })

  test('fails at once when the worker has no handler for the job (code UNKNOWN_JOB)', () => {
    const running = run(queuedJob({ maxAttempts: 5 }), OWNER, NOW, LEASE_MS)
    const error = { name: 'ErrandError', code: 'UNKNOWN_JOB', message: 'No handler named "thumbnail" in this worker module.', stack: '' }
    const failed = fail(running, error, NOW + 1, 0)
    expect(failed.state).toBe('failed')
    expect(failed.errors).toStrictEqual([{ ...error, at: NOW + 1 }])
  })

  test('retries a timed-out attempt like any other failure', () => {
    const running = run(queuedJob(), OWNER, NOW, LEASE_MS)
    const failed = fail(running, { name: 'JobTimeoutError', code: 'JOB_TIMEOUT', message: 'The job timed out after 30000 ms.', stack: '' }, NOW + 1, 0)
    expect(failed.state).toBe('delayed')
  })

  test('records a thrown string as an Error with that message', () => {
    const failed = fail(run(queuedJob(), OWNER, NOW, LEASE_MS), 'boom', NOW + 1, 0)
    expect(failed.errors).toStrictEqual([{ name: 'Error', message: 'boom', stack: '', at: NOW + 1 }])
  })
})

describe('isFinalError', () => {
  test('is true for UnrecoverableError and for code UNKNOWN_JOB only', () => {
    const at = NOW
    expect(isFinalError({ name: 'UnrecoverableError', message: '', stack: '', code: 'UNRECOVERABLE', at })).toBe(true)
    expect(isFinalError({ name: 'ErrandError', message: '', stack: '', code: 'UNKNOWN_JOB', at })).toBe(true)
    expect(isFinalError({ name: 'Error', message: '', stack: '', at })).toBe(false)
    expect(isFinalError({ name: 'JobTimeoutError', message: '', stack: '', code: 'JOB_TIMEOUT', at })).toBe(false)
    expect(isFinalError({ name: 'WorkerCrashedError', message: '', stack: '', code: 'WORKER_CRASHED', at })).toBe(false)
  })
})

describe('stall', () => {
  test('requeues a job whose executor vanished and records a STALLED error', () => {
    const running = run(queuedJob(), OWNER, NOW, LEASE_MS)
    const stalled = stall(running, NOW + LEASE_MS, 3)
    expect(stalled.state).toBe('queued')
    expect(stalled.stalls).toBe(1)
    expect(stalled.attempt).toBe(1)
    expect(stalled.runAt).toBe(NOW - 5000)
    expect(stalled.errors).toStrictEqual([stalledError(1, NOW + LEASE_MS)])
  })

  test('drops the lease and owner but keeps the activeKey on requeue', () => {
    const stalled = stall(run(queuedJob(), OWNER, NOW, LEASE_MS), NOW + LEASE_MS, 3)
    expect(Object.keys(stalled)).not.toContain('leaseExpiresAt')
    expect(Object.keys(stalled)).not.toContain('owner')
    expect(Object.keys(stalled)).not.toContain('finishedAt')
    expect(stalled.activeKey).toBe('thumb:1')
  })

  test('does not use up the attempts budget', () => {
    // maxAttempts 2: a stall then a failure still leaves one real attempt.
    let job = queuedJob({ maxAttempts: 2 })
    job = stall(run(job, OWNER, NOW, LEASE_MS), NOW + LEASE_MS, 3)
    job = fail(run(job, OWNER, NOW + 40_000, LEASE_MS), new Error('first real failure'), NOW + 41_000, 0)
    expect(job.state).toBe('delayed')
    expect(job.attempt).toBe(2)
    job = fail(run(job, OWNER, NOW + 50_000, LEASE_MS), new Error('second real failure'), NOW + 51_000, 0)
    expect(job.state).toBe('failed')
    expect(job.attempt).toBe(3)
    expect(job.stalls).toBe(1)
    expect(job.errors.map((error) => error.message)).toStrictEqual([
      stalledError(1, 0).message,
      'first real failure',
      'second real failure',
    ])
  })

  test('does not count stalls when choosing the backoff after a failure', () => {
    let job = queuedJob()
    job = stall(run(job, OWNER, NOW, LEASE_MS), NOW + LEASE_MS, 3)
    job = fail(run(job, OWNER, NOW + 40_000, LEASE_MS), new Error('x'), NOW + 41_000, 0)
    // First real failure: the base delay, not the doubled one.
    expect(job.runAt).toBe(NOW + 41_000 + 1000)
  })

  test('fails the job with STALLED once it stalls more than maxStalls times', () => {
    let job = queuedJob({ maxAttempts: 10 })
    const states: string[] = []
    for (let i = 1; i <= 3; i++) {
      const at = NOW + i * 100_000
      job = stall(run(job, OWNER, at, LEASE_MS), at + LEASE_MS, 2)
      states.push(job.state)
    }
    expect(states).toStrictEqual(['queued', 'queued', 'failed'])
    expect(job.stalls).toBe(3)
    expect(job.attempt).toBe(3)
    expect(job.finishedAt).toBe(NOW + 300_000 + LEASE_MS)
    expect(job.errors).toStrictEqual([
      stalledError(1, NOW + 100_000 + LEASE_MS),
      stalledError(2, NOW + 200_000 + LEASE_MS),
      stalledError(3, NOW + 300_000 + LEASE_MS),
    ])
  })

  test('fails on the first stall when maxStalls is 0', () => {
    const job = stall(run(queuedJob(), OWNER, NOW, LEASE_MS), NOW + LEASE_MS, 0)
    expect(job.state).toBe('failed')
    expect(job.errors.at(-1)?.code).toBe('STALLED')
  })

  test('drops the lease, owner and activeKey when a poison job fails', () => {
    const job = stall(run(queuedJob(), OWNER, NOW, LEASE_MS), NOW + LEASE_MS, 0)
    expect(Object.keys(job)).not.toContain('leaseExpiresAt')
    expect(Object.keys(job)).not.toContain('owner')
    expect(Object.keys(job)).not.toContain('activeKey')
  })
})

describe('cancel', () => {
  test('cancels a queued job, sets the finish time, releases its activeKey and marks the outcome unseen', () => {
    const job = queuedJob()
    const { activeKey: _activeKey, ...rest } = job
    expect(cancel(job, NOW)).toStrictEqual({ ...rest, state: 'cancelled', finishedAt: NOW, unseenAt: NOW })
  })

  test('cancels a running job and drops its lease and owner', () => {
    const cancelled = cancel(run(queuedJob(), OWNER, NOW, LEASE_MS), NOW + 10)
    expect(cancelled.state).toBe('cancelled')
    expect(cancelled.finishedAt).toBe(NOW + 10)
    expect(Object.keys(cancelled)).not.toContain('leaseExpiresAt')
    expect(Object.keys(cancelled)).not.toContain('owner')
    expect(Object.keys(cancelled)).not.toContain('activeKey')
  })

  test('cancels a delayed job waiting for its retry, keeping the errors so far', () => {
    const delayed = fail(run(queuedJob(), OWNER, NOW, LEASE_MS), new Error('offline'), NOW + 1, 0)
    const cancelled = cancel(delayed, NOW + 2)
    expect(cancelled.state).toBe('cancelled')
    expect(cancelled.errors.map((error) => error.message)).toStrictEqual(['offline'])
  })
})

describe('promote', () => {
  test('moves a delayed job to queued and changes nothing else', () => {
    const delayed = queuedJob({ state: 'delayed', runAt: NOW + 60_000 })
    expect(promote(delayed)).toStrictEqual({ ...delayed, state: 'queued' })
  })
})

describe('retry', () => {
  const failedJob = (): JobRecord => {
    let job = queuedJob({ maxAttempts: 2 })
    job = fail(run(job, OWNER, NOW, LEASE_MS), new Error('try 1'), NOW + 1, 0)
    job = stall(run(job, OWNER, NOW + 10_000, LEASE_MS), NOW + 40_000, 5)
    job = fail(run({ ...job, progress: 0.6 }, OWNER, NOW + 50_000, LEASE_MS), new Error('try 2'), NOW + 50_001, 0)
    return job
  }

  test('the fixture ends in failed after two real attempts and one stall', () => {
    const job = failedJob()
    expect(job.state).toBe('failed')
    expect(job.attempt).toBe(3)
    expect(job.stalls).toBe(1)
  })

  test('puts a failed job back in the queue now with attempt, stalls and progress reset', () => {
    const back = retry(failedJob(), NOW + 90_000)
    expect(back.state).toBe('queued')
    expect(back.runAt).toBe(NOW + 90_000)
    expect(back.attempt).toBe(0)
    expect(back.stalls).toBe(0)
    expect(back.progress).toBe(0)
    expect(Object.keys(back)).not.toContain('finishedAt')
    expect(Object.keys(back)).not.toContain('startedAt') // the last run's start: this one has not started
  })

  test('keeps the error history of the earlier attempts', () => {
    expect(retry(failedJob(), NOW + 90_000).errors.map((error) => error.message)).toStrictEqual([
      'try 1',
      stalledError(2, 0).message,
      'try 2',
    ])
  })

  test('restores the activeKey from the key so the job dedupes again', () => {
    const failed = failedJob()
    expect(Object.keys(failed)).not.toContain('activeKey')
    expect(retry(failed, NOW + 90_000).activeKey).toBe('thumb:1')
  })

  test('leaves activeKey absent for a job added without a key', () => {
    const { key: _key, activeKey: _activeKey, ...noKey } = queuedJob()
    const back = retry(cancel(noKey, NOW), NOW + 1)
    expect(Object.keys(back)).not.toContain('activeKey')
    expect(Object.keys(back)).not.toContain('key')
  })

  test('gives a failed job its full attempts budget again', () => {
    let job = retry(failedJob(), NOW + 90_000)
    job = fail(run(job, OWNER, NOW + 90_000, LEASE_MS), new Error('try 3'), NOW + 90_001, 0)
    expect(job.state).toBe('delayed')
    expect(job.runAt).toBe(NOW + 90_001 + 1000)
    job = fail(run(job, OWNER, NOW + 100_000, LEASE_MS), new Error('try 4'), NOW + 100_001, 0)
    expect(job.state).toBe('failed')
    expect(job.errors).toHaveLength(5)
  })

  test('puts a cancelled job back in the queue', () => {
    const back = retry(cancel(queuedJob({ state: 'delayed', runAt: NOW + 60_000 }), NOW), NOW + 5)
    expect(back.state).toBe('queued')
    expect(back.runAt).toBe(NOW + 5)
    expect(back.activeKey).toBe('thumb:1')
  })

  test('drops the result of a completed job', () => {
    const done = complete(run(queuedJob(), OWNER, NOW, LEASE_MS), { url: 'blob:1' }, NOW + 1)
    expect(Object.keys(retry(done, NOW + 2))).not.toContain('result')
  })
})

describe('a job’s whole life', () => {
  test('retries a failing job and completes on the third attempt', () => {
    let job = queuedJob({ maxAttempts: 3 })
    job = fail(run(job, OWNER, NOW, LEASE_MS), new Error('offline'), NOW + 100, 0)
    expect(job).toMatchObject({ state: 'delayed', runAt: NOW + 1100, attempt: 1 })
    job = promote(job)
    job = fail(run(job, OWNER, NOW + 1100, LEASE_MS), new Error('still offline'), NOW + 1200, 0)
    expect(job).toMatchObject({ state: 'delayed', runAt: NOW + 3200, attempt: 2 })
    job = promote(job)
    job = complete(run(job, OWNER, NOW + 3200, LEASE_MS), 42, NOW + 3300)
    expect(job).toMatchObject({ state: 'completed', result: 42, attempt: 3, progress: 1, startedAt: NOW + 3200, finishedAt: NOW + 3300 })
    expect(job.errors.map((error) => error.message)).toStrictEqual(['offline', 'still offline'])
    expect(Object.keys(job)).not.toContain('activeKey')
  })
})

describe('seen', () => {
  test('every finish leaves the outcome unseen until seen() records its delivery', () => {
    const running = run(queuedJob(), OWNER, NOW, LEASE_MS)
    for (const done of [complete(running, 1, NOW + 1), fail(running, new UnrecoverableError('x'), NOW + 1), cancel(running, NOW + 1)]) {
      expect(done.unseenAt).toBe(NOW + 1)
      expect(seen(done)).not.toHaveProperty('unseenAt')
    }
  })

  test('a retry is not an outcome: the job leaves the unseen set', () => {
    const failed = fail(run(queuedJob({ maxAttempts: 1 }), OWNER, NOW, LEASE_MS), new Error('x'), NOW + 1, 0)
    expect(failed.unseenAt).toBe(NOW + 1)
    expect(retry(failed, NOW + 2)).not.toHaveProperty('unseenAt')
  })
})

describe('release', () => {
  test('gives back a claim that never started, as if it had never been claimed, but for the fencing token', () => {
    const job = queuedJob({ attempt: 1, claims: 4, errors: [{ name: 'Error', message: 'earlier', stack: '', at: NOW - 1 }] })
    expect(release(claim(job, OWNER, NOW, LEASE_MS))).toStrictEqual({ ...job, claims: 5, progress: 0 })
  })

  test('the fencing token only grows: a claim after retry() never matches an earlier one', () => {
    const first = run(queuedJob(), OWNER, NOW, LEASE_MS)
    const again = claim(retry(cancel(first, NOW + 1), NOW + 2), OWNER, NOW + 3, LEASE_MS)
    expect(again.attempt).toBe(first.attempt)
    // retry() moves the token too: a claim held in a row (not written to the record yet) checks `claims` alone.
    expect(again.claims).toBe(first.claims + 2)
    expect(retry(cancel(first, NOW + 1), NOW + 2).claims).toBe(first.claims + 1)
  })

})
