// Large payloads (256 KiB of ArrayBuffers or more) are kept apart from their job record, in
// store `payloads`, so claims, start marks and outcomes never copy them; `transfer: true`
// hands the app's buffers to errand, and a job this page runs then reaches its worker
// without a read of the store. See README, "Large payloads".
import { openDB } from 'idb'
import { expect, test } from 'vitest'
import { isErrandError, type Job } from '../../src/index.js'
import { byteSum } from './fixtures/jobs.worker.js'
import { testQueue } from './helpers.js'

const KiB = 1024

/** A buffer of `bytes` bytes whose sum depends on `seed`. */
const pattern = (bytes: number, seed: number): ArrayBuffer => Uint8Array.from({ length: bytes }, (_, i) => (i * seed) % 251).buffer

/** What the store holds for a job: its record as written, and its row in `payloads`. */
async function stored(queueName: string, id: string) {
  const db = await openDB(`errand:${queueName}`)
  try {
    const [record, payload] = await Promise.all([db.get('jobs', id), db.get('payloads', id)])
    return { record: record as Record<string, unknown> | undefined, payload: payload as { buffer: ArrayBuffer } | undefined }
  } finally {
    db.close()
  }
}

const sumOf = (job: Job | undefined): number | undefined => {
  const buffer = (job?.payload as { buffer?: ArrayBuffer } | undefined)?.buffer
  return buffer ? byteSum(buffer) : undefined
}

test('a payload with 256 KiB of buffers is kept apart from its record: the handler, get(), list() and events still have every byte, and remove() deletes it', async () => {
  const queue = testQueue()
  await queue.pause()
  const buffer = pattern(512 * KiB, 7)
  const expected = byteSum(buffer)
  const big = await queue.add('digest', { buffer })
  const seen: Record<string, number | undefined> = {}
  queue.on('started', ({ job }) => job.id === big.id && (seen.started = sumOf(job)))
  queue.on('completed', ({ job }) => job.id === big.id && (seen.completed = sumOf(job)))
  const small = await queue.add('digest', { buffer: pattern(4 * KiB, 3) })

  const apart = await stored(queue.name, big.id)
  expect(apart.record).not.toHaveProperty('payload')
  expect(apart.record?.payloadApart).toBe(true)
  expect(apart.payload?.buffer.byteLength).toBe(512 * KiB)
  const inline = await stored(queue.name, small.id)
  expect((inline.record?.payload as { buffer: ArrayBuffer }).buffer.byteLength).toBe(4 * KiB)
  expect(inline.payload).toBeUndefined()

  await queue.start()
  await expect(big.result()).resolves.toEqual({ length: 512 * KiB, sum: expected, attempt: 1 })
  await small.result()
  // The outcome and start mark rewrote the record, still without the payload.
  expect((await stored(queue.name, big.id)).record).not.toHaveProperty('payload')
  await expect.poll(() => seen).toEqual({ started: expected, completed: expected })
  expect(sumOf(await queue.get(big.id))).toBe(expected)
  expect(sumOf(await big.get())).toBe(expected)
  const listed = await queue.list({ name: 'digest' })
  expect(listed.map(sumOf)).toEqual([expected, byteSum(pattern(4 * KiB, 3))])
  // A listing that shows no payloads (the dashboard's) leaves the one kept apart unread; the inline one comes as it is.
  const light = await queue.list({ name: 'digest', largePayloads: false })
  expect(light.map((job) => (job.payload as { buffer: ArrayBuffer } | undefined)?.buffer.byteLength)).toEqual([undefined, 4 * KiB])

  await queue.remove(big.id)
  expect(await stored(queue.name, big.id)).toEqual({ record: undefined, payload: undefined })
})

