/**
 * The page side of the worker pool: spawns workers lazily up to `size`, runs one job
 * per worker at a time, enforces timeouts and cancels, and replaces workers that
 * crash, close themselves or ignore an abort. Knows nothing of the store: it reports
 * outcomes, the scheduler records them.
 *
 * Invariants:
 * - `run()` always settles exactly once: with the handler's outcome, or with a
 *   WORKER_CRASHED / timeout / cancel outcome when the worker is gone. A run pending
 *   on a terminated worker never keeps a job waiting.
 * - A worker that misbehaved once (crash, ignored abort) is terminated, never reused. An error a
 *   handler's leftover callback throws while no run goes on in the worker is logged and fails
 *   nothing: the worker is replaced if idle, and kept for the run it was just handed otherwise.
 * - Nothing is posted to a worker before it says `ready`; after that, messages go out
 *   in the order the pool made them, so an abort always follows its run.
 * - A message from a worker counts only for the run that worker holds now: a `done` or
 *   a report of any other run id (one that already settled) is ignored.
 */
import type { AbortReason, FromWorker, RunOutcome, SerializedError, ToWorker, WorkerReport } from './protocol.js'

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
  /** What the page posted before the worker said `ready` (a module may await something before it calls serveJobs()). */
  held: [ToWorker, Transferable[]][] | undefined
  startTimer: ReturnType<typeof setTimeout>
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
    clearTimeout(slot.startTimer)
    slot.worker.terminate()
    if (slot.run) finish(slot, slot.run, outcome)
  }

  const crashed = (slot: Slot, detail: string, stack = ''): void =>
    kill(slot, { ok: false, error: { name: 'WorkerCrashedError', code: 'WORKER_CRASHED', message: `The worker running this job stopped: ${detail}. The worker was replaced.`, stack } })

  /** Posts now, or once the worker is ready. A message that cannot be posted counts as a crash, so its run still settles. */
  const post = (slot: Slot, message: ToWorker, transfer: Transferable[] = []): void => {
    if (slot.held) {
      slot.held.push([message, transfer])
      return
    }
    try {
      slot.worker.postMessage(message, transfer)
    } catch (error) {
      crashed(slot, `a message to it could not be posted (${String(error)})`)
    }
  }

  const onMessage = (slot: Slot, data: FromWorker | null | undefined): void => {
    const running = slot.run
    if (data?.errand === 'ready') {
      clearTimeout(slot.startTimer)
      names ??= data.names
      const held = slot.held ?? []
      slot.held = undefined
      for (const [message, transfer] of held) if (slots.has(slot)) post(slot, message, transfer)
      if (running && slots.has(slot)) armTimeout(slot, running)
    } else if (data?.errand === 'report') {
      // A worker reports only on the run it holds; anything else (a run already settled) is stale.
      const reports = data.reports.filter((report) => report.runId === running?.runId)
      if (running && reports.length > 0) running.task.onReport(reports)
    } else if (data?.errand === 'done') {
      if (running?.runId !== data.runId) return
      const { outcome } = data
      finish(slot, running, running.abortedFor === 'timeout' && !outcome.ok ? { ok: false, error: asTimeout(outcome.error, running.task.timeout) } : outcome)
    } else if (data?.errand === 'closing') {
      crashed(slot, 'the worker called self.close()')
    } else if (data?.errand === 'uncaught') {
      const { error } = data
      // Thrown while this run went on in the worker, it may be the run's own (a callback that threw
      // instead of settling its promise): the run fails rather than hang. Else it fails no job: an
      // idle worker goes with what is left of it, and one just handed a run keeps it.
      const ours = running !== undefined && data.runIds.includes(running.runId)
      if (!ours) console.error(`errand: a callback left in a worker threw while no job ran there; no job failed. Clear timers and listeners before a handler returns. ${error.stack || error.message}`)
      if (ours || !running) crashed(slot, `uncaught ${error.name}: ${error.message}`, error.stack)
    } else if (data?.errand === 'unreadable' && running) {
      // Only a run carries what a worker may fail to read, and a worker holds one run at a time.
      const message = "The worker could not read the job's payload (a type workers lack, such as RTCCertificate). Pass plain data, Blobs or ArrayBuffers."
      finish(slot, running, { ok: false, error: { name: 'DataCloneError', code: 'DATA_CLONE', message, stack: '' } })
    }
  }

  const spawn = (): Slot => {
    const worker = options.create()
    const slot: Slot = {
      worker,
      held: [],
      startTimer: setTimeout(() => crashed(slot, `it did not call serveJobs() within ${options.startMs} ms (is \`worker\` creating the right module?)`), options.startMs),
      run: undefined,
    }
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      crashed(slot, event.message ? `uncaught ${event.message}` : 'the worker script failed to load or threw at top level')
    })
    worker.addEventListener('messageerror', () => crashed(slot, 'a message could not be deserialised'))
    worker.addEventListener('message', (event: MessageEvent<FromWorker | null | undefined>) => onMessage(slot, event.data))
    slots.add(slot)
    return slot
  }

  /** A job's timeout runs from when its run reaches the worker: a worker's start-up is not the job's time. */
  const armTimeout = (slot: Slot, running: Running): void => {
    const { timeout } = running.task
    if (timeout > 0) running.timers.push(setTimeout(() => abortRun(slot, running, 'timeout'), timeout))
  }

  const abortRun = (slot: Slot, running: Running, reason: AbortReason): void => {
    if (running.settled || running.abortedFor) return
    // Not posted yet (the worker is starting): taken back, and the worker stays for the next run.
    const waiting = slot.held?.findIndex(([message]) => message.errand === 'run' && message.runId === running.runId) ?? -1
    if (waiting >= 0) {
      slot.held!.splice(waiting, 1)
      finish(slot, running, { ok: false, error: abortError(reason, running.task.timeout, 'never reached its worker, which was still starting') })
      return
    }
    running.abortedFor = reason
    // Behind the run on the same port (or in `held`): the worker never sees the abort before the run.
    post(slot, { errand: 'abort', runId: running.runId, reason, timeout: running.task.timeout })
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
      post(chosen, { errand: 'run', runId, jobId: task.jobId, name: task.name, attempt: task.attempt, payload: task.payload }, task.transfer)
      if (!chosen.held) armTimeout(chosen, running)
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
