/**
 * The scheduler's one transaction per turn: record what running jobs reported and how
 * they ended, promote due delayed jobs, recover orphaned ones, and claim the next.
 * Requests are issued without awaiting each other (IndexedDB runs them in order), so
 * a turn costs about three round trips to the database whatever its size.
 *
 * Invariants:
 * - One readwrite transaction: two schedulers on one database are serialised by
 *   IndexedDB and can never claim the same job.
 * - Only `queued` jobs are claimed, by priority then seq; due `delayed` jobs are
 *   promoted earlier in the same transaction, so they compete in this very claim.
 * - Claims are lazy: a claim writes no record. The scheduler's one row in store `claims`
 *   lists what it holds (id and claim number) and is rewritten by each turn that changes it:
 *   one put per turn, however many jobs. The record stays `queued` (in index `next`) while
 *   its job waits in the leader's memory for a worker, and the head read skips the jobs
 *   held in any live row. Its claim is written (`attempt` and the fencing token `claims`
 *   bumped, `owner` and `leaseExpiresAt` set) with its start mark, by the first turn after
 *   the job was handed to a worker, or with its outcome if that comes first. Until then the
 *   job counts as never started: if the leader dies, its row is void and nothing else is
 *   left to undo (a job can sit claimed in memory, and then nothing ran).
 * - The head read is the first queued jobs in `next` order that no live row holds and no run
 *   here may still end. It starts past the last job this scheduler claimed only when no other
 *   scheduler has a live row and every queued job up to there is skipped, which the same round
 *   trip checks by reading their keys.
 * - A row past its `expiresAt` is void: its jobs may be claimed again (leases are renewed
 *   well before, see jobs.ts renewLeases). A new exclusive leader deletes every other row.
 * - Progress, start marks and outcomes are applied only when owner and `claims` still match
 *   (fencing): for a record not written yet, when it is still `queued`, its `claims` is one
 *   below the claim number and this scheduler's stored row still holds it. A late executor,
 *   a cancelled or retried job (retry bumps `claims`), or a recovered one cannot be overwritten.
 * - A running job is recovered only when its lease expired, or when its owner is not
 *   the leader (the leader holds the Web Lock, so every earlier owner is gone).
 * - Log lines are history: kept for any attempt, up to `logLimit` per job.
 */
import type { JobRecord } from '../core/job.js'
import * as transition from '../core/transitions.js'
import { result } from './idb.js'
import { INDEX, stateRange, type ClaimRow, type Database } from './schema.js'
import { applyClaims, flushMarks, getJobs, holds, jobStores, joinPayloads, putChanged, putJob, stillClaimable } from './records.js'
import { write } from './transact.js'

/** Queued CPU jobs (network jobs are claimed by the sender: src/net/). */
const QUEUED = IDBKeyRange.bound(['cpu', -Infinity, -Infinity], ['cpu', Infinity, Infinity])

export type Outcome =
  | { id: string; owner: string; claim: number; ok: true; result: unknown }
  | { id: string; owner: string; claim: number; ok: false; error: unknown }

export interface Report {
  id: string
  owner: string
  /** The claim (fencing token, `record.claims`) the reporting run belongs to. */
  claim: number
  /** Latest progress since the last turn, if any. */
  progress?: number
  logs: { at: number; message: string }[]
}

export interface TurnInput {
  owner: string
  /** This scheduler's row in store `claims` (one per scheduler, also when a page leads again). */
  holder: string
  now: number
  leaseMs: number
  maxStalls: number
  logLimit: number
  /** How many queued jobs to claim (free executor slots). */
  claim: number
  /** Ids this scheduler is running or holds in memory: never recovered from under it, never claimed again while a run of them may still be ending. */
  mine: ReadonlySet<string>
  /** True on the first turn after taking the lead: every running job not ours is orphaned. */
  recoverForeign: boolean
  outcomes: readonly Outcome[]
  reports: readonly Report[]
  /** Claimed jobs handed to a worker since the last turn. */
  started: readonly { id: string; claim: number; at: number }[]
  /** Read when to wake up next even if the claim is satisfied (the scheduler may go idle). */
  wantWakeAt: boolean
  /** Wake up when another scheduler's lease expires (only when several schedule at once). */
  watchLeases: boolean
  /**
   * Claims this scheduler holds whose records are not written yet (waiting in memory for a
   * worker, or handed to one with the start mark still to write), with their claim numbers.
   * Claims to give back (a better job came, the queue paused or closes) are left out: the
   * turn drops them from the row, and their jobs are `queued` as they always were.
   */
  held: readonly { id: string; claim: number }[]
  /**
   * The `next` key of the last job this scheduler claimed (TurnOutput `after`). A hint: the head
   * read starts past it when no other scheduler has a live row and every queued job up to it is
   * one the turn skips (held, running, or written now), which takes reading their keys instead
   * of their records; else from the start (also when held jobs past it fill that read).
   */
  after: NextKey | undefined
  /**
   * Takes the payload kept apart of a job this page holds in memory (added here with
   * `transfer`), if it does: a claimed job gets it instead of a read. A payload taken by a
   * turn that then fails is not lost: the next claim reads the store's copy.
   */
  takeHeld(id: string): { payload: unknown } | undefined
}

