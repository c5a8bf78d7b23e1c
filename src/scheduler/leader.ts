/**
 * One tab leads per queue: the holder of the Web Lock `errand:<queue>` runs the
 * scheduler and the pool. The lock is released when the page closes, reloads or
 * crashes, so whoever gets it next knows every previous leader is gone. A leader that is
 * alive but stuck (frozen, paused in a debugger) keeps its lock: followers that see its
 * heartbeat stop may `steal()` it; the old leader then learns it lost the lead, and its
 * late writes are refused by fencing.
 */
export interface Leadership {
  /** Stops leading (or stops waiting to lead). */
  release(): void
  /** Takes the lock from a leader that stopped beating. No-op while this page leads. */
  steal(): void
  readonly leading: boolean
}

/** `onLead(true)`: this page holds the lock alone. `onLead(false)`: no Web Locks here, so every page leads and none may assume the others are gone. */
export function lead(lockName: string, onLead: (exclusive: boolean) => void, onLost: () => void): Leadership {
  let released = false
  let leading = false
  let waiting: AbortController | undefined
  let releaseLock: (() => void) | undefined

  const hold = (): Promise<void> => {
    leading = true
    onLead(true)
    return new Promise<void>((resolve) => (releaseLock = resolve))
  }
  const lost = (): void => {
    if (!leading) return
    leading = false
    releaseLock = undefined
    if (!released) onLost()
  }
  const request = (steal: boolean): void => {
    const options: LockOptions = steal ? { steal: true } : { signal: (waiting = new AbortController()).signal }
    navigator.locks
      .request(lockName, options, () => (released ? undefined : hold()))
      // Resolves when we let go; rejects (AbortError) when the wait was aborted or the lock was stolen from us.
      .then(lost, lost)
  }

  if (typeof navigator === 'undefined' || !navigator.locks) {
    queueMicrotask(() => released || ((leading = true), onLead(false)))
    return {
      release: () => void (released = true),
      steal() {},
      get leading() {
        return leading
      },
    }
  }
  request(false)
  return {
    release() {
      released = true
      waiting?.abort()
      releaseLock?.()
    },
    steal() {
      if (leading || released) return
      waiting?.abort()
      request(true)
    },
    get leading() {
      return leading
    },
  }
}

/**
 * A follower watches the leader's heartbeat (written with every lease renewal). A leader
 * that stopped beating for a whole lease while holding the lock is stuck (frozen, paused in
 * a debugger): `steal` the lead from it. Its leases have expired too, so its jobs are
 * recovered, and fencing refuses whatever it writes when it wakes up. Main-thread time is
 * enough here: a throttled check in a hidden follower only delays a takeover.
 * Returns the function that stops watching.
 */
export function watchHeartbeat(read: () => Promise<{ owner: string; at: number } | undefined>, options: { owner: string; leaseMs: number; steal: () => unknown }): () => void {
  const timer = setInterval(() => {
    read()
      .then((beat) => {
        if (beat && beat.owner !== options.owner && Date.now() - beat.at > options.leaseMs) options.steal()
      })
      .catch(() => {})
  }, options.leaseMs / 2)
  return () => clearInterval(timer)
}
