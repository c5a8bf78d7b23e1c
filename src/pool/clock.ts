/**
 * The leader's timers (next `runAt`, lease renewal, heartbeat), kept in a dedicated
 * worker: browsers throttle main-thread timers in hidden tabs (Chrome: once a minute
 * after five minutes), but not a worker's. The clock worker is one more instance of the
 * app's own worker module (same-origin, CSP-friendly); if it cannot start, timers fall
 * back to the main thread.
 */
import type { FromWorker, ToWorker } from './protocol.js'

export interface Clock {
  /** Calls `fn` after `ms` (at most 2³¹ − 1); returns a cancel function. */
  after(ms: number, fn: () => void): () => void
  /** Calls `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void
  stop(): void
}

export function createClock(create: () => Worker): Clock {
  let worker: Worker | undefined
  /** Sleeps the worker has not answered: when each is due, and what to call then. */
  const sleeping = new Map<number, { at: number; fire: () => void }>()
  let lastId = 0
  /** Set once the worker said `ready`: sleeps asked earlier are posted then (a module may await something before it calls serveJobs()). */
  let live = false
  const sleep = (id: number, ms: number): void => {
    const message: ToWorker = { errand: 'sleep', id, ms }
    worker?.postMessage(message)
  }
  try {
    worker = create()
    worker.addEventListener('message', ({ data }: MessageEvent<FromWorker | null | undefined>) => {
      if (data?.errand === 'woke') {
        sleeping.get(data.id)?.fire()
      } else if (data?.errand === 'ready') {
        live = true
        for (const [id, { at }] of sleeping) sleep(id, Math.max(0, at - Date.now()))
      }
    })
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      // Fall back to main-thread timers for good.
      live = false
      worker?.terminate()
      worker = undefined
    })
  } catch {
    worker = undefined
  }

  const after = (ms: number, fn: () => void): (() => void) => {
    const id = ++lastId
    const cancel = (): void => {
      sleeping.delete(id)
      clearTimeout(timer)
    }
    const fire = (): void => {
      if (!sleeping.has(id)) return
      cancel()
      fn()
    }
    // The main-thread timer is the fallback and the upper bound; the worker's usually fires first.
    const timer = setTimeout(fire, ms)
    sleeping.set(id, { at: Date.now() + ms, fire })
    if (live) sleep(id, ms)
    return cancel
  }

  return {
    after,
    every(ms, fn) {
      let cancel = (): void => {}
      const loop = (): void => {
        cancel = after(ms, () => {
          loop()
          fn()
        })
      }
      loop()
      return () => cancel()
    },
    stop() {
      live = false
      worker?.terminate()
    },
  }
}
