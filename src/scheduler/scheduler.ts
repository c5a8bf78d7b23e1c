/**
 * The leader's loop. Each turn is one transaction (store/turn.ts) that records what
 * happened since the last one (jobs handed to workers, progress, logs, outcomes),
 * promotes and recovers jobs, and claims the next ones. Claimed jobs wait in `ready`
 * and go to a worker the moment one is free, so a worker never waits for a
 * transaction. Between turns the scheduler sleeps until the next `runAt`, lease expiry
 * or wake-up: no polling.
 *
 * Invariants:
 * - Only the leader (Web Lock holder) runs a scheduler; turns never overlap.
 * - A job is dispatched only after its claim committed, and in claim order.
 * - Group commit: whatever arrives while a turn is in flight goes in the next one, so
 *   under load one transaction settles many jobs. `prefetch` (how many claimed jobs may
 *   wait in `ready`) follows the completion rate: four times what the last turn settled
 *   (jobs claimed in a turn must last until the claims of the next one have committed,
 *   and every turn claims, so the buffer never runs dry between two turns), and at least
 *   one per worker, so a worker that finishes a long job starts the next at once instead
 *   of waiting for a turn; short jobs are batched and long ones are not hoarded.
 * - `ready` never holds a job behind one of a better priority: a better job added or
 *   promoted makes the next turn release `ready` and claim again. Pausing and stopping
 *   release it too.
 * - Progress and logs of a job are written no later than its outcome. Its start mark waits up
 *   to START_MARK_MS for a turn that happens anyway: a short job's start and outcome are
 *   one write, and its `result()` does not wait behind a turn for the mark.
 * - A failed turn loses nothing silently: its outcomes are retried one per turn, and a
 *   result that cannot be stored fails that attempt with the storage error instead.
 */
import { serializeError, UnrecoverableError, type ErrandError } from '../core/errors.js'
import { MAX_TIMER_MS } from '../core/options.js'
import { announcement, type QueueMessage } from '../core/events.js'
import { toJob, type JobRecord } from '../core/job.js'
import type { Clock } from '../pool/clock.js'
import type { Pool } from '../pool/pool.js'
import { collectTransferables } from '../pool/transferables.js'
import type { RunOutcome, WorkerReport } from '../pool/protocol.js'
import { leaseLapsed, renewLeases } from '../store/jobs.js'
import type { Database } from '../store/schema.js'
import { retain, type KeepRule } from '../store/prune.js'
import { runTurn, type Outcome, type Report, type TurnInput } from '../store/turn.js'

export interface SchedulerOptions {
  db: Database
  owner: string
  pool: Pool
  /** Timers that keep time in hidden tabs. */
  clock: Clock
  /** Start paused (the queue's persisted flag). */
  paused: boolean
  /**
   * True when this page holds the queue's Web Lock: every running job of another owner is
   * then orphaned, and no foreign lease needs watching. False without Web Locks: several
   * pages schedule at once (claims are still exclusive) and only expired leases are recovered.
   */
  exclusive: boolean
  /** Workers in the pool: at least this many claimed jobs wait in `ready`. */
  concurrency: number
  leaseMs: number
  maxStalls: number
  logLimit: number
  /** Retention of finished jobs. */
  keep: Partial<Record<'completed' | 'failed' | 'cancelled', KeepRule>>
  /** Payloads kept apart that this page holds in memory (client/held.ts): a claimed job whose payload is held goes to its worker with it, unread. */
  held: { take(id: string): { payload: unknown } | undefined }
  /** Announces an event; `now`: post it to other tabs at once (its payload is about to move to a worker). */
  emit(message: QueueMessage, now?: boolean): void
  /** When this leader's first heartbeat was written (client/runner.ts); 0 if unknown or it failed. */
  beatAt: number
}

export interface Scheduler {
  /** Something changed: run a turn soon. Pass the job that was added, if any, so a better priority can jump ahead. */
  wake(added?: { state: string; priority: number }): void
  /** A job was cancelled or removed: abort it if it runs here. */
  abandon(jobId: string): void
  /** Whether job `jobId` runs here: handed to a worker, its start perhaps not written yet. */
  runs(jobId: string): boolean
  setPaused(paused: boolean): void
  /** Stops claiming, terminates the workers, and writes what is pending (releasing unstarted claims). */
  stop(): Promise<void>
}

const MAX_PREFETCH = 256
const PRUNE_DELAY_MS = 1000
/**
 * How long start marks wait for a turn that happens anyway: a job that ends sooner has its
 * start and its outcome written together, instead of a turn for the mark that its outcome
 * must then wait behind. Until its mark is written, a job whose leader dies is released, not
 * counted as a stall: this is how much longer that window gets.
 */
