// Review: when a new leader finds a job an old leader had claimed but never started, it
// releases it (no attempt used), yet announces it as `retrying` with a made-up error.
import { openDB } from 'idb'
import { expect, test } from 'vitest'
import { createTestQueue } from '../../src/testing.js'
import { fixtureWorker } from './helpers.js'
import type { Jobs } from './fixtures/jobs.worker.js'

test('a released, never-started claim of a dead leader is not announced as retrying', async () => {
  const name = `release-event-${crypto.randomUUID()}`
  const observer = createTestQueue<Jobs>({ name }) // creates the schema; never leads
  await observer.pause()
  const job = await observer.add('add', { a: 1, b: 2 })
  await observer.close()
  // What a leader that crashed right after claiming leaves behind.
  const db = await openDB(`errand:${name}`)
  const record = await db.get('jobs', job.id)
  await db.put('jobs', { ...record, state: 'running', attempt: 1, owner: 'dead-leader', leaseExpiresAt: Date.now() + 60_000 })
  db.close()

  const leader = createTestQueue<Jobs>({ name, worker: fixtureWorker, concurrency: 1 })
  const retrying: unknown[] = []
  leader.on('retrying', ({ error }) => retrying.push(error))
  await leader.start()
  await expect((await leader.job(job.id))!.result()).resolves.toBe(3)
  expect(retrying).toEqual([])
})
