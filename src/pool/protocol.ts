/**
 * The wire between the page's pool and a worker that called `serveJobs()`: message
 * shapes and the worker API, nothing else. Calls travel through comlink.
 */

import type { SerializedError } from '../core/errors.js'

export type { SerializedError }

export interface RunRequest {
  /** Unique per dispatch in this pool; a retry of the same job gets a new one. */
  runId: number
  jobId: string
  name: string
  attempt: number
  payload: unknown
}

export type RunOutcome = { ok: true; result: unknown } | { ok: false; error: SerializedError }

export type AbortReason = 'timeout' | 'cancel'

/** Sent from the worker in batches, in the order the handler made them. */
export type WorkerReport =
  | { runId: number; type: 'progress'; value: number }
  | { runId: number; type: 'log'; at: number; message: string }

/** What `serveJobs()` exposes. */
export interface WorkerApi {
  /** Registers the page's report sink; returns the handler names the worker module defines. */
  init(report: (reports: WorkerReport[]) => void): string[]
  run(request: RunRequest): Promise<RunOutcome>
  abort(runId: number, reason: AbortReason, timeout: number): void
  /** Resolves after `ms`: the page's timers, kept in a worker because workers are not throttled in hidden tabs. */
  sleep(ms: number): Promise<void>
}

/** Posted raw (outside comlink) by a worker that is about to close itself. */
export interface ClosingSignal {
  errandWorkerClosing: true
}
