// Outcomes reach pages that were not open when they happened: a finished job stays
// "unseen" until some page delivers it to a queue.on() listener (see README, "Callbacks
// after the fact").
import { openDB } from 'idb'
import { expect, test } from 'vitest'
import type { Job } from '../../src/index.js'
import { takeUnseen } from '../../src/store/jobs.js'
import { openDatabase } from '../../src/store/schema.js'
import { createTestQueue, drain } from '../../src/testing.js'
import type { Jobs } from './fixtures/jobs.worker.js'
import { fixtureWorker, within } from './helpers.js'

const open = (name: string, worker = true) => createTestQueue<Jobs>({ name, concurrency: 1, ...(worker ? { worker: fixtureWorker } : {}) })
const settle = () => new Promise((resolve) => setTimeout(resolve, 150))

/** On a page with no outcome listener: one job completes (1 + 2) and one fails; then the page closes. */
async function completeOneFailOne(name: string) {
  const runner = open(name)
  const ok = await runner.add('add', { a: 1, b: 2 })
  const bad = await runner.add('unrecoverable', undefined)
  await ok.result()
  await bad.result().catch(() => {})
  await runner.close()
  return { ok, bad }
}

test('an outcome no listener saw is replayed once to the next page that listens, and never again', async () => {
  const name = `unseen-${crypto.randomUUID()}`
  const { ok, bad } = await completeOneFailOne(name)

  const later = open(name, false)
  const completed: Job[] = []
  const failed: Job[] = []
  later.on('completed', ({ job }) => completed.push(job))
  later.on('failed', ({ job }) => failed.push(job))
  await expect.poll(() => completed.length + failed.length).toBe(2)
  expect(completed.map((j) => [j.id, j.result])).toEqual([[ok.id, 3]])
  expect(failed.map((j) => [j.id, j.state])).toEqual([[bad.id, 'failed']])
  await later.close()
  expect(await unseenIds(name)).toEqual([]) // acknowledged, so a next page has nothing to replay

  const again = open(name, false)
  const replayed: string[] = []
  again.on('completed', ({ job }) => replayed.push(job.id))
  again.on('failed', ({ job }) => replayed.push(job.id))
  await settle()
  expect(replayed).toEqual([])
})

test('the replay that follows a change of leader takes only the outcomes since the bound it is given', async () => {
  // An older unseen outcome (its acknowledgement failed) may have reached a page's listeners live long ago.
  const name = `since-${crypto.randomUUID()}`
  const { ok, bad } = await completeOneFailOne(name)
  const db = await openDatabase(name, { onVersionChange: () => {}, onTerminated: () => {} })
  const states = new Set(['completed', 'failed'])
  expect(await takeUnseen(db, states, Date.now() + 60_000)).toEqual([])
  expect((await takeUnseen(db, states, Date.now() - 60_000)).map((r) => r.id).sort()).toEqual([ok.id, bad.id].sort())
  db.close()
})

/** On a page with a `completed` listener: one job completes, and the listener has it. */
async function completeOneLive(prefix: string) {
  const name = `${prefix}-${crypto.randomUUID()}`
  const runner = open(name)
  const live: string[] = []
  runner.on('completed', ({ job }) => live.push(job.id))
  const job = await runner.add('add', { a: 2, b: 2 })
  await job.result()
  await expect.poll(() => live).toEqual([job.id])
  return { name, runner, live, job }
}

test('a listener added while an outcome is being acknowledged does not get that outcome again', async () => {
  const { runner, live, job } = await completeOneLive('twice')
  // At once, before the delivery above is acknowledged in the store: this listener asks for a replay.
  runner.on('failed', () => {})
  await settle()
  expect(live).toEqual([job.id])
  await runner.close()
})