export interface TurnOutput {
  /** Jobs whose outcome was recorded (refused outcomes are left out). */
  settled: JobRecord[]
  /** Ids given back to the queue: claims of a vanished leader that never started (written by an earlier version of errand). */
  released: string[]
  /** Held claims (`input.held`) that are not ours any more (another scheduler voided them, or the job changed): never start them, stop their runs. */
  lost: string[]
  /** With their payloads, also those kept apart: taken from memory (`takeHeld`) or read in this turn. */
  claimed: JobRecord[]
  /** Jobs whose executor vanished: back to queued, or failed (STALLED). */
  stalled: JobRecord[]
  /** The smallest priority among delayed jobs that became due in this turn, if any. */
  promotedPriority: number | undefined
  /** When the next delayed job is due or the next lease expires (epoch ms), if any; read only when `wakeKnown`. */
  wakeAt: number | undefined
  /** False when the turn skipped reading `wakeAt` because the scheduler stays busy. */
  wakeKnown: boolean
  /** The `next` key of the last job claimed, for the next turn's `after` (`input.after` when none was). */
  after: NextKey | undefined
}

type NextKey = NonNullable<JobRecord['nextKey']>

/** The head read issued with the turn's first reads (see head() in runTurn). */
interface Early {
  /** How many jobs `found` asked for. */
  count: number
  found: Promise<JobRecord[]>
  /** The ids of the queued jobs up to `input.after` (none without it), whose records `found` leaves out: at most one more than the turn skips. */
  upTo: Promise<string[]>
}

