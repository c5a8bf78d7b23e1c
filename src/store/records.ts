/**
 * The one way to write a job record, and the unseen marks of outcomes.
 *
 * A finished record carries `unseenAt` from its transition (core/transitions.ts). The
 * record is stored without it; the mark goes to the small store `unseen`, one row per
 * write and finish time: key `[finishedAt, token]`, value the ids of the jobs that
 * finished then. A turn that settles 200 jobs writes one mark row, not 200, and the
 * page that delivers them deletes that row: IndexedDB's cost is mostly per request, so
 * marks cost about nothing per job. Acknowledging never rewrites a job (payload and
 * result included), and finding a job's mark needs only its `finishedAt`.
 *
 * A mark is valid while its job exists, is finished and still has that `finishedAt`; a
 * mark that outlived a retry or a removal is stale and dropped when read.
 *
 * Puts go without a promise each: they are the hot path of every turn, and a failed put
 * aborts its transaction, which `write()` reports.
 */
import { newOwnerId } from '../core/ids.js'
import type { JobRecord } from '../core/job.js'
import * as transition from '../core/transitions.js'
import { result, walk } from './idb.js'
import type { ReadOnly, Stores, Tx } from './schema.js'

export interface JobStores {
  jobs: Stores['jobs']
  unseen: Stores['unseen']
  /** Marks of this transaction not written yet, by finish time and state (see flushMarks). */
  marks: Map<string, { at: number; state: string; ids: string[] }>
}

/** A job's unseen mark: where its row is (`at`, the job's finishedAt) and which id to take out of it. */
export interface Mark {
  id: string
  at: number
}

/** The stores putJob() writes to, from a transaction over at least `jobs` and `unseen`. */
export const jobStores = (tx: Tx<'jobs' | 'unseen'>): JobStores => ({ jobs: tx.objectStore('jobs'), unseen: tx.objectStore('unseen'), marks: new Map() })

/**
 * The form of `record` the store holds: without `unseenAt` (marks have their own store),
 * without a payload kept apart (store `payloads`), with `nextKey` only while queued and `dueAt` only while delayed (the sparse indexes
 * `next` and `due`). Every write of a job goes through here.
 */
export function stored(record: JobRecord): JobRecord {
  const { unseenAt: _unseenAt, nextKey: _nextKey, dueAt: _dueAt, ...rest } = record
  // A payload kept apart is in store `payloads`; the record never carries it, even when a turn filled it in to run the job.
  if (record.payloadApart) delete (rest as Partial<JobRecord>).payload
  if (record.state === 'queued') return { ...rest, nextKey: [record.kind, record.priority, record.seq] }
  if (record.state === 'delayed') return { ...rest, dueAt: record.runAt }
  return rest
}

/** Puts `record`; if it just finished, its unseen mark waits in `stores` for flushMarks(). */
export function putJob(stores: JobStores, record: JobRecord): void {
  const { unseenAt: at, state } = record
  if (at !== undefined) {
    const row = stores.marks.get(`${at} ${state}`)
    if (row) row.ids.push(record.id)
    else stores.marks.set(`${at} ${state}`, { at, state, ids: [record.id] })
  }
  stores.jobs.put(stored(record))
}

/** Writes the marks putJob() collected, one row per finish time and state. Call once, after the last putJob() of the transaction. */
export function flushMarks(stores: JobStores): void {
  for (const { at, state, ids } of stores.marks.values()) stores.unseen.put(ids, markKey(at, state))
  stores.marks.clear()
}

/**
 * The key of a new mark row: `[finishedAt, "<state> <token>"]`. The state lets a replay skip the
 * rows of states nobody listens to without reading their jobs; the token keeps rows of two
 * writes in the same millisecond apart. (Rows written before the state was in the key have a
 * bare token.)
 */
export const markKey = (at: number, state: string): [number, string] => [at, `${state} ${newOwnerId()}`]

/** The state in a mark row's key (see markKey()); undefined for a row that has none. */
export const markState = ([, token]: [number, string]): string | undefined => (token.includes(' ') ? token.slice(0, token.indexOf(' ')) : undefined)

/** Every mark row of one finish time. */
export const marksAt = (at: number): IDBKeyRange => IDBKeyRange.bound([at], [at, []])

/**
 * Takes `marks` out of their rows (deleting rows left empty), in a transaction over
 * `unseen`: one read and one write per distinct finish time, however many jobs.
 */
