// The leader claims a little ahead of its workers (claimed jobs wait in memory for a
// free worker). These tests hold it to the promises that makes hard: priorities still
// win, pause stops what has not started, and a claim that never ran leaves no trace.
import { openDB } from 'idb'
import { expect, test } from 'vitest'
import { createTestQueue } from '../../src/testing.js'
import type { Jobs } from './fixtures/jobs.worker.js'
import { countTransactions, fixtureWorker, testQueue, within } from './helpers.js'

/** The ids the leaders hold in store `claims`: claimed, their records not written yet. */
async function claimedIds(queue: { name: string }): Promise<string[]> {
  const db = await openDB(`errand:${queue.name}`)
  try {
    return (await db.getAll('claims')).flatMap((row: { jobs: [string, number][] }) => row.jobs.map(([id]) => id))
  } finally {
    db.close()
  }
}

/**
 * A leader of concurrency 1 running a job of `ms` while a second one (1 ms) waits in its memory,
 * claimed, for the worker; `started` lists every start, with when it was announced.
 */
async function oneRunsOneWaits(ms: number, options: Parameters<typeof testQueue>[0] = {}) {
  const queue = testQueue(options)
  const started: { id: string; at: number }[] = []
  const firstStarted = new Promise<void>((resolve) => queue.on('started', ({ job }) => (started.push({ id: job.id, at: Date.now() }), resolve())))
  const running = await queue.add('sleep', { ms })
  const waiting = await queue.add('sleep', { ms: 1 })
  await firstStarted
  await expect.poll(() => claimedIds(queue)).toContain(waiting.id) // the turn after the first start claimed it
  return { queue, started, running, waiting }
}

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
  await expect.poll(() => claimedIds(queue)).toContain(jobs[1]!.id) // claimed ahead: what pause() must give back
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

// Guards against a past defect: clear() promises to cancel "every job that has not started", but a job the
// leader has prefetched into `ready` (claimed, never started) is left alone and runs.
test('clear() cancels a job that is claimed by the leader but has not started', async () => {
  const { queue, started, running, waiting } = await oneRunsOneWaits(400)
  expect(await waiting.get()).toMatchObject({ state: 'queued', attempt: 0 }) // it has not started
  const cleared = await queue.clear()
  await running.result()
  await queue.onIdle()
  expect(started.map((s) => s.id)).toEqual([running.id])
  expect(cleared).toBe(1)
  expect((await waiting.get())?.state).toBe('cancelled')
})

// Guards against a past defect: a turn that fails after `ready` was emptied for release loses the claims it was
// giving back: they are in no list any more, are not renewed, and stay held (claimed, never started) until
// their lease runs out. A claim not written to its record is held in the leader's row of store `claims`.
test('claims given back by a turn that failed are given back by a later turn', async () => {
  const { queue, running, waiting } = await oneRunsOneWaits(300) // lease 30 s: far longer than this test
  const errors: unknown[] = []
  queue.on('error', ({ error }) => errors.push(error))
  // Prefetched into `ready`: claimed in the row, its record untouched.
  expect(await claimedIds(queue)).toEqual([waiting.id])
  expect(await waiting.get()).toMatchObject({ state: 'queued', attempt: 0 })

  // One storage hiccup: the write of the row that gives `waiting` back fails once.
  const put = IDBObjectStore.prototype.put
  let failures = 0
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    const row = value as { owner?: string; jobs?: [string, number][] }
    if (failures === 0 && this.name === 'claims' && !row.jobs?.some(([id]) => id === waiting.id)) {
      failures++
      throw new DOMException('simulated write failure', 'UnknownError')
    }
    return put.call(this, value, key)
  } as typeof put
  const deleteRow = IDBObjectStore.prototype.delete
  IDBObjectStore.prototype.delete = function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
    if (failures === 0 && this.name === 'claims') {
      failures++
      throw new DOMException('simulated write failure', 'UnknownError')
    }
    return deleteRow.call(this, key)
  } as typeof deleteRow
  try {
    await queue.pause() // the next turn releases `ready`
    await running.result()
    await new Promise((resolve) => setTimeout(resolve, 2000)) // a failed turn is retried within ~1 s
  } finally {
    IDBObjectStore.prototype.put = put
    IDBObjectStore.prototype.delete = deleteRow
  }
  expect(failures).toBe(1)
  expect(errors.length).toBeGreaterThan(0)
  expect(await claimedIds(queue)).toEqual([])
  expect(await waiting.get()).toMatchObject({ state: 'queued', attempt: 0 })
})

// A turn that fails (a storage hiccup) is tried again: an outcome in it is written by a later turn, as it was.
test.each([
  ['completed', 'add', { a: 2, b: 3 }],
  ['failed', 'unrecoverable', undefined],
] as const)('a job %s in a turn that failed once keeps its outcome and its one attempt', async (state, name, payload) => {
  const queue = testQueue()
  const errors: unknown[] = []
  queue.on('error', ({ error }) => errors.push(error))
  const put = IDBObjectStore.prototype.put
  let failures = 0
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (failures === 0 && this.name === 'jobs' && (value as { state?: string }).state === state) {
      failures++
      throw new DOMException('simulated write failure', 'UnknownError')
    }
    return put.call(this, value, key)
  } as typeof put
  try {
    const job = await queue.add(name, payload as never, { attempts: 1 })
    const outcome = await within(job.result().then((value) => ({ value }), (error: unknown) => ({ error })), 5000)
    expect(failures).toBe(1)
    expect(errors.length).toBeGreaterThan(0)
    expect(outcome).toEqual(state === 'completed' ? { value: 5 } : { error: expect.objectContaining({ code: 'JOB_FAILED' }) })
    const record = await job.get()
    expect(record).toMatchObject({ state, attempt: 1 })
    expect(record?.errors.map((e) => e.message)).toEqual(state === 'completed' ? [] : ['bad input: never retry'])
  } finally {
    IDBObjectStore.prototype.put = put
  }
})

