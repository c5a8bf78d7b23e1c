/**
 * Transactions that change jobs on a user's command (add, cancel, retry, clear,
 * remove, settings), one function each, committed `strict`; and lease renewal. The
 * scheduler's own turn is in turn.ts. Its writes, like renewals, commit `relaxed`:
 * losing one to a power cut only re-runs a job, which at-least-once allows.
 */
import { ErrandError, serializeError } from '../core/errors.js'
import { isFinished, type JobRecord } from '../core/job.js'
import * as transition from '../core/transitions.js'
import { result, walk } from './idb.js'
import { getJobs, joinPayloads, markKey, markOf, markState, stillClaimable, stored, unmark, type Mark } from './records.js'
import { INDEX, stateRange, type Database, type Tx } from './schema.js'
import { read, write } from './transact.js'

/** Every row of one job in the stores keyed [jobId, n] (logs, bodies). */
export const jobRange = (id: string): IDBKeyRange => IDBKeyRange.bound([id, -Infinity], [id, Infinity])

export interface Added {
  record: JobRecord
  /** True when an unfinished job with the same `key` was returned instead. */
  existed: boolean
}

/**
 * Adds jobs (with the request bodies of network jobs, and the payloads kept apart) in one
 * strict transaction, all or nothing; a keyed job dedupes against unfinished ones.
 */
export function addJobs(db: Database, records: readonly JobRecord[], bodies?: ReadonlyMap<string, readonly ArrayBuffer[]>): Promise<Added[]> {
  const what = records.length === 1 ? `Could not add job "${records[0]?.name}".` : `Could not add ${records.length} jobs.`
  // Only the stores these jobs write to: a wider scope costs every add() a little.
  const scope: ('jobs' | 'bodies' | 'payloads')[] = ['jobs']
  if (bodies) scope.push('bodies')
  if (records.some((r) => r.payloadApart)) scope.push('payloads')
  return write(db, scope, 'strict', what, async (tx) => {
    const store = tx.objectStore('jobs')
    // Adds go without a promise each (50,000 of them in one addAll()): a failed add aborts
    // the transaction, which write() reports; a DataCloneError throws here.
    const added: Added[] = []
    for (const record of records) {
      if (record.activeKey !== undefined) {
        // Requests run in order: this read sees the adds above, so one batch dedupes too.
        const existing = await result(store.index(INDEX.key).get(record.activeKey))
        if (existing) {
          // Its handle is typed by the name asked for: another job's result must not come back under it.
          if (existing.name !== record.name) {
            throw new ErrandError('INVALID_STATE', `Key "${record.activeKey}" belongs to unfinished job ${existing.id}, named "${existing.name}", not "${record.name}". Use another key, or finish or remove that job first.`)
          }
          added.push({ record: existing, existed: true })
          continue
        }
      }
      try {
        store.add(stored(record))
      } catch (error) {
        // Copying the payload threw (a getter, a revoked Proxy, nesting too deep): refused like a function in it.
        throw error instanceof DOMException ? error : new DOMException(serializeError(error).message, 'DataCloneError')
      }
      if (record.payloadApart) tx.objectStore('payloads').add(record.payload, record.id)
      bodies?.get(record.id)?.forEach((chunk, n) => tx.objectStore('bodies').add(chunk, [record.id, n]))
      added.push({ record, existed: false })
    }
    return added
  })
}

/** The leader's heartbeat (store `meta`): followers steal the lead when it stops. */
export interface Heartbeat {
  owner: string
  at: number
}
export const HEARTBEAT_KEY = 'leader'
/** The persisted `pause()` flag (store `meta`). */
export const PAUSED_KEY = 'paused'

/**
 * Extends the leases of our running jobs and, given a `holder`, of that scheduler's row in store
 * `claims` (claims not written to their records yet, see store/turn.ts); given a `heartbeat`
 * (the leader), writes it. Returns the ids that are no longer ours (cancelled, removed, recovered).
 */
