/**
 * Every transaction over the `jobs` store that changes a job. One function, one
 * transaction. Enqueue and user commands commit `strict`; the scheduler's own writes
 * (claims, completions, renewals) commit `relaxed`: losing one to a power cut only
 * re-runs a job, which at-least-once allows.
 */
import { isFinished, type JobRecord } from '../core/job.js'
import * as transition from '../core/transitions.js'
import { INDEX, type Database } from './schema.js'
import { quiet, write } from './transact.js'

const QUEUED = IDBKeyRange.bound(['queued', -Infinity, -Infinity], ['queued', Infinity, Infinity])
const stateRange = (state: string): IDBKeyRange => IDBKeyRange.bound([state], [state, []])

export interface Added {
  record: JobRecord
  /** True when an unfinished job with the same `key` was returned instead. */
  existed: boolean
}

/** Adds jobs in one strict transaction, all or nothing; a keyed job dedupes against unfinished ones. */
export function addJobs(db: Database, records: readonly JobRecord[]): Promise<Added[]> {
  const what = records.length === 1 ? `Could not add job "${records[0]?.name}".` : `Could not add ${records.length} jobs.`
  return write(db, ['jobs'], 'strict', what, async (tx) => {
    const store = tx.objectStore('jobs')
    const pending: Promise<unknown>[] = []
    const added: Added[] = []
    for (const record of records) {
      if (record.activeKey !== undefined) {
        const existing = await store.index(INDEX.key).get(record.activeKey)
        if (existing) {
          added.push({ record: existing, existed: true })
          continue
        }
      }
      pending.push(quiet(store.add(record)))
      added.push({ record, existed: false })
    }
    await Promise.all(pending)
    return added
  })
}

export interface TickInput {
  owner: string
  now: number
  leaseMs: number
  /** How many queued jobs to claim (free executor slots). */
  limit: number
  maxStalls: number
  /** Ids this scheduler is running: their leases are renewed, never recovered. */
  mine: ReadonlySet<string>
  /** True on the first tick after taking the lead: every running job not ours is orphaned. */
  recoverForeign: boolean
}

export interface TickOutput {
  claimed: JobRecord[]
  /** Jobs whose executor vanished: back to queued, or failed (STALLED). */
  stalled: JobRecord[]
  /** When the next delayed job is due or the next lease expires (epoch ms), if any. */
  wakeAt: number | undefined
}

/**
 * The scheduler's one transaction per turn. Invariants:
 * - It is a single readwrite transaction, so two schedulers on one database are
 *   serialised by IndexedDB and can never claim the same job.
 * - Only `queued` jobs are claimed, first by priority then seq; `delayed` ones become
 *   `queued` here once `runAt` ≤ now, before claiming, so a due job runs this turn.
 * - A claim bumps `attempt` and sets `owner` + `leaseExpiresAt`; every later write for
 *   that run checks owner and attempt (fencing), so a late executor cannot overwrite.
 * - A running job is recovered only when its lease expired, or when its owner is not
 *   the leader (which holds the Web Lock, so every other owner is gone).
 */
export function tick(db: Database, input: TickInput): Promise<TickOutput> {
  const { owner, now, leaseMs, limit, maxStalls, mine } = input
  return write(db, ['jobs'], 'relaxed', 'Could not claim jobs.', async (tx) => {
    const store = tx.objectStore('jobs')
    const stalled: JobRecord[] = []

    let cursor = await store.index(INDEX.due).openCursor(IDBKeyRange.bound(['delayed', -Infinity], ['delayed', now]))
    while (cursor) {
      await cursor.update(transition.promote(cursor.value))
      cursor = await cursor.continue()
    }

    const orphans = input.recoverForeign ? stateRange('running') : IDBKeyRange.upperBound(now)
    let running = input.recoverForeign ? await store.index(INDEX.state).openCursor(orphans) : await store.index(INDEX.lease).openCursor(orphans)
    while (running) {
      const record = running.value
      if (record.state === 'running' && !(record.owner === owner && mine.has(record.id))) {
        const next = transition.stall(record, now, maxStalls)
        await running.update(next)
        stalled.push(next)
      }
      running = await running.continue()
    }

    const claimed: JobRecord[] = []
    let queued = limit > 0 ? await store.index(INDEX.next).openCursor(QUEUED) : null
    while (queued) {
      const next = transition.claim(queued.value, owner, now, leaseMs)
      await queued.update(next)
      claimed.push(next)
      queued = claimed.length < limit ? await queued.continue() : null
    }

    const nextDue = await store.index(INDEX.due).openKeyCursor(IDBKeyRange.bound(['delayed', now], ['delayed', Infinity], true))
    const nextLease = await store.index(INDEX.lease).openKeyCursor()
    const candidates = [nextDue?.key[1], nextLease?.key].filter((at): at is number => at !== undefined)
    return { claimed, stalled, wakeAt: candidates.length ? Math.min(...candidates) : undefined }
  })
}

