import { expect, test } from 'vitest'
import { bufferBytes } from '../../src/pool/transferables.js'

test('bufferBytes() counts the ArrayBuffers that would move to a worker: bare, behind views that span them, in objects, arrays and Maps, each once', () => {
  const buffer = new ArrayBuffer(1000)
  expect(bufferBytes(buffer)).toBe(1000)
  expect(bufferBytes({ file: buffer, again: new Uint8Array(buffer), parts: [new Float64Array(10), new Map([['a', new DataView(new ArrayBuffer(8))]])] })).toBe(1000 + 80 + 8)
  // A view over part of a buffer does not move it, so it does not count.
  expect(bufferBytes(new Uint8Array(buffer, 100, 200))).toBe(0)
  expect(bufferBytes([1, 'two', null, undefined, { three: 3 }])).toBe(0)
  expect(bufferBytes(42)).toBe(0)
})