test('transfer: true detaches the app’s buffers when add() is called; the first attempt gets them from memory, a retry reads them back from the store', async () => {
  const queue = testQueue()
  await queue.pause()
  const buffer = pattern(1024 * KiB, 11)
  const expected = byteSum(buffer)
  const adding = queue.add('digest', { buffer, succeedOn: 2 }, { transfer: true, backoff: { type: 'fixed', delay: 0 } })
  // Detached at once, as by postMessage(): the app can no longer change what was queued.
  expect(buffer.byteLength).toBe(0)
  const job = await adding
  expect(byteSum((await stored(queue.name, job.id)).payload!.buffer)).toBe(expected)
  // Tells the two copies apart: the store's now holds other bytes. Attempt 1 must not read it; attempt 2 must.
  const replaced = pattern(1024 * KiB, 17)
  const db = await openDB(`errand:${queue.name}`)
  await db.put('payloads', { buffer: replaced, succeedOn: 2 }, job.id)
  db.close()
  await queue.start()
  await expect(job.result()).resolves.toEqual({ length: 1024 * KiB, sum: byteSum(replaced), attempt: 2 })
  expect((await job.get())?.errors.map((e) => e.message)).toEqual([`attempt 1 fails; sum ${expected}`])

  // A small payload is detached too, and stays in its record.
  const small = pattern(2 * KiB, 5)
  const smallJob = await queue.add('digest', { buffer: small }, { transfer: true })
  expect(small.byteLength).toBe(0)
  await expect(smallJob.result()).resolves.toMatchObject({ length: 2 * KiB, sum: byteSum(pattern(2 * KiB, 5)) })
})

test('a transferred payload whose job is cancelled before it runs is never run; the next one runs with its own bytes', async () => {
  const queue = testQueue()
  await queue.pause()
  const cancelled = await queue.add('digest', { buffer: pattern(512 * KiB, 3) }, { transfer: true })
  const kept = pattern(512 * KiB, 13)
  const expected = byteSum(kept)
  const next = await queue.add('digest', { buffer: kept }, { transfer: true })
  await queue.cancel(cancelled.id)
  await queue.start()
  await expect(next.result()).resolves.toMatchObject({ sum: expected })
  expect((await cancelled.get())?.state).toBe('cancelled')
  expect((await cancelled.get())?.attempt).toBe(0)
})

test('addAll() checks every item before it detaches anything; items that share a buffer are handed over together', async () => {
  const queue = testQueue()
  await queue.pause()
  const first = pattern(512 * KiB, 5)
  const refused = queue.addAll([
    { name: 'digest', payload: { buffer: first }, options: { transfer: true } },
    { name: 'digest', payload: { buffer: pattern(KiB, 1) }, options: { priority: 1.5 } },
  ])
  await expect(refused).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  expect(first.byteLength).toBe(512 * KiB)

  const jobs = await queue.addAll([
    { name: 'digest', payload: { buffer: first }, options: { transfer: true } },
    { name: 'digest', payload: { buffer: first }, options: { transfer: true } },
  ])
  expect(first.byteLength).toBe(0)
  await queue.start()
  const expected = byteSum(pattern(512 * KiB, 5))
  expect((await Promise.all(jobs.map((j) => j.result()))).map((r) => (r as { sum: number }).sum)).toEqual([expected, expected])
})

test('an outcome of a job kept apart that no page saw is replayed later with its payload; retention deletes the payload with the job', async () => {
  const name = `apart-replay-${crypto.randomUUID()}`
  const runner = testQueue({ name })
  const buffer = pattern(512 * KiB, 23)
  const expected = byteSum(buffer)
  const job = await runner.add('digest', { buffer })
  await job.result()
  await runner.close()

  const later = testQueue({ name, keep: { completed: { count: 0 } } })
  const replayed: [string, number | undefined][] = []
  later.on('completed', ({ job: j }) => replayed.push([j.id, sumOf(j)]))
  await expect.poll(() => replayed).toEqual([[job.id, expected]])
  // The leader prunes a moment after a job finishes: here the next one, and the first with it.
  await (await later.add('add', { a: 1, b: 1 })).result()
  await expect.poll(async () => stored(name, job.id), { timeout: 5000 }).toEqual({ record: undefined, payload: undefined })
})

