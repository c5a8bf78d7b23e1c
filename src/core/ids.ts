/**
 * Job ids and FIFO sequence numbers.
 *
 * `seq` orders jobs of equal priority: epoch ms × 1024 plus a counter, strictly increasing
 * within a page and roughly time-ordered across tabs (≈ 2⁵⁰ today, exact in a double).
 * The id is the seq in base 36 (fixed width, so ids sort by time as strings) plus 8
 * random characters, so ids from two tabs in the same millisecond never collide.
 */
let lastSeq = 0

export function nextSeq(now: number = Date.now()): number {
  lastSeq = Math.max(lastSeq + 1, now * 1024)
  return lastSeq
}

/** Random bytes drawn 4 KiB at a time: one getRandomValues() call per id cost 16 µs, a third of addAll()'s own time. */
const pool = new Uint8Array(4096)
let used = pool.length

export function newJobId(seq: number): string {
  if (used + 8 > pool.length) {
    crypto.getRandomValues(pool)
    used = 0
  }
  let random = ''
  for (let i = 0; i < 8; i++) random += (pool[used++]! % 36).toString(36)
  return seq.toString(36).padStart(11, '0') + random
}

/** A random id for a queue instance, used as the lease owner. */
export function newOwnerId(): string {
  return newJobId(nextSeq())
}
