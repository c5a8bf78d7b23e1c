/**
 * The network sender's transaction (src/net/sender.ts), in the page or in the service
 * worker. Same rules as the scheduler's turn: claiming is one readwrite transaction, and
 * an outcome is recorded only while owner and `claims` still match (fencing). Network jobs
 * are never claimed by the CPU scheduler (the `next` index starts with the kind).
 */
import type { JobRecord } from '../core/job.js'
import * as transition from '../core/transitions.js'
import { result } from './idb.js'
import { jobRange, PAUSED_KEY } from './jobs.js'
import { applyClaims, flushMarks, getJobs, holds, jobStores, putChanged, putJob } from './records.js'
import { nextDue, QUEUED, RUNNING } from './requests.js'
import { INDEX, type Database } from './schema.js'
import { write } from './transact.js'

export interface TurnInput {
  owner: string
  now: number
  leaseMs: number
  maxStalls: number
  /** How many to claim and mark started: the caller sends them at once. */
  limit: number
  /**
   * How many more to claim without marking them started, to send the moment a request
   * ends, without waiting for a turn; taken in order while their bodies add up to at most
   * `aheadBytes`.
   */
  ahead: number
  aheadBytes: number
  /**
   * `all`: every running network job not in `mine` is orphaned (the caller holds the send
   * lock, so every earlier sender is gone); `expired`: only those whose lease expired.
   */
  recover: 'all' | 'expired'
  mine: ReadonlySet<string>
  /** Sends that ended since the last turn: recorded first, fenced. */
  outcomes: readonly { id: string; claim: number; outcome: SendOutcome }[]
  /** Jobs claimed ahead that were sent since the last turn (`at`: when). */
  started: readonly { id: string; claim: number; at: number }[]
  /** Jobs claimed ahead and never sent (the network is down, or a service worker took over): back to the queue, no attempt used. */
  release: readonly { id: string; claim: number }[]
  /**
   * No server has answered the caller yet: if the network looked down (`down`, or the next
   * queued job's last error is a send that got no response), claim one job only, with none
   * ahead, to probe with.
   */
  probe: boolean
  /** The caller's last pass found no network. */
  down: boolean
}

export interface TurnOutput {
  /** Outcomes recorded (refused ones, from a claim that is no longer current, are left out). */
  settled: JobRecord[]
  /** Claimed: those marked started (the first `limit`) are sent now, the others when a send ends. */
  claimed: JobRecord[]
  /** The request bodies of the claimed jobs, by id. */
  bodies: Map<string, ArrayBuffer[]>
  /** Recovered from a sender that vanished mid-send: back to queued, or failed (STALLED). */
  stalled: JobRecord[]
  /** When the next delayed network job is due, if any. */
  nextDueAt: number | undefined
  /** One job was claimed to probe the network with (see `probe`). */
  probing: boolean
}

/** A turn that may probe chooses its probe among this many of the next queued jobs, at least. */
const PROBE_WINDOW = 64

/**
 * The sender's one transaction per step: records the outcomes of finished sends, promotes
 * due network jobs, recovers orphaned ones, claims the next `limit` (none while the queue is
 * paused) and reads their bodies. Requests are issued without awaiting each other.
 */
