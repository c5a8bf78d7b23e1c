/**
 * The wire between the page and a worker that called `serveJobs()`: the messages each
 * way, nothing else. Plain `postMessage` on the worker's own port, which keeps order,
 * so no message needs an id to be matched with its answer beyond the run's own `runId`.
 * Every message carries an `errand` tag; anything else on the port is not ours and is ignored.
 */

import type { SerializedError } from '../core/errors.js'

export type { SerializedError }

export interface RunRequest {
  errand: 'run'
  /** Unique per dispatch in this pool; a retry of the same job gets a new one. */
  runId: number
  jobId: string
  name: string
  attempt: number
  /** Its buffers are transferred, not copied (see collectTransferables). */
  payload: unknown
}

export type RunOutcome = { ok: true; result: unknown } | { ok: false; error: SerializedError }

export type AbortReason = 'timeout' | 'cancel'

/** Sent from the worker in batches, in the order the handler made them. */
export type WorkerReport =
  | { runId: number; type: 'progress'; value: number }
  | { runId: number; type: 'log'; at: number; message: string }

/** Page → worker. */
export type ToWorker =
  | RunRequest
  /** Aborts `ctx.signal` of a run. Always posted after the run itself. */
  | { errand: 'abort'; runId: number; reason: AbortReason; timeout: number }
  /** The page's timers, kept in a worker because workers are not throttled in hidden tabs: answered by `woke` after `ms`. */
  | { errand: 'sleep'; id: number; ms: number }

/** Worker → page. */
export type FromWorker =
  /** Posted once by `serveJobs()`: the worker is listening, and defines these handlers. */
  | { errand: 'ready'; names: string[] }
  | { errand: 'report'; reports: WorkerReport[] }
  /** A run's outcome, after every report it made; a result's buffers are transferred. */
  | { errand: 'done'; runId: number; outcome: RunOutcome }
  | { errand: 'woke'; id: number }
  /** The worker is about to close itself (`self.close()` in a handler). */
  | { errand: 'closing' }
  /** A message from the page could not be read here (`messageerror`): a run's payload of a type workers do not have. */
  | { errand: 'unreadable' }
  /** An error thrown outside any handler's promise (a timer, a listener), with the runs going on in the worker when it was thrown. */
  | { errand: 'uncaught'; runIds: number[]; error: SerializedError }