// A claim held in the leader's row is written to its record only if the record is still `queued` under
// the same fencing token. Here the leader never hears of the change (as when another tab's event is lost):
// it runs the job it holds, and its stale outcome must leave the store as the change left it.
test.each(['cancelled', 'cancelled, then retried with queue.retry()'] as const)('a job the leader holds in memory, %s behind its back, keeps what the store says when its stale run ends', async (how) => {
  const { queue, started, running, waiting } = await oneRunsOneWaits(300)
  const db = await openDB(`errand:${queue.name}`)
  try {
    expect(await claimedIds(queue)).toEqual([waiting.id])
    await db.put('jobs', { ...(await db.get('jobs', waiting.id)), state: 'cancelled', finishedAt: Date.now() })
  } finally {
    db.close()
  }
  if (how === 'cancelled') {
    await running.result()
    await expect.poll(() => started.length).toBe(2) // the stale run: the leader was told nothing
    await queue.onIdle()
    expect(await waiting.get()).toMatchObject({ state: 'cancelled', attempt: 0 })
  } else {
    // The real retry() moves the fencing token on: the stale run's outcome is refused, and the job runs again.
    expect(await queue.retry(waiting.id)).toBe(true)
    await expect(waiting.result()).resolves.toEqual({ slept: 1, attempt: 1 })
    expect(started.filter((s) => s.id === waiting.id)).toHaveLength(2)
  }
})

test('a claim another scheduler voided is dropped by the next turn, never started here, and left to that scheduler until its row expires', async () => {
  const { queue, started, running, waiting } = await oneRunsOneWaits(400)
  // What a leader that took us for gone does: deletes our row and claims the job in its own.
  const db = await openDB(`errand:${queue.name}`)
  const expiresAt = Date.now() + 1500
  try {
    const [ours] = await db.getAll('claims')
    await db.delete('claims', ours.holder)
    await db.put('claims', { holder: 'other-leader', expiresAt, jobs: [[waiting.id, 1]] }, 'other-leader')
  } finally {
    db.close()
  }
  // A turn while `waiting` still waits in memory: it must drop the claim, not write it back.
  const later = await queue.add('sleep', { ms: 1 })
  await running.result()
  await later.result()
  expect(started.map((s) => s.id)).toEqual([running.id, later.id])
  expect(await waiting.get()).toMatchObject({ state: 'queued', attempt: 0 })
  // Once that row expires, the job is ours to take: the leader wakes up for it.
  await expect(waiting.result()).resolves.toEqual({ slept: 1, attempt: 1 })
  expect(started.find((s) => s.id === waiting.id)!.at).toBeGreaterThanOrEqual(expiresAt)
})

test('onEmpty() resolves once the leader has taken every job, also those waiting in its memory for a worker', async () => {
  const queue = testQueue() // concurrency 1
  const firstStarted = new Promise<void>((resolve) => queue.on('started', () => resolve()))
  const first = await queue.add('sleep', { ms: 400 })
  await queue.add('sleep', { ms: 400 })
  await firstStarted
  let emptied = false
  void queue.onEmpty().then(() => (emptied = true))
  await first.result()
  expect(emptied).toBe(true)
  expect(await queue.counts()).toMatchObject({ queued: 0 })
})

// Guards against a past defect: when a new leader finds a job an old leader had claimed but never started, it
// releases it (no attempt used), yet announces it as `retrying` with a made-up error.
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

/** Counts the scheduler's turns (readwrite transactions over `logs`, which only a turn takes) while `work` runs. */
const countTurns = (work: () => Promise<void>): Promise<number> => countTransactions(work, (stores, mode) => mode === 'readwrite' && stores.includes('logs'))

test('a job that ends at once has its start and outcome written by one turn (two turns from add() to result()); a long one has its start written while it runs', async () => {
  const queue = testQueue()
  await (await queue.add('noop', undefined)).result() // the leader and its worker are up
  await queue.onIdle()
  // Without the wait for a turn that happens anyway, every job takes three: claim, start mark, outcome.
  const perJob: number[] = []
  for (let i = 0; i < 20; i++) {
    perJob.push(await countTurns(async () => void (await (await queue.add('noop', undefined)).result())))
  }
  expect(Math.max(...perJob)).toBeLessThanOrEqual(3)
  // A no-op ends well within the 5 ms a start mark waits, but a loaded machine may delay some: one of 20 suffices.
  expect(perJob.filter((turns) => turns === 2).length).toBeGreaterThan(0)

  // Long enough that a loaded machine still sees it running: its start is written while it runs, not with its outcome.
  const long = await queue.add('busyLoop', { ms: 3000 })
  await expect.poll(async () => (await queue.get(long.id))?.startedAt, { timeout: 2500, interval: 20 }).toBeTypeOf('number')
  expect((await queue.get(long.id))?.state).toBe('running')
  await expect(long.result()).resolves.toBe('finished')
})