export function sendTurn(db: Database, input: TurnInput): Promise<TurnOutput> {
  const { owner, now, leaseMs, maxStalls, limit, mine, outcomes, started, release } = input
  return write(db, ['jobs', 'meta', 'unseen', 'bodies'], 'relaxed', 'Could not update network jobs.', async (tx) => {
    const jobs = tx.objectStore('jobs')
    const stores = jobStores(tx)
    const bodies = tx.objectStore('bodies')
    const ids = [...new Set([...outcomes, ...started, ...release].map((r) => r.id))]
    const [paused, due, running, read] = await Promise.all([
      result(tx.objectStore('meta').get(PAUSED_KEY)),
      result(jobs.index(INDEX.due).getAll(IDBKeyRange.upperBound(now))),
      result(input.recover === 'all' ? jobs.index(INDEX.state).getAll(RUNNING) : jobs.index(INDEX.lease).getAll(IDBKeyRange.upperBound(now))),
      getJobs(jobs, ids),
    ])
    const current = new Map<string, JobRecord>()
    ids.forEach((id, i) => read[i] && current.set(id, read[i]))
    applyClaims(current, owner, started, release)
    const settled: JobRecord[] = []
    outcomes.forEach(({ id, claim, outcome }) => {
      const record = current.get(id)
      if (!holds(record, { owner, claim })) return
      let next: JobRecord
      if (outcome.kind === 'completed') next = transition.complete(record, outcome.result, now)
      else if (outcome.kind === 'offline') next = transition.offline(record, outcome.error, now)
      else next = transition.fail(record, outcome.error, now, Math.random(), outcome)
      settled.push(next)
      current.set(id, next)
      // A completed request is never sent again (retry() takes failed and cancelled jobs only): its body goes.
      if (next.state === 'completed') bodies.delete(jobRange(next.id))
    })
    putChanged(stores, ids, read, current)
    for (const record of due) if (record.kind === 'network') putJob(stores, transition.promote(record))
    const stalled: JobRecord[] = []
    for (const record of running) {
      // `current` holds the jobs of this turn's outcomes and claim reports: settled above, not orphans.
      if (record.kind !== 'network' || record.state !== 'running' || mine.has(record.id) || current.has(record.id)) continue
      const next = record.startedAt === undefined ? transition.release(record) : transition.stall(record, now, maxStalls)
      putJob(stores, next)
      if (record.startedAt !== undefined) stalled.push(next)
    }
    // Requests run in order: this read sees the outcomes, promotions and recoveries above.
    // pause() holds network jobs too (the flag is in the store, so the service worker sees it).
    const size = limit + input.ahead
    // A turn that may probe reads further, to choose its probe from more jobs (see transitions.ts probeWith()).
    // Not a job with a send of ours still in flight (cancelled, then retried): one request of a job at a time.
    const waiting = size > 0 && paused !== true ? (await result(jobs.index(INDEX.next).getAll(QUEUED, input.probe ? Math.max(size, PROBE_WINDOW) : size))).filter((r) => !mine.has(r.id)) : []
    const probing = input.probe && waiting.length > 0 && (input.down || transition.refusedAt(waiting[0]!) !== undefined)
    const head = probing ? transition.probeWith(waiting) : waiting.slice(0, size)
    let aheadBytes = 0
    const claimed: JobRecord[] = []
    for (const [i, record] of head.entries()) {
      if (i < limit) {
        claimed.push(transition.start(transition.claim(record, owner, now, leaseMs), now))
        continue
      }
      aheadBytes += (record.payload as { bodySize?: number }).bodySize ?? 0
      if (aheadBytes > input.aheadBytes) break
      claimed.push(transition.claim(record, owner, now, leaseMs))
    }
    for (const record of claimed) putJob(stores, record)
    flushMarks(stores)
    const [nextDueAt, chunks] = await Promise.all([
      nextDue(jobs.index(INDEX.due), now),
      Promise.all(claimed.map((r) => ((r.payload as { bodySize?: number }).bodySize ? result(bodies.getAll(jobRange(r.id))) : []))),
    ])
    return { settled, claimed, bodies: new Map(claimed.map((r, i) => [r.id, chunks[i] ?? []])), stalled, nextDueAt, probing }
  })
}

/** How one send ended. */
export type SendOutcome =
  | { kind: 'completed'; result: unknown }
  /** A failed attempt: retried with backoff (not before `notBefore`) unless `final` or out of attempts. */
  | { kind: 'failed'; error: unknown; final: boolean; notBefore?: number }
  /** No network: back to the queue, the attempt not counted. */
  | { kind: 'offline'; error: unknown }
