/**
 * The leader's loop: claim the next jobs, dispatch them to the pool, record outcomes,
 * and sleep until the next `runAt`, lease expiry or wake-up. No polling.
 *
 * Invariants:
 * - Only the leader (Web Lock holder) claims; `pump()` never runs twice at once.
 * - A job is dispatched only after its claim committed; its outcome is written only
 *   with the owner + attempt of that claim (see store `settle`).
 * - Outcomes and reports are written in groups (group commit): whatever arrived while
 *   the previous write was in flight goes in the next transaction.
 * - Progress and logs of a job are written before its outcome.
 */
import { toAttemptError, type ErrandError } from '../core/errors.js'
import type { QueueMessage } from '../core/events.js'
import { toJob, type JobRecord } from '../core/job.js'
import type { Pool } from '../pool/pool.js'
import type { RunOutcome, WorkerReport } from '../pool/protocol.js'
import { renewLeases, settle, tick, type Outcome } from '../store/jobs.js'
import { writeReports, type Report } from '../store/reports.js'
import type { Database } from '../store/schema.js'

export interface SchedulerOptions {
  db: Database
  owner: string
  pool: Pool
  /** Start paused (the queue's persisted flag). */
  paused: boolean
  leaseMs: number
  maxStalls: number
  logLimit: number
  emit(message: QueueMessage): void
}

export interface Scheduler {
  /** Something changed (a job was added, a delay may be due): run a turn soon. */
  wake(): void
  /** A job was cancelled or removed: abort it if it runs here. */
  abandon(jobId: string): void
  setPaused(paused: boolean): void
  /** Stops: no more claims or writes; running workers are terminated. */
  stop(): void
}

interface Run {
  runId: number
  record: JobRecord
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { db, owner, pool, leaseMs, maxStalls, logLimit, emit } = options
  const running = new Map<string, Run>()
  let stopped = false
  let paused = options.paused
  let recoverForeign = true
  let pumping = false
  let again = false
  let wakeTimer: ReturnType<typeof setTimeout> | undefined
  let wasIdle = false
  let wasEmpty = false
  /** Outcomes received but not yet committed. */
  let unsettled = 0

  const outcomes: Outcome[] = []
  const reports = new Map<string, Report>()
  let writing: Promise<void> | undefined

  const reportError = (error: unknown): void => emit({ type: 'error', error: error as ErrandError })

  const sleepUntil = (at: number | undefined): void => {
    clearTimeout(wakeTimer)
    wakeTimer = at === undefined ? undefined : setTimeout(wake, Math.max(0, at - Date.now()))
  }

  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true
      return
    }
    pumping = true
    try {
      do {
        again = false
        if (stopped) return
        const limit = paused ? 0 : pool.free
        const now = Date.now()
        const turn = await tick(db, { owner, now, leaseMs, limit, maxStalls, mine: new Set(running.keys()), recoverForeign })
        if (stopped) return
        recoverForeign = false
        for (const record of turn.stalled) announceRetryOrFailure(record)
        for (const record of turn.claimed) dispatch(record)
        // With no free slot we cannot tell whether anything is queued: keep the last answer.
        if (limit > 0) {
          const empty = turn.claimed.length < limit
          if (empty && !wasEmpty) emit({ type: 'empty' })
          wasEmpty = empty
        }
        const idle = wasEmpty && running.size === 0 && unsettled === 0
        if (idle && !wasIdle) emit({ type: 'idle' })
        wasIdle = idle
        sleepUntil(turn.wakeAt)
      } while (again)
    } catch (error) {
      reportError(error)
      sleepUntil(Date.now() + 1000) // storage hiccup: try again shortly rather than stall
    } finally {
      pumping = false
    }
  }

  const wake = (): void => void pump()

  const dispatch = (record: JobRecord): void => {
    emit({ type: 'started', job: toJob(record) })
    const { runId, outcome } = pool.run({
      jobId: record.id,
      name: record.name,
      attempt: record.attempt,
      payload: record.payload,
      timeout: record.timeout,
      onReport: (batch) => onReport(record, batch),
    })
    running.set(record.id, { runId, record })
    void outcome.then((result) => onOutcome(record, result))
  }

  const onReport = (record: JobRecord, batch: WorkerReport[]): void => {
    if (stopped) return
    let report = reports.get(record.id)
    if (!report) reports.set(record.id, (report = { id: record.id, owner, attempt: record.attempt, logs: [] }))
    for (const item of batch) {
      if (item.type === 'progress') {
        report.progress = item.value
        emit({ type: 'progress', jobId: record.id, name: record.name, progress: item.value })
      } else {
        report.logs.push({ at: item.at, message: item.message })
      }
    }
    scheduleWrite()
  }

  const onOutcome = (record: JobRecord, outcome: RunOutcome): void => {
    if (running.get(record.id)?.runId === undefined || stopped) return
    running.delete(record.id)
    unsettled++
    outcomes.push(
      outcome.ok
        ? { id: record.id, owner, attempt: record.attempt, ok: true, result: outcome.result }
        : { id: record.id, owner, attempt: record.attempt, ok: false, error: outcome.error },
    )
    scheduleWrite()
  }

  /** Group commit: one write in flight; what arrives meanwhile goes in the next one. */
  const scheduleWrite = (): void => {
    writing ??= Promise.resolve().then(flush)
  }

  const flush = async (): Promise<void> => {
    try {
      while (!stopped && (reports.size > 0 || outcomes.length > 0)) {
        const batchReports = [...reports.values()]
        reports.clear()
        const batchOutcomes = outcomes.splice(0)
        if (batchReports.length) await writeReports(db, batchReports, logLimit)
        if (batchOutcomes.length) {
          const settled = await settle(db, batchOutcomes, Date.now())
          unsettled -= batchOutcomes.length
          for (const { record } of settled) if (record) announceOutcome(record)
          void pump()
        }
      }
    } catch (error) {
      unsettled = outcomes.length
      reportError(error)
      // Outcomes that could not be written are dropped: their leases expire and the jobs run again.
    } finally {
      writing = undefined
      if (!stopped && (reports.size > 0 || outcomes.length > 0)) scheduleWrite()
    }
  }

  const announceOutcome = (record: JobRecord): void => {
    if (record.state === 'completed') emit({ type: 'completed', job: toJob(record) })
    else announceRetryOrFailure(record)
  }

  const announceRetryOrFailure = (record: JobRecord): void => {
    const last = record.errors[record.errors.length - 1] ?? toAttemptError(new Error('unknown failure'), Date.now())
    emit({ type: record.state === 'failed' ? 'failed' : 'retrying', job: toJob(record), error: last })
  }

  const renewTimer = setInterval(() => {
    if (stopped || running.size === 0) return
    const ids = [...running.keys()]
    renewLeases(db, owner, ids, Date.now() + leaseMs).then((lost) => lost.forEach(abandon), reportError)
  }, leaseMs / 3)

  const abandon = (jobId: string): void => {
    const run = running.get(jobId)
    if (run) pool.abort(run.runId, 'cancel')
  }

  void pump()

  return {
    wake,
    abandon,
    setPaused(value) {
      paused = value
      if (!value) wake()
    },
    stop() {
      stopped = true
      clearTimeout(wakeTimer)
      clearInterval(renewTimer)
      pool.terminate()
      running.clear()
    },
  }
}
