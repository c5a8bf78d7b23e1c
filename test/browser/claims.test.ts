// The leader claims a little ahead of its workers (claimed jobs wait in memory for a
// free worker). These tests hold it to the promises that makes hard: priorities still
// win, pause stops what has not started, and a claim that never ran leaves no trace.
import { expect, test } from 'vitest'
import { createTestQueue } from '../../src/testing.js'
import { fixtureWorker, testQueue } from './helpers.js'
import type { Jobs } from './fixtures/jobs.worker.js'

test('a better-priority job added while others wait starts next, ahead of already claimed ones', async () => {
  const queue = testQueue()
  const started: string[] = []
  const firstStarted = new Promise<void>((resolve) => queue.on('started', ({ job }) => (started.push(job.id), resolve())))
  await queue.pause()
  const low = await queue.addAll(Array.from({ length: 6 }, () => ({ name: 'sleep' as const, payload: { ms: 150 }, options: { priority: 5 } })))
  await queue.start()
  await firstStarted
  const urgent = await queue.add('sleep', { ms: 1 }, { priority: 0 })
  await queue.onIdle()
  expect(started[0]).toBe(low[0]!.id)
  expect(started[1]).toBe(urgent.id)
  expect(started.slice(2)).toEqual(low.slice(1).map((j) => j.id))
  // Jobs given back to the queue keep clean records: one attempt each, no stalls.
  for (const job of low) expect(await job.get()).toMatchObject({ state: 'completed', attempt: 1, stalls: 0, errors: [] })
})

test('pause() gives back claimed jobs that have not started; they stay queued with no attempt used', async () => {
  const queue = testQueue()
  const firstStarted = new Promise<void>((resolve) => queue.on('started', () => resolve()))
  const jobs = await Promise.all([queue.add('sleep', { ms: 300 }), queue.add('sleep', { ms: 1 }), queue.add('sleep', { ms: 1 })])
  await firstStarted
  await queue.pause()
  await jobs[0]!.result()
  await new Promise((resolve) => setTimeout(resolve, 100))
  for (const job of jobs.slice(1)) expect(await job.get()).toMatchObject({ state: 'queued', attempt: 0 })
  await queue.start()
  await expect(jobs[2]!.result()).resolves.toEqual({ slept: 1, attempt: 1 })
})

test('closing the leader gives back claims that never started: the next leader runs them as first attempts', async () => {
  const name = `release-${crypto.randomUUID()}`
  const first = createTestQueue<Jobs>({ name, worker: fixtureWorker, concurrency: 1 })
  const firstStarted = new Promise<void>((resolve) => first.on('started', () => resolve()))
  const running = await first.add('sleep', { ms: 60_000 })
  const waiting = await first.add('sleep', { ms: 1 })
  await firstStarted
  await first.close()

  // A queue without a worker never leads: it shows the store as the old leader left it.
  const observer = createTestQueue<Jobs>({ name })
  expect(await observer.get(waiting.id)).toMatchObject({ state: 'queued', attempt: 0, stalls: 0 })
  expect(await observer.get(running.id)).toMatchObject({ state: 'running', attempt: 1 })
  await observer.close()

  const second = createTestQueue<Jobs>({ name, worker: fixtureWorker, concurrency: 2 })
  await expect((await second.job(waiting.id))!.result()).resolves.toEqual({ slept: 1, attempt: 1 })
  // The job that was really running was interrupted: that one counts as a stall.
  expect(await second.get(running.id)).toMatchObject({ state: 'running', attempt: 2, stalls: 1 })
})
