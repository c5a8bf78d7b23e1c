/**
 * "Clear finished": removes every completed, failed and cancelled job. The queue has no bulk
 * delete, so this pages through `list({ state })` and removes a batch at a time with
 * `remove(id)` (one small transaction each, as retention does), yielding to the page between
 * batches so the dashboard and the app stay responsive, and stopping when `signal` aborts
 * (the dashboard was unbound or disconnected).
 *
 * A job retried by another tab between the read and its removal could be removed while
 * queued again; `remove()` cancels it first, so nothing runs half-removed.
 */
import type { Job, JobState } from '../core/job.js'

const BATCH = 100

export interface ClearTarget {
  list(options: { state: JobState; limit: number; largePayloads: false }): Promise<readonly Job[]>
  remove(id: string): Promise<boolean>
}

/** Resolves with how many jobs it removed; `onProgress` hears the running total after each batch. */
export async function clearFinished(queue: ClearTarget, signal: AbortSignal, onProgress: (removed: number) => void): Promise<number> {
  let removed = 0
  for (const state of ['completed', 'failed', 'cancelled'] as const) {
    for (;;) {
      if (signal.aborted) return removed
      const page = await queue.list({ state, limit: BATCH, largePayloads: false })
      if (page.length === 0) break
      const results = await Promise.all(page.map((job) => queue.remove(job.id)))
      const count = results.filter(Boolean).length
      removed += count
      onProgress(removed)
      // Nothing removed means others removed them first; the next read will not return them.
      await new Promise((resolve) => setTimeout(resolve))
    }
  }
  return removed
}
