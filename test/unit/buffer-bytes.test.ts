import { expect, test } from 'vitest'
import { bufferBytes } from '../../src/pool/transferables.js'

test('bufferBytes() counts the ArrayBuffers of a payload, behind views too, in objects, arrays and Maps', () => {
  const buffer = new ArrayBuffer(1000)
  expect(bufferBytes(buffer)).toBe(1000)
  expect(bufferBytes(new Uint8Array(buffer, 100, 200))).toBe(200) // what the view spans
  expect(bufferBytes({ file: buffer, parts: [new Float64Array(10), new Map([['a', new DataView(new ArrayBuffer(8))]])] })).toBe(1000 + 80 + 8)
  expect(bufferBytes([1, 'two', null, undefined, { three: 3 }])).toBe(0)
})

test('bufferBytes() stops where collectTransferables() stops: class instances and depth beyond 4 are not walked', () => {
  class Holder {
    buffer = new ArrayBuffer(50)
  }
  expect(bufferBytes(new Holder())).toBe(0)
  expect(bufferBytes({ a: { b: { c: { d: new ArrayBuffer(10) } } } })).toBe(10)
  expect(bufferBytes({ a: { b: { c: { d: { e: new ArrayBuffer(10) } } } } })).toBe(0)
})
