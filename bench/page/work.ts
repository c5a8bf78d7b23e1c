// Code shared by the bench page and its workers: the clock and the CPU work.

/**
 * A clock comparable across the page and its workers: every realm's `timeOrigin` is on
 * the same time line, so `timeOrigin + now()` in a worker minus the same in the page is
 * the time between the two events (to the timer resolution, 0.1 ms without isolation).
 */
export const clock = (): number => performance.timeOrigin + performance.now()

/**
 * Pure-JS CPU work: `iterations` rounds of integer mixing, no allocation, no yielding.
 * Returns a number so the engine cannot drop the loop.
 */
export function cpuWork(iterations: number): number {
  // An int32 from the start: 0x9e3779b9 alone is a double, and the type change on the first
  // round made V8 tier this loop differently from run to run (3× apart) on the page and in workers.
  let x = 0x9e3779b9 | 0
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x = (x + i) | 0
  }
  return x
}
