/**
 * The typed registry: payload and result types flow from the handlers in the worker
 * module to `queue.add()` and `job.result()`. Types only; the page never sees handler code.
 */

/** What a handler gets besides its payload. */
export interface JobContext {
  /** The job's id. */
  readonly jobId: string
  /** The job's handler name. */
  readonly name: string
  /** 1 on the first run, 2 on the first retry, and so on (a run interrupted by a reload counts too). */
  readonly attempt: number
  /** Aborted on timeout or cancel. Pass it to `fetch()`, or call `signal.throwIfAborted()` in loops. */
  readonly signal: AbortSignal
  /** Reports progress in [0, 1]: throttled, persisted, and streamed to every page. */
  progress(value: number): void
  /** Appends a line to the job's logs (`queue.logs(id)`); arguments are formatted like `console.log`. */
  log(...args: unknown[]): void
}

/** A job handler, as written in the worker module. */
// `any` for the payload: a registry of handlers with different payloads must still be assignable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobHandler<P = any, R = unknown> = (payload: P, ctx: JobContext) => R | PromiseLike<R>

/** A map of handler names to handlers: what `defineJobs()` returns. */
export type JobDefinitions = Record<string, JobHandler>

/** The job names of a registry. */
export type JobName<J> = Extract<keyof J, string>

/** The payload type of handler `N`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobPayload<J, N extends JobName<J>> = J[N] extends (payload: infer P, ...rest: any[]) => unknown ? P : never

/** The result type of handler `N`: what `job.result()` resolves to. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobResult<J, N extends JobName<J>> = J[N] extends (...args: any[]) => infer R ? Awaited<R> : never