export async function unmark(unseen: Stores['unseen'], marks: readonly Mark[]): Promise<void> {
  const byTime = new Map<number, Set<string>>()
  for (const { id, at } of marks) {
    const ids = byTime.get(at)
    if (ids) ids.add(id)
    else byTime.set(at, new Set([id]))
  }
  await Promise.all(
    [...byTime].map(([at, ids]) =>
      walk(unseen.openCursor(marksAt(at)), (cursor) => {
        const left = cursor.value.filter((id) => !ids.has(id))
        if (left.length === 0) cursor.delete()
        else if (left.length < cursor.value.length) cursor.update(left)
      }),
    ),
  )
}

/** Fencing: `record` still runs under the claim `run` (owner and claim count match), so `run` may record its start, progress or outcome. */
export const holds = (record: JobRecord | undefined, run: { owner: string; claim: number }): record is JobRecord =>
  record !== undefined && record.state === 'running' && record.owner === run.owner && record.claims === run.claim

/**
 * Fencing of a claim not written yet (a row of store `claims`, see turn.ts): the claim numbered
 * `claim` still applies to `record` while it says `queued` with the token just below. (Whether a
 * live row still holds that claim is the caller's to check.)
 */
export const stillClaimable = (record: JobRecord | undefined, claim: number): record is JobRecord =>
  record !== undefined && record.state === 'queued' && record.claims === claim - 1

/**
 * What an executor reported about its claims, applied to a turn's records (`current`, by
 * id) and fenced by `owner` and the claim count: start marks (handed to a worker, or sent),
 * and claims given back before they started (released as if never claimed). Returns the ids released.
 */
export function applyClaims(current: Map<string, JobRecord>, owner: string, started: readonly { id: string; claim: number; at: number }[], release: readonly { id: string; claim: number }[]): string[] {
  for (const mark of started) {
    const record = current.get(mark.id)
    if (holds(record, { owner, claim: mark.claim })) current.set(record.id, transition.start(record, mark.at))
  }
  const released: string[] = []
  for (const given of release) {
    const record = current.get(given.id)
    if (!holds(record, { owner, claim: given.claim }) || record.startedAt !== undefined) continue
    current.set(record.id, transition.release(record))
    released.push(record.id)
  }
  return released
}

/**
 * A turn reads its records once (`read`, aligned with `ids`), changes them in `current`, and
 * puts each that changed once, however many transitions it went through (start and outcome).
 */
export function putChanged(stores: JobStores, ids: readonly string[], read: readonly (JobRecord | undefined)[], current: Map<string, JobRecord>): void {
  ids.forEach((id, i) => {
    const record = current.get(id)
    if (record && record !== read[i]) putJob(stores, record)
  })
}

/** The mark of a finished record (`finishedAt` is when it was set), if it has one. */
export const markOf = (record: JobRecord): Mark | undefined => (record.finishedAt === undefined ? undefined : { id: record.id, at: record.finishedAt })

/**
 * Reads the records of `ids` with as few requests as possible: one `getAll` over the id
 * range they span (ids sort by creation, and jobs run roughly in creation order, so the
 * range is mostly theirs), at most twice as many records as asked; ids the range read did
 * not cover are read one by one. A record that is absent (removed) comes back undefined.
 */
export async function getJobs(jobs: ReadOnly<Stores['jobs']>, ids: readonly string[]): Promise<(JobRecord | undefined)[]> {
  const get = (id: string) => result(jobs.get(id))
  if (ids.length <= 2) return Promise.all(ids.map(get))
  const sorted = [...ids].sort()
  const limit = ids.length * 2
  const found = await result(jobs.getAll(IDBKeyRange.bound(sorted[0], sorted[sorted.length - 1]), limit))
  const byId = new Map(found.map((r) => [r.id, r]))
  // Truncated: the range held other jobs too; what it did not reach is read alone.
  const reached = found.length < limit ? undefined : found[found.length - 1]!.id
  return Promise.all(ids.map((id) => byId.get(id) ?? (reached !== undefined && id > reached ? get(id) : undefined)))
}

/** Puts back the payloads kept apart (store `payloads`) into `records` read in the same transaction. */
export async function joinPayloads(payloads: ReadOnly<Stores['payloads']>, records: readonly (JobRecord | undefined)[]): Promise<void> {
  await Promise.all(records.map(async (record) => record?.payloadApart && (record.payload = await result(payloads.get(record.id)))))
}
