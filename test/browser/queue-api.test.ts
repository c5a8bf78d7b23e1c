import { openDB } from 'idb'
import { expect, test } from 'vitest'
import { deleteQueue, openQueue } from '../../src/index.js'
import { drain } from '../../src/testing.js'
import { fixtureWorker, testQueue, within } from './helpers.js'
import type { Jobs } from './fixtures/jobs.worker.js'

test('list() pages through jobs by state and name, oldest first, through an index', async () => {
  const queue = testQueue()
  await queue.pause()
  const ids: string[] = []
  for (let i = 0; i < 25; i++) ids.push((await queue.add(i % 2 ? 'noop' : 'add', { a: i, b: 0 } as never)).id)
  const page1 = await queue.list({ limit: 10 })
  const page2 = await queue.list({ limit: 10, after: page1.at(-1)!.id })
  const page3 = await queue.list({ limit: 10, after: page2.at(-1)!.id })
  expect([...page1, ...page2, ...page3].map((j) => j.id)).toEqual(ids)
  expect((await queue.list({ reverse: true, limit: 3 })).map((j) => j.id)).toEqual(ids.slice(-3).reverse())
  const adds = await queue.list({ name: 'add' })
  expect(adds.map((j) => j.id)).toEqual(ids.filter((_, i) => i % 2 === 0))
  const queuedNoops = await queue.list({ state: 'queued', name: 'noop', limit: 5 })
  expect(queuedNoops.map((j) => j.id)).toEqual(ids.filter((_, i) => i % 2).slice(0, 5))
  expect(await queue.list({ state: 'completed' })).toEqual([])
  expect(await queue.counts()).toEqual({ queued: 25, delayed: 0, running: 0, completed: 0, failed: 0, cancelled: 0 })
})

test('job(id) re-attaches a handle whose result() resolves, also after completion', async () => {
  const queue = testQueue()
  const job = await queue.add('add', { a: 40, b: 2 })
  await drain(queue)
  const again = await queue.job(job.id)
  expect(again?.name).toBe('add')
  await expect(again!.result()).resolves.toBe(42)
  expect(await queue.job('missing')).toBeUndefined()
})

test('drain() refuses options it does not know, and rejects with QUEUE_CLOSED when the queue closes before it drained', async () => {
  const queue = testQueue()
  await queue.pause()
  await queue.add('noop', undefined)
  await expect(drain(queue, { timout: 60_000 } as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('timout') })
  await expect(drain(queue, null as never)).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  const draining = drain(queue, { timeout: 30_000 })
  await queue.close()
  // Not after its 30 s timeout: nothing more can happen to a closed queue.
  const outcome = await within(draining.catch((error: unknown) => error), 5000)
  expect(outcome).toMatchObject({ code: 'QUEUE_CLOSED', message: expect.stringContaining('closed (closed) before it drained') })
})

test('queue events fire in lifecycle order for each job', async () => {
  const queue = testQueue()
  const seen: string[] = []
  for (const type of ['added', 'started', 'completed'] as const) queue.on(type, ({ job }) => seen.push(`${type}:${job.name}`))
  const stop = queue.on('idle', () => seen.push('idle'))
  await (await queue.add('add', { a: 1, b: 1 })).result()
  await queue.onIdle()
  stop()
  expect(seen.slice(0, 3)).toEqual(['added:add', 'started:add', 'completed:add'])
})

test('the completed event carries the typed result', async () => {
  const queue = testQueue()
  const results: unknown[] = []
  queue.on('completed', ({ job }) => {
    if (job.name === 'add') results.push(job.result)
  })
  await (await queue.add('add', { a: 5, b: 6 })).result()
  expect(results).toEqual([11])
})

test('pause() stops starting jobs until start(); onEmpty() and onIdle() resolve when the work is done', async () => {
  const queue = testQueue()
  await queue.pause()
  const job = await queue.add('add', { a: 1, b: 2 })
  await new Promise((resolve) => setTimeout(resolve, 200))
  expect((await job.get())?.state).toBe('queued')
  await queue.start()
  await queue.onEmpty()
  await queue.onIdle()
  expect((await job.get())?.state).toBe('completed')
})

