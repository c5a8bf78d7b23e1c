import { describe, expect, test } from 'vitest'
import { deleteQueue, ErrandError, isErrandError, openQueue } from '../../src/index.js'
import { testQueue } from './helpers.js'

type Queue = ReturnType<typeof testQueue>

/** Rejects with `code`, and the store holds exactly what it held before. */
async function expectRejectsWithNothingWritten(queue: Queue, attempt: () => Promise<unknown>, code: string) {
  const before = await queue.counts()
  const error = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'should have rejected').toBeInstanceOf(ErrandError)
  expect(isErrandError(error)).toBe(true)
  expect((error as ErrandError).code).toBe(code)
  expect(await queue.counts()).toEqual(before)
  expect(await queue.list()).toHaveLength(Object.values(before).reduce((a, b) => a + b, 0))
  return error as ErrandError
}

describe('add() rejects a payload that cannot be stored, writing nothing (DATA_CLONE)', () => {
  const cases: [string, () => unknown][] = [
    ['a function', () => ({ run: () => 1 })],
    ['a DOM node', () => ({ el: document.createElement('div') })],
    ['a Symbol', () => ({ s: Symbol('x') })],
    ['a WeakMap', () => ({ w: new WeakMap() })],
  ]
  for (const [what, make] of cases) {
    test(`payload with ${what}`, async () => {
      const queue = testQueue()
      await queue.pause()
      await queue.add('noop', undefined)
      const error = await expectRejectsWithNothingWritten(queue, () => queue.add('echo', make()), 'DATA_CLONE')
      expect(error.message).toContain('structuredClone')
      expect((error.cause as DOMException).name).toBe('DataCloneError')
    })
  }
})

describe('add() refuses a payload that throws while it is read, writing nothing (DATA_CLONE, not a bare error or STORAGE)', () => {
  const throwing = () => ({
    get x(): number {
      throw new Error('getter says no')
    },
  })
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    return proxy
  }
  const cases: [string, () => unknown, RegExp][] = [
    ['a getter that throws', throwing, /getter says no/],
    ['a getter that throws, 6 levels down (past the look for buffers)', () => ({ a: { b: { c: { d: { e: { f: throwing() } } } } } }), /getter says no/],
    ['a revoked Proxy', revoked, /revoked/],
  ]
  for (const [what, make, message] of cases) {
    test(what, async () => {
      const queue = testQueue()
      await queue.pause()
      await queue.add('noop', undefined) // the database is open: the store copies the payload in add()'s task
      const error = await expectRejectsWithNothingWritten(queue, () => queue.add('echo', make()), 'DATA_CLONE')
      // Said by the message, or by its cause (the store's copy, past what add() walks itself).
      expect(`${error.message} ${(error.cause as Error | undefined)?.message}`).toMatch(message)
      await expectRejectsWithNothingWritten(queue, () => queue.addAll([{ name: 'noop', payload: undefined }, { name: 'echo', payload: make() }]), 'DATA_CLONE')
    })
  }
})

test('addAll() refuses an item it cannot store before it moves the buffers of another item added with transfer', async () => {
  const queue = testQueue()
  await queue.pause()
  await queue.add('noop', undefined)
  const buffer = new ArrayBuffer(16)
  await expectRejectsWithNothingWritten(
    queue,
    () => queue.addAll([
      { name: 'echo', payload: { buffer }, options: { transfer: true } },
      { name: 'echo', payload: { f: () => 1 } },
    ]),
    'DATA_CLONE',
  )
  expect(buffer.byteLength, 'the app still has its buffer').toBe(16)
})