test('a replay reads no job of the states nobody listens to (20,000 cleared jobs must not slow every page load)', async () => {
  const name = `unseen-states-${crypto.randomUUID()}`
  const first = open(name, false)
  await first.addAll(Array.from({ length: 50 }, () => ({ name: 'noop' as const, payload: undefined })))
  expect(await first.clear()).toBe(50) // 50 cancelled outcomes, unseen
  await first.close()

  const { get, getAll } = IDBObjectStore.prototype
  let jobReads = 0
  IDBObjectStore.prototype.get = function (this: IDBObjectStore, ...args: Parameters<typeof get>) {
    if (this.name === 'jobs') jobReads++
    return get.apply(this, args)
  }
  IDBObjectStore.prototype.getAll = function (this: IDBObjectStore, ...args: Parameters<typeof getAll>) {
    if (this.name === 'jobs') jobReads++
    return getAll.apply(this, args)
  }
  try {
    const later = open(name, false)
    later.on('completed', () => {})
    await settle()
    expect(jobReads).toBe(0)
    const cancelled: string[] = []
    later.on('cancelled', ({ job }) => cancelled.push(job.id))
    await expect.poll(() => cancelled.length).toBe(50)
    expect(jobReads).toBeGreaterThan(0)
  } finally {
    IDBObjectStore.prototype.get = get
    IDBObjectStore.prototype.getAll = getAll
  }
})

test('an outcome delivered to a listener when it happened is not replayed later', async () => {
  const { name, runner } = await completeOneLive('seen')
  await runner.close()
  expect(await unseenIds(name)).toEqual([]) // acknowledged, so a next page has nothing to replay

  const later = open(name, false)
  const replayed: string[] = []
  later.on('completed', ({ job: j }) => replayed.push(j.id))
  await settle()
  expect(replayed).toEqual([])
})

test('only the kinds of outcome a page listens to are taken: the rest wait for a page that listens to them', async () => {
  const name = `kinds-${crypto.randomUUID()}`
  const { ok, bad } = await completeOneFailOne(name)

  const onlyCompleted = open(name, false)
  const seen: string[] = []
  onlyCompleted.on('completed', ({ job }) => seen.push(job.id))
  await expect.poll(() => seen).toEqual([ok.id])
  await onlyCompleted.close()

  const onlyFailed = open(name, false)
  const failures: string[] = []
  onlyFailed.on('failed', ({ job }) => failures.push(job.id))
  await expect.poll(() => failures).toEqual([bad.id])
})

test('an outcome delivered just before close() is acknowledged by the close, not replayed later', async () => {
  const name = `close-ack-${crypto.randomUUID()}`
  const runner = open(name)
  const live: string[] = []
  let closed: Promise<void> | undefined
  runner.on('completed', ({ job }) => {
    live.push(job.id)
    closed ??= runner.close() // while its acknowledgement waits to be written
  })
  const job = await runner.add('sleep', { ms: 10 })
  await runner.add('sleep', { ms: 300 }) // running when the queue closes: the close takes a while
  await expect.poll(() => live).toEqual([job.id])
  await closed
  expect(await unseenIds(name)).not.toContain(job.id) // its acknowledgement was written by the close

  const later = open(name, false)
  const replayed: string[] = []
  later.on('completed', ({ job: j }) => replayed.push(j.id))
  await settle()
  expect(replayed).toEqual([])
})

test('a listener added long after the page opened still gets the unseen outcomes', async () => {
  const name = `late-${crypto.randomUUID()}`
  const runner = open(name)
  const job = await runner.add('add', { a: 5, b: 5 })
  await job.result()
  await settle()
  const seen: unknown[] = []
  runner.on('completed', ({ job: j }) => seen.push(j.result))
  await expect.poll(() => seen).toEqual([10])
})

// Guards against a past defect: onIdle()/onEmpty() (and drain()) subscribe to 'cancelled' as *counted*
// listeners, so a pending onIdle() counts as "a listener saw this outcome": the
// cancellation is marked seen and the page that opens later never gets its callback.

test('a pending onIdle() does not swallow a cancelled outcome meant for a later listener', async () => {
  const name = `ack-idle-${crypto.randomUUID()}`
  const first = createTestQueue<Jobs>({ name }) // no worker: never runs anything
  const job = await first.add('noop', undefined)
  const idle = first.onIdle() // pending: one job is queued
  await settle()
  expect(await first.cancel(job.id)).toBe(true) // nobody here listens to 'cancelled'
  await idle
  await first.close()

  const later = createTestQueue<Jobs>({ name })
  const cancelled: string[] = []
  later.on('cancelled', ({ job: j }) => cancelled.push(j.id))
  await expect.poll(() => cancelled, { timeout: 2000 }).toEqual([job.id])
})