export function renewLeases(db: Database, owner: string, ids: readonly string[], until: number, heartbeat?: Heartbeat, holder?: string): Promise<string[]> {
  return write(db, ['jobs', 'meta', 'claims'], 'relaxed', 'Could not renew leases.', async (tx) => {
    if (heartbeat) tx.objectStore('meta').put(heartbeat, HEARTBEAT_KEY)
    const store = tx.objectStore('jobs')
    // `holder`: the scheduler's row in store `claims`, whose claims are not in their records yet (a sender has none).
    const [records, row] = await Promise.all([getJobs(store, ids), holder === undefined ? undefined : result(tx.objectStore('claims').get(holder))])
    if (row) tx.objectStore('claims').put({ ...row, expiresAt: until }, holder)
    const inRow = new Map(row?.jobs)
    const lost: string[] = []
    // Not awaited: write() resolves once the transaction, and so every put, has committed.
    ids.forEach((id, i) => {
      const record = records[i]
      if (record?.state === 'running' && record.owner === owner) store.put(stored({ ...record, leaseExpiresAt: until }))
      else if (!(inRow.has(id) && stillClaimable(record, inRow.get(id)!))) lost.push(id)
    })
    return lost
  })
}

/**
 * Whether a running CPU job's lease has lapsed by `now`: a job no live scheduler runs (one a
 * stale leader started), which the leader, perhaps asleep on an idle queue, must recover. (A
 * network job's lapsed lease is its sender's to recover.)
 */
export function leaseLapsed(db: Database, now: number): Promise<boolean> {
  return read(db, ['jobs'], 'Could not read the leases.', async (tx) =>
    (await result(tx.objectStore('jobs').index(INDEX.lease).getAll(IDBKeyRange.upperBound(now), 16))).some((r) => r.kind === 'cpu'),
  )
}

/** A user command on one job, strict. `change` returns undefined to leave the job as it is. */
function changeJob(db: Database, id: string, what: string, change: (record: JobRecord) => JobRecord | undefined): Promise<{ before: JobRecord | undefined; after: JobRecord | undefined }> {
  return write(db, ['jobs', 'unseen'], 'strict', what, async (tx) => {
    const before = await result(tx.objectStore('jobs').get(id))
    const after = before && change(before)
    if (after) {
      // A cancelled job's outcome is unseen; a retried job is no outcome any more.
      const earlier = markOf(before)
      if (earlier) await unmark(tx.objectStore('unseen'), [earlier])
      if (after.unseenAt !== undefined) tx.objectStore('unseen').put([id], markKey(after.unseenAt, after.state))
      // Awaited: a put that breaks the unique key index rejects with ConstraintError, reported as INVALID_STATE.
      await result(tx.objectStore('jobs').put(stored(after)))
    }
    return { before, after }
  })
}

export const cancelJob = (db: Database, id: string, now: number) =>
  changeJob(db, id, `Could not cancel job ${id}.`, (r) => (isFinished(r.state) ? undefined : transition.cancel(r, now)))

export const retryJob = (db: Database, id: string, now: number) =>
  changeJob(db, id, `Could not retry job ${id}.`, (r) => (r.state === 'failed' || r.state === 'cancelled' ? transition.retry(r, now) : undefined))

/**
 * Cancels every job that has not started in one transaction: queued and delayed ones (also
 * those a scheduler holds in memory, whose claims are not written: their records say
 * `queued`), and records claimed by an earlier version of errand but never started.
 */
export function cancelWaiting(db: Database, now: number, started: (id: string) => boolean = () => false): Promise<JobRecord[]> {
  return write(db, ['jobs', 'unseen'], 'strict', 'Could not clear the queue.', async (tx) => {
    const index = tx.objectStore('jobs').index(INDEX.state)
    const cancelled: JobRecord[] = []
    for (const state of ['queued', 'delayed', 'running']) {
      await walk(index.openCursor(stateRange(state)), (cursor) => {
        // Started: its start written, or (`started`) handed to a worker here with its start still to write.
        if ((state === 'running' && cursor.value.startedAt !== undefined) || started(cursor.value.id)) return
        const next = transition.cancel(cursor.value, now)
        cursor.update(stored(next))
        cancelled.push(next)
      })
    }
    // Every one of them finished at `now`: one mark row.
    if (cancelled.length) tx.objectStore('unseen').put(cancelled.map((r) => r.id), markKey(now, 'cancelled'))
    return cancelled
  })
}

