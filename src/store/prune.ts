/**
 * Retention: deletes finished jobs (and their logs, request bodies and payloads kept apart) beyond what `keep` allows, oldest
 * first, in small transactions so a large backlog never blocks the scheduler's turns.
 */
import { INDEX, stateRange, type Database } from './schema.js'
import { deleteJobRows, JOB_ROW_STORES } from './jobs.js'
import { result } from './idb.js'
import { markOf, unmark } from './records.js'
import { write } from './transact.js'

/** How many finished jobs of one state to keep: the newest `count`, and none older than `age` ms. */
export interface KeepRule {
  age?: number
  count?: number
}

/**
 * Chromium (its LevelDB store) keeps an index entry whose record changed or went until a
 * read-write transaction walks past it: a read-only one steps over it again every time.
 * Every job leaves such entries where it was `queued` and `running` (and `delayed`, when it
 * waited) in index `state`, and counts() and onEmpty() count those ranges read-only: after
 * 20,000 jobs, counting `queued` took 82 ms instead of 0.4 (bench/tools/history.mjs), and
 * held up the leader's turns meanwhile. This walks them once, read-write: all of `running`
 * (a few live entries), and the head of `queued` and `delayed` (ids sort by creation, and jobs
 * leave those states roughly oldest first). It runs with retention, after jobs settle; its
 * cost is that of the entries that went stale since the last time (about 20 µs each here).
 */
export function sweepStates(db: Database): Promise<void> {
  return write(db, ['jobs'], 'relaxed', 'Could not tidy the index of job states.', async (tx) => {
    const index = tx.objectStore('jobs').index(INDEX.state)
    await Promise.all([result(index.getAllKeys(stateRange('running'))), result(index.getAllKeys(stateRange('queued'), 1)), result(index.getAllKeys(stateRange('delayed'), 1))])
  })
}

/** Jobs deleted per transaction. */
const BATCH = 100

/**
 * One small transaction: deletes up to BATCH jobs of `state` that `rule` no longer keeps. It
 * reads the next BATCH by creation (ids sort by it, roughly: see newJobId()) after the id
 * `after`, and takes the oldest outcomes among them, so that a job created long ago that just
 * finished (a retry, a long delay) outlives older outcomes. Jobs beyond `count` are taken from
 * the oldest created, whatever `after` says. `resume`: the id to read on from, when no job
 * goes for `count` and jobs created later may still be past `age` (the last job read was
 * created before the cutoff; one created after it cannot have finished before it).
 */
export function pruneBatch(db: Database, state: 'completed' | 'failed' | 'cancelled', rule: KeepRule, now: number, after?: string): Promise<{ deleted: number; resume?: string }> {
  return write(db, [...JOB_ROW_STORES], 'relaxed', `Could not prune ${state} jobs.`, async (tx) => {
    const index = tx.objectStore('jobs').index(INDEX.state)
    const range = stateRange(state)
    const excess = rule.count === undefined ? 0 : Math.max(0, (await result(index.count(range))) - rule.count)
    const cutoff = rule.age === undefined ? -Infinity : now - rule.age
    const from = excess > 0 ? undefined : after
    const read = await result(index.getAll(from === undefined ? range : IDBKeyRange.bound([state, from], range.upper, true), BATCH))
    // The first `excess` go for the count rule; after them, only those past the age.
    const doomed = [...read].sort((a, b) => (a.finishedAt ?? now) - (b.finishedAt ?? now)).filter((record, i) => i < excess || (record.finishedAt ?? now) < cutoff)
    const marks = doomed.map(markOf).filter((mark) => mark !== undefined)
    for (const record of doomed) deleteJobRows(tx, record)
    await unmark(tx.objectStore('unseen'), marks)
    const last = read[read.length - 1]
    return { deleted: doomed.length, ...(excess === 0 && read.length === BATCH && last!.createdAt < cutoff ? { resume: last!.id } : {}) }
  })
}

/**
 * Retention, after jobs settle: sweeps the index of states, then prunes each state its rule
 * covers, batch by batch, yielding to other work between batches, until `stopped()`. A failed
 * step is `report`ed and the next one goes on.
 */
export async function retain(db: Database, keep: Partial<Record<'completed' | 'failed' | 'cancelled', KeepRule>>, stopped: () => boolean, report: (error: unknown) => void): Promise<void> {
  await sweepStates(db).catch(report)
  for (const [state, rule] of Object.entries(keep) as ['completed' | 'failed' | 'cancelled', KeepRule][]) {
    try {
      // On past what was read while `age` may find more; else the same place again while jobs go (those are gone).
      for (let after: string | undefined; !stopped(); await new Promise((resolve) => setTimeout(resolve))) {
        const { deleted, resume } = await pruneBatch(db, state, rule, Date.now(), after)
        if (deleted === 0 && resume === undefined) break
        if (resume !== undefined) after = resume
      }
    } catch (error) {
      report(error)
    }
  }
}