test('drain() does not consume cancelled outcomes meant for the app', async () => {
  const name = `ack-drain-${crypto.randomUUID()}`
  const first = createTestQueue<Jobs>({ name })
  const job = await first.add('noop', undefined)
  await first.cancel(job.id)
  await first.close()

  const later = createTestQueue<Jobs>({ name })
  await drain(later) // a test helper, not a listener of the app
  await settle()
  const cancelled: string[] = []
  later.on('cancelled', ({ job: j }) => cancelled.push(j.id))
  await expect.poll(() => cancelled, { timeout: 2000 }).toEqual([job.id])
})

/** The ids the queue's database still marks unseen, read from IndexedDB itself (one row per write that finished jobs). */
async function unseenIds(name: string): Promise<string[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(`errand:${name}`)
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(open.error)
  })
  const rows = await new Promise<string[][]>((resolve, reject) => {
    const request = db.transaction('unseen').objectStore('unseen').getAll()
    request.onsuccess = () => resolve(request.result as string[][])
    request.onerror = () => reject(request.error)
  })
  db.close()
  return rows.flat().sort()
}

test('a failed job retried and failing again is replayed once, with its last attempt', async () => {
  const name = `retried-${crypto.randomUUID()}`
  const { ok, bad } = await completeOneFailOne(name)
  expect(await unseenIds(name)).toEqual([ok.id, bad.id].sort())

  const runner = open(name)
  await runner.retry(bad.id) // no listener here: the second failure is unseen too
  await expect.poll(async () => (await runner.get(bad.id))?.errors.length).toBe(2)
  await runner.close()
  // The mark of the first failure went with the retry: one mark per job.
  expect(await unseenIds(name)).toEqual([ok.id, bad.id].sort())

  const later = open(name, false)
  const failed: Job[] = []
  later.on('failed', ({ job }) => failed.push(job))
  await expect.poll(() => failed.length).toBe(1)
  await settle()
  expect(failed.map((j) => [j.id, j.errors.length])).toEqual([[bad.id, 2]])
  await expect.poll(() => unseenIds(name)).toEqual([ok.id])
})

test('removing a finished job takes away its unseen mark; 50 outcomes are replayed in the order they happened', async () => {
  const name = `marks-${crypto.randomUUID()}`
  const runner = open(name)
  await runner.pause()
  const handles = await runner.addAll(Array.from({ length: 50 }, (_, i) => ({ name: 'add' as const, payload: { a: i, b: 0 } })))
  await runner.start()
  await Promise.all(handles.map((h) => h.result()))
  const first = handles[0]!
  await runner.remove(first.id)
  await runner.close()
  expect(await unseenIds(name)).toEqual(handles.slice(1).map((h) => h.id).sort())

  const later = open(name, false)
  const results: number[] = []
  later.on('completed', ({ job }) => results.push(job.result as number))
  await expect.poll(() => results.length).toBe(49)
  expect(results).toEqual(Array.from({ length: 49 }, (_, i) => i + 1))
  await expect.poll(() => unseenIds(name)).toEqual([])
})

// A page that knows no other page posts nothing: a job it settles before it hears of this page
// (whose hello is on its way) sends no event here. Meeting that page, this one reads again.

/** Completes job `id` in the store as a page that knows no other would, with no event; then that page says `here`. */
async function completeUnannounced(name: string, id: string, result?: unknown) {
  const db = await openDB(`errand:${name}`)
  const { nextKey: _queuedOnly, ...record } = (await db.get('jobs', id)) as Record<string, unknown>
  await db.put('jobs', { ...record, state: 'completed', attempt: 1, result, finishedAt: Date.now() })
  db.close()
  const other = new BroadcastChannel(`errand:${name}`)
  other.postMessage([{ type: 'here', from: 'a-page-met-late' }])
  other.close()
}


test('a result() waiting when this page meets another page reads the store again', async () => {
  const name = `met-${crypto.randomUUID()}`
  const queue = open(name, false)
  const job = await queue.add('noop', undefined)
  const result = job.result()
  await settle() // read once: still queued
  await completeUnannounced(name, job.id, 42)
  expect(await within(result, 2000)).toBe(42)
})

test('an onIdle() waiting when this page meets another page counts again', async () => {
  const name = `met-idle-${crypto.randomUUID()}`
  const queue = open(name, false)
  const job = await queue.add('noop', undefined)
  const idle = queue.onIdle().then(() => 'idle')
  await settle() // counted once: one job queued
  await completeUnannounced(name, job.id)
  expect(await within(idle, 2000)).toBe('idle')
})
