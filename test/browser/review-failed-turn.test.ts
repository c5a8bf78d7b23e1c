// Review: a turn that fails after `ready` was emptied for release loses the claims it was
// giving back: they are in no list any more, are not renewed, and stay `running`
// (claimed, never started) until their lease runs out.
import { expect, test } from 'vitest'
import { testQueue } from './helpers.js'

test('claims given back by a turn that failed are given back by a later turn', async () => {
  const queue = testQueue({ concurrency: 1 }) // lease 30 s: far longer than this test
  const errors: unknown[] = []
  queue.on('error', ({ error }) => errors.push(error))
  const firstStarted = new Promise<void>((resolve) => queue.on('started', () => resolve()))
  const running = await queue.add('sleep', { ms: 300 })
  const waiting = await queue.add('sleep', { ms: 1 })
  await firstStarted
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(await waiting.get()).toMatchObject({ state: 'running', attempt: 1 }) // prefetched into `ready`

  // One storage hiccup: the put that gives `waiting` back fails once.
  const put = IDBObjectStore.prototype.put
  let failures = 0
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (failures === 0 && (value as { id?: string; state?: string })?.id === waiting.id && (value as { state?: string }).state === 'queued') {
      failures++
      throw new DOMException('simulated write failure', 'UnknownError')
    }
    return put.call(this, value, key)
  } as typeof put
  try {
    await queue.pause() // the next turn releases `ready`
    await running.result()
    await new Promise((resolve) => setTimeout(resolve, 2000)) // a failed turn is retried within ~1 s
  } finally {
    IDBObjectStore.prototype.put = put
  }
  expect(failures).toBe(1)
  expect(errors.length).toBeGreaterThan(0)
  expect(await waiting.get()).toMatchObject({ state: 'queued', attempt: 0 })
})
