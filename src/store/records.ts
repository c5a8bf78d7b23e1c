/**
 * The one way to write a job record. A finished record carries `unseenAt` from its
 * transition (core/transitions.ts); here that mark moves to the small store `unseen`
 * (key: job id, value: finish time), and the record is stored without it. Acknowledging an
 * outcome is then one delete of a tiny row, not a rewrite of the job (payload and result
 * included), and the unseen outcomes are read without an index over every job.
 *
 * Puts go to the raw IDBObjectStore, without a promise each: they are the hot path of
 * every turn, and a failed put aborts its transaction, which `write()` reports.
 */
import { unwrap, type IDBPObjectStore } from 'idb'
import type { JobRecord } from '../core/job.js'

export interface JobStores {
  jobs: IDBObjectStore
  unseen: IDBObjectStore
}

/** The raw stores putJob() writes to, from a transaction over at least `jobs` and `unseen`. */
export function jobStores(tx: { objectStore(name: 'jobs' | 'unseen'): unknown }): JobStores {
  const raw = (name: 'jobs' | 'unseen') => unwrap(tx.objectStore(name) as IDBPObjectStore) as unknown as IDBObjectStore
  return { jobs: raw('jobs'), unseen: raw('unseen') }
}

/** Puts `record`, and its unseen mark if it just finished, in the transaction of `stores`. */
export function putJob(stores: JobStores, record: JobRecord): void {
  if (record.unseenAt === undefined) {
    stores.jobs.put(record)
    return
  }
  const { unseenAt, ...stored } = record
  stores.unseen.put(unseenAt, record.id)
  stores.jobs.put(stored)
}

/**
 * Reads the records of `ids` with as few requests as possible: one `getAll` over the id
 * range they span (ids sort by creation, and jobs run roughly in creation order, so the
 * range is mostly theirs), at most twice as many records as asked; ids the range read did
 * not cover are read one by one. A record that is absent (removed) comes back undefined.
 */
export async function getJobs(jobs: { getAll(range: IDBKeyRange, count: number): Promise<JobRecord[]>; get(id: string): Promise<JobRecord | undefined> }, ids: readonly string[]): Promise<(JobRecord | undefined)[]> {
  if (ids.length <= 2) return Promise.all(ids.map((id) => jobs.get(id)))
  const sorted = [...ids].sort()
  const limit = ids.length * 2
  const found = await jobs.getAll(IDBKeyRange.bound(sorted[0], sorted[sorted.length - 1]), limit)
  const byId = new Map(found.map((r) => [r.id, r]))
  // Truncated: the range held other jobs too; what it did not reach is read alone.
  const reached = found.length < limit ? undefined : found[found.length - 1]!.id
  return Promise.all(ids.map((id) => byId.get(id) ?? (reached !== undefined && id > reached ? jobs.get(id) : undefined)))
}