const START_MARK_MS = 5
/** Turns an outcome is tried in, alone, before it is given up (see recover()). */
const OUTCOME_TRIES = 3

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { db, owner, pool, clock, leaseMs, maxStalls, logLimit, emit } = options
  /** Claimed, not yet handed to a worker, in claim order. */
  let ready: JobRecord[] = []
  /** Handed to a worker and not finished, by id. */
  /** `marked`: its start mark (and with it its claim) is in the store; until then the claim is held in our row of store `claims`. */
  const running = new Map<string, { runId: number; record: JobRecord; marked: boolean }>()
  let starts: TurnInput['started'][number][] = []
  let outcomes: Outcome[] = []
  let reports = new Map<string, Report>()
  let releaseReady = false
  /** After a failed turn: settle one outcome per turn, to isolate the one that fails. */
  let isolate = false
  /** Failed turns an outcome was alone in. */
  const outcomeTries = new WeakMap<Outcome, number>()
  let prefetch = options.concurrency
  /** Where the last turn's claim ended in index `next`: the next turn's head read may start past it (store/turn.ts). */
  let after: TurnInput['after']
  /** This scheduler's row in store `claims`: its own, also when this page leads again after losing the lead. */
  const holder = `${owner}.${Math.random().toString(36).slice(2, 10)}`
  let paused = options.paused
  let stopping = false
  let recoverForeign = options.exclusive
  let turning: Promise<void> | undefined
  let again = false
  let cancelWake = (): void => {}
  let wasEmpty = false
  let wasIdle = false

  const sleepUntil = (at: number | undefined): void => {
    cancelWake()
    // A delay of weeks is slept in steps: a longer timer would fire at once.
    cancelWake = at === undefined ? () => {} : clock.after(Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())), wake)
  }

  const worstReadyPriority = (): number => ready.reduce((worst, r) => Math.max(worst, r.priority), -Infinity)

  const wake = (added?: { state: string; priority: number }): void => {
    if (added?.state === 'queued' && added.priority < worstReadyPriority()) releaseReady = true
    if (turning) again = true
    // Started a microtask later: whatever else this task does (an outcome, then the start of the
    // next job on the freed worker) goes in the same turn, instead of a second turn right after.
    else turning = Promise.resolve().then(loop).finally(() => (turning = undefined))
  }

  const loop = async (): Promise<void> => {
    do {
      again = false
      await turn()
    } while (again && !(stopping && nothingPending()))
  }

  /** Something that cannot wait for the next turn: outcomes, progress and logs, claims to give back. */
  const needsTurn = (): boolean => outcomes.length > 0 || reports.size > 0 || (releaseReady && ready.length > 0)
  const nothingPending = (): boolean => !needsTurn() && starts.length === 0

  let cancelMark: (() => void) | undefined
  /** Start marks go with the next turn, which comes within START_MARK_MS. */
  const markSoon = (): void => {
    cancelMark ??= clock.after(START_MARK_MS, () => {
      cancelMark = undefined
      if (starts.length) wake()
    })
  }

  const turn = async (): Promise<void> => {
    const batch = isolate ? outcomes.splice(0, 1) : outcomes.splice(0)
    const batchReports = [...reports.values()]
    reports = new Map()
    const started = starts
    starts = []
    if (started.length && cancelMark) {
      // This turn writes the marks the timer waited for: a later dispatch gets its own full wait.
      cancelMark()
      cancelMark = undefined
    }
    // Given back by leaving them out of `held`: their records say `queued` all along.
    const giveBack = releaseReady ? ready : []
    if (releaseReady) ready = []
    releaseReady = false
    const claim = paused || stopping ? 0 : Math.max(0, pool.free + prefetch - ready.length)
    try {
      const result = await runTurn(db, {
        owner,
        holder,
        now: Date.now(),
        leaseMs,
        maxStalls,
        logLimit,
        claim,
        mine: new Set([...running.keys(), ...ready.map((r) => r.id)]),
        recoverForeign,
        outcomes: batch,
        reports: batchReports,
        started,
        held: [...ready, ...[...running.values()].filter((run) => !run.marked).map((run) => run.record)].map(({ id, claims }) => ({ id, claim: claims })),
        wantWakeAt: running.size === 0 && ready.length === 0,
        watchLeases: !options.exclusive,
        takeHeld: options.held.take,
        after,
      })
      after = result.after
      recoverForeign = false
      // Written by this turn with their start marks (or with a report that came first): no longer held in our row.
      for (const mark of [...started, ...batchReports]) {
        const run = running.get(mark.id)
        if (run?.record.claims === mark.claim) run.marked = true
      }
      // Claims another scheduler voided (it took us for gone): whatever of them waits or runs here stops.
      result.lost.forEach(abandon)
      if (outcomes.length === 0) isolate = false
      prefetch = Math.min(MAX_PREFETCH, Math.max(options.concurrency, 4 * result.settled.length))
      if (result.settled.length) pruneSoon()
      for (const record of result.settled) announce(record)
      for (const record of result.stalled) announce(record)
      ready.push(...result.claimed)
      if (result.promotedPriority !== undefined && result.promotedPriority < worstReadyPriority()) releaseReady = true
      dispatchReady()
      // With no room to claim we cannot tell whether anything is queued: keep the last answer.
      if (claim > 0) {
        const empty = result.claimed.length < claim
        if (empty && !wasEmpty) emit({ type: 'empty' })
        wasEmpty = empty
      }
      const idle = wasEmpty && ready.length === 0 && running.size === 0 && outcomes.length === 0
      if (idle && !wasIdle) emit({ type: 'idle' })
      wasIdle = idle
      // A busy turn skips reading the next wake-up time: the next outcome brings another turn.
      if (!stopping && result.wakeKnown) sleepUntil(result.wakeAt)
      if (needsTurn()) again = true
      else if (starts.length) markSoon()
    } catch (error) {
      // Nothing of a failed turn is dropped: start marks, reports and claims to give back wait for the next one.
      starts.unshift(...started)
      for (const report of batchReports) {
        const newer = reports.get(report.id)
        reports.set(report.id, newer ? { ...report, ...(newer.progress === undefined ? {} : { progress: newer.progress }), logs: [...report.logs, ...newer.logs] } : report)
      }
      if (giveBack.length) {
        ready.unshift(...giveBack)
        releaseReady = true
      }
      recover(batch, error)
    }
  }

  /**
   * A turn failed: its outcomes go back, to be settled one per turn and so isolate the one that fails.
   * One that failed alone waits a second, out of the turns (a storage hiccup passes, and other
   * outcomes do not wait behind it), up to OUTCOME_TRIES times; then a result that still cannot be
   * stored fails its attempt, and a failure is dropped: its lease expires and the job runs again.
   */
  const recover = (batch: Outcome[], error: unknown): void => {
    emit({ type: 'error', error: error as ErrandError })
    const [only] = batch
    if (batch.length > 1) outcomes.unshift(...batch)
    else if (only) {
      const tries = (outcomeTries.get(only) ?? 0) + 1
      let retry: Outcome | undefined = only
      if (tries >= OUTCOME_TRIES) retry = only.ok ? { id: only.id, owner: only.owner, claim: only.claim, ok: false, error: serializeError(error) } : undefined
      if (retry) {
        outcomeTries.set(retry, retry === only ? tries : 0)
        clock.after(1000, () => {
          outcomes.unshift(retry)
          wake()
        })
      }
    }
    isolate = outcomes.length > 0
    if (batch.length > 1) again = true
    else if (!stopping) sleepUntil(Date.now() + 1000) // a storage hiccup: try again shortly rather than stall
  }

  /**
   * When this leader last wrote its heartbeat. Another tab steals the lead a lease after the beat
   * it last saw change, and then takes the jobs waiting in `ready`: after a freeze of the main
   * thread (a debugger, a busy page) they may be its own now, though no turn or renewal said so
   * yet. So none of them starts with a beat older than two thirds of a lease (renewals come every
   * third): a renewal first, which also drops the claims that are ours no more.
   */
  let beatAt = options.beatAt
  const dispatchReady = (): void => {
    if (paused || stopping) return
    if (ready.length && pool.free > 0 && Date.now() - beatAt > (leaseMs * 2) / 3) return renew()
    for (let i = 0; i < ready.length && pool.free > 0; ) {
      const record = ready[i]!
      // A cancelled run of the same job may still be in its grace period: never two runs of a job at once.
      if (running.has(record.id)) {
        i++
        continue
      }
      ready.splice(i, 1)
      dispatch(record)
    }
  }

  const dispatch = (record: JobRecord): void => {
    if (record.payloadApart && record.payload === undefined) {
      // A payload kept apart holds 256 KiB of buffers, never nothing: its row in store `payloads` was
      // deleted outside errand. Run, the handler would get nothing; the attempt fails at once, and says why.
      const error = new UnrecoverableError(`The payload of job "${record.name}" (${record.id}) is gone from the database (its row in store "payloads" was deleted outside errand), so the job cannot run.`)
      outcomes.push({ id: record.id, owner, claim: record.claims, ok: false, error: serializeError(error) })
      wake()
      return
    }
    const at = Date.now()
    const transfer = collectTransferables(record.payload)
    // Announced first, and posted to other tabs at once if the payload has buffers: they move to the worker in pool.run().
    // A payload kept apart is left out: listeners read it from the store (client/bus.ts), and nothing large is cloned on the way to the worker.
    const job = toJob({ ...record, ...(record.payloadApart ? { payload: undefined } : {}), startedAt: at })
    emit({ type: 'started', job }, transfer.length > 0 && !record.payloadApart)
    const { runId, outcome } = pool.run({
      transfer,
      jobId: record.id,
      name: record.name,
      attempt: record.attempt,
      payload: record.payload,
      timeout: record.timeout,
      onReport: (batch) => onReport(record, batch),
    })
    running.set(record.id, { runId, record, marked: false })
    // Its start mark goes with the next turn: dispatches happen in a turn (whose end sees to
    // the marks) or on an outcome (which wakes one), so no timer is needed here.
    starts.push({ id: record.id, claim: record.claims, at })
    void outcome.then((result) => onOutcome(record, runId, result))
  }

  const onReport = (record: JobRecord, batch: WorkerReport[]): void => {
    if (stopping) return
    let report = reports.get(record.id)
    if (!report) reports.set(record.id, (report = { id: record.id, owner, claim: record.claims, logs: [] }))
    for (const item of batch) {
      if (item.type === 'progress') {
        report.progress = item.value
        emit({ type: 'progress', jobId: record.id, name: record.name, progress: item.value })
      } else {
        report.logs.push({ at: item.at, message: item.message })
      }
    }
    wake()
  }

  const onOutcome = (record: JobRecord, runId: number, outcome: RunOutcome): void => {
    // After stop() the workers were terminated under their jobs: those stay running and are recovered as stalls.
    if (stopping || running.get(record.id)?.runId !== runId) return
    running.delete(record.id)
    const base = { id: record.id, owner, claim: record.claims }
    outcomes.push(outcome.ok ? { ...base, ok: true, result: outcome.result } : { ...base, ok: false, error: outcome.error })
    dispatchReady()
    wake()
  }

  const announce = (record: JobRecord): void => emit(announcement(record))

  /** Retention runs a little after jobs finish, batch by batch, yielding to turns in between; the state index is swept first. */
  let pruneTimer: ReturnType<typeof setTimeout> | undefined
  const pruneSoon = (): void => {
    if (pruneTimer !== undefined) return
    pruneTimer = setTimeout(() => {
      void prune().finally(() => (pruneTimer = undefined))
    }, PRUNE_DELAY_MS)
  }
  const prune = (): Promise<void> => retain(db, options.keep, () => stopping, (error) => emit({ type: 'error', error: error as ErrandError }))

  const abandon = (jobId: string): void => {
    const run = running.get(jobId)
    if (run) pool.abort(run.runId, 'cancel')
    // A cancelled job still waiting in `ready` must not start: the store no longer holds our claim.
    ready = ready.filter((r) => r.id !== jobId)
  }

  // Leases and the heartbeat are renewed every third of a lease, also with nothing running.
  let renewing = false
  const renew = (): void => {
    if (stopping || renewing) return
    renewing = true
    const ids = [...running.keys(), ...ready.map((r) => r.id)]
    const now = Date.now()
    renewLeases(db, owner, ids, now + leaseMs, { owner, at: now }, holder)
      .then(
        (lost) => {
          beatAt = Math.max(beatAt, now)
          lost.forEach(abandon)
          dispatchReady()
        },
        (error: unknown) => emit({ type: 'error', error: error as ErrandError }),
      )
      .finally(() => (renewing = false))
    // Asleep, or waiting on long jobs, a leader has no turn that would recover a job whose lease lapsed (see leaseLapsed()).
    leaseLapsed(db, now).then((lapsed) => lapsed && wake(), () => {})
  }
  const stopRenewing = clock.every(leaseMs / 3, renew)

  // The first beat is the runner's, written when this page took the lead (client/runner.ts).
  wake()
  pruneSoon()

  return {
    wake,
    abandon,
    runs: (jobId) => running.has(jobId),
    setPaused(value) {
      paused = value
      if (value) releaseReady = true
      wake()
    },
    async stop() {
      if (stopping) return
      stopping = true
      cancelWake()
      cancelMark?.()
      stopRenewing()
      clearTimeout(pruneTimer)
      pool.terminate()
      running.clear()
      releaseReady = true
      // One last turn writes what finished, marks what started and gives back what did not.
      await turning
      if (!nothingPending()) {
        wake()
        await turning
      }
    },
  }
}
