// A reload storm: hundreds of short CPU jobs while the only tab reloads at random moments
// (seeded), some while jobs are being added. Whatever was added must complete, nothing may
// be lost, and the test server's ledger (every execution of the handler, counted outside
// errand) bounds how often a job ran: at most once per page load, so at most once more per
// reload that happened while it could have been running.
//
// Replay a failing schedule with ERRAND_E2E_SEED=<seed> (the seed is in the report's
// annotations and printed on failure).
import { writeFile } from 'node:fs/promises'
import type { Job } from 'errand'
import type { LedgerRecord } from './fixture/ledger-record'
import { executionsByJob, expect, openFixture, readLedger, seededRandom, test, testSeed, uniqueQueueName } from './helpers'

const JOBS = 300
const CONCURRENCY = 2
/** Reloads fired while a batch of adds is in flight. */
const ENQUEUE_RELOADS = 5
/** Reloads after the last add, while the backlog runs. */
const RUN_RELOADS = 10

interface Reload {
  phase: 'enqueue' | 'run'
  /** Epoch ms just before page.reload(): the old page may die from here on. */
  from: number
  /** Epoch ms once the reloaded page had loaded: the old page was gone by then. */
  to: number
  /** Jobs the store said were running just before (run phase only). */
  running?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('a reload storm loses no job and runs each at most once per page load', async ({ page, baseURL }) => {
  test.setTimeout(150_000)
  const seed = testSeed()
  const random = seededRandom(seed)
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const queue = uniqueQueueName()
  // Stalls are the point here: no job may fail for stalling too often.
  const options = { queue, concurrency: CONCURRENCY, maxStalls: 1000, tab: 'storm' }

  // The schedule, all drawn from the seed: job durations, add batches, reload moments.
  const durations = Array.from({ length: JOBS }, () => between(5, 50))
  const batches: number[][] = []
  for (let n = 0; n < JOBS; ) {
    const size = Math.min(JOBS - n, between(1, 16))
    batches.push(Array.from({ length: size }, (_, i) => n + i))
    n += size
  }
  const enqueueReloads = new Map<number, number>() // batch index → ms after the batch was sent
  while (enqueueReloads.size < ENQUEUE_RELOADS) enqueueReloads.set(between(1, batches.length - 1), between(0, 20))
  const runGaps = Array.from({ length: RUN_RELOADS }, () => between(100, 450))
  test.info().annotations.push({ type: 'seed', description: `${seed} (replay with ERRAND_E2E_SEED=${seed})` })
  const plan =
    `${batches.length} add batches; reload ${[...enqueueReloads].sort(([a], [b]) => a - b).map(([batch, ms]) => `${ms} ms into batch ${batch}`).join(', ')}; ` +
    `then reload after gaps of ${runGaps.join(', ')} ms`
  test.info().annotations.push({ type: 'plan', description: plan })

  const reloads: Reload[] = []
  const resolved = new Map<number, string>() // n → job id, for every add that resolved
  const unknown = new Set<number>() // n of adds interrupted by a reload: written or not
  const started = Date.now()
  const describe = () =>
    `seed ${seed}; ${reloads.length} reloads at ms ${reloads.map((r) => `${r.phase}+${r.from - started}${r.running === undefined ? '' : ` (${r.running} running)`}`).join(', ')}; ` +
    `${resolved.size} adds resolved, ${unknown.size} interrupted`

  const reload = async (phase: Reload['phase'], running?: number) => {
    const from = Date.now()
    await page.reload()
    await openFixture(page, options, { navigate: false })
    reloads.push({ phase, from, to: Date.now(), ...(running === undefined ? {} : { running }) })
  }

  let evidence: { jobs?: Job[]; ledger?: LedgerRecord[] } = {}
  try {
    await openFixture(page, options)

    // 1. Enqueue in batches (a batch of one is a plain add()); some batches race a reload.
    for (const [index, batch] of batches.entries()) {
      const payloads = batch.map((n) => ({ n, ms: durations[n]! }))
      // A rejection (the reload destroyed the page first) means "maybe written": caught at once, not left unhandled.
      const adding = (
        payloads.length === 1
          ? page.evaluate((p) => window.errandTest.add('task', p).then((id) => [id]), payloads[0]!)
          : page.evaluate((p) => window.errandTest.addMany('task', p), payloads)
      ).catch(() => undefined)
      const reloadAfter = enqueueReloads.get(index)
      if (reloadAfter !== undefined) {
        await sleep(reloadAfter)
        await reload('enqueue')
      }
      const ids = await adding
      if (ids) batch.forEach((n, i) => resolved.set(n, ids[i]!))
      else batch.forEach((n) => unknown.add(n))
    }

    // 2. Reload while the backlog runs.
    for (const gap of runGaps) {
      await sleep(gap)
      const { running } = await page.evaluate(() => window.errandTest.counts())
      await reload('run', running)
    }
    const stormEnded = Date.now()
    test.info().annotations.push({ type: 'reloads', description: describe() })

    // 3. Everything finishes on the last page load.
    await expect
      .poll(() => page.evaluate(() => window.errandTest.counts()), { timeout: 60_000, message: 'the queue drains after the storm' })
      .toMatchObject({ queued: 0, delayed: 0, running: 0 })
    test.info().annotations.push({ type: 'timing', description: `storm ${stormEnded - started} ms, then drained in ${Date.now() - stormEnded} ms` })
    const jobs = await page.evaluate(() => window.errandTest.all())
    const ledger = await readLedger(baseURL!, queue)
    evidence = { jobs, ledger }
    checkStorm({ jobs, ledger, reloads, resolved, unknown })
  } catch (error) {
    console.log(`reload storm failed: ${describe()}\nplanned: ${plan}`)
    // Everything needed to replay the reasoning: the schedule, what happened, every job and execution.
    const path = test.info().outputPath('storm.json')
    await writeFile(path, JSON.stringify({ seed, plan, started, reloads, resolved: [...resolved], unknown: [...unknown], ...evidence }, null, 1))
    await test.info().attach('storm.json', { path, contentType: 'application/json' })
    throw error
  }
})

function checkStorm({ jobs, ledger, reloads, resolved, unknown }: { jobs: Job[]; ledger: LedgerRecord[]; reloads: Reload[]; resolved: Map<number, string>; unknown: Set<number> }): void {
  const byId = new Map(jobs.map((job) => [job.id, job]))
  const nOf = (job: Job) => (job.payload as { n: number }).n

  // Nothing lost: every add that resolved left its job, and it completed.
  for (const [n, id] of resolved) expect(byId.get(id), `job ${n} (${id}), whose add() resolved`).toMatchObject({ state: 'completed' })
  // Nothing else: every stored job is one we added (once), and completed too.
  const seenN = new Set<number>()
  for (const job of jobs) {
    const n = nOf(job)
    expect(resolved.get(n) === job.id || unknown.has(n), `stored job ${job.id} (n=${n}) comes from an add() we made`).toBe(true)
    expect(seenN.has(n), `n=${n} is stored once`).toBe(false)
    seenN.add(n)
    expect(job.state, `job ${job.id} (n=${n}), added by an add() the storm interrupted`).toBe('completed')
  }

  // Every execution the ledger saw belongs to a stored job.
  const runs = executionsByJob(ledger)
  for (const jobId of runs.keys()) expect(byId.has(jobId), `ledger job ${jobId} is stored`).toBe(true)

  for (const job of jobs) {
    const executions = runs.get(job.id) ?? []
    const label = `job ${job.id} (n=${nOf(job)}), executions ${JSON.stringify(executions)}`
    // The stored result is the outcome of an execution the ledger saw finish, on the attempt the job records.
    const result = job.result as { n: number; run: string; attempt: number; tab: string }
    expect(result, label).toMatchObject({ n: nOf(job), attempt: job.attempt, tab: 'storm' })
    expect(executions.find((e) => e.run === result.run), label).toMatchObject({ attempt: job.attempt, endedAt: expect.any(Number) })
    // Only stalls interrupted it (the handler never throws), each one recorded.
    expect(job.errors.map((e) => e.code), label).toEqual(Array.from({ length: job.stalls }, () => 'STALLED'))
    expect(job.attempt, label).toBe(1 + job.stalls)

    // At most one execution per page load: within one load a job never runs twice.
    const loads = new Set(executions.map((e) => e.load))
    expect(loads.size, `${label}: one execution per page load`).toBe(executions.length)
    // So at most one more per reload that could have cut one short: one between its add() and its completion.
    // (Not from its first execution in the ledger: a reload can also stall an attempt dispatched to a
    // worker that was still loading, before the handler could record anything.)
    const during = reloads.filter((r) => r.from <= job.finishedAt! && r.to >= job.createdAt).length
    expect(executions.length, `${label}: reloads while it could run: ${during}`).toBeLessThanOrEqual(1 + during)
    expect(executions.length, label).toBeLessThanOrEqual(1 + reloads.length)
    expect(job.stalls, `${label}: stalls`).toBeLessThanOrEqual(during)
  }

  // In all: no more than one execution per job plus one per job and reload in its window
  // (checked above). Not "jobs + reloads × concurrency": a reload also repeats the jobs whose
  // handler had returned but whose outcome the leader had not committed yet (group commit),
  // so one reload can cost more re-runs than there are workers; at-least-once allows that.
  const total = ledger.length
  const interrupted = ledger.filter((e) => e.endedAt === undefined).length
  const simpleBound = jobs.length + reloads.length * CONCURRENCY
  // Executions that finished and still ran again: how long before the reload was asked for did they finish?
  const lostOutcomes = ledger
    .filter((e) => e.endedAt !== undefined && (runs.get(e.jobId) ?? []).some((other) => other.startedAt > e.startedAt))
    .map((e) => (reloads.find((r) => r.to > e.startedAt)?.from ?? NaN) - e.endedAt!)
  test.info().annotations.push({
    type: 'executions',
    description:
      `${total} executions of ${jobs.length} jobs (${interrupted} cut short, ${total - jobs.length} repeats) across ${reloads.length} reloads; ` +
      `jobs + reloads × concurrency = ${simpleBound}; ${lostOutcomes.length} finished runs repeated, finished ${Math.min(...lostOutcomes)}…${Math.max(...lostOutcomes)} ms before their reload was asked for`,
  })
  // The storm really hit running jobs (else it proved nothing).
  expect(total - jobs.length + interrupted, 'executions the reloads cut short or made repeat').toBeGreaterThan(0)
}
