// The demo's handlers: CPU work that would freeze a page if it ran on the main thread.
import { defineJobs, serveJobs, UnrecoverableError } from 'errand/worker'

export const jobs = defineJobs({
  /** Counts primes below `limit` by trial division, reporting progress. */
  async primes(input: { limit: number }, ctx) {
    if (!Number.isInteger(input.limit) || input.limit < 2) throw new UnrecoverableError(`limit must be an integer ≥ 2, got ${input.limit}`)
    ctx.log('counting primes below', input.limit)
    let count = 0
    const step = Math.max(1, Math.floor(input.limit / 20))
    for (let n = 2; n < input.limit; n++) {
      let prime = true
      for (let d = 2; d * d <= n; d++) {
        if (n % d === 0) {
          prime = false
          break
        }
      }
      if (prime) count++
      if (n % step === 0) {
        ctx.progress(n / input.limit)
        ctx.signal.throwIfAborted()
        await new Promise((resolve) => setTimeout(resolve)) // let cancel messages in
      }
    }
    ctx.log('found', count)
    return { limit: input.limit, count }
  },
  /** SHA-256 of `megabytes` of random data. */
  async hash(input: { megabytes: number }, ctx) {
    const bytes = new Uint8Array(input.megabytes * 1024 * 1024)
    for (let offset = 0; offset < bytes.length; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, offset + 65536))
    ctx.progress(0.5)
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
    return { megabytes: input.megabytes, sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') }
  },
  /** Fails on its first attempts, to show retries with backoff. */
  flaky(input: { failures: number }, ctx) {
    if (ctx.attempt <= input.failures) throw new Error(`simulated failure on attempt ${ctx.attempt}`)
    return { succeededOnAttempt: ctx.attempt }
  },
})

serveJobs(jobs)
export type Jobs = typeof jobs
