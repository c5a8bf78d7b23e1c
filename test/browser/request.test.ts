// queue.request() in the page (no service worker here, so mode 'page'): what is stored, what
// bad input gets, and one real round trip to the test server that serves this page.
import { openDB } from 'idb'
import { describe, expect, test } from 'vitest'
import { ErrandError, type JobFailedError } from '../../src/index.js'
import { buildRecord } from '../../src/client/records.js'
import { resolveDefaults } from '../../src/core/options.js'
import { addJobs } from '../../src/store/jobs.js'
import { deleteDatabase, openDatabase } from '../../src/store/schema.js'
import { sendTurn } from '../../src/store/send-turn.js'
import { drain } from '../../src/testing.js'
import { testQueue, within } from './helpers.js'

type Queue = ReturnType<typeof testQueue>

/** Every value of a store of the queue's database, read with IndexedDB itself. */
async function rawStore(queue: Queue, store: 'jobs' | 'bodies'): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(`errand:${queue.name}`)
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(open.error)
  })
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction(store).objectStore(store).getAll()
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
  } finally {
    db.close()
  }
}

describe('request() rejects bad input with INVALID_OPTION and writes nothing', () => {
  const cases: [string, (queue: Queue) => Promise<unknown>, RegExp][] = [
    ['a number as input', (q) => q.request(42 as never), /Expected `input` to be a URL \(string or URL\) or a Request, got `42` \(number\)/],
    ['a non-http URL', (q) => q.request('ftp://example.test/file'), /an http: or https: URL/],
    ['a malformed URL', (q) => q.request('http://[::1'), /Could not build the request/],
    ['a GET with a body', (q) => q.request('/x', { method: 'GET', body: 'text' }), /Could not build the request/],
    ['a JSON body with a BigInt', (q) => q.request('/x', { method: 'POST', body: { n: 1n } as never }), /Could not build the request: .*BigInt/],
    ['a JSON body with a bad header name', (q) => q.request('/x', { method: 'POST', headers: { 'bad name': 'x' }, body: { n: 1 } as never }), /Could not build the request/],
    ['an unknown responseType', (q) => q.request('/x', undefined, { responseType: 'xml' as never }), /Expected `responseType` to be one of "json", "text", "blob", "arrayBuffer", "none"/],
    ['statuses out of range in retryOn', (q) => q.request('/x', undefined, { retryOn: [42] }), /Expected `retryOn` to be an array of HTTP statuses/],
    ['idempotencyKey: true', (q) => q.request('/x', undefined, { idempotencyKey: true as never }), /Expected `idempotencyKey` to be `false`/],
    ['an unknown option', (q) => q.request('/x', undefined, { retries: 3 } as never), /Unknown option `retries`/],
    ['a bad job option', (q) => q.request('/x', undefined, { attempts: 0 }), /Expected `attempts` to be an integer ≥ 1/],
  ]
  for (const [what, call, message] of cases) {
    test(what, async () => {
      const queue = testQueue()
      const error = await call(queue).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ErrandError)
      expect((error as ErrandError).code).toBe('INVALID_OPTION')
      expect((error as ErrandError).message).toMatch(message)
      expect(await rawStore(queue, 'jobs')).toEqual([])
      expect(await rawStore(queue, 'bodies')).toEqual([])
    })
  }

  test('a body already read', async () => {
    const queue = testQueue()
    const used = new Request(location.origin, { method: 'POST', body: 'once' })
    await used.text()
    await expect(queue.request(used)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/^Could not (build|read) the request/) })
    expect(await rawStore(queue, 'jobs')).toEqual([])
  })
})

