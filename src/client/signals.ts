/**
 * The `signal` option of add(): when it aborts, the job is cancelled. The listener holds the
 * job's id only, and comes off the signal once the job ends (here or in another tab) or the
 * queue closes: an app's long-lived signal must not keep every job it added alive.
 */
import { OUTCOMES } from './outcomes.js'
import type { WireMessage } from './bus.js'

export interface Signals {
  /** Cancels job `id` when `signal` aborts, at once if it already has. */
  watch(id: string, signal: AbortSignal): void
  /** An event of the queue (this page's or another tab's): an outcome takes its job's listener off. */
  heard(message: WireMessage): void
  /** The queue closes: every listener comes off. */
  clear(): void
}

export function createSignals(cancel: (id: string) => void): Signals {
  const watched = new Map<string, () => void>()
  const off = (id: string): void => {
    watched.get(id)?.()
    watched.delete(id)
  }
  return {
    watch(id, signal) {
      const abort = (): void => {
        off(id)
        cancel(id)
      }
      if (signal.aborted) return abort()
      signal.addEventListener('abort', abort, { once: true })
      watched.set(id, () => signal.removeEventListener('abort', abort))
    },
    heard(message) {
      if (watched.size && 'job' in message && OUTCOMES.includes(message.type as never)) off(message.job.id)
    },
    clear() {
      for (const id of [...watched.keys()]) off(id)
    },
  }
}