test('opening the same queue twice in a page returns the same queue when the options agree, and fails otherwise', async () => {
  const name = `twice-${crypto.randomUUID()}`
  const a = openQueue(name, { worker: fixtureWorker, concurrency: 1 })
  const b = openQueue(name, { worker: fixtureWorker, concurrency: 1 })
  expect(b).toBe(a)
  expect(() => openQueue(name, { worker: fixtureWorker, concurrency: 2 })).toThrow(expect.objectContaining({ code: 'QUEUE_CONFLICT' }) as Error)
  // A function agrees when it is the same or has the same source text; option objects in any key order.
  const conflict = expect.objectContaining({ code: 'QUEUE_CONFLICT' }) as Error
  expect(() => openQueue(name, { worker: fixtureWorker, concurrency: 1, network: { beforeSend: (request) => request } })).toThrow(conflict)
  const keep = openQueue(`${name}-keep`, { keep: { completed: { count: 1 }, failed: { age: 60_000, count: 5 } } })
  expect(openQueue(`${name}-keep`, { keep: { failed: { count: 5, age: 60_000 }, completed: { count: 1 } } })).toBe(keep)
  expect(() => openQueue(`${name}-keep`, { keep: { failed: { count: 5 }, completed: { count: 1 } } })).toThrow(conflict)
  const token = (request: Request) => request
  const sending = openQueue(`${name}-send`, { network: { beforeSend: token } })
  expect(openQueue(`${name}-send`, { network: { beforeSend: token } })).toBe(sending)
  expect(() => openQueue(`${name}-send`, { network: { beforeSend: () => undefined } })).toThrow(conflict)
  expect(() => openQueue(`${name}-send`)).toThrow(conflict)
  await Promise.all([deleteQueue(`${name}-keep`), deleteQueue(`${name}-send`)])
  await deleteQueue(name)
  expect(a.closed).toBe(true)
  // Once closed, the name can be opened again.
  const c = openQueue(name, { worker: fixtureWorker, concurrency: 2 })
  expect(c).not.toBe(a)
  await deleteQueue(name)
})

test('a queue without a worker adds jobs that a queue with one runs', async () => {
  const name = `split-${crypto.randomUUID()}`
  const adder = openQueue<import('./fixtures/jobs.worker.js').Jobs>(name)
  const job = await adder.add('add', { a: 2, b: 2 })
  await new Promise((resolve) => setTimeout(resolve, 100))
  expect((await job.get())?.state).toBe('queued')
  await adder.close()
  const runner = openQueue<import('./fixtures/jobs.worker.js').Jobs>(name, { worker: fixtureWorker })
  await expect((await runner.job(job.id))!.result()).resolves.toBe(4)
  await deleteQueue(name)
})

test('ArrayBuffer payloads and results move to and from the worker', async () => {
  const queue = testQueue()
  const buffer = new Uint8Array(1024 * 1024).fill(7).buffer
  const job = await queue.add('bytes', { buffer })
  const result = await job.result()
  expect(result.length).toBe(1024 * 1024)
  const view = new Uint8Array(result.buffer)
  expect(view[0]).toBe(42)
  expect(view[1]).toBe(7)
  // The payload the page passed is untouched (the store kept its own copy).
  expect(buffer.byteLength).toBe(1024 * 1024)
})

// Guards against a past defect: the pool transfers a payload's ArrayBuffers to the worker before the bus posts
// the `started` event that carries the same payload; postMessage() then throws
// DataCloneError and the whole batch is silently dropped for the other tabs.
test('other tabs hear `started` for every job, also with ArrayBuffer payloads', async () => {
  const queue = testQueue()
  const otherTab = new BroadcastChannel(`errand:${queue.name}`)
  const started: string[] = []
  otherTab.onmessage = (event: MessageEvent<{ type: string; job?: { id: string } }[]>) => {
    for (const message of event.data) if (message.type === 'started') started.push(message.job!.id)
  }
  try {
    // Another page's queue says hello when it opens; the queue then posts its events.
    otherTab.postMessage([{ type: 'hello', from: 'other-tab' }])
    await new Promise((resolve) => setTimeout(resolve, 50))
    const jobs = await queue.addAll(Array.from({ length: 3 }, () => ({ name: 'bytes' as const, payload: { buffer: new Uint8Array(16).buffer } })))
    for (const job of jobs) await job.result()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(started).toEqual(jobs.map((j) => j.id))
  } finally {
    otherTab.close()
  }
})

