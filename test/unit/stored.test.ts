// The stored form of a job (store/records.ts stored()): the fields behind the sparse
// indexes `next` and `due` follow the state on every write.
import { describe, expect, test } from 'vitest'
import { claim, complete, fail } from '../../src/core/transitions.js'
import { stored } from '../../src/store/records.js'
import { NOW, queuedJob } from './records.js'

describe('stored()', () => {
  test('a queued job carries nextKey [kind, priority, seq] and no dueAt', () => {
    const job = stored(queuedJob({ kind: 'network', priority: -3, seq: 42 }))
    expect(job.nextKey).toEqual(['network', -3, 42])
    expect(job).not.toHaveProperty('dueAt')
  })

  test('a delayed job carries dueAt = runAt and no nextKey', () => {
    const job = stored(queuedJob({ state: 'delayed', runAt: NOW + 60_000 }))
    expect(job.dueAt).toBe(NOW + 60_000)
    expect(job).not.toHaveProperty('nextKey')
  })

  test('a job read back queued and then claimed, finished or retried later loses or regains the fields with its state', () => {
    const read = stored(queuedJob()) // as the store returns it: with nextKey
    const running = stored(claim(read, 'me', NOW, 30_000))
    expect(running).not.toHaveProperty('nextKey')
    expect(running).not.toHaveProperty('dueAt')
    const done = complete(running, 'ok', NOW + 1)
    expect(done.unseenAt).toBe(NOW + 1)
    const kept = stored(done)
    expect(kept).not.toHaveProperty('unseenAt') // marks live in the store `unseen`
    expect(kept).not.toHaveProperty('nextKey')
    const retried = stored(fail(running, new Error('boom'), NOW + 2, 0))
    expect(retried.state).toBe('delayed')
    expect(retried.dueAt).toBe(retried.runAt)
    expect(retried).not.toHaveProperty('nextKey')
  })
})
