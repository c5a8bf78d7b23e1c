/** Reads: one readonly transaction each, index-backed, no full scans. */
import { isFinished, JOB_STATES, type JobRecord, type JobState, type LogLine } from '../core/job.js'
import { INDEX, stateRange, type Database } from './schema.js'
import { result, walk } from './idb.js'
import { getJobs, joinPayloads, stillClaimable } from './records.js'
import { read } from './transact.js'

/** One job, with its payload wherever it is kept. */
export const getJob = (db: Database, id: string): Promise<JobRecord | undefined> =>
  read(db, ['jobs', 'payloads'], `Could not read job ${id}.`, async (tx) => {
    const record = await result(tx.objectStore('jobs').get(id))
    await joinPayloads(tx.objectStore('payloads'), [record])
    return record
  })

/** A payload kept apart (`payloadApart`), to fill in an event's job (client/bus.ts). */
export const getPayload = (db: Database, id: string): Promise<unknown> =>
  read(db, ['payloads'], `Could not read the payload of job ${id}.`, (tx) => result(tx.objectStore('payloads').get(id)))

/**
 * getJob() for callers that ask for many jobs at once (200 handles' `result()`): the ids
 * asked for in one synchronous run of code are read in one transaction, with as few requests as getJobs() needs.
 * Records come without their payloads kept apart: a result does not need them.
 */
export function batchedGetJob(database: () => Promise<Database>): (id: string) => Promise<JobRecord | undefined> {
  let batch: { id: string; resolve(record: JobRecord | undefined): void; reject(error: unknown): void }[] = []
  const flush = async (opened: Promise<Database>): Promise<void> => {
    const asked = batch
    batch = []
    try {
      const ids = [...new Set(asked.map((a) => a.id))]
      const db = await opened
      const records = await read(db, ['jobs'], ids.length === 1 ? `Could not read job ${ids[0]}.` : `Could not read ${ids.length} jobs.`, (tx) => getJobs(tx.objectStore('jobs'), ids))
      const byId = new Map(ids.map((id, i) => [id, records[i]]))
      for (const a of asked) a.resolve(byId.get(a.id))
    } catch (error) {
      for (const a of asked) a.reject(error)
    }
  }
  return (id) =>
    new Promise((resolve, reject) => {
      if (batch.push({ id, resolve, reject }) > 1) return
      // The database as of the first ask, like an unbatched read: a queue closed a moment later does not fail it.
      const opened = database()
      opened.catch(() => {}) // reported to the askers by flush()
      queueMicrotask(() => void flush(opened))
    })
}

export interface ListQuery {
  state?: JobState
  name?: string
  /** At most this many jobs. */
  limit: number
  /** Start after this job id (the last id of the previous page). */
  after?: string
  /** Newest first. */
  reverse: boolean
  /** Read the payloads kept apart (store `payloads`). */
  largePayloads: boolean
}

/** A page of jobs ordered by creation (ids sort by time), filtered by state and/or name through an index. */
export function listJobs(db: Database, query: ListQuery): Promise<JobRecord[]> {
  const { state, name, limit, after, reverse, largePayloads } = query
  return read(db, ['jobs', 'payloads'], 'Could not list jobs.', async (tx) => {
    const store = tx.objectStore('jobs')
    const direction = reverse ? 'prev' : 'next'
    const prefix = state ?? name
    let range: IDBKeyRange | undefined
    if (prefix !== undefined) {
      const lower = after !== undefined && !reverse ? [prefix, after] : [prefix]
      const upper = after !== undefined && reverse ? [prefix, after] : [prefix, []]
      range = IDBKeyRange.bound(lower, upper, after !== undefined && !reverse, after !== undefined && reverse)
    } else if (after !== undefined) {
      range = reverse ? IDBKeyRange.upperBound(after, true) : IDBKeyRange.lowerBound(after, true)
    }
    const source = state !== undefined ? store.index(INDEX.state) : name !== undefined ? store.index(INDEX.name) : store
    const jobs: JobRecord[] = []
    if (limit > 0) {
      await walk(source.openCursor(range, direction), (cursor) => {
        if (name === undefined || cursor.value.name === name) jobs.push(cursor.value)
        return jobs.length >= limit
      })
    }
    if (largePayloads) await joinPayloads(tx.objectStore('payloads'), jobs)
    return jobs
  })
}

export type JobCounts = Record<JobState, number>
/** Jobs per state that is not finished. */
export type UnfinishedCounts = Pick<JobCounts, 'queued' | 'delayed' | 'running'>

/**
 * Jobs per state. A job a scheduler has claimed but not started yet (its record still says
 * `queued`, its claim is in store `claims`: see store/turn.ts) counts as `running`: the leader
 * has taken it, so `onEmpty()` resolves once nothing is left to take, as it always did.
 * A count walks its state's entries: counting finished jobs costs in proportion to how many
 * the database keeps, so waits leave them out (`finished: false`).
 */
export function countJobs(db: Database): Promise<JobCounts>
export function countJobs(db: Database, options: { finished: false }): Promise<UnfinishedCounts>
export function countJobs(db: Database, { finished = true } = {}): Promise<JobCounts | UnfinishedCounts> {
  const states = finished ? JOB_STATES : JOB_STATES.filter((state) => !isFinished(state))
  return read(db, ['jobs', 'claims'], 'Could not count jobs.', async (tx) => {
    const now = Date.now()
    const jobs = tx.objectStore('jobs')
    const index = jobs.index(INDEX.state)
    const [counts, rows] = await Promise.all([Promise.all(states.map((state) => result(index.count(stateRange(state))))), result(tx.objectStore('claims').getAll())])
    const byState = Object.fromEntries(states.map((state, i) => [state, counts[i] ?? 0])) as JobCounts
    // A job in two rows (one of them stale) counts once, if either claim matches its record.
    const claims = new Map<string, Set<number>>()
    for (const row of rows) if (row.expiresAt >= now) for (const [id, claim] of row.jobs) claims.set(id, (claims.get(id) ?? new Set()).add(claim))
    const ids = [...claims.keys()]
    const records = await getJobs(jobs, ids)
    const taken = ids.filter((id, i) => [...claims.get(id)!].some((claim) => stillClaimable(records[i], claim))).length
    byState.queued -= taken
    byState.running += taken
    return byState
  })
}

export function getLogs(db: Database, id: string): Promise<LogLine[]> {
  return read(db, ['logs'], `Could not read the logs of job ${id}.`, async (tx) => {
    const lines = await result(tx.objectStore('logs').getAll(IDBKeyRange.bound([id, -Infinity], [id, Infinity])))
    return lines.map(({ seq, at, message }) => ({ seq, at, message }))
  })
}

export const getMeta = (db: Database, key: string): Promise<unknown> =>
  read(db, ['meta'], 'Could not read queue settings.', (tx) => result(tx.objectStore('meta').get(key)))
