/**
 * The worker side: `serveJobs()` serves a registry of handlers to the page's pool over
 * plain postMessage (see protocol.ts). Written against `globalThis` only, so it
 * type-checks under the DOM and WebWorker libs.
 */
import { serializeError } from '../core/errors.js'
import type { JobContext, JobDefinitions, JobHandler } from '../core/registry.js'
import type { FromWorker, RunOutcome, RunRequest, SerializedError, ToWorker, WorkerReport } from './protocol.js'
import { collectTransferables } from './transferables.js'

/** Calls of serveJobs() in this worker. */
let served = 0

/** Progress is sent at most this often per job (the last value always arrives). */
const PROGRESS_INTERVAL_MS = 100
/** Reports are batched for at most this long. */
const FLUSH_INTERVAL_MS = 50
/** Characters kept of a log line, and of a thrown error's message and of its stack (every attempt's error is kept, and rewritten with its job). */
const MAX_TEXT = 10_000

/**
 * Declares the job handlers of a worker module. An identity function that carries
 * types: the page imports `typeof jobs` with `import type`, never the code. No handler may be
 * named `request`: that name is the network jobs' (`queue.request()`).
 * @example
 * export const jobs = defineJobs({
 *   async thumbnail(input: { file: Blob; size: number }, ctx) {
 *     ctx.progress(0.5)
 *     return { blob: await makeThumb(input) }
 *   },
 * })
 */
export function defineJobs<const J extends JobDefinitions & { request?: never }>(jobs: J): J {
  return jobs
}

interface Scope {
  close(): void
  postMessage(message: FromWorker, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: { data: ToWorker | null | undefined }) => void): void
  addEventListener(type: 'messageerror', listener: () => void): void
  addEventListener(type: 'error', listener: (event: { error: unknown; message: string; preventDefault(): void }) => void): void
  addEventListener(type: 'unhandledrejection', listener: (event: { reason: unknown }) => void): void
}

/**
 * Serves `jobs` to errand's worker pool. Call it once, at the top level of the worker module.
 * @example
 * serveJobs(jobs)
 */