test('a job whose payload row was deleted outside errand fails at once (UNRECOVERABLE, one attempt of 3) without running; the next job runs', async () => {
  const queue = testQueue()
  await queue.pause()
  const orphan = await queue.add('digest', { buffer: pattern(512 * KiB, 5) }, { attempts: 3 })
  const next = await queue.add('digest', { buffer: pattern(4 * KiB, 9) })
  const db = await openDB(`errand:${queue.name}`)
  await db.delete('payloads', orphan.id)
  db.close()
  const started: string[] = []
  queue.on('started', ({ job }) => started.push(job.id))
  await queue.start()
  const error = await orphan.result().catch((e: unknown) => e)
  expect(error).toMatchObject({ name: 'JobFailedError', attempts: 1 })
  const record = await queue.get(orphan.id)
  expect(record?.state).toBe('failed')
  expect(record?.errors).toEqual([expect.objectContaining({ code: 'UNRECOVERABLE', message: expect.stringContaining('is gone from the database') })])
  await expect(next.result()).resolves.toMatchObject({ length: 4 * KiB, attempt: 1 })
  expect(started).toEqual([next.id]) // the orphan never reached a worker
})

test('bad `transfer` input is refused with a typed error, and nothing is added or detached', async () => {
  const queue = testQueue()
  await queue.pause()
  const buffer = pattern(512 * KiB, 2)
  const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => (isErrandError(error) ? error.code : String(error)))

  expect(await codeOf(queue.add('digest', { buffer }, { transfer: 'yes' as never }))).toBe('INVALID_OPTION')
  // Something structuredClone() refuses: refused before any buffer moved.
  const unclonable = { buffer, callback: () => {} } as never
  expect(await codeOf(queue.add('digest', unclonable, { transfer: true }))).toBe('DATA_CLONE')
  expect(buffer.byteLength).toBe(512 * KiB)
  expect(await codeOf(queue.request('/nowhere', { method: 'POST' }, { transfer: true } as never))).toBe('INVALID_OPTION')
  expect(() => testQueue({ defaults: { transfer: true } as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  expect(await queue.counts()).toMatchObject({ queued: 0, delayed: 0, running: 0 })
})

test('other tabs get events of a job kept apart without its payload on the wire; a page reads it only for listeners that read payloads, in order', async () => {
  const queue = testQueue()
  const otherTab = new BroadcastChannel(`errand:${queue.name}`)
  const wire: { type: string; apart?: boolean; job?: { id: string; payload?: unknown } }[] = []
  otherTab.onmessage = (event: MessageEvent<typeof wire>) => wire.push(...event.data)
  try {
    otherTab.postMessage([{ type: 'hello', from: 'other-tab' }])
    await new Promise((resolve) => setTimeout(resolve, 50))
    const heard: [string, number | undefined][] = []
    queue.on('completed', ({ job: j }) => heard.push([j.id, sumOf(j)]))
    const buffer = pattern(512 * KiB, 9)
    const expected = byteSum(buffer)
    const job = await queue.add('digest', { buffer })
    const done = await job.result()
    expect(done.sum).toBe(expected)
    await expect.poll(() => wire.filter((m) => m.job?.id === job.id).map((m) => m.type)).toEqual(['added', 'started', 'completed'])
    for (const message of wire.filter((m) => m.job?.id === job.id)) {
      expect(message.apart).toBe(true)
      expect(message.job?.payload).toBeUndefined()
    }

    await expect.poll(() => heard).toEqual([[job.id, expected]])
    heard.length = 0

    // The other tab announces an outcome of that job (as if it ran again: a page gets each outcome once) with a
    // small job's after it: the payload is read here, and the order kept.
    const completed = wire.find((m) => m.job?.id === job.id && m.type === 'completed')!
    const bigOutcome = { ...completed, job: { ...completed.job!, finishedAt: Date.now() + 1 } }
    const small = { ...bigOutcome, job: { ...bigOutcome.job, id: 'small-job', payload: { buffer: new Uint8Array([1, 2]).buffer } }, apart: undefined }
    otherTab.postMessage([{ ...bigOutcome, seen: true }, { ...small, seen: true }])
    await expect.poll(() => heard).toEqual([
      [job.id, expected],
      ['small-job', 3],
    ])
  } finally {
    otherTab.close()
  }
})