test('a leader asleep runs a job another page added unheard once that page meets it and nudges (what a page that added alone posts when it meets another)', async () => {
  const leader = testQueue()
  await leader.onIdle()
  // A job written to the leader's store with nobody told: added in another queue (no worker), copied over as stored.
  const elsewhere = openQueue<Jobs>(`${leader.name}-elsewhere`)
  const { id } = await elsewhere.add('add', { a: 20, b: 22 })
  const source = await openDB(`errand:${elsewhere.name}`)
  const target = await openDB(`errand:${leader.name}`)
  const otherTab = new BroadcastChannel(`errand:${leader.name}`)
  try {
    await target.put('jobs', await source.get('jobs', id))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await leader.get(id))?.state, 'the leader sleeps: it was told nothing').toBe('queued')
    otherTab.postMessage([{ type: 'here', from: 'other-tab' }, { type: 'nudge', event: 'added', job: { id, state: 'queued', priority: 0, kind: 'cpu' } }])
    await expect.poll(async () => (await leader.get(id))?.state, { timeout: 5_000 }).toBe('completed')
    expect(await (await leader.job(id))!.result()).toBe(42)
  } finally {
    otherTab.close()
    source.close()
    target.close()
    await elsewhere.close()
    await deleteQueue(elsewhere.name)
  }
})

test('a page that knows no other page posts nothing while it adds; the first page it meets hears, with its `here`, of the best job it added alone of each kind and state (that page may lead and be asleep); a cancel goes out at once as a nudge', async () => {
  const queue = testQueue()
  const otherTab = new BroadcastChannel(`errand:${queue.name}`)
  const heard: string[] = []
  otherTab.onmessage = (event: MessageEvent<{ type: string; event?: string; job?: { priority: number; state: string } }[]>) =>
    void heard.push(...event.data.map((m) => (m.type === 'nudge' ? `nudge ${m.event} ${m.job!.state} ${m.job!.priority} ${JSON.stringify(Object.keys(m.job!).sort())}` : m.type)))
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100))
  try {
    await queue.pause()
    await settle()
    heard.length = 0 // `paused` is posted even when alone: a page on its way may lead
    await queue.add('add', { a: 1, b: 1 }, { priority: 5 })
    await queue.add('add', { a: 1, b: 2 }, { priority: 2 })
    await queue.add('add', { a: 1, b: 3 }, { priority: 7 })
    await queue.add('add', { a: 1, b: 4 }, { delay: 60_000 })
    await settle()
    expect(heard).toEqual([])
    otherTab.postMessage([{ type: 'hello', from: 'other-tab' }])
    await settle()
    // The job's id, state, priority and kind; not its payload. The best queued one, and the delayed one.
    expect(heard).toEqual(['here', 'nudge added queued 2 ["id","kind","priority","state"]', 'nudge added delayed 0 ["id","kind","priority","state"]'])
    heard.length = 0
    await queue.start()
    await (await queue.add('add', { a: 2, b: 2 })).result()
    await settle()
    expect(heard).toEqual(expect.arrayContaining(['added', 'started', 'completed']))
    heard.length = 0
    otherTab.postMessage([{ type: 'bye', from: 'other-tab' }])
    await settle()
    await (await queue.add('add', { a: 3, b: 3 })).result()
    const delayed = await queue.add('add', { a: 3, b: 4 }, { delay: 60_000 })
    await delayed.cancel()
    await settle()
    expect(heard).toEqual(['nudge cancelled cancelled 0 ["id","kind","priority","state"]'])
    heard.length = 0
    // Met again: only what was added since the last meeting, once.
    otherTab.postMessage([{ type: 'here', from: 'other-tab-2' }])
    await settle()
    expect(heard).toEqual(['nudge added queued 0 ["id","kind","priority","state"]', 'nudge added delayed 0 ["id","kind","priority","state"]'])
  } finally {
    otherTab.close()
  }
})
