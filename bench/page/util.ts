// Small helpers of the bench page.

let counter = 0

/** A database / queue name used once, so no two repetitions share storage. */
export const unique = (label: string): string => `bench-${label}-${Date.now().toString(36)}-${counter++}`

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Yields to the event loop without setTimeout's 4 ms clamp on nested timers. */
export const nextTask = (): Promise<void> =>
  new Promise((resolve) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(null)
  })

/** ms that `work` took. */
export async function timed(work: () => unknown): Promise<number> {
  const start = performance.now()
  await work()
  return performance.now() - start
}

/** The p-th quantile (0–1) of the samples, nearest rank. */
export function quantile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN
}

let seq = Date.now() * 1024

/** A record shaped like a stored errand job, for the raw IndexedDB baselines. */
export function jobLike(payload: unknown): Record<string, unknown> {
  const now = Date.now()
  seq++
  return {
    id: `${seq.toString(36).padStart(11, '0')}${Math.random().toString(36).slice(2, 10)}`,
    name: 'noop',
    kind: 'cpu',
    payload,
    state: 'queued',
    priority: 0,
    seq,
    runAt: now,
    attempt: 0,
    stalls: 0,
    maxAttempts: 3,
    backoff: { type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0 },
    timeout: 0,
    progress: 0,
    errors: [],
    createdAt: now,
  }
}

/**
 * Main-thread long tasks (PerformanceObserver `longtask`, tasks over 50 ms) while
 * `work` runs: their total duration inside the window, in ms.
 */
export async function withLongTasks(work: () => Promise<void>): Promise<{ ms: number; longTaskMs: number; longTasks: number }> {
  const entries: PerformanceEntry[] = []
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()))
  observer.observe({ type: 'longtask' })
  const start = performance.now()
  await work()
  const end = performance.now()
  // Entries are reported after their task ends: give the last one time to arrive.
  await sleep(100)
  entries.push(...observer.takeRecords())
  observer.disconnect()
  let longTaskMs = 0
  let longTasks = 0
  for (const entry of entries) {
    const overlap = Math.min(end, entry.startTime + entry.duration) - Math.max(start, entry.startTime)
    if (overlap <= 0) continue
    longTaskMs += overlap
    longTasks++
  }
  return { ms: end - start, longTaskMs, longTasks }
}