describe('add() rejects invalid options with INVALID_OPTION and a message that says what was expected', () => {
  const cases: [string, unknown, string][] = [
    ['negative delay', { delay: -1 }, 'Expected `delay` to be a finite number of ms ≥ 0, got `-1` (number).'],
    ['NaN delay', { delay: Number.NaN }, 'Expected `delay` to be a finite number of ms ≥ 0, got `NaN` (number).'],
    ['zero attempts', { attempts: 0 }, 'Expected `attempts` to be an integer ≥ 1, got `0` (number).'],
    ['fractional priority', { priority: 1.5 }, 'Expected `priority` to be an integer, got `1.5` (number).'],
    ['string timeout', { timeout: '10s' }, 'Expected `timeout` to be a finite number of ms ≥ 0, got `"10s"` (string).'],
    ['unknown option', { retries: 3 }, 'Unknown option `retries`. Known options: priority, delay, attempts, backoff, timeout, key, signal, transfer.'],
    ['bad backoff type', { backoff: { type: 'linear' } }, 'Expected `backoff.type` to be "fixed" or "exponential", got `"linear"` (string).'],
    ['empty key', { key: '' }, 'Expected `key` to be a non-empty string, got `""` (string).'],
  ]
  for (const [what, options, message] of cases) {
    test(what, async () => {
      const queue = testQueue()
      const error = await expectRejectsWithNothingWritten(queue, () => queue.add('noop', undefined, options as never), 'INVALID_OPTION')
      expect(error.message).toBe(message)
    })
  }
})

test('addAll() with one bad item writes none of them', async () => {
  const queue = testQueue()
  await queue.pause()
  await expectRejectsWithNothingWritten(
    queue,
    () => queue.addAll([
      { name: 'noop', payload: undefined },
      { name: 'echo', payload: { f: () => 1 } },
      { name: 'noop', payload: undefined },
    ]),
    'DATA_CLONE',
  )
  await expectRejectsWithNothingWritten(queue, () => queue.addAll([{ name: 'noop', payload: undefined }, { name: 'noop', payload: undefined, options: { attempts: -1 } }]), 'INVALID_OPTION')
  // A hole of a sparse array is an item too: refused by its index, not a storage failure.
  // eslint-disable-next-line no-sparse-arrays
  const sparse = await expectRejectsWithNothingWritten(queue, () => queue.addAll([, { name: 'noop', payload: undefined }] as never), 'INVALID_OPTION')
  expect(sparse.message).toContain('items[0]')
})

test('an unknown job name is refused at add() once the worker told the page its handlers', async () => {
  const queue = testQueue()
  await (await queue.add('noop', undefined)).result()
  const error = await expectRejectsWithNothingWritten(queue, () => queue.add('thumbnail' as 'noop', undefined), 'UNKNOWN_JOB')
  expect(error.message).toContain('Unknown job "thumbnail"')
  expect(error.message).toContain('echo')
  await expectRejectsWithNothingWritten(queue, () => queue.add('' as 'noop', undefined), 'INVALID_OPTION')
})

test('the name of network jobs, "request", is refused for a CPU job, also before the worker told its handlers', async () => {
  const queue = testQueue()
  const error = await expectRejectsWithNothingWritten(queue, () => queue.add('request' as 'noop', undefined), 'INVALID_OPTION')
  expect(error.message).toContain('reserved for network jobs')
})

test('a closed queue rejects every call with QUEUE_CLOSED', async () => {
  const queue = testQueue()
  await queue.close()
  expect(queue.closed).toBe(true)
  for (const call of [() => queue.add('noop', undefined), () => queue.counts(), () => queue.list(), () => queue.get('x')]) {
    await expect(call()).rejects.toMatchObject({ name: 'ErrandError', code: 'QUEUE_CLOSED' })
  }
})

test('a pending result() rejects with QUEUE_CLOSED when its queue closes', async () => {
  const queue = testQueue()
  await queue.pause()
  const job = await queue.add('noop', undefined)
  const result = job.result()
  await queue.close()
  await expect(result).rejects.toMatchObject({ code: 'QUEUE_CLOSED' })
})

