/**
 * One tab leads per queue: the holder of the Web Lock `errand:<queue>` runs the
 * scheduler and the pool. The lock is released when the page closes, reloads or
 * crashes, so whoever gets it next knows every previous leader is gone.
 */
export interface Leadership {
  /** Stops leading (or stops waiting to lead). */
  release(): void
}

/** `onLead(true)`: this page holds the lock alone. `onLead(false)`: no Web Locks here, so every page leads and none may assume the others are gone. */
export function lead(lockName: string, onLead: (exclusive: boolean) => void, onLost: () => void): Leadership {
  const controller = new AbortController()
  let releaseLock: (() => void) | undefined
  if (typeof navigator === 'undefined' || !navigator.locks) {
    // No Web Locks (insecure context, very old browser): this page leads alone.
    queueMicrotask(() => controller.signal.aborted || onLead(false))
    return { release: () => controller.abort() }
  }
  navigator.locks
    .request(lockName, { signal: controller.signal }, () => {
      if (controller.signal.aborted) return undefined
      onLead(true)
      return new Promise<void>((resolve) => (releaseLock = resolve))
    })
    .then(
      () => {
        if (!controller.signal.aborted) onLost()
      },
      () => {
        // AbortError: released before we got the lock; or the lock was stolen.
        if (releaseLock && !controller.signal.aborted) onLost()
      },
    )
  return {
    release() {
      controller.abort()
      releaseLock?.()
    },
  }
}
