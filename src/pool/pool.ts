/**
 * The page side of the worker pool: spawns workers lazily up to `size`, runs one job
 * per worker at a time, enforces timeouts and cancels, and replaces workers that
 * crash, close themselves or ignore an abort. Knows nothing of the store: it reports
 * outcomes, the scheduler records them.
 *
 * Invariants:
 * - `run()` always settles exactly once: with the handler's outcome, or with a
 *   WORKER_CRASHED / timeout / cancel outcome when the worker is gone. A call pending
 *   on a terminated worker never keeps a job waiting.
 * - A worker that misbehaved once (crash, ignored abort) is terminated, never reused.
 */
import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink'
import type { AbortReason, ClosingSignal, RunOutcome, SerializedError, WorkerApi, WorkerReport } from './protocol.js'

export interface PoolOptions {
  /** Creates one worker running a module that calls `serveJobs()`. */
  create: () => Worker
  /** Workers at most. */
  size: number
  /** ms a handler gets after an abort before its worker is terminated. */
  graceMs: number
  /** ms a new worker gets to call `serveJobs()` before it counts as crashed. */
  startMs: number
}

export interface Task {
  jobId: string
  name: string
  attempt: number
  payload: unknown
  /** ms; 0 = none. */
  timeout: number
  /** What in `payload` moves to the worker instead of being copied (see collectTransferables). */
  transfer: Transferable[]
  onReport(reports: WorkerReport[]): void
}

export interface Pool {
  /** Workers that can take a job now (idle, or not spawned yet). */
  readonly free: number
  /** Runs a task on a free worker. Resolves with its outcome; never rejects. */
  run(task: Task): { runId: number; outcome: Promise<RunOutcome> }
  /** Aborts a run: `ctx.signal` fires, and after the grace period the worker is terminated. */
  abort(runId: number, reason: AbortReason): void
  /** Handler names reported by the first worker that started, if any has. */
  readonly names: readonly string[] | undefined
  /** Terminates every worker; pending runs settle as cancelled. */
  terminate(): void
}

interface Slot {
  worker: Worker
  remote: Remote<WorkerApi>
  ready: Promise<void>
  run: Running | undefined
}

interface Running {
  runId: number
  task: Task
  settle(outcome: RunOutcome): void
  settled: boolean
  timers: ReturnType<typeof setTimeout>[]
  abortedFor?: AbortReason
}