test('openQueue() validates its name and options', () => {
  expect(() => openQueue('')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
  expect(() => openQueue('x', { concurrency: 0 })).toThrow('Expected `concurrency` to be an integer ≥ 1, got `0` (number).')
  expect(() => openQueue('x', { worker: 'jobs.js' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
  expect(() => openQueue('x', { workers: 2 } as never)).toThrow('Unknown option `workers`')
})

test('deleteQueue() validates its name as openQueue() does, and deletes nothing', async () => {
  for (const name of [undefined, {}, '']) {
    await expect(deleteQueue(name as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('a non-empty queue name') })
  }
  // A bad name used to delete a database named after it.
  expect((await indexedDB.databases()).map((d) => d.name)).not.toContain('errand:undefined')
})

test('a job id that is not a non-empty string is refused with INVALID_OPTION, not reported as a storage failure', async () => {
  const queue = testQueue()
  await queue.pause()
  const job = await queue.add('noop', undefined)
  const calls = { get: queue.get, job: queue.job, logs: queue.logs, cancel: queue.cancel, retry: queue.retry, remove: queue.remove }
  for (const [method, call] of Object.entries(calls)) {
    for (const id of [undefined, null, {}, Number.NaN, 123, '']) {
      const error = await (call as (id: unknown) => Promise<unknown>)(id).then(() => undefined, (e: unknown) => e)
      expect(error, `${method}(${String(id)})`).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('Expected `id` to be a job id') })
    }
  }
  expect(await queue.get(job.id)).toMatchObject({ state: 'queued' })
})

test('on() refuses an unknown event, and a listener that is not a function', () => {
  const queue = testQueue()
  expect(() => queue.on('complete' as never, () => {})).toThrow('Expected `event` to be one of added, started, progress, retrying, completed, failed, cancelled, empty, idle, closed, error, got `"complete"` (string).')
  expect(() => queue.on('added', 'notafunction' as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error)
})

test('list() refuses malformed filters with INVALID_OPTION', async () => {
  const queue = testQueue()
  await expect(queue.list({ state: 'done' as never })).rejects.toThrow('Expected `state` to be one of queued, delayed, running, completed, failed, cancelled, got `"done"` (string).')
  await expect(queue.list({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  await expect(queue.list({ after: 7 as never })).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  await expect(queue.list(null as never)).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  await expect(queue.list({ largePayloads: 'no' as never })).rejects.toThrow('Expected `largePayloads` to be a boolean')
})

test('add() with an already aborted signal rejects with JOB_CANCELLED and writes nothing', async () => {
  const queue = testQueue()
  const controller = new AbortController()
  controller.abort(new Error('user left'))
  const error = await expectRejectsWithNothingWritten(queue, () => queue.add('noop', undefined, { signal: controller.signal }), 'JOB_CANCELLED')
  expect((error.cause as Error).message).toBe('user left')
})

test('retry() of a keyed job whose key another unfinished job now holds fails with INVALID_STATE', async () => {
  const queue = testQueue()
  await queue.pause()
  const first = await queue.add('noop', undefined, { key: 'k' })
  await queue.cancel(first.id)
  await queue.add('noop', undefined, { key: 'k' })
  await expect(queue.retry(first.id)).rejects.toMatchObject({ name: 'ErrandError', code: 'INVALID_STATE', message: expect.stringContaining('same idempotency key') })
  expect((await first.get())?.state).toBe('cancelled')
})

test('a worker factory that throws fails the attempt with WorkerCrashedError instead of breaking the queue', async () => {
  const queue = testQueue({
    worker: () => {
      throw new SyntaxError('bad worker URL')
    },
    defaults: { attempts: 1 },
  })
  const job = await queue.add('noop', undefined)
  const error = (await job.result().catch((e: unknown) => e)) as { errors: { name: string; message: string }[] }
  expect(error.errors[0]).toMatchObject({ name: 'WorkerCrashedError', message: expect.stringContaining('bad worker URL') })
})
