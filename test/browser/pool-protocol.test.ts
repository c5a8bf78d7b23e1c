// The wire between the pool and its workers, driven directly (no queue, no store): what
// moves and what is copied, which messages count, and what the page posts before a
// worker is listening.
import { afterEach, expect, test } from 'vitest'
import { createClock, type Clock } from '../../src/pool/clock.js'
import { createPool, type Pool, type Task } from '../../src/pool/pool.js'
import type { WorkerReport } from '../../src/pool/protocol.js'
import { collectTransferables } from '../../src/pool/transferables.js'
import { fixtureWorker, within } from './helpers.js'

const MiB = 1024 * 1024
const lateWorker = () => new Worker(new URL('./fixtures/late.worker.ts', import.meta.url), { type: 'module' })
const twiceWorker = () => new Worker(new URL('./fixtures/twice.worker.ts', import.meta.url), { type: 'module' })

const pools: Pool[] = []
const clocks: Clock[] = []
afterEach(() => {
  for (const pool of pools.splice(0)) pool.terminate()
  for (const clock of clocks.splice(0)) clock.stop()
})

function pool(create: () => Worker = fixtureWorker, size = 1): Pool {
  const created = createPool({ create, size, graceMs: 1000, startMs: 10_000 })
  pools.push(created)
  return created
}

function task(name: string, payload?: unknown, onReport: (reports: WorkerReport[]) => void = () => {}): Task {
  return { jobId: `job-${name}`, name, attempt: 1, payload, timeout: 0, transfer: collectTransferables(payload), onReport }
}

/** A hand-written worker module speaking the protocol: `source` is the body of its message listener (`data` is the message). */
function rawWorker(source: string): () => Worker {
  const url = URL.createObjectURL(new Blob([`self.onmessage = ({ data }) => { ${source} }\nself.postMessage({ errand: 'ready', names: ['any'] })\n`], { type: 'text/javascript' }))
  return () => new Worker(url, { type: 'module' })
}

test('a 32 MiB ArrayBuffer payload moves to the worker: the page keeps a detached buffer', async () => {
  const workers = pool()
  const buffer = new Uint8Array(32 * MiB).fill(7).buffer
  const { outcome } = workers.run(task('bytes', { buffer }))
  await expect(outcome).resolves.toMatchObject({ ok: true, result: { length: 32 * MiB } })
  expect(buffer.byteLength).toBe(0)
})

test('a 32 MiB ArrayBuffer result moves to the page: the worker keeps a detached buffer', async () => {
  const workers = pool()
  const result = (await workers.run(task('bigResult', { mib: 32 })).outcome) as { ok: true; result: { buffer: ArrayBuffer } }
  expect(result.ok).toBe(true)
  expect(result.result.buffer.byteLength).toBe(32 * MiB)
  expect(new Uint8Array(result.result.buffer)[32 * MiB - 1]).toBe(9)
  // The same worker (the pool has one) tells what is left of its copy.
  await expect(workers.run(task('lastResultLength')).outcome).resolves.toEqual({ ok: true, result: 0 })
})

test('a result whose buffer cannot move (WebAssembly memory) is copied instead', async () => {
  const workers = pool()
  const outcome = (await workers.run(task('wasmMemoryResult')).outcome) as { ok: boolean; result: Uint8Array }
  expect(outcome.ok).toBe(true)
  expect(outcome.result.byteLength).toBe(64 * 1024)
  expect(outcome.result[0]).toBe(5)
})

test('a result that cannot be cloned fails that run with DATA_CLONE and the worker stays', async () => {
  const workers = pool()
  const first = await workers.run(task('workerId')).outcome
  const failed = await workers.run(task('unclonableResult')).outcome
  expect(failed).toMatchObject({ ok: false, error: { name: 'DataCloneError', code: 'DATA_CLONE', message: expect.stringContaining("The job's result cannot be sent to the page") } })
  await expect(workers.run(task('workerId')).outcome).resolves.toEqual(first)
})