/** The stores that hold a job's rows, for a transaction that deletes jobs (see deleteJobRows). */
export const JOB_ROW_STORES = ['jobs', 'logs', 'bodies', 'payloads', 'unseen'] as const

/**
 * Deletes every row of `record`: the job, its log lines, its request body, its payload kept
 * apart (its unseen mark is the caller's). Then walks the job's own entries in indexes `state`
 * and `name`, which Chromium keeps after the record is gone until a read-write transaction
 * walks past them (see sweepStates() in prune.ts): else every later `list({ state })` or
 * `list({ name })` from the oldest, and every count of that state, steps over them again
 * (after 20,000 pruned jobs, `list({ name, limit: 50 })` took 95 ms instead of 6).
 */
export function deleteJobRows(tx: Tx<'jobs' | 'logs' | 'bodies' | 'payloads'>, record: JobRecord): void {
  const own = jobRange(record.id)
  const jobs = tx.objectStore('jobs')
  jobs.delete(record.id)
  tx.objectStore('logs').delete(own)
  tx.objectStore('bodies').delete(own)
  if (record.payloadApart) tx.objectStore('payloads').delete(record.id)
  jobs.index(INDEX.state).getAllKeys(IDBKeyRange.only([record.state, record.id]))
  jobs.index(INDEX.name).getAllKeys(IDBKeyRange.only([record.name, record.id]))
}

/** Deletes a job and all its rows in one transaction. */
export function removeJob(db: Database, id: string): Promise<JobRecord | undefined> {
  return write(db, [...JOB_ROW_STORES], 'strict', `Could not remove job ${id}.`, async (tx) => {
    const record = await result(tx.objectStore('jobs').get(id))
    if (!record) return undefined
    deleteJobRows(tx, record)
    const mark = markOf(record)
    if (mark) await unmark(tx.objectStore('unseen'), [mark])
    return record
  })
}

export function setMeta(db: Database, key: string, value: unknown): Promise<void> {
  return write(db, ['meta'], 'strict', 'Could not save queue settings.', async (tx) => {
    tx.objectStore('meta').put(value, key)
  })
}

/** Marks outcomes as delivered: takes them out of their unseen marks (the jobs themselves are not rewritten). */
export function acknowledge(db: Database, marks: readonly Mark[]): Promise<void> {
  return write(db, ['unseen'], 'relaxed', 'Could not record delivered outcomes.', (tx) => unmark(tx.objectStore('unseen'), marks))
}

/**
 * Takes the finished jobs whose outcome no page has seen, in the given states (and finished
 * since `since`, if given), oldest outcome first, and marks them seen: one transaction, so two
 * pages opening at once never replay the same outcome.
 */
export function takeUnseen(db: Database, states: ReadonlySet<string>, since?: number): Promise<JobRecord[]> {
  return write(db, ['jobs', 'unseen', 'payloads'], 'relaxed', 'Could not read outcomes to replay.', async (tx) => {
    const unseen = tx.objectStore('unseen')
    const jobs = tx.objectStore('jobs')
    // Keys come in order: oldest finish time first. Rows of states nobody here listens to are not read.
    const keys = (await result(unseen.getAllKeys(since === undefined ? undefined : IDBKeyRange.lowerBound([since])))).filter((key) => {
      const state = markState(key)
      return state === undefined || states.has(state)
    })
    const rows = await Promise.all(keys.map((key) => result(unseen.get(key)) as Promise<string[]>))
    const records = await Promise.all(rows.map((ids) => getJobs(jobs, ids)))
    const taken: JobRecord[] = []
    rows.forEach((ids, i) => {
      const [at] = keys[i]!
      const left = ids.filter((_, k) => {
        const record = records[i]![k]
        // A mark whose job is gone, or finished again since (a retry), is stale: dropped.
        if (!record || !isFinished(record.state) || record.finishedAt !== at) return false
        if (!states.has(record.state)) return true
        taken.push(record)
        return false
      })
      if (left.length === 0) unseen.delete(keys[i]!)
      else if (left.length < ids.length) unseen.put(left, keys[i]!)
    })
    // With their payloads: once this commits, the marks are gone, so delivery must not wait for another read.
    await joinPayloads(tx.objectStore('payloads'), taken)
    return taken
  })
}