export type Outcome =
  | { id: string; owner: string; attempt: number; ok: true; result: unknown }
  | { id: string; owner: string; attempt: number; ok: false; error: unknown }

export interface Settled {
  outcome: Outcome
  /** The new record, or undefined when the outcome was refused (stale lease, cancelled, removed). */
  record: JobRecord | undefined
}

/** Records a batch of outcomes in one relaxed transaction, each only from its lease holder. */
export function settle(db: Database, outcomes: readonly Outcome[], now: number): Promise<Settled[]> {
  return write(db, ['jobs'], 'relaxed', 'Could not record job outcomes.', async (tx) => {
    const store = tx.objectStore('jobs')
    const records = await Promise.all(outcomes.map((o) => store.get(o.id)))
    const settled: Settled[] = []
    const pending: Promise<unknown>[] = []
    outcomes.forEach((outcome, i) => {
      const record = records[i]
      if (!record || record.state !== 'running' || record.owner !== outcome.owner || record.attempt !== outcome.attempt) {
        settled.push({ outcome, record: undefined })
        return
      }
      const next = outcome.ok ? transition.complete(record, outcome.result, now) : transition.fail(record, outcome.error, now)
      pending.push(quiet(store.put(next)))
      settled.push({ outcome, record: next })
    })
    await Promise.all(pending)
    return settled
  })
}

/** Extends the leases of our running jobs; returns the ids that are no longer ours (cancelled, removed, recovered). */
export function renewLeases(db: Database, owner: string, ids: readonly string[], until: number): Promise<string[]> {
  return write(db, ['jobs'], 'relaxed', 'Could not renew leases.', async (tx) => {
    const store = tx.objectStore('jobs')
    const records = await Promise.all(ids.map((id) => store.get(id)))
    const lost: string[] = []
    const pending: Promise<unknown>[] = []
    ids.forEach((id, i) => {
      const record = records[i]
      if (record?.state === 'running' && record.owner === owner) pending.push(quiet(store.put({ ...record, leaseExpiresAt: until })))
      else lost.push(id)
    })
    await Promise.all(pending)
    return lost
  })
}

/** A user command on one job, strict. `change` returns undefined to leave the job as it is. */
function changeJob(db: Database, id: string, what: string, change: (record: JobRecord) => JobRecord | undefined): Promise<{ before: JobRecord | undefined; after: JobRecord | undefined }> {
  return write(db, ['jobs'], 'strict', what, async (tx) => {
    const store = tx.objectStore('jobs')
    const before = await store.get(id)
    const after = before && change(before)
    if (after) await store.put(after)
    return { before, after }
  })
}

export const cancelJob = (db: Database, id: string, now: number) =>
  changeJob(db, id, `Could not cancel job ${id}.`, (r) => (isFinished(r.state) ? undefined : transition.cancel(r, now)))

export const retryJob = (db: Database, id: string, now: number) =>
  changeJob(db, id, `Could not retry job ${id}.`, (r) => (r.state === 'failed' || r.state === 'cancelled' ? transition.retry(r, now) : undefined))

/** Cancels every job that has not started (queued and delayed) in one transaction. */
export function cancelWaiting(db: Database, now: number): Promise<JobRecord[]> {
  return write(db, ['jobs'], 'strict', 'Could not clear the queue.', async (tx) => {
    const index = tx.objectStore('jobs').index(INDEX.state)
    const cancelled: JobRecord[] = []
    for (const state of ['queued', 'delayed']) {
      let cursor = await index.openCursor(stateRange(state))
      while (cursor) {
        const next = transition.cancel(cursor.value, now)
        await cursor.update(next)
        cancelled.push(next)
        cursor = await cursor.continue()
      }
    }
    return cancelled
  })
}

/** Deletes a job and all its log lines in one transaction. */
export function removeJob(db: Database, id: string): Promise<JobRecord | undefined> {
  return write(db, ['jobs', 'logs'], 'strict', `Could not remove job ${id}.`, async (tx) => {
    const jobs = tx.objectStore('jobs')
    const record = await jobs.get(id)
    if (!record) return undefined
    await Promise.all([jobs.delete(id), tx.objectStore('logs').delete(IDBKeyRange.bound([id, -Infinity], [id, Infinity]))])
    return record
  })
}
