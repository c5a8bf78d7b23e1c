/**
 * The worker side: `serveJobs()` exposes a registry of handlers to the page's pool.
 * Written against `globalThis` only, so it type-checks under the DOM and WebWorker libs.
 */
import { expose, transfer } from 'comlink'
import { serializeError } from '../core/errors.js'
import type { JobContext, JobDefinitions, JobHandler } from '../core/registry.js'
import type { AbortReason, ClosingSignal, RunOutcome, RunRequest, SerializedError, WorkerApi, WorkerReport } from './protocol.js'
import { collectTransferables } from './transferables.js'

/** Progress is sent at most this often per job (the last value always arrives). */
const PROGRESS_INTERVAL_MS = 100
/** Reports are batched for at most this long. */
const FLUSH_INTERVAL_MS = 50
const MAX_LOG_LINE = 10_000

/**
 * Declares the job handlers of a worker module. An identity function that carries
 * types: the page imports `typeof jobs` with `import type`, never the code.
 * @example
 * export const jobs = defineJobs({
 *   async thumbnail(input: { file: Blob; size: number }, ctx) {
 *     ctx.progress(0.5)
 *     return { blob: await makeThumb(input) }
 *   },
 * })
 */
export function defineJobs<const J extends JobDefinitions>(jobs: J): J {
  return jobs
}

interface Scope {
  close(): void
  postMessage(message: unknown): void
}

/**
 * Serves `jobs` to errand's worker pool. Call it once, at the top level of the worker module.
 * @example
 * serveJobs(jobs)
 */
export function serveJobs(jobs: JobDefinitions): void {
  // Null prototype: a job named "constructor" or "__proto__" finds nothing inherited.
  const registry: Record<string, JobHandler> = Object.assign(Object.create(null) as Record<string, JobHandler>, jobs)
  const names = Object.keys(registry).filter((name) => typeof registry[name] === 'function')
  const controllers = new Map<number, AbortController>()
  /** Aborts that arrived before their run started (run ids only grow, so older ones are over). */
  const early = new Map<number, Error>()
  let lastRunId = 0
  const scope = globalThis as unknown as Scope

  let sink: ((reports: WorkerReport[]) => unknown) | undefined
  let buffer: WorkerReport[] = []
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  const flush = async (): Promise<void> => {
    clearTimeout(flushTimer)
    flushTimer = undefined
    if (buffer.length === 0 || !sink) return
    const batch = buffer
    buffer = []
    await sink(batch)
  }
  const push = (report: WorkerReport): void => {
    buffer.push(report)
    flushTimer ??= setTimeout(() => flush().catch(() => {}), FLUSH_INTERVAL_MS) // the page went away: nothing to tell
  }

  const api: WorkerApi = {
    init(report) {
      sink = report
      return names
    },
    async run(request: RunRequest): Promise<RunOutcome> {
      const handler = registry[request.name]
      if (typeof handler !== 'function') {
        return failure({
          name: 'ErrandError',
          code: 'UNKNOWN_JOB',
          message: `No handler named "${request.name}" in this worker module. It defines: ${names.join(', ') || '(none)'}. Add it to defineJobs() and serveJobs().`,
          stack: '',
        })
      }
      const controller = new AbortController()
      controllers.set(request.runId, controller)
      lastRunId = Math.max(lastRunId, request.runId)
      const abortedEarly = early.get(request.runId)
      if (abortedEarly) {
        early.delete(request.runId)
        controller.abort(abortedEarly)
      }
      const progress = throttledProgress(request.runId, push)
      const ctx: JobContext = {
        jobId: request.jobId,
        name: request.name,
        attempt: request.attempt,
        signal: controller.signal,
        progress: progress.report,
        log: (...args) => push({ runId: request.runId, type: 'log', at: Date.now(), message: formatLog(args) }),
      }
      try {
        const result = await handler(request.payload, ctx)
        progress.end()
        await flush()
        return transfer({ ok: true, result } as RunOutcome, collectTransferables(result))
      } catch (error) {
        progress.end()
        await flush()
        return failure(serializeError(error))
      } finally {
        controllers.delete(request.runId)
      }
    },
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    abort(runId: number, reason: AbortReason, timeout: number) {
      const error = new Error(reason === 'timeout' ? `The job timed out after ${timeout} ms.` : 'The job was cancelled.')
      error.name = reason === 'timeout' ? 'JobTimeoutError' : 'JobCancelledError'
      const controller = controllers.get(runId)
      if (controller) controller.abort(error)
      else if (runId > lastRunId) early.set(runId, error)
    },
  }

  // self.close() from a handler would leave the page waiting forever; say so first.
  const close = scope.close.bind(scope)
  scope.close = () => {
    const signal: ClosingSignal = { errandWorkerClosing: true }
    scope.postMessage(signal)
    close()
  }
  expose(api)
}

function failure(error: SerializedError): RunOutcome {
  return { ok: false, error }
}

function throttledProgress(runId: number, push: (report: WorkerReport) => void) {
  let last = 0
  let pending: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const send = (): void => {
    timer = undefined
    if (pending === undefined) return
    push({ runId, type: 'progress', value: pending })
    pending = undefined
    last = Date.now()
  }
  return {
    report(value: number): void {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new TypeError(`Expected \`progress\` to be a number in [0, 1], got \`${String(value)}\` (${typeof value}).`)
      }
      pending = value
      const wait = last + PROGRESS_INTERVAL_MS - Date.now()
      if (wait <= 0) send()
      else timer ??= setTimeout(send, wait)
    },
    end(): void {
      clearTimeout(timer)
      send()
    },
  }
}

function formatLog(args: unknown[]): string {
  const text = args
    .map((arg) => {
      if (typeof arg === 'string') return arg
      if (arg instanceof Error) return arg.stack ?? `${arg.name}: ${arg.message}`
      try {
        return JSON.stringify(arg) ?? String(arg)
      } catch {
        return String(arg)
      }
    })
    .join(' ')
  return text.length > MAX_LOG_LINE ? `${text.slice(0, MAX_LOG_LINE)}… (${text.length - MAX_LOG_LINE} more characters)` : text
}