describe('what request() stores', () => {
  test('a 9 MiB body in 4 MiB chunks beside a light record, deleted with the job', async () => {
    const queue = testQueue()
    await queue.pause() // pause() holds network jobs too: it stays queued
    const bytes = new Uint8Array(9 * 1024 * 1024).map((_, i) => i % 251)
    const job = await queue.request('/upload', { method: 'PUT', body: new Blob([bytes]) })
    const [record] = (await rawStore(queue, 'jobs')) as { payload: Record<string, unknown>; kind: string; name: string }[]
    expect(record).toMatchObject({ kind: 'network', name: 'request', state: 'queued', attempt: 0, payload: { method: 'PUT', url: `${location.origin}/upload`, bodySize: bytes.length, idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/) } })
    const chunks = (await rawStore(queue, 'bodies')) as ArrayBuffer[]
    expect(chunks.map((c) => c.byteLength)).toEqual([4 * 1024 * 1024, 4 * 1024 * 1024, 1024 * 1024])
    const joined = new Uint8Array(await new Blob(chunks).arrayBuffer())
    expect(joined.every((b, i) => b === i % 251)).toBe(true)
    expect(await queue.remove(job.id)).toBe(true)
    expect(await rawStore(queue, 'bodies')).toEqual([])
  })

  test('plain data is sent as JSON; Authorization and Cookie are never stored; idempotencyKey: false stores no key', async () => {
    const queue = testQueue()
    await queue.pause()
    await queue.request('/notes', { method: 'POST', body: { text: 'hi' }, headers: { Authorization: 'Bearer secret', 'X-Trace': 't1' } }, { idempotencyKey: false })
    const [record] = (await rawStore(queue, 'jobs')) as { payload: { headers: [string, string][]; idempotencyKey?: string } }[]
    expect(Object.fromEntries(record!.payload.headers)).toEqual({ 'content-type': 'application/json', 'x-trace': 't1' })
    expect(record!.payload).not.toHaveProperty('idempotencyKey')
    const [body] = (await rawStore(queue, 'bodies')) as ArrayBuffer[]
    expect(new TextDecoder().decode(body)).toBe('{"text":"hi"}')
  })

  test("the app's own Idempotency-Key is the job's key", async () => {
    const queue = testQueue()
    await queue.pause()
    await queue.request('/notes', { method: 'POST', body: 'x', headers: { 'Idempotency-Key': 'order-42' } })
    const [record] = (await rawStore(queue, 'jobs')) as { payload: { idempotencyKey?: string } }[]
    expect(record!.payload.idempotencyKey).toBe('order-42')
  })
})

test('without a service worker the page sends the request itself and result() is the response', async () => {
  const queue = testQueue()
  expect(queue.mode).toBe('page')
  const job = await queue.request(location.href, undefined, { responseType: 'text' })
  const response = await job.result()
  expect(response).toMatchObject({ status: 200, headers: { 'content-type': expect.stringContaining('text/html') } })
  expect(typeof response.body).toBe('string')
  expect(await queue.capabilities()).toMatchObject({ mode: 'page', controlled: false, webLocks: true, serviceWorker: true })
  expect(await queue.get(job.id)).toMatchObject({ state: 'completed', kind: 'network', attempt: 1 })
})

test('network.serviceWorker: false opens the queue in page mode, which sends the request itself', async () => {
  // Also what a page without navigator.serviceWorker gets (a private window, an http: origin): the
  // page reads the database at once to see what is due, which threw a ReferenceError at openQueue().
  const queue = testQueue({ network: { serviceWorker: false } })
  expect(queue.mode).toBe('page')
  const job = await queue.request(location.href, undefined, { responseType: 'text' })
  expect(await within(job.result(), 10_000)).toMatchObject({ status: 200 })
})

test('drain() waits for requests too: it resolves once the page has sent them', async () => {
  const queue = testQueue()
  const jobs = await Promise.all([queue.request(location.href), queue.request(location.href)])
  await drain(queue, { timeout: 5000 })
  for (const job of jobs) expect(await job.get()).toMatchObject({ state: 'completed' })
  await expect(drain(queue, { timeout: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('timeout') })
})

test('a 2xx whose body is not the JSON asked for fails the job for good: the server took the request', async () => {
  const queue = testQueue()
  const job = await queue.request(location.href, undefined, { responseType: 'json', attempts: 3 })
  const error = (await job.result().catch((e: unknown) => e)) as JobFailedError
  expect(error.code).toBe('JOB_FAILED')
  expect(error.errors).toHaveLength(1)
  expect(error.errors[0]).toMatchObject({ name: 'SyntaxError', message: expect.stringContaining('JSON') })
})

test('a 2xx with a JSON content-type but a body that is not JSON comes as text when the job did not ask for JSON', async () => {
  const queue = testQueue()
  const job = await queue.request(new URL('./fixtures/not-json.json', import.meta.url).href)
  expect(await job.result()).toMatchObject({ status: 200, headers: { 'content-type': expect.stringContaining('json') }, body: expect.stringContaining('not JSON') })
})

test('a beforeSend that returns null leaves the request as it is', async () => {
  const queue = testQueue({ network: { beforeSend: (() => null) as never } })
  const job = await queue.request(location.href, undefined, { responseType: 'text' })
  expect(await job.result()).toMatchObject({ status: 200 })
})

test.each([
  ['returns something else than a Request', () => 'https://example.test/', /must return a Request or nothing/],
  ['reads the body', async (request: Request) => void (await request.text()), /not read the body/],
] as const)('a beforeSend that %s fails the job at once with INVALID_OPTION', async (_what, beforeSend, message) => {
  const queue = testQueue({ network: { beforeSend: beforeSend as never } })
  const job = await queue.request(location.href, { method: 'POST', body: 'x' }, { attempts: 3 })
  const error = (await job.result().catch((e: unknown) => e)) as JobFailedError
  expect(error.errors).toHaveLength(1)
  expect(error.errors[0]).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(message) })
})

