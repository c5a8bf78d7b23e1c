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
  /** Takes the lock from a leader that stopped beating. No-op while this page leads or is already stealing. */
  steal(): void
  readonly leading: boolean
}

/**
 * `onLead(true)`: this page holds the lock alone. `onLead(false)`: no Web Locks here, so every page leads and none may assume the others are gone.
 * `onLost()`: another page stole the lock; this page then waits to lead again, like any follower.
 */
export function lead(lockName: string, onLead: (exclusive: boolean) => void, onLost: () => void): Leadership {
  let released = false
  let leading = false
  /** The latest lock request. An older one settling (the wait a steal replaced) changes nothing. */
  let current: { steal: boolean; abort?: AbortController } | undefined
  let releaseLock: (() => void) | undefined

  const request = (steal: boolean): void => {
    const mine: { steal: boolean; abort?: AbortController } = steal ? { steal } : { steal, abort: new AbortController() }
    current = mine
    const settled = (): void => {
      if (current !== mine) return
      current = undefined
      const wasLeading = leading
      leading = false
      releaseLock = undefined
      if (released) return
      if (wasLeading) onLost()
      // Stolen from us, or a steal that was refused: back in line.
      if (wasLeading || mine.steal) request(false)
    }
    navigator.locks
      .request(lockName, mine.abort ? { signal: mine.abort.signal } : { steal: true }, () => {
        if (released || current !== mine) return undefined
        leading = true
        onLead(true)
        return new Promise<void>((resolve) => (releaseLock = resolve))
      })
      // Resolves when we let go; rejects (AbortError) when the wait was aborted or the lock was stolen from us.
      .then(settled, settled)
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
      current?.abort?.abort()
      releaseLock?.()
    },
    steal() {
      // Not while a steal is under way either: a second one would take the lock from the first.
      if (leading || released || current?.steal) return
      const wait = current
      request(true)
      wait?.abort?.abort()
    },
    get leading() {
      return leading
    },
  }
}

/**
 * A follower watches the leader's heartbeat (written when it takes the lead and with every
 * lease renewal). A leader whose heartbeat has not changed for a whole lease while it holds
 * the lock is stuck (frozen, paused in a debugger): `steal` the lead from it. Its leases
 * have expired too, so its jobs are recovered, and fencing refuses whatever it writes when
 * it wakes up. Main-thread time is enough here: a throttled check in a hidden follower only
 * delays a takeover.
 *
 * The lease is counted from when this page saw the heartbeat change, not from the time the
 * beat carries: the stored beat can be a previous leader's, or missing (a leader stuck
 * before its first beat, a database that never had a leader). Judged by its own age, the
 * first would rob a new leader before its first beat and the second never looks stale.
 * Returns the function that stops watching.
 */
export function watchHeartbeat(read: () => Promise<{ owner: string; at: number } | undefined>, options: { leaseMs: number; waiting: () => boolean; steal: () => unknown }): () => void {
  /** The beat last seen (`owner@at`, '' for none) and when it was first seen; undefined: not watching. */
  let last: { beat: string; since: number } | undefined
  const timer = setInterval(() => {
    // A leader does not watch itself; once it is a follower again, it watches afresh.
    if (!options.waiting()) return void (last = undefined)
    read()
      .then((stored) => {
        const beat = stored ? `${stored.owner}@${stored.at}` : ''
        // Monotonic: a clock change must not make a healthy leader look stuck.
        const now = performance.now()
        if (last?.beat !== beat) last = { beat, since: now }
        else if (now - last.since > options.leaseMs && options.waiting()) options.steal()
      })
      .catch(() => {})
  }, options.leaseMs / 2)
  return () => clearInterval(timer)
}
