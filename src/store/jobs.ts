/**
 * Transactions that change jobs on a user's command (add, cancel, retry, clear,
 * remove, settings), one function each, committed `strict`; and lease renewal. The
 * scheduler's own turn is in turn.ts. Its writes, like renewals, commit `relaxed`:
 * losing one to a power cut only re-runs a job, which at-least-once allows.
 */
import { isFinished, type JobRecord } from '../core/job.js'
import * as transition from '../core/transitions.js'
import { INDEX, type Database } from './schema.js'
import { quiet, write } from './transact.js'

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

export function setMeta(db: Database, key: string, value: unknown): Promise<void> {
  return write(db, ['meta'], 'strict', 'Could not save queue settings.', async (tx) => {
    await tx.objectStore('meta').put(value, key)
  })
}
