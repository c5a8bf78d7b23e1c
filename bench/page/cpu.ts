// Case 4, CPU jobs: errand's pool against the main thread and against bare pools of plain
// workers, and a tool's view of where the time goes (bench/tools/cpu-timeline.mjs).
import type { Queue } from 'errand'
import { asStored, errandShaped, rotate, warmQueue, type Figures } from './cases'
import type { Jobs } from './jobs.worker'
import { RawDb, RawWorker } from './raw'
import { jobLike, nextTask, quantile, timed, unique, withLongTasks } from './util'
import { clock, cpuWork } from './work'

/**
 * Case 4: how many iterations of cpuWork() take `targetMs` on this main thread, measured
 * once the engine optimised it (the first runs are several times slower).
 */
export function calibrateCpu(targetMs: number): { iterations: number; ms: number } {
  const time = (n: number): number => {
    const start = performance.now()
    cpuWork(n)
    return performance.now() - start
  }
  const median = (n: number, runs: number): number => quantile(Array.from({ length: runs }, () => time(n)), 0.5)
  let iterations = 1_000_000
  for (let i = 0; i < 10; i++) time(iterations) // warm up: let the optimising compiler take it
  while (time(iterations) < 20) iterations *= 2
  // Scale twice: a busy machine can throw the first estimate off.
  for (let round = 0; round < 2; round++) iterations = Math.round((iterations * targetMs) / median(iterations, 5))
  return { iterations, ms: median(iterations, 3) }
}

const cpuQueues = new Map<number | undefined, Queue<Jobs>>()
const barePools = new Map<number, RawWorker[]>()

/** One of case 4's runs (bench/tools/cpu-threads.mjs runs them one at a time). */
export type CpuVariant = 'main' | 'errand' | 'bare' | 'floor' | 'floorIndexed'

/**
 * Case 4: `jobs` CPU jobs on the main thread (one task each) vs through errand's pool: the
 * default one (cores − 1 workers, at least 1) unless `concurrency` says how many workers.
 * A bare pool of as many plain workers beside it, that only posts messages; and, for a pool of
 * `concurrency` workers (where the issue sets a target), the same bare pool writing to
 * IndexedDB what any job queue must keep (the jobs, start marks, outcomes): into a store with
 * no index, and into errand's own schema, records shaped as errand stores them (the indexes
 * that claiming, leases and listing need).
 */
