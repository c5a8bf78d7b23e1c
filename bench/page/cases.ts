// The cases. Each measures errand and its baselines in the same page, one after the
// other; the order rotates between repetitions, so a drift of the machine does not always
// favour the same side. Figures are ms (a list of ms when one call yields several samples).
import { deleteQueue, openQueue, type Queue } from 'errand'
import type { Jobs } from './jobs.worker'
import { RawDb, RawWorker } from './raw'
import { jobLike, quantile, sleep, timed, unique } from './util'
import { clock } from './work'

export type Figures = Record<string, number | number[]>

export const createWorker = (): Worker => new Worker(new URL('./jobs.worker.ts', import.meta.url), { type: 'module' })

/** Runs the steps in order, starting with step `rep` (mod their number). */
export async function rotate(rep: number, steps: (() => Promise<void>)[]): Promise<void> {
  const first = rep % steps.length
  for (const step of [...steps.slice(first), ...steps.slice(0, first)]) await step()
}

/** A queue whose workers already started and whose page already leads. */
export async function warmQueue(label: string, options: { concurrency?: number } = {}): Promise<Queue<Jobs>> {
  const queue = openQueue<Jobs>(unique(label), { worker: createWorker, ...options })
  const warmups = Math.max(1, options.concurrency ?? 1)
  const handles = await queue.addAll(Array.from({ length: warmups }, () => ({ name: 'stamp' as const, payload: 0 })))
  await Promise.all(handles.map((h) => h.result()))
  return queue
}

const noops = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ name: 'noop' as const, payload: from + i }))
const records = (n: number) => Array.from({ length: n }, (_, i) => jobLike(i))

/**
 * Case 1, one at a time: `blocks` × `size` add() calls, each awaited. After each block,
 * `rawSize` raw puts one strict transaction each, and as many one relaxed transaction
 * each (fewer than `size`: the cost of one such put does not depend on how many follow,
 * and the run must stay short). Returns the ms of every block. Beside them, as many strict
 * raw puts into a database of errand's own schema (its six indexes, of which a queued job
 * fills three: `next`, `state`, `name`), of records as add() stores them: what IndexedDB
 * itself takes for what errand keeps, with no errand code in between.
 */
export async function enqueueEach({ blocks, size, rawSize }: { blocks: number; size: number; rawSize: number }): Promise<Figures> {
  // No worker: this page only adds, so nothing runs while we measure.
  const queue = openQueue<Jobs>(unique('enqueue'))
  await queue.counts() // the database is open before the clock starts
  const strict = await RawDb.open(unique('strict'))
  const relaxed = await RawDb.open(unique('relaxed'))
  const indexed = await errandShaped()
  const f = { addErrand: [] as number[], addRawStrict: [] as number[], addRawRelaxed: [] as number[], addRawIndexed: [] as number[] }
  for (let block = 0; block < blocks; block++) {
    const [one, two] = [records(rawSize), records(rawSize)]
    const three = asStored(records(rawSize))
    await rotate(block, [
      async () => {
        f.addErrand.push(
          await timed(async () => {
            for (let i = 0; i < size; i++) await queue.add('noop', i)
          }),
        )
      },
      async () => void f.addRawStrict.push(await timed(() => strict.putEach(one, 'strict'))),
      async () => void f.addRawRelaxed.push(await timed(() => relaxed.putEach(two, 'relaxed'))),
      async () => void f.addRawIndexed.push(await timed(() => indexed.putEach(three, 'strict'))),
    ])
  }
  await Promise.all([deleteQueue(queue.name), indexed.destroy()])
  await Promise.all([strict.destroy(), relaxed.destroy()])
  return f
}

/** A database of errand's own schema (created by errand, which then lets go of it), for raw writes. */
export async function errandShaped(): Promise<RawDb> {
  const shaped = openQueue<Jobs>(unique('indexed'))
  await shaped.counts()
  await shaped.close()
  return RawDb.attach(`errand:${shaped.name}`)
}

/** Records as errand stores a queued job: with its claim count and the key of index `next`. */
export const asStored = (list: Record<string, unknown>[]) => list.map((r) => ({ ...r, claims: 0, nextKey: [r.kind, r.priority, r.seq] }))

/**
 * Case 1, all at once: one addAll() of `batch` jobs vs raw puts of as many records in one
 * strict transaction, and, when `relaxed`, in one relaxed transaction (reported beside it,
 * measured in fewer repetitions: each of these runs takes seconds). No baseline into errand's
 * schema here: at 11 s a run, it would take the report past its 5 minutes (see enqueueEach()
 * for add(), and bench/tools/idb-layouts/ for a batch).
 */
