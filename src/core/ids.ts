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

const RANDOM_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

export function newJobId(seq: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  let random = ''
  for (const byte of bytes) random += RANDOM_ALPHABET[byte % 36]
  return seq.toString(36).padStart(11, '0') + random
}

/** A random id for a queue instance, used as the lease owner. */
export function newOwnerId(): string {
  return newJobId(nextSeq())
}