export function createPool(options: PoolOptions): Pool {
  const slots = new Set<Slot>()
  const runs = new Map<number, { slot: Slot; running: Running }>()
  let nextRunId = 1
  let names: string[] | undefined

  const finish = (slot: Slot, running: Running, outcome: RunOutcome): void => {
    if (running.settled) return
    running.settled = true
    running.timers.forEach(clearTimeout)
    runs.delete(running.runId)
    if (slot.run === running) slot.run = undefined
    running.settle(outcome)
  }

  /** Removes a worker for good; its job, if any, settles with `outcome`. */
  const kill = (slot: Slot, outcome: RunOutcome): void => {
    if (!slots.delete(slot)) return
    slot.worker.terminate()
    try {
      slot.remote[releaseProxy]()
    } catch {
      // the worker is gone; nothing to release
    }
    if (slot.run) finish(slot, slot.run, outcome)
  }

  const crashed = (slot: Slot, detail: string): void =>
    kill(slot, { ok: false, error: { name: 'WorkerCrashedError', code: 'WORKER_CRASHED', message: `The worker running this job stopped: ${detail}. The worker was replaced.`, stack: '' } })

  const spawn = (): Slot => {
    const worker = options.create()
    const remote = wrap<WorkerApi>(worker)
    const slot: Slot = { worker, remote, ready: Promise.resolve(), run: undefined }
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      crashed(slot, event.message ? `uncaught ${event.message}` : 'the worker script failed to load or threw at top level')
    })
    worker.addEventListener('messageerror', () => crashed(slot, 'a message could not be deserialised'))
    worker.addEventListener('message', (event: MessageEvent<Partial<ClosingSignal>>) => {
      if (event.data?.errandWorkerClosing === true) crashed(slot, 'the worker called self.close()')
    })
    const sink = proxy((reports: WorkerReport[]) => {
      for (const report of reports) runs.get(report.runId)?.running.task.onReport([report])
    })
    let startTimer: ReturnType<typeof setTimeout> | undefined
    const started = new Promise<never>((_, reject) => {
      startTimer = setTimeout(() => {
        crashed(slot, `it did not call serveJobs() within ${options.startMs} ms (is \`worker\` creating the right module?)`)
        reject(new Error('worker did not start'))
      }, options.startMs)
    })
    started.catch(() => {})
    slot.ready = Promise.race([Promise.resolve(remote.init(sink)), started]).then((list) => {
      clearTimeout(startTimer)
      names ??= list
    })
    slot.ready.catch(() => clearTimeout(startTimer))
    slots.add(slot)
    return slot
  }

  const abortRun = (slot: Slot, running: Running, reason: AbortReason): void => {
    if (running.settled || running.abortedFor) return
    running.abortedFor = reason
    // After `ready`, like the run itself, so the worker never sees the abort before the run.
    slot.ready.then(() => slot.remote.abort(running.runId, reason, running.task.timeout)).catch(() => {})
    const outcome: RunOutcome = { ok: false, error: abortError(reason, running.task.timeout, 'it ignored the abort signal, so its worker was terminated') }
    running.timers.push(setTimeout(() => kill(slot, outcome), options.graceMs))
  }

  return {
    get free() {
      let idle = options.size - slots.size
      for (const slot of slots) if (!slot.run) idle++
      return idle
    },
    get names() {
      return names
    },
    run(task) {
      let slot = [...slots].find((s) => !s.run)
      if (!slot && slots.size < options.size) {
        try {
          slot = spawn()
        } catch (error) {
          // `worker` threw (a bad URL, a CSP refusal): this attempt fails like a crash.
          const message = `The worker could not be created: ${String(error)}. Check the \`worker\` option of openQueue().`
          return { runId: nextRunId++, outcome: Promise.resolve({ ok: false, error: { name: 'WorkerCrashedError', code: 'WORKER_CRASHED', message, stack: '' } }) }
        }
      }
      if (!slot) throw new Error('errand internal error: pool.run() called with no free worker')
      const chosen = slot
      const runId = nextRunId++
      let settle!: (outcome: RunOutcome) => void
      const outcome = new Promise<RunOutcome>((resolve) => (settle = resolve))
      const running: Running = { runId, task, settle, settled: false, timers: [] }
      chosen.run = running
      runs.set(runId, { slot: chosen, running })
      if (task.timeout > 0) running.timers.push(setTimeout(() => abortRun(chosen, running, 'timeout'), task.timeout))
      const request = { runId, jobId: task.jobId, name: task.name, attempt: task.attempt, payload: task.payload }
      chosen.ready
        .then((): Promise<RunOutcome> => chosen.remote.run(transfer(request, task.transfer)))
        .then(
          (result) => finish(chosen, running, running.abortedFor === 'timeout' && !result.ok ? { ok: false, error: asTimeout(result.error, task.timeout) } : result),
          (error: unknown) => crashed(chosen, `the call failed (${String(error)})`),
        )
      return { runId, outcome }
    },
    abort(runId, reason) {
      const entry = runs.get(runId)
      if (entry) abortRun(entry.slot, entry.running, reason)
    },
    terminate() {
      for (const slot of [...slots]) kill(slot, { ok: false, error: abortError('cancel', 0, 'the queue was closed') })
    },
  }
}

function abortError(reason: AbortReason, timeout: number, detail: string): SerializedError {
  return reason === 'timeout'
    ? { name: 'JobTimeoutError', code: 'JOB_TIMEOUT', message: `The job timed out after ${timeout} ms and ${detail}.`, stack: '' }
    : { name: 'JobCancelledError', code: 'JOB_CANCELLED', message: `The job was cancelled and ${detail}.`, stack: '' }
}

/** A handler that failed after its timeout fired failed because of the timeout. */
function asTimeout(error: SerializedError, timeout: number): SerializedError {
  if (error.name === 'JobTimeoutError') return { ...error, code: 'JOB_TIMEOUT' }
  return { name: 'JobTimeoutError', code: 'JOB_TIMEOUT', message: `The job timed out after ${timeout} ms (the handler then threw ${error.name}: ${error.message}).`, stack: error.stack }
}