test('a result whose getter throws fails that run with DATA_CLONE, saying so, and the worker stays (it was left running for good)', async () => {
  const workers = pool()
  const first = await workers.run(task('workerId')).outcome
  const failed = await within(workers.run(task('getterResult')).outcome, 5000)
  expect(failed).toMatchObject({ ok: false, error: { code: 'DATA_CLONE', message: expect.stringMatching(/cannot be sent to the page: boom in a getter/) } })
  await expect(workers.run(task('workerId')).outcome).resolves.toEqual(first)
})

test('a result that can move to the page but not be stored (an ImageBitmap) fails that run with DATA_CLONE, saying what to return instead', async () => {
  const workers = pool()
  const failed = await workers.run(task('bitmapResult')).outcome
  expect(failed).toMatchObject({ ok: false, error: { code: 'DATA_CLONE', message: expect.stringMatching(/IndexedDB cannot keep the ImageBitmap in the job's result: return a Blob/) } })
})

test('a payload the worker cannot read (an RTCCertificate: storable, but not exposed to workers) fails its run with DATA_CLONE instead of hanging; the worker stays', async () => {
  const workers = pool()
  const first = await workers.run(task('workerId')).outcome
  const certificate = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams)
  const failed = await within(workers.run(task('echo', { certificate })).outcome, 3000)
  expect(failed).toMatchObject({ ok: false, error: { code: 'DATA_CLONE', message: expect.stringMatching(/could not read the job's payload/) } })
  await expect(workers.run(task('workerId')).outcome).resolves.toEqual(first)
})

test('a handler that throws a value nothing can read (a revoked Proxy) fails its run; the worker stays', async () => {
  const workers = pool()
  const first = await workers.run(task('workerId')).outcome
  const failed = await within(workers.run(task('throwsUnreadable')).outcome, 3000)
  expect(failed).toMatchObject({ ok: false, error: { message: 'The handler threw a value that cannot be read.' } })
  await expect(workers.run(task('workerId')).outcome).resolves.toEqual(first)
})

test('an error whose cause cannot be read keeps its own message; a value that cannot be read is logged as such, and the run completes', async () => {
  const workers = pool()
  expect(await workers.run(task('throwsWithUnreadableCause')).outcome).toMatchObject({ ok: false, error: { message: 'outer' } })
  const reports: WorkerReport[] = []
  const logged = workers.run(task('logsUnreadable', undefined, (r) => reports.push(...r)))
  expect(await logged.outcome).toEqual({ ok: true, result: 'done' })
  expect(reports.flatMap((r) => (r.type === 'log' ? [r.message] : []))).toContain('before (a value that cannot be read)')
})

test('a thrown error keeps its causes (cause, AggregateError.errors) after its stack, and a huge message or stack is cut', async () => {
  const workers = pool()
  const chained = (await workers.run(task('throwsWithCause')).outcome) as { ok: false; error: { message: string; stack: string } }
  expect(chained.error.message).toBe('upload failed')
  expect(chained.error.stack).toMatch(/^Error: upload failed\n[^]*\nCaused by: AggregateError: every mirror failed\n[^]*\nCaused by: TypeError: socket closed\n/)
  const huge = (await workers.run(task('throwsHuge')).outcome) as { ok: false; error: { message: string; stack: string } }
  for (const text of [huge.error.message, huge.error.stack]) {
    expect(text.length).toBeLessThan(10_100)
    expect(text).toMatch(/… \(\d+ more characters\)$/)
  }
})

test('a worker module that calls serveJobs() twice fails its runs with an error that says so', async () => {
  const workers = pool(twiceWorker)
  const failed = await workers.run(task('first')).outcome
  expect(failed).toMatchObject({ ok: false, error: { code: 'WORKER_CRASHED', message: expect.stringContaining('serveJobs() was called twice in this worker') } })
})

test('a `done` or a report about a run the worker does not hold is ignored, also when that run is live on another worker', async () => {
  // Run 1 goes to the first worker, run 2 to the second. The first worker answers for run 2
  // (and for a run that never existed) before its own answer; the second answers late.
  const source = `
    if (data?.errand !== 'run') return
    if (data.runId === 1) {
      self.postMessage('not ours'); self.postMessage(null); self.postMessage({ errand: 'unknown' })
      self.postMessage({ errand: 'report', reports: [{ runId: 2, type: 'log', at: 1, message: 'from the wrong worker' }, { runId: 99, type: 'progress', value: 0.5 }, { runId: 1, type: 'progress', value: 1 }] })
      self.postMessage({ errand: 'done', runId: 2, outcome: { ok: true, result: 'run 2 from the wrong worker' } })
      self.postMessage({ errand: 'done', runId: 99, outcome: { ok: true, result: 'no such run' } })
      self.postMessage({ errand: 'done', runId: 1, outcome: { ok: true, result: 'run 1' } })
    } else {
      setTimeout(() => self.postMessage({ errand: 'done', runId: data.runId, outcome: { ok: true, result: 'run 2' } }), 300)
    }`
  const workers = pool(rawWorker(source), 2)
  const reports: Record<number, WorkerReport[]> = { 1: [], 2: [] }
  const one = workers.run(task('any', undefined, (batch) => reports[1]!.push(...batch)))
  const two = workers.run(task('any', undefined, (batch) => reports[2]!.push(...batch)))
  expect([one.runId, two.runId]).toEqual([1, 2])
  await expect(one.outcome).resolves.toEqual({ ok: true, result: 'run 1' })
  await expect(two.outcome).resolves.toEqual({ ok: true, result: 'run 2' })
  expect(reports).toEqual({ 1: [{ runId: 1, type: 'progress', value: 1 }], 2: [] })
  expect(workers.free).toBe(2)
})

test('a run posted before the worker module reaches serveJobs() (top-level await) still runs', async () => {
  const workers = pool(lateWorker)
  await expect(workers.run(task('add', { a: 1, b: 2 })).outcome).resolves.toEqual({ ok: true, result: 3 })
  expect(workers.names).toEqual(['add', 'wait'])
})

test("a job's timeout counts from when its worker is ready, not from the worker's start-up", async () => {
  const workers = pool(lateWorker) // 300 ms before serveJobs()
  const { outcome } = workers.run({ ...task('wait', { ms: 50 }), timeout: 200 })
  await expect(outcome).resolves.toEqual({ ok: true, result: 50 })
})

test('a run cancelled before its worker is ready settles at once, and the worker stays for the next run', async () => {
  const workers = pool(lateWorker)
  const first = workers.run(task('add', { a: 1, b: 1 }))
  workers.abort(first.runId, 'cancel')
  await expect(first.outcome).resolves.toMatchObject({ ok: false, error: { code: 'JOB_CANCELLED', message: expect.stringMatching(/never reached its worker/) } })
  expect(workers.free).toBe(1)
  await expect(workers.run(task('add', { a: 2, b: 3 })).outcome).resolves.toEqual({ ok: true, result: 5 })
})

test('the clock keeps a sleep asked before its worker module reached serveJobs() and fires it from the worker', async () => {
  const realSetTimeout = globalThis.setTimeout
  const clock = createClock(lateWorker)
  clocks.push(clock)
  // Main-thread timers of 100 ms or more take a minute, as in a hidden tab: only the worker can fire in time.
  globalThis.setTimeout = ((fn: () => void, ms?: number) => realSetTimeout(fn, (ms ?? 0) >= 100 ? 60_000 : ms)) as typeof setTimeout
  const started = performance.now()
  let fired: Promise<number>
  try {
    fired = new Promise((resolve) => clock.after(400, () => resolve(performance.now() - started)))
  } finally {
    globalThis.setTimeout = realSetTimeout
  }
  const elapsed = await Promise.race([fired, new Promise<string>((resolve) => realSetTimeout(() => resolve('not fired after 10 s'), 10_000))])
  expect(elapsed).not.toBe('not fired after 10 s')
  expect(elapsed).toBeGreaterThanOrEqual(390) // 400 ms, give or take Date.now()'s rounding
})