export function serveJobs(jobs: JobDefinitions): void {
  // A second listener would run every job twice (or fail the names only the other registry has).
  // A plain Error: the page reports it as the worker's crash (WORKER_CRASHED), and ErrandError would weigh on every worker.
  if (served++) throw new Error('errand: serveJobs() was called twice in this worker; call it once, with every handler.')
  // Null prototype: a job named "constructor" or "__proto__" finds nothing inherited.
  const registry: Record<string, JobHandler> = Object.assign(Object.create(null) as Record<string, JobHandler>, jobs)
  const names = Object.keys(registry).filter((name) => typeof registry[name] === 'function')
  const controllers = new Map<number, AbortController>()
  const scope = globalThis as unknown as Scope
  const post = (message: FromWorker, transfer?: Transferable[]): void => scope.postMessage(message, transfer)

  let buffer: WorkerReport[] = []
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  const flush = (): void => {
    clearTimeout(flushTimer)
    flushTimer = undefined
    if (buffer.length === 0) return
    post({ errand: 'report', reports: buffer })
    buffer = []
  }
  const push = (report: WorkerReport): void => {
    buffer.push(report)
    flushTimer ??= setTimeout(flush, FLUSH_INTERVAL_MS)
  }
  /** A line in the logs of run `runId`, formatted like console.log's. */
  const log = (runId: number, args: unknown[]): void => push({ runId, type: 'log', at: Date.now(), message: formatLog(args) })

  const run = async (request: RunRequest): Promise<RunOutcome> => {
    const handler = registry[request.name]
    if (typeof handler !== 'function') {
      return failure({
        name: 'ErrandError',
        code: 'UNKNOWN_JOB',
        message: `No handler named "${request.name}" in this worker module. It defines: ${names.join(', ') || '(none)'}. Add it to defineJobs() and serveJobs().`,
        stack: '',
      })
    }
    // Registered before the first await: the page's abort of this run arrives after the run, never before it.
    const controller = new AbortController()
    controllers.set(request.runId, controller)
    const progress = throttledProgress(request.runId, push)
    const ctx: JobContext = {
      jobId: request.jobId,
      name: request.name,
      attempt: request.attempt,
      signal: controller.signal,
      progress: progress.report,
      log: (...args) => log(request.runId, args),
    }
    try {
      return { ok: true, result: await handler(request.payload, ctx) }
    } catch (error) {
      return failure(thrown(error))
    } finally {
      controllers.delete(request.runId)
      progress.end()
      // The page's port keeps order: every report of the run reaches the page before its outcome.
      flush()
    }
  }

  const done = (runId: number, ran: RunOutcome): void => {
    const send = (outcome: RunOutcome, transfer?: Transferable[]): void => post({ errand: 'done', runId, outcome }, transfer)
    const cannot = (message: string): RunOutcome => failure({ name: 'DataCloneError', code: 'DATA_CLONE', message, stack: '' })
    try {
      // Walking the result can throw too (a getter): every way out posts an outcome, or the run never ends.
      const transfer = ran.ok ? collectTransferables(ran.result) : []
      // Movable, but not storable: the page could take it, IndexedDB could not keep it.
      const kept = transfer.find((item) => !(item instanceof ArrayBuffer))
      if (kept) return send(cannot(`IndexedDB cannot keep the ${kept.constructor.name} in the job's result: return a Blob or an ArrayBuffer.`))
      try {
        send(ran, transfer)
      } catch {
        // A buffer that cannot be moved (a WebAssembly memory's) is copied instead; nothing was moved by the failed post.
        send(ran)
      }
    } catch (error) {
      send(cannot(`The job's result cannot be sent to the page: ${serializeError(error).message} Return plain data, Blobs or ArrayBuffers.`))
    }
  }

  scope.addEventListener('message', ({ data }) => {
    if (data?.errand === 'run') {
      // A thrown value that cannot even be read (a revoked Proxy) still ends the run.
      void run(data)
        .catch(() => failure({ name: 'Error', message: 'The handler threw a value that cannot be read.', stack: '' }))
        .then((outcome) => done(data.runId, outcome))
    } else if (data?.errand === 'abort') {
      const error = new Error(data.reason === 'timeout' ? `The job timed out after ${data.timeout} ms.` : 'The job was cancelled.')
      error.name = data.reason === 'timeout' ? 'JobTimeoutError' : 'JobCancelledError'
      // No controller: the run is over (or was refused), and its outcome is on its way.
      controllers.get(data.runId)?.abort(error)
    } else if (data?.errand === 'sleep') {
      setTimeout(() => post({ errand: 'woke', id: data.id }), data.ms)
    }
  })

  // A run whose payload cannot be read here never reaches the listener above: its run fails, it does not hang.
  scope.addEventListener('messageerror', () => post({ errand: 'unreadable' }))

  // Thrown outside any handler's promise: the page tells whose it may be by the runs going on here
  // now. None: a callback an ended run left behind, which must not fail the next job.
  scope.addEventListener('error', (event) => {
    // Called twice: that error, and any later, reach the page's own listener (the worker failed).
    if (served > 1) return
    post({ errand: 'uncaught', runIds: [...controllers.keys()], error: thrown(event.error ?? event.message) })
    // After the post: a thrown value that cannot be read reaches the page's own listener, which fails the run.
    event.preventDefault()
  })

  // A promise a handler let reject unheard (a call it did not await) fails nothing, but goes in the
  // logs of the run going on, where whoever looks at the job sees it. The worker's console has it too.
  scope.addEventListener('unhandledrejection', ({ reason }) => {
    for (const runId of controllers.keys()) log(runId, ['Unhandled rejection in the worker:', reason])
  })

  // self.close() from a handler would leave the page waiting forever; say so first.
  const close = scope.close.bind(scope)
  scope.close = () => {
    post({ errand: 'closing' })
    close()
  }
  post({ errand: 'ready', names })
}

function failure(error: SerializedError): RunOutcome {
  return { ok: false, error }
}

/** What a handler threw, as data: its causes (`cause`, an AggregateError's `errors`) follow its stack, and long texts are cut. */
function thrown(error: unknown): SerializedError {
  const out = serializeError(error)
  let more = ''
  try {
    more = causes(error, 1)
  } catch {
    // A cause that cannot be read (its getter throws) must not hide the error itself.
  }
  return { ...out, message: cut(out.message), stack: cut(out.stack + more) }
}

function causes(error: unknown, depth: number): string {
  if (depth > 3 || typeof error !== 'object' || error === null) return ''
  const inner = [...('cause' in error ? [error.cause] : []), ...(error instanceof AggregateError ? error.errors : [])]
  return inner
    .map((cause) => {
      const { name, message, stack } = serializeError(cause)
      return `\nCaused by: ${stack || `${name}: ${message}`}${causes(cause, depth + 1)}`
    })
    .join('')
}

const cut = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)` : text)

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
      try {
        if (typeof arg === 'string') return arg
        if (arg instanceof Error) return arg.stack ?? `${arg.name}: ${arg.message}`
        return JSON.stringify(arg) ?? String(arg)
      } catch {
        // Circular (JSON refuses it), or nothing can read it (a revoked Proxy): logging never fails the run.
        try {
          return String(arg)
        } catch {
          return '(a value that cannot be read)'
        }
      }
    })
    .join(' ')
  return cut(text)
}
