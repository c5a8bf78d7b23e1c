import { expect, test } from 'vitest'
import { testQueue } from './helpers.js'

test('add() with a key returns the unfinished job that has it instead of adding another', async () => {
  const queue = testQueue()
  await queue.pause()
  const first = await queue.add('add', { a: 1, b: 1 }, { key: 'sum' })
  const second = await queue.add('add', { a: 9, b: 9 }, { key: 'sum' })
  expect(second.id).toBe(first.id)
  expect((await queue.counts()).queued).toBe(1)
  await queue.start()
  await expect(second.result()).resolves.toBe(2)
})

test('once the keyed job finished, the same key adds a new job', async () => {
  const queue = testQueue()
  const first = await queue.add('add', { a: 1, b: 1 }, { key: 'sum' })
  await first.result()
  const second = await queue.add('add', { a: 2, b: 2 }, { key: 'sum' })
  expect(second.id).not.toBe(first.id)
  await expect(second.result()).resolves.toBe(4)
  expect((await queue.get(second.id))?.key).toBe('sum')
})

test('addAll() dedupes keys inside one batch and against the store', async () => {
  const queue = testQueue()
  await queue.pause()
  const existing = await queue.add('noop', undefined, { key: 'k1' })
  const handles = await queue.addAll([
    { name: 'noop', payload: undefined, options: { key: 'k1' } },
    { name: 'noop', payload: undefined, options: { key: 'k2' } },
    { name: 'noop', payload: undefined, options: { key: 'k2' } },
  ])
  expect(handles[0]!.id).toBe(existing.id)
  expect(handles[2]!.id).toBe(handles[1]!.id)
  expect((await queue.counts()).queued).toBe(2)
})

test('a key held by an unfinished job of another name is refused with INVALID_STATE, and nothing of the batch is added', async () => {
  const queue = testQueue()
  await queue.pause()
  const held = await queue.add('add', { a: 1, b: 1 }, { key: 'k' })
  await expect(queue.add('echo', 'other', { key: 'k' })).rejects.toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining(`belongs to unfinished job ${held.id}, named "add"`) })
  await expect(
    queue.addAll([
      { name: 'noop', payload: undefined },
      { name: 'echo', payload: 'other', options: { key: 'k' } },
    ]),
  ).rejects.toMatchObject({ code: 'INVALID_STATE' })
  expect((await queue.list()).map((j) => j.id)).toEqual([held.id])
  // The same name still dedupes.
  expect((await queue.add('add', { a: 5, b: 5 }, { key: 'k' })).id).toBe(held.id)
})