export function runTurn(db: Database, input: TurnInput): Promise<TurnOutput> {
  const { owner, holder, now, leaseMs, maxStalls, logLimit, mine, outcomes, reports, held } = input
  return write(db, ['jobs', 'logs', 'unseen', 'payloads', 'claims'], 'relaxed', 'Could not record job outcomes and claim jobs.', async (tx) => {
    const jobs = tx.objectStore('jobs')
    const logs = tx.objectStore('logs')
    const claimRows = tx.objectStore('claims')
    const nextIndex = jobs.index(INDEX.next)
    const stores = jobStores(tx)

    // 1. Everything this turn needs to read, at once.
    const { started } = input
    // Outcomes first: their records are put, and their unseen marks listed, in the order they ended.
    const ids = [...new Set([...outcomes, ...started, ...reports].map((r) => r.id))]
    /** Jobs held in the live rows of other schedulers, with their claim numbers: not claimed here while they still match. */
    const foreign = new Map<string, number>()
    /**
     * The first `input.claim` queued CPU jobs not in `skip`. Most skipped jobs are still in
     * `next` (held, not written): the read asks for as many more, and reads again from the
     * start, asking for more, if that was not enough. `early`: a read issued before the other
     * schedulers' rows were known, used when there are none (the usual case): the same read, or
     * one past `input.after` (see TurnInput) with the keys up to it, which is the answer when
     * every one of them is skipped.
     */
    const head = async (skip: ReadonlySet<string>, early?: Early): Promise<JobRecord[]> => {
      if (input.claim <= 0) return []
      // A foreign entry that no longer matches its record (the job was cancelled and retried meanwhile) holds nothing.
      const taken = (r: JobRecord): boolean => skip.has(r.id) || (foreign.has(r.id) && stillClaimable(r, foreign.get(r.id)!))
      /** The free jobs of a read of `count`, unless jobs past it may be needed. */
      const enough = (found: JobRecord[], count: number): JobRecord[] | undefined => {
        const free = found.filter((r) => !taken(r))
        return free.length >= input.claim || found.length < count ? free.slice(0, input.claim) : undefined
      }
      if (early && foreign.size === 0 && (await early.upTo).every((id) => skip.has(id))) {
        const free = enough(await early.found, early.count)
        if (free) return free
      }
      const more = skip.size + foreign.size
      const found = await result(nextIndex.getAll(QUEUED, input.claim + more))
      return enough(found, input.claim + more) ?? (await result(nextIndex.getAll(QUEUED, input.claim + more + found.length))).filter((r) => !taken(r)).slice(0, input.claim)
    }
    // Read before this turn's writes: what we hold, and what this turn writes (a claim that ends now is
    // in no row any more, and its record still says `queued`), is skipped too. So is any job with a run
    // here (`mine`): a run of a claim we lost may still be ending, and a new claim of ours would have
    // its number, so the old run's outcome could settle the new one. Issued with the other reads:
    // one round trip fewer per turn whenever no other scheduler holds jobs. Past `input.after`, only
    // the keys of the jobs up to it are read, not the records this scheduler already holds.
    const skipFirst = new Set([...held.map((h) => h.id), ...ids, ...mine])
    const { after } = input
    let early: Early | undefined
    if (input.claim > 0) {
      const count = after ? input.claim : input.claim + skipFirst.size
      early = {
        count,
        found: result(nextIndex.getAll(after ? IDBKeyRange.bound(after, QUEUED.upper, true) : QUEUED, count)),
        // One more than `skipFirst` holds: then at least one of them is not skipped.
        upTo: after ? (result(nextIndex.getAllKeys(IDBKeyRange.bound(QUEUED.lower, after), skipFirst.size + 1)) as Promise<string[]>) : Promise.resolve([]),
      }
    }
    // Awaited by head() unless other rows make it read again; if the transaction aborts, write() reports why.
    early?.found.catch(() => {})
    early?.upTo.catch(() => {})
    const [read, lineCounts, due, orphans, rows] = await Promise.all([
      getJobs(jobs, ids),
      Promise.all(reports.map((r) => (r.logs.length ? result(logs.count(IDBKeyRange.bound([r.id, -Infinity], [r.id, Infinity]))) : 0))),
      result(jobs.index(INDEX.due).getAll(IDBKeyRange.upperBound(now))),
      result(
        input.recoverForeign ? jobs.index(INDEX.state).getAll(stateRange('running')) : jobs.index(INDEX.lease).getAll(IDBKeyRange.upperBound(now)),
      ),
      result(claimRows.getAll()),
    ])
    // Rows of schedulers that are gone (all others, for a new exclusive leader; else the expired ones) are void.
    let ours: ClaimRow | undefined
    for (const row of rows) {
      if (row.holder === holder) ours = row
      else if (input.recoverForeign || row.expiresAt < now) claimRows.delete(row.holder)
      else for (const [id, claim] of row.jobs) foreign.set(id, claim)
    }
    const firstHead = await head(skipFirst, early)
    const current = new Map<string, JobRecord>()
    ids.forEach((id, i) => read[i] && current.set(id, read[i]))

    // 2. Writes, in order, without waiting for each.
    // A claim not written yet is written now, under the turn's clock, so marks, progress and outcomes apply as to any claim.
    const stored = new Map(ours?.jobs)
    const heldNow = (record: JobRecord | undefined, claim: number): record is JobRecord => stillClaimable(record, claim) && stored.get(record.id) === claim
    for (const run of [...started, ...reports.filter((r) => r.owner === owner), ...outcomes.filter((o) => o.owner === owner)]) {
      const record = current.get(run.id)
      if (heldNow(record, run.claim)) current.set(run.id, transition.claim(record, owner, now, leaseMs))
    }
    const released = applyClaims(current, owner, started, [])
    reports.forEach((report, i) => {
      const record = current.get(report.id)
      if (!record) return
      if (report.progress !== undefined && holds(record, report)) current.set(record.id, { ...record, progress: report.progress })
      let seq = lineCounts[i] ?? 0
      for (const line of report.logs) {
        if (seq > logLimit) break
        const message = seq === logLimit ? `[errand] log limit of ${logLimit} lines reached: later lines are dropped.` : line.message
        logs.put({ jobId: report.id, seq, at: line.at, message })
        seq++
      }
    })
    const settled: JobRecord[] = []
    for (const outcome of outcomes) {
      const record = current.get(outcome.id)
      if (!holds(record, outcome)) continue
      const next = outcome.ok ? transition.complete(record, outcome.result, now) : transition.fail(record, outcome.error, now)
      current.set(next.id, next)
      settled.push(next)
    }
    putChanged(stores, ids, read, current)
    for (const record of due) putJob(stores, transition.promote(record))
    const stalled: JobRecord[] = []
    for (const record of orphans) {
      // Network jobs are the sender's: it recovers them under its own lock (src/store/send-turn.ts).
      if (record.state !== 'running' || record.kind !== 'cpu' || (record.owner === owner && mine.has(record.id)) || current.has(record.id)) continue
      if (record.startedAt === undefined) {
        // Claimed by a leader that is gone, never started: back to the queue, no stall, no event.
        putJob(stores, transition.release(record))
        released.push(record.id)
        continue
      }
      const next = transition.stall(record, now, maxStalls)
      putJob(stores, next)
      stalled.push(next)
    }

    // 3. Claim the head read above, unless this turn put jobs back in `queued` (promoted,
    // retried without delay, recovered, released) or refused a stale claim of a job that is
    // `queued` (retried meanwhile): then read it again; requests run in order, so that read sees them.
    const requeued = due.length > 0 || released.length > 0 || [...settled, ...stalled].some((r) => r.state === 'queued') || ids.some((id) => current.get(id)?.state === 'queued')
    // The row keeps what stays held: still in our stored row (another scheduler may have voided it), and not written by this turn.
    const touched = new Set(ids)
    // Lost: held claims our row no longer holds, and those whose start mark, report or outcome this turn refused
    // (the job changed behind our back): whatever of them runs here must stop.
    const settledIds = new Set(settled.map((r) => r.id))
    const lost = held.filter((h) => stored.get(h.id) !== h.claim || (touched.has(h.id) && !settledIds.has(h.id) && !holds(current.get(h.id), { owner, claim: h.claim }))).map((h) => h.id)
    const keep = held.filter((h) => stored.get(h.id) === h.claim && (!touched.has(h.id) || heldNow(current.get(h.id), h.claim)))
    const heads = requeued && input.claim > 0 ? await head(new Set([...keep.map((h) => h.id), ...mine])) : firstHead
    const last = heads[heads.length - 1]
    const claimed = heads.map((r) => transition.claim(r, owner, now, leaseMs))
    flushMarks(stores)
    const row: ClaimRow = { holder, expiresAt: now + leaseMs, jobs: [...keep.map((h): [string, number] => [h.id, h.claim]), ...claimed.map((r): [string, number] => [r.id, r.claims])] }
    if (row.jobs.length) {
      if (!ours || !sameJobs(ours.jobs, row.jobs)) claimRows.put(row, holder)
    } else if (ours) claimRows.delete(holder)
    // The worker needs the payload: one read for each kept apart and not held, after the record was put without it.
    const unheld = claimed.filter((record) => {
      if (!record.payloadApart) return false
      const held = input.takeHeld(record.id)
      if (held) record.payload = held.payload
      return !held
    })
    const payloadsRead = joinPayloads(tx.objectStore('payloads'), unheld)
    payloadsRead.catch(() => {}) // awaited below; if the transaction aborts before, write() reports why

    // 4. When to wake up next: needed only when the scheduler may go to sleep.
    let wakeAt: number | undefined
    const wakeKnown = input.wantWakeAt || claimed.length < input.claim
    if (wakeKnown) {
      const [nextDue, nextLease] = await Promise.all([
        result(jobs.index(INDEX.due).openKeyCursor(IDBKeyRange.lowerBound(now, true))),
        // Future expiries only: one of our own leases that lapsed must not make us spin.
        input.watchLeases ? result(jobs.index(INDEX.lease).openKeyCursor(IDBKeyRange.lowerBound(now, true))) : undefined,
      ])
      // Another scheduler's row (also a stale one of a leader that lost the lock): its jobs can be claimed once it expires.
      const rowExpiries = rows.filter((r) => r.holder !== holder && r.expiresAt >= now && !input.recoverForeign).map((r) => r.expiresAt)
      const candidates = [nextDue?.key, nextLease?.key, ...rowExpiries].filter((at): at is number => typeof at === 'number')
      if (candidates.length) wakeAt = Math.min(...candidates)
    }
    await payloadsRead
    const promotedPriority = due.length ? Math.min(...due.map((r) => r.priority)) : undefined
    return { settled, released, lost, claimed, stalled, promotedPriority, wakeAt, wakeKnown, after: last?.nextKey ?? after }
  })
}

/** Whether two rows hold the same claims, in the same order (a row that did not change is not written again). */
const sameJobs = (a: readonly [string, number][], b: readonly [string, number][]): boolean =>
  a.length === b.length && a.every(([id, claim], i) => b[i]![0] === id && b[i]![1] === claim)
