/**
 * Reads of network jobs shared by the page and the sender: whether a sender is needed, and
 * when. The sender's own transaction is in send-turn.ts, which only the sender loads.
 */
import type { JobRecord } from '../core/job.js'
import { result, walk, type Source } from './idb.js'
import { INDEX, stateRange, type Database } from './schema.js'
import { read } from './transact.js'

export const QUEUED = IDBKeyRange.bound(['network', -Infinity, -Infinity], ['network', Infinity, Infinity])
export const RUNNING = stateRange('running')

/** The first delayed network job due after `now`, from the `due` index (delayed CPU jobs are skipped; they are few next to queued ones). */
export async function nextDue(due: Source<JobRecord, string>, now: number): Promise<number | undefined> {
  let at: number | undefined
  await walk(due.openCursor(IDBKeyRange.lowerBound(now, true)), ({ value }) => {
    if (value.kind === 'network') at = value.runAt
    return at !== undefined
  })
  return at
}

/**
 * When a sender is next needed: now if a network job is queued or running (a running one may
 * be orphaned; `running: false` leaves them out), else the first delayed one's `runAt`, else undefined.
 */
export function nextRequestDue(db: Database, now: number, running = true): Promise<number | undefined> {
  return read(db, ['jobs'], 'Could not read the network jobs.', async (tx) => {
    const jobs = tx.objectStore('jobs')
    if (await result(jobs.index(INDEX.next).count(QUEUED))) return now
    if (running && (await result(jobs.index(INDEX.state).getAll(RUNNING))).some((r) => r.kind === 'network')) return now
    return nextDue(jobs.index(INDEX.due), -Infinity)
  })
}

/**
 * Whether another sender may still be at work: a network job it sends has a lease that has not
 * expired (a live sender renews it every third of its lease; a frozen one lets it expire).
 */
export function sendingElsewhere(db: Database, owner: string, now: number): Promise<boolean> {
  return read(db, ['jobs'], 'Could not read the network jobs.', async (tx) => {
    const leased = await result(tx.objectStore('jobs').index(INDEX.lease).getAll(IDBKeyRange.lowerBound(now, true)))
    return leased.some((r) => r.kind === 'network' && r.owner !== owner)
  })
}