export async function enqueueAll(rep: number, { batch, relaxed: withRelaxed }: { batch: number; relaxed: boolean }): Promise<Figures> {
  const f: Figures = {}
  const queue = openQueue<Jobs>(unique('enqueue-all'))
  await queue.counts()
  const strict = await RawDb.open(unique('strict-all'))
  const relaxed = await RawDb.open(unique('relaxed-all'))
  const items = noops(batch)
  const [one, two] = [records(batch), withRelaxed ? records(batch) : []]
  await rotate(rep, [
    async () => void (f.addAllErrand = await timed(() => queue.addAll(items))),
    async () => void (f.addAllRawStrict = await timed(() => strict.putAll(one, 'strict'))),
    ...(withRelaxed ? [async () => void (f.addAllRawRelaxed = await timed(() => relaxed.putAll(two, 'relaxed')))] : []),
  ])
  await deleteQueue(queue.name)
  await Promise.all([strict.destroy(), relaxed.destroy()])
  return f
}

/**
 * Case 2: `jobs` no-op jobs already queued, from start() to their completion callbacks
 * (queue.on('completed')), timed in `blocks` consecutive blocks of completions. Baselines,
 * in as many blocks: postMessage round trips to `concurrency` plain workers, and raw
 * puts of job-like records, one relaxed transaction per block (the write ceiling).
 */
export async function throughput({ jobs, blocks, concurrency }: { jobs: number; blocks: number; concurrency: number }): Promise<Figures> {
  const size = Math.floor(jobs / blocks)
  const f = { errand: [] as number[], rawMessages: [] as number[], rawPuts: [] as number[] }
  const queue = await warmQueue('throughput', { concurrency })
  await queue.pause()
  await queue.addAll(noops(size * blocks))

  let completed = 0
  const marks: number[] = []
  const all = new Promise<void>((resolve) => {
    queue.on('completed', ({ job }) => {
      if (job.name !== 'noop' || ++completed % size) return
      marks.push(performance.now())
      if (completed === size * blocks) resolve()
    })
  })
  const start = performance.now()
  void queue.start()
  await all
  marks.forEach((mark, i) => f.errand.push(mark - (marks[i - 1] ?? start)))
  await deleteQueue(queue.name)

  const workers = Array.from({ length: concurrency }, () => new RawWorker())
  await Promise.all(workers.map((w) => w.send()))
  // Each worker does its share one message after the other, like one job at a time per worker.
  const share = (i: number) => Math.floor(size / concurrency) + (i < size % concurrency ? 1 : 0)
  const raw = await RawDb.open(unique('ceiling'))
  for (let block = 0; block < blocks; block++) {
    const batch = records(size)
    await rotate(block, [
      async () =>
        void f.rawMessages.push(
          await timed(() =>
            Promise.all(
              workers.map(async (worker, i) => {
                for (let k = 0; k < share(i); k++) await worker.send()
              }),
            ),
          ),
        ),
      async () => void f.rawPuts.push(await timed(() => raw.putAll(batch, 'relaxed'))),
    ])
  }
  workers.forEach((w) => w.terminate())
  await raw.destroy()
  return f
}

/**
 * Case 3: on an idle queue, `samples` jobs one at a time: from add() resolving to the
 * handler starting and to result() resolving. The baseline does by hand the least a
 * durable queue must do once the job is stored: mark it claimed (one relaxed put), post
 * it to a worker, and store the result (one relaxed put) when the reply comes.
 */
export async function latency(rep: number, { samples, gapMs }: { samples: number; gapMs: number }): Promise<Figures> {
  const queue = await warmQueue('latency')
  const raw = await RawDb.open(unique('latency'))
  const worker = new RawWorker()
  await worker.send()
  const errand = { start: [] as number[], result: [] as number[] }
  const hand = { start: [] as number[], result: [] as number[] }
  await rotate(rep, [
    async () => {
      for (let i = 0; i < samples; i++) {
        const job = await queue.add('stamp', i)
        const added = clock()
        const startedAt = await job.result()
        errand.result.push(clock() - added)
        errand.start.push(startedAt - added)
        await sleep(gapMs) // the queue goes idle again
      }
    },
    async () => {
      for (let i = 0; i < samples; i++) {
        const record = jobLike(i)
        await raw.putEach([record], 'strict') // the "add", before the clock starts
        const added = clock()
        await raw.putEach([{ ...record, state: 'running' }], 'relaxed')
        const { at } = await worker.send()
        await raw.putEach([{ ...record, state: 'completed', result: at }], 'relaxed')
        hand.result.push(clock() - added)
        hand.start.push(at - added)
        await sleep(gapMs)
      }
    },
  ])
  worker.terminate()
  await deleteQueue(queue.name)
  await raw.destroy()
  return {
    startP50Errand: quantile(errand.start, 0.5),
    startP99Errand: quantile(errand.start, 0.99),
    resultP50Errand: quantile(errand.result, 0.5),
    resultP99Errand: quantile(errand.result, 0.99),
    startP50Raw: quantile(hand.start, 0.5),
    startP99Raw: quantile(hand.start, 0.99),
    resultP50Raw: quantile(hand.result, 0.5),
    resultP99Raw: quantile(hand.result, 0.99),
  }
}

