/** Pacing for live updates: event bursts become one read and one render. */

export interface Throttled {
  /** Asks for a run: now if the last one was long enough ago, else at the end of the gap. */
  request(): void
  stop(): void
}

/**
 * With `maxGap`, a run that took long waits this many times its duration before the next (up
 * to `maxGap`). A read that grows with the store (counting 100,000 finished jobs takes about
 * half a second in Chromium) then keeps the queue's own transactions waiting a tenth of the
 * time, instead of nearly all of it.
 */
const BUSY_SHARE = 10

/**
 * Runs `task` at most once per `gap` ms (with `maxGap`: or per ten times its last duration, if
 * longer, up to `maxGap`) and never twice at once; requests made while it waits or runs fold
 * into a single later run. Reading the store for every event of a busy queue would compete
 * with the queue's own writes.
 */
export function throttle(task: () => Promise<void>, gap: number, onError: (error: unknown) => void, maxGap = gap): Throttled {
  let last = -Infinity
  let wait = gap
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  let again = false
  let stopped = false
  const run = async (): Promise<void> => {
    timer = undefined
    running = true
    last = performance.now()
    try {
      await task()
    } catch (error) {
      if (!stopped) onError(error)
    } finally {
      wait = Math.min(maxGap, Math.max(gap, BUSY_SHARE * (performance.now() - last)))
      running = false
      if (again && !stopped) {
        again = false
        request()
      }
    }
  }
  const request = (): void => {
    if (stopped) return
    if (running) again = true
    else timer ??= setTimeout(() => void run(), Math.max(0, last + wait - performance.now()))
  }
  return {
    request,
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}

/** Calls `render` once in the next animation frame, however often `request()` is called before it. */
export function frame(render: () => void): Throttled {
  let id: number | undefined
  return {
    request() {
      id ??= requestAnimationFrame(() => {
        id = undefined
        render()
      })
    },
    stop() {
      if (id !== undefined) cancelAnimationFrame(id)
      id = undefined
    },
  }
}
