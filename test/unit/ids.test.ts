import { describe, expect, test, vi } from 'vitest'

/** `nextSeq` keeps its last value in module state: each test gets a fresh module. */
async function freshIds(): Promise<typeof import('../../src/core/ids.js')> {
  vi.resetModules()
  return import('../../src/core/ids.js')
}

const NOW = 1_700_000_000_000
/** First epoch ms whose seq (ms × 1024) needs 11 base-36 digits, in 2083. */
const ELEVEN_DIGITS_FROM = 36 ** 10 / 1024

describe('nextSeq', () => {
  test('is the epoch ms × 1024 for the first job of a millisecond', async () => {
    const { nextSeq } = await freshIds()
    expect(nextSeq(NOW)).toBe(NOW * 1024)
    expect(nextSeq(NOW + 1)).toBe((NOW + 1) * 1024)
  })

  test('counts up within one millisecond', async () => {
    const { nextSeq } = await freshIds()
    expect([nextSeq(NOW), nextSeq(NOW), nextSeq(NOW)]).toStrictEqual([NOW * 1024, NOW * 1024 + 1, NOW * 1024 + 2])
  })

  test('keeps increasing when the clock goes backwards', async () => {
    const { nextSeq } = await freshIds()
    const first = nextSeq(NOW)
    expect(nextSeq(NOW - 60_000)).toBe(first + 1)
    expect(nextSeq(NOW - 1)).toBe(first + 2)
  })

  test('is strictly increasing over many calls across a few milliseconds', async () => {
    const { nextSeq } = await freshIds()
    const seqs = Array.from({ length: 1500 }, (_, i) => nextSeq(NOW + Math.floor(i / 500)))
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? Infinity)
    expect(seqs.at(-1)).toBe((NOW + 2) * 1024 + 499)
  })

  test('reads Date.now() when no time is passed', async () => {
    const { nextSeq } = await freshIds()
    vi.spyOn(Date, 'now').mockReturnValue(NOW)
    try {
      expect(nextSeq()).toBe(NOW * 1024)
    } finally {
      vi.restoreAllMocks()
    }
  })
})

describe('newJobId', () => {
  test('is 19 lowercase base-36 characters: 11 for the seq, 8 random', async () => {
    const { newJobId } = await freshIds()
    const id = newJobId(NOW * 1024)
    expect(id).toMatch(/^[0-9a-z]{19}$/)
    expect(id.slice(0, 11)).toBe((NOW * 1024).toString(36).padStart(11, '0'))
  })

  test('pads a short seq with zeros', async () => {
    const { newJobId } = await freshIds()
    expect(newJobId(1024).slice(0, 11)).toBe('000000000sg')
  })

  test('sorts by creation order as strings', async () => {
    const { newJobId, nextSeq } = await freshIds()
    const ids = Array.from({ length: 3000 }, (_, i) => newJobId(nextSeq(NOW + Math.floor(i / 1000))))
    expect([...ids].sort()).toStrictEqual(ids)
  })

  test('still sorts by creation order when the seq gains a base-36 digit in 2083', async () => {
    const { newJobId, nextSeq } = await freshIds()
    const before = newJobId(nextSeq(ELEVEN_DIGITS_FROM - 1))
    const after = newJobId(nextSeq(ELEVEN_DIGITS_FROM))
    expect(before.slice(0, 11)).toBe('0zzzzzzzz7k')
    expect(after.slice(0, 11)).toBe('10000000000')
    expect([after, before].sort()).toStrictEqual([before, after])
  })

  test('is unique, even for the same seq as from two tabs in the same millisecond', async () => {
    const { newJobId, nextSeq } = await freshIds()
    const sameSeq = Array.from({ length: 2000 }, () => newJobId(NOW * 1024))
    expect(new Set(sameSeq).size).toBe(2000)
    const fresh = Array.from({ length: 2000 }, () => newJobId(nextSeq(NOW)))
    expect(new Set(fresh).size).toBe(2000)
  })
})

describe('newOwnerId', () => {
  test('is a fresh job-style id each call, ordered by creation', async () => {
    const { newOwnerId } = await freshIds()
    const owners = Array.from({ length: 100 }, () => newOwnerId())
    for (const owner of owners) expect(owner).toMatch(/^[0-9a-z]{19}$/)
    expect(new Set(owners).size).toBe(100)
    expect([...owners].sort()).toStrictEqual(owners)
  })
})
