// The demo's incremental SHA-256 (demo/sha256.ts) against the FIPS 180-4 / NIST example
// vectors, and against node:crypto for every way of cutting one input into two updates.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSha256, toHex } from '../../demo/sha256'

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
const sha256 = (...pieces: Uint8Array[]): string => {
  const hash = createSha256()
  for (const piece of pieces) hash.update(piece)
  return toHex(hash.digest())
}

describe('incremental SHA-256', () => {
  it('hashes the empty message', () => {
    expect(sha256()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('hashes "abc" (one block)', () => {
    expect(sha256(ascii('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('hashes the 448-bit vector (padding spills into a second block)', () => {
    expect(sha256(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1')
  })

  it('hashes the 896-bit vector', () => {
    const message = 'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'
    expect(sha256(ascii(message))).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1')
  })

  it('hashes a million "a" fed in uneven pieces', () => {
    const hash = createSha256()
    const a = new Uint8Array(1_000_000).fill(0x61)
    for (let at = 0, size = 1; at < a.length; at += size, size = (size * 7 + 3) % 9_973) hash.update(a.subarray(at, Math.min(a.length, at + size)))
    expect(toHex(hash.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
  })

  it('gives node:crypto’s digest for every split of a 200-byte input into two updates', () => {
    const input = Uint8Array.from({ length: 200 }, (_, i) => (i * 131 + 7) & 0xff)
    const expected = createHash('sha256').update(input).digest('hex')
    for (let split = 0; split <= input.length; split++) {
      expect(sha256(input.subarray(0, split), input.subarray(split)), `split at ${split}`).toBe(expected)
    }
  })

  it('gives node:crypto’s digest for every length from 0 to 200 bytes', () => {
    const input = Uint8Array.from({ length: 200 }, (_, i) => (i * 31 + 1) & 0xff)
    for (let size = 0; size <= input.length; size++) {
      expect(sha256(input.subarray(0, size)), `${size} bytes`).toBe(createHash('sha256').update(input.subarray(0, size)).digest('hex'))
    }
  })

  it('refuses updates after digest()', () => {
    const hash = createSha256().update(ascii('abc'))
    hash.digest()
    expect(() => hash.update(ascii('d'))).toThrow(/already digested/)
  })
})