/** Case 5's queues, one per size, open side by side so that their claims alternate (machine noise hits both alike). */
const scale = new Map<number, { queue: Queue<Jobs>; raw?: RawDb }>()

export async function scaleOpen(jobs: number): Promise<void> {
  const queue = await warmQueue(`scale-${jobs}`, { concurrency: 1 })
  await queue.pause()
  scale.set(jobs, { queue })
}

/** Queues `jobs` no-op jobs with addAll() in chunks, in the queue opened for that size; returns ms. */
export async function scaleFill(jobs: number, chunk: number): Promise<number> {
  const at = scale.get(jobs)!
  const ms = await timed(async () => {
    for (let done = 0; done < jobs; done += chunk) await at.queue.addAll(noops(Math.min(chunk, jobs - done), done))
  })
  // The baseline claims from the same database: same records, same indexes.
  at.raw = await RawDb.attach(`errand:${at.queue.name}`)
  return ms
}

/**
 * One claim each way from every open queue, in rotating order: errand's, from start() to the
 * first `started` event (then paused again once that job finished), and the raw claim on the
 * same database. Figures `errand<N>` and `raw<N>` for N queued.
 */
export async function scaleClaim(rep: number): Promise<Figures> {
  const f: Figures = {}
  const steps = [...scale].flatMap(([jobs, { queue, raw }]) => [
    async () => {
      const firstId = new Promise<string>((resolve) => {
        const stop = queue.on('started', ({ job }) => {
          if (job.name !== 'noop') return
          stop()
          resolve(job.id)
        })
      })
      const start = performance.now()
      const starting = queue.start()
      const id = await firstId
      f[`errand${jobs}`] = performance.now() - start
      await starting
      await queue.pause()
      await (await queue.job(id))?.result()
      await sleep(20)
    },
    async () => void (f[`raw${jobs}`] = await timed(() => raw!.claim())),
  ])
  await rotate(rep, steps)
  return f
}

export async function scaleClose(): Promise<void> {
  for (const { queue, raw } of scale.values()) {
    raw?.close()
    await deleteQueue(queue.name)
  }
  scale.clear()
}

let transferQueue: Queue<Jobs> | undefined
let transferWorker: RawWorker | undefined

/** Case 7: a `mib` MiB ArrayBuffer as payload and as result. */
export async function transfer(rep: number, { mib }: { mib: number }): Promise<Figures> {
  const f: Figures = {}
  const bytes = mib * 1024 * 1024
  const filled = () => new Uint8Array(bytes).fill(rep + 1).buffer
  transferQueue ??= await warmQueue('transfer')
  const queue = transferQueue
  transferWorker ??= new RawWorker()
  const worker = transferWorker
  await worker.send()
  const raw = await RawDb.open(unique('transfer'))
  /** add() → handler has it → result() back; with `transfer`, the app hands its buffer over and this page's worker gets it without a read of the store. */
  const bounce = async (transfer: boolean): Promise<{ add: number; handoff: number; roundTrip: number }> => {
    const buffer = filled()
    const before = clock()
    const job = await queue.add('bounce', { buffer }, transfer ? { transfer } : undefined)
    const added = clock()
    if (transfer && buffer.byteLength !== 0) throw new Error('add() with transfer: true left the buffer attached')
    const result = await job.result()
    const done = clock()
    if (result.buffer.byteLength !== bytes) throw new Error(`bounce returned ${result.buffer.byteLength} bytes, expected ${bytes}`)
    await queue.remove(job.id)
    return { add: added - before, handoff: result.startedAt - added, roundTrip: done - added }
  }
  await rotate(rep, [
    async () => {
      const r = await bounce(false)
      Object.assign(f, { addErrand: r.add, handoffErrand: r.handoff, roundTripErrand: r.roundTrip })
    },
    async () => {
      const r = await bounce(true)
      Object.assign(f, { addErrandTransfer: r.add, handoffErrandTransfer: r.handoff, roundTripErrandTransfer: r.roundTrip })
    },
    async () => {
      f.putRawStrict = await timed(() => raw.putEach([{ id: 'payload', buffer: filled() }], 'strict'))
      // Reading it back: what any leader that did not add the job itself must do before the hand-off.
      f.getRaw = await timed(() => raw.get('payload'))
    },
    async () => {
      const buffer = filled()
      const sent = clock()
      const reply = await worker.send(buffer)
      const done = clock()
      if (buffer.byteLength !== 0 || reply.buffer?.byteLength !== bytes) throw new Error('the raw transfer baseline copied instead of transferring')
      f.handoffTransfer = reply.at - sent
      f.roundTripTransfer = done - sent
    },
    async () => {
      const sent = clock()
      const reply = await worker.send(filled(), { copy: true })
      f.handoffCopy = reply.at - sent
    },
  ])
  await raw.destroy()
  return f
}

/** What the driver records about the page's machine. */
export function info(): { hardwareConcurrency: number; userAgent: string; crossOriginIsolated: boolean } {
  return { hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent, crossOriginIsolated }
}