test('a page waits on for the send lock while its holder is at work (a long upload), sending nothing beside it', async () => {
  const queue = testQueue({ lease: 600 }) // waits for the lock 600 ms at a time
  // Another tab's sender holds the lock and sends a job, renewing its lease as a live sender does.
  let release!: () => void
  await new Promise<void>((locked) => void navigator.locks.request(`errand:${queue.name}:send`, () => (locked(), new Promise<void>((resolve) => (release = resolve)))))
  const theirs = await queue.request(location.href)
  const db = await openDB(`errand:${queue.name}`)
  const renew = async () => {
    const { nextKey: _queuedOnly, ...record } = (await db.get('jobs', theirs.id)) as Record<string, unknown>
    await db.put('jobs', { ...record, state: 'running', owner: 'another-tab', attempt: 1, leaseExpiresAt: Date.now() + 600 })
  }
  await renew()
  const renewing = setInterval(() => void renew(), 200)
  try {
    const ours = await queue.request(location.href)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect((await ours.get())?.state).toBe('queued')
    clearInterval(renewing)
    release()
    await expect(ours.result()).resolves.toMatchObject({ status: 200 })
  } finally {
    clearInterval(renewing)
    release()
    db.close()
  }
})

test('a send whose outcome could not be written (a storage hiccup) is recorded by a later turn, not sent again', async () => {
  const queue = testQueue({ lease: 600 })
  const url = `${location.href}?once=${crypto.randomUUID()}`
  const fetched: string[] = []
  const realFetch = window.fetch
  window.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    fetched.push(input instanceof Request ? input.url : String(input))
    return realFetch(input, init)
  }) as typeof fetch
  const put = IDBObjectStore.prototype.put
  let failures = 0
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (failures === 0 && this.name === 'jobs' && (value as { state?: string; kind?: string }).state === 'completed') {
      failures++
      throw new DOMException('simulated write failure', 'UnknownError')
    }
    return put.call(this, value, key)
  } as typeof put
  try {
    const job = await queue.request(url)
    const outcome = await within(job.result(), 5000)
    expect(failures).toBe(1)
    expect(outcome).toMatchObject({ status: 200 })
    await new Promise((resolve) => setTimeout(resolve, 1500)) // past the lease: nothing is sent again
    expect(fetched.filter((u) => u === url)).toHaveLength(1)
    expect(await job.get()).toMatchObject({ state: 'completed', attempt: 1, stalls: 0 })
  } finally {
    IDBObjectStore.prototype.put = put
    window.fetch = realFetch
  }
})

test('pause() holds network jobs too; start() sends them', async () => {
  const queue = testQueue()
  await queue.pause()
  const job = await queue.request(location.href, undefined, { responseType: 'none' })
  await queue.replay() // a pass runs, and claims nothing while paused
  expect(await queue.get(job.id)).toMatchObject({ state: 'queued', attempt: 0 })
  await queue.start()
  expect(await job.result()).toEqual({ status: 200, statusText: 'OK', headers: expect.any(Object), body: null })
})

test('a 4xx fails at once with the response on the error; retry() sends it again', async () => {
  const queue = testQueue()
  const job = await queue.request(`${location.origin}/no-such-file-${Date.now()}.txt`, undefined, { attempts: 5 })
  const error = await job.result().then(
    () => undefined,
    (e: unknown) => e as JobFailedError,
  )
  expect(error?.name).toBe('JobFailedError')
  expect(error?.errors).toHaveLength(1)
  expect(error?.errors[0]).toMatchObject({ name: 'HttpStatusError', code: 'HTTP_STATUS', response: { status: 404 } })
  expect(await queue.retry(job.id)).toBe(true)
  await expect.poll(async () => (await queue.get(job.id))?.errors.length).toBe(2)
  expect(await queue.get(job.id)).toMatchObject({ state: 'failed', attempt: 1 })
})

// A job cancelled, then retried while its request is in flight, is queued again under the same id:
// the sender's next turn (another request ended) must not claim and send it beside the first.
test("a send turn claims no job whose earlier request this sender still has in flight", async () => {
  const name = `send-turn-${crypto.randomUUID()}`
  const db = await openDatabase(name, { onVersionChange: () => {}, onTerminated: () => {} })
  try {
    const now = Date.now()
    const request = { url: `${location.origin}/x`, method: 'POST', headers: [], bodySize: 0 }
    const [first, second] = [1, 2].map(() => buildRecord('request', request, undefined, now, { defaults: resolveDefaults(undefined), known: undefined, kind: 'network' }).record)
    await addJobs(db, [first!, second!])
    const input = { owner: 'this-sender', now, leaseMs: 30_000, maxStalls: 3, limit: 2, ahead: 0, aheadBytes: 0, recover: 'expired', outcomes: [], started: [], release: [], probe: false, down: false } as const
    const turn = await sendTurn(db, { ...input, mine: new Set([first!.id]) })
    expect(turn.claimed.map((r) => r.id)).toEqual([second!.id])
  } finally {
    db.close()
    await deleteDatabase(name)
  }
})