export async function cpu(rep: number, { jobs, iterations, concurrency, only }: { jobs: number; iterations: number; concurrency?: number; only?: CpuVariant }): Promise<Figures> {
  const f: Figures = {}
  let queue = cpuQueues.get(concurrency)
  if (!queue) {
    queue = await warmQueue(`cpu${concurrency ?? ''}`, concurrency ? { concurrency } : {})
    cpuQueues.set(concurrency, queue)
    // Warm the workers' compiled code too, as the calibration warmed the page's.
    const warm = await queue.addAll(Array.from({ length: 10 }, () => ({ name: 'cpu' as const, payload: { iterations } })))
    await Promise.all(warm.map((h) => h.result()))
  }
  const pool = queue
  const size = concurrency ?? Math.max(1, navigator.hardwareConcurrency - 1)
  let bare = barePools.get(size)
  if (!bare) {
    bare = Array.from({ length: size }, () => new RawWorker())
    barePools.set(size, bare)
    // Warmed like errand's pool: 10 runs of the same work spread over the workers.
    await Promise.all(bare.map((w) => Promise.all(Array.from({ length: Math.ceil(10 / size) }, () => w.cpu(iterations)))))
  }
  const workers = bare
  /**
   * The bare pool writing what any job queue must keep: the jobs first (one strict transaction, as
   * addAll()), then, when a worker takes its next job, that job's start mark with the outcome of the
   * one it just ended, in one relaxed transaction (as one of errand's turns does), not awaited before
   * the job runs. No claim, no fencing, no read. `indexed`: into errand's schema, records as it
   * stores them (queued ones in index `next`, running ones with a lease in `lease`).
   */
  const floorOf = (indexed: boolean) => async () => {
    const db = indexed ? await errandShaped() : await RawDb.open(unique('cpu-floor'))
    let next = 0
    const writes: Promise<void>[] = []
    const ms = await timed(async () => {
      const fresh = Array.from({ length: jobs }, () => jobLike({ iterations }))
      const queued = indexed ? asStored(fresh) : fresh
      await db.putAll(queued, 'strict')
      await Promise.all(
        workers.map(async (w) => {
          let ended: object | undefined
          while (next < jobs) {
            const { nextKey: _left, ...record } = queued[next++]!
            const lease = indexed ? { owner: 'bench-floor', claims: 1, leaseExpiresAt: Date.now() + 30_000 } : {}
            writes.push(db.putAll([...(ended ? [ended] : []), { ...record, ...lease, state: 'running', attempt: 1, startedAt: Date.now() }], 'relaxed'))
            const reply = await w.cpu(iterations)
            ended = { ...record, state: 'completed', attempt: 1, result: reply, ...(indexed ? { claims: 1, finishedAt: Date.now() } : {}) }
          }
          if (ended) writes.push(db.putAll([ended], 'relaxed'))
        }),
      )
      await Promise.all(writes)
    })
    f[indexed ? 'durableIndexedMs' : 'durableBareMs'] = ms
    await db.destroy()
  }
  const main = async () => {
    const run = await withLongTasks(async () => {
      for (let i = 0; i < jobs; i++) {
        await nextTask() // one task per job, as an app that yields between jobs would
        cpuWork(iterations)
      }
    })
    f.mainMs = run.ms
    f.mainLongTaskMs = run.longTaskMs
  }
  const errand = async () => {
    const run = await withLongTasks(async () => {
      const handles = await pool.addAll(Array.from({ length: jobs }, () => ({ name: 'cpu' as const, payload: { iterations } })))
      await Promise.all(handles.map((h) => h.result()))
    })
    f.errandMs = run.ms
    f.errandLongTaskMs = run.longTaskMs
  }
  const bareRun = async () => {
    // A bare pool of as many plain workers: each takes the next job when it is free.
    let next = 0
    f.bareMs = await timed(() => Promise.all(workers.map(async (w) => {
      while (next < jobs) {
        next++
        await w.cpu(iterations)
      }
    })))
  }
  // Where the issue sets a target (a pool of `concurrency`), the floor beside it.
  const steps: Partial<Record<CpuVariant, () => Promise<void>>> = { main, errand, bare: bareRun, ...(concurrency === undefined ? {} : { floor: floorOf(false), floorIndexed: floorOf(true) }) }
  const chosen = only ? steps[only] : undefined
  if (only && !chosen) throw new Error(`cpu: the ${only} run needs \`concurrency\``)
  await rotate(rep, chosen ? [chosen] : Object.values(steps))
  return f
}

/**
 * Not a case: where the time of case 4 goes (bench/tools/cpu-timeline.mjs). `jobs` CPU jobs on a
 * pool of `concurrency` workers, `reps` times, each phase on the clock shared with the workers:
 * addAll(), until the first job starts, each worker's gaps between two jobs, the jobs' own
 * durations, and from the last job's end to the last result().
 */
export async function cpuTimeline({ jobs, iterations, concurrency, reps }: { jobs: number; iterations: number; concurrency: number; reps: number }) {
  const queue = await warmQueue('cpu-timeline', { concurrency })
  const batch = () => queue.addAll(Array.from({ length: jobs }, () => ({ name: 'cpuStamped' as const, payload: { iterations } })))
  await Promise.all((await batch()).map((h) => h.result())) // warm the workers' compiled code
  const out = []
  for (let rep = 0; rep < reps; rep++) {
    const start = clock()
    const handles = await batch()
    const added = clock()
    const runs = await Promise.all(handles.map((h) => h.result()))
    const done = clock()
    const byWorker = new Map<number, typeof runs>()
    for (const run of runs) byWorker.set(run.worker, [...(byWorker.get(run.worker) ?? []), run])
    const gaps = [...byWorker.values()].flatMap((list) => list.sort((a, b) => a.start - b.start).slice(1).map((run, i) => run.start - list[i]!.end))
    const lastEnd = Math.max(...runs.map((r) => r.end))
    out.push({
      totalMs: done - start,
      addAllMs: added - start,
      firstStartMs: Math.min(...runs.map((r) => r.start)) - start,
      gapsMs: gaps,
      durationsMs: runs.map((r) => r.end - r.start),
      lastResultMs: done - lastEnd,
    })
  }
  await queue.close()
  return out
}

/** Case 5 keeps its queue between calls: the driver measures the heap in between. */
