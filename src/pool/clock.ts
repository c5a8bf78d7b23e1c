/**
 * The leader's timers (next `runAt`, lease renewal, heartbeat), kept in a dedicated
 * worker: browsers throttle main-thread timers in hidden tabs (Chrome: once a minute
 * after five minutes), but not a worker's. The clock worker is one more instance of the
 * app's own worker module (same-origin, CSP-friendly); if it cannot start, timers fall
 * back to the main thread.
 */
import { releaseProxy, wrap, type Remote } from 'comlink'
import type { WorkerApi } from './protocol.js'

export interface Clock {
  /** Calls `fn` after `ms` (at most 2³¹ − 1); returns a cancel function. */
  after(ms: number, fn: () => void): () => void
  /** Calls `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void
  stop(): void
}

export function createClock(create: () => Worker): Clock {
  let worker: Worker | undefined
  let remote: Remote<WorkerApi> | undefined
  try {
    worker = create()
    remote = wrap<WorkerApi>(worker)
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      remote = undefined // fall back to main-thread timers
    })
  } catch {
    remote = undefined
  }

  const after = (ms: number, fn: () => void): (() => void) => {
    let live = true
    const fire = (): void => {
      if (!live) return
      live = false
      fn()
    }
    // The main-thread timer is the fallback and the upper bound; the worker's usually fires first.
    const timer = setTimeout(fire, ms)
    remote?.sleep(ms).then(fire, () => {})
    return () => {
      live = false
      clearTimeout(timer)
    }
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
      try {
        remote?.[releaseProxy]()
      } catch {
        // already gone
      }
      worker?.terminate()
      remote = undefined
    },
  }
}
