// `npm run bench`: builds the package and the bench page, runs every case in headless
// Chromium, prints a table (ratio first) and writes bench/results/latest.json.
// A report, not a test: nothing here passes or fails on absolute times.
//
//   npm run bench                       everything (builds first)
//   npm run bench -- --no-build         reuse dist/ and bench/page/dist
//   npm run bench -- --only=latency,cpu run some cases (ids: enqueue throughput latency cpu scale network transfer size)
//   npm run bench -- --reps=3           fewer repetitions (default 5)
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.mjs'
import { startNetServer } from '../scripts/net-server.mjs'
import { measureSizes } from '../scripts/size.mjs'
import { startStaticServer } from '../scripts/static-server.mjs'
import { formatTable, stats } from './report.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const ROOT = here('..')
const PAGE_DIST = here('./page/dist')
const RESULTS = here('./results/latest.json')

const args = process.argv.slice(2)
const flag = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const REPS = Number(flag('reps') ?? 5)
const ONLY = flag('only')?.split(',')
const BUILD = !args.includes('--no-build')

/**
 * The size of every case. N are the issue's; repetitions are REPS except where one run
 * is too heavy for a 2-core CI machine to repeat within the 5-minute budget (see README).
 */
const SETTINGS = {
  reps: REPS,
  // add(): N = blocks × size, timed per block, each block followed by `rawSize` puts of
  // each baseline (per put, the same figure as `size` puts would give, in less time);
  // addAll(): one run of `batch` per repetition; the relaxed baseline (beside the strict one) in the first `relaxedReps`.
  enqueue: { blocks: REPS, size: 1_000, rawSize: 500, batch: 50_000, batchReps: REPS, relaxedReps: 1 },
  // One run of `jobs`, timed in `blocks` consecutive blocks of completions.
  throughput: { jobs: 20_000, blocks: REPS },
  latency: { samples: 100, gapMs: 5 },
  // "~50 ms" jobs, calibrated to 60 ms so that each stays a long task (over 50 ms) on the
  // main thread even when the machine runs faster than during calibration.
  cpu: { jobs: 16, targetMs: 60 },
  // Queued once per N (the 100,000 fill is one repetition); `claims` claims at each N (cheap,
  // and a claim is short enough that one busy moment of the machine shows: take many).
  scale: { small: 1_000, large: 100_000, chunk: 10_000, claims: 5 * REPS },
  // 200 POSTs of 10 KiB, as the issue asks.
  network: { count: 200, bytes: 10_240 },
  transfer: { mib: 32 },
}
/** One page call may take this long before the run stops with an error instead of hanging. */
const CALL_TIMEOUT_MS = 180_000

const startedAt = Date.now()
const loadAtStart = loadavg()
const log = (message) => console.log(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`)

function sh(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed (exit ${result.status})`)
}

if (BUILD) {
  log('building the package (npm run build) and the bench page')
  sh('npm', ['run', '--silent', 'build'])
  const { build } = await import('vite')
  await build({ configFile: here('./page/vite.config.ts') })
  await build({ configFile: here('./page/vite.sw.config.ts') })
}

const server = await startStaticServer({ root: PAGE_DIST })
const executablePath = chromiumPath()
const browser = {}

/**
 * Runs `body` in a fresh browser with a fresh on-disk profile: IndexedDB really writes to
 * disk (a Playwright `newContext()` is incognito, where IndexedDB lives in memory and
 * `strict` durability costs nothing).
 */
async function inFreshPage(body) {
  const profile = await mkdtemp(join(tmpdir(), 'errand-bench-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath, args: CHROMIUM_ARGS, headless: true })
  const errors = []
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (error) => errors.push(error.stack ?? error.message))
    page.on('console', (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource') && errors.push(message.text()))
    // Chromium asks for /favicon.ico on its own; any other missing file is a broken page.
    page.on('response', (response) => response.status() >= 400 && !response.url().endsWith('/favicon.ico') && errors.push(`${response.status()} ${response.url()}`))
    await page.goto(`${server.url}/`)
    await page.waitForFunction(() => 'errandBench' in window)
    const cdp = await context.newCDPSession(page)
    if (!browser.product) {
      Object.assign(browser, await cdp.send('Browser.getVersion'), await call(page, 'info'), { executablePath })
    }
    const bench = {
      page,
      call: async (method, ...callArgs) => {
        const value = await call(page, method, ...callArgs)
        if (errors.length) throw new Error(`the bench page reported errors:\n${errors.join('\n')}`)
        return value
      },
      /** Used JS heap of the page after a full garbage collection, in bytes. */
      heap: async () => {
        await cdp.send('HeapProfiler.collectGarbage')
        return (await cdp.send('Runtime.getHeapUsage')).usedSize
      },
    }
    return await body(bench)
  } finally {
    await context.close()
    await rm(profile, { recursive: true, force: true })
  }
}

function call(page, method, ...callArgs) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`errandBench.${method}() did not finish within ${CALL_TIMEOUT_MS / 1000} s`)), CALL_TIMEOUT_MS)
  })
  const evaluation = page.evaluate(([m, a]) => window.errandBench[m](...a), [method, callArgs])
  return Promise.race([evaluation, timeout]).finally(() => clearTimeout(timer))
}

/** Adds a page call's figures (a number, or a list of numbers) to the samples. */
function gather(samples, figures) {
  for (const [name, value] of Object.entries(figures)) (samples[name] ??= []).push(...[value].flat())
  return samples
}

const brief = (figures) =>
  Object.entries(figures)
    .map(([name, value]) => `${name} ${[value].flat().map((v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2))).join('/')}`)
    .join(', ')

/** Calls `method(rep, options)` `reps` times (`options` may be a function of `rep`) and gathers each figure's samples. */
async function repeat(bench, label, method, options, reps = REPS) {
  const samples = {}
  for (let rep = 0; rep < reps; rep++) {
    const figures = await bench.call(method, rep, typeof options === 'function' ? options(rep) : options)
    gather(samples, figures)
    log(`${label}: repetition ${rep + 1}/${reps}: ${brief(figures)}`)
  }
  return samples
}

/** Calls `method(options)` once: it returns a list of samples per figure itself. */
async function once(bench, label, method, options) {
  const figures = await bench.call(method, options)
  log(`${label}: ${brief(figures)}`)
  return gather({}, figures)
}

const rows = []
/**
 * One line of the report: an errand figure next to its baseline from the same run.
 * `unit`: 'ms' | 'bytes' | 'x'. Without a baseline the ratio is left empty.
 */
function row(caseName, figure, errand, baseline, baselineLabel, { unit = 'ms', note } = {}) {
  const e = stats(errand)
  const b = baseline ? stats(baseline) : undefined
  rows.push({ case: caseName, figure, unit, errand: e, baseline: b, baselineLabel: baselineLabel ?? '', ratio: b && b.median > 0 ? e.median / b.median : undefined, ...(note ? { note } : {}) })
}

const n = (value) => value.toLocaleString('en-US')
const each = (samples, count) => samples.map((ms) => ms / count)
const perSecond = (msPerItem) => `≈ ${n(Math.round(1000 / msPerItem))}/s`

const CASES = {
  async enqueue() {
    const { blocks, size, rawSize, batch, batchReps, relaxedReps } = SETTINGS.enqueue
    const s = await inFreshPage(async (bench) => ({
      ...(await once(bench, 'enqueue, one at a time', 'enqueueEach', { blocks, size, rawSize })),
      ...(await repeat(bench, 'enqueue, all at once', 'enqueueAll', (rep) => ({ batch, relaxed: rep < relaxedReps }), batchReps)),
    }))
    const c = '1 enqueue'
    const single = `add() one at a time, N = ${n(blocks * size)}: per job`
    const note = `${blocks} blocks of ${n(size)} (baseline: of ${n(rawSize)})`
    row(c, single, each(s.addErrand, size), each(s.addRawStrict, rawSize), 'raw put, one strict transaction each', { note })
    row(c, single, each(s.addErrand, size), each(s.addRawRelaxed, rawSize), 'raw put, one relaxed transaction each', { note })
    row(c, single, each(s.addErrand, size), each(s.addRawIndexed, rawSize), "raw put, one strict transaction each, into errand's schema (3 index entries per job)", { note })
    const all = `addAll(), N = ${n(batch)}: total`
    const reps = (k) => `${k} repetition${k > 1 ? 's' : ''}${k < batchReps ? ` of the baseline (each run takes seconds); errand: ${batchReps}` : ''}`
    row(c, all, s.addAllErrand, s.addAllRawStrict, 'raw puts, one strict transaction', { note: reps(batchReps) })
    row(c, all, s.addAllErrand, s.addAllRawRelaxed, 'raw puts, one relaxed transaction', { note: reps(relaxedReps) })
  },

  async throughput() {
    const { jobs, blocks } = SETTINGS.throughput
    const size = Math.floor(jobs / blocks)
    const cores = browser.hardwareConcurrency ?? cpus().length
    const levels = [...new Set([1, Math.max(1, cores - 1)])]
    for (const concurrency of levels) {
      const s = await inFreshPage((bench) => once(bench, `throughput, concurrency ${concurrency}`, 'throughput', { jobs, blocks, concurrency }))
      const which = concurrency === Math.max(1, cores - 1) ? ` (${levels.length === 1 ? '= ' : ''}cores − 1)` : ''
      const figure = `${n(jobs)} queued no-ops → completed callbacks, concurrency ${concurrency}${which}: per job`
      const c = '2 throughput'
      const errand = each(s.errand, size)
      const note = `${blocks} blocks of ${n(size)}; errand ${perSecond(stats(errand).median)}`
      row(c, figure, errand, each(s.rawMessages, size), `raw postMessage round trip, ${concurrency} plain worker${concurrency > 1 ? 's' : ''}`, { note })
      row(c, figure, errand, each(s.rawPuts, size), `raw put, ${n(size)} per relaxed transaction (write ceiling)`, { note })
    }
  },

  async latency() {
    const { samples } = SETTINGS.latency
    const s = await inFreshPage((bench) => repeat(bench, 'latency', 'latency', SETTINGS.latency))
    const c = '3 latency'
    const byHand = 'by hand: relaxed put (claim), postMessage'
    const byHandBack = `${byHand}, reply, relaxed put (result)`
    const note = `per repetition: ${samples} jobs one at a time`
    row(c, 'idle queue: add() resolved → handler starts, p50', s.startP50Errand, s.startP50Raw, byHand, { note })
    row(c, 'idle queue: add() resolved → handler starts, p99', s.startP99Errand, s.startP99Raw, byHand, { note })
    row(c, 'idle queue: add() resolved → result() resolves, p50', s.resultP50Errand, s.resultP50Raw, byHandBack, { note })
    row(c, 'idle queue: add() resolved → result() resolves, p99', s.resultP99Errand, s.resultP99Raw, byHandBack, { note })
  },

  async cpu() {
    const { jobs, targetMs } = SETTINGS.cpu
    const { calibration, s, two } = await inFreshPage(async (bench) => {
      const found = await bench.call('calibrateCpu', targetMs)
      log(`cpu: ${n(found.iterations)} iterations take ${found.ms.toFixed(1)} ms on the main thread`)
      return {
        calibration: found,
        s: await repeat(bench, 'cpu', 'cpu', { jobs, iterations: found.iterations }),
        two: await repeat(bench, 'cpu, 2 workers', 'cpu', { jobs, iterations: found.iterations, concurrency: 2 }),
      }
    })
    SETTINGS.cpu.calibration = calibration
    const c = '4 cpu'
    const pool = Math.max(1, (browser.hardwareConcurrency ?? 2) - 1)
    const work = `${jobs} jobs of ~${targetMs} ms`
    const note = `default pool: ${pool} worker${pool > 1 ? 's' : ''}; calibration: ${n(calibration.iterations)} iterations took ${calibration.ms.toFixed(0)} ms`
    row(c, `${work}: total time`, s.errandMs, s.mainMs, 'the same work on the main thread, one task per job', { note })
    row(c, `${work}: total time`, s.errandMs, s.bareMs, `a bare pool of ${pool} plain worker${pool > 1 ? 's' : ''} (postMessage, no errand)`, { note })
    row(c, `${work}: main-thread long-task time`, s.errandLongTaskMs, s.mainLongTaskMs, 'the same, work on the main thread', { note: 'PerformanceObserver longtask' })
    row(c, `${work}: speed-up (main-thread time ÷ errand time)`, s.mainMs.map((main, i) => main / s.errandMs[i]), undefined, undefined, { unit: 'x', note })
    // The issue's target is for 2 workers; on a 2-core machine the default pool has 1.
    const twoNote = `concurrency: 2; calibration: ${n(calibration.iterations)} iterations took ${calibration.ms.toFixed(0)} ms`
    row(c, `${work}, 2 workers: total time`, two.errandMs, two.mainMs, 'the same work on the main thread, one task per job', { note: twoNote })
    row(c, `${work}, 2 workers: total time`, two.errandMs, two.bareMs, 'a bare pool of 2 plain workers (postMessage, no errand)', { note: twoNote })
    row(c, `${work}, 2 workers: speed-up (main-thread time ÷ errand time)`, two.mainMs.map((main, i) => main / two.errandMs[i]), undefined, undefined, { unit: 'x', note: twoNote })
    // The floor for a queue that keeps its jobs: the bare pool plus the writes errand cannot do without, and nothing else.
    const durable = 'a bare pool of 2 that writes the jobs (one strict transaction), then a start mark and the outcome of each (a relaxed put each); no claim, fencing or read'
    row(c, `${work}, 2 workers: total time`, two.errandMs, two.durableBareMs, durable, { note: twoNote })
    row(c, `${work}, 2 workers: speed-up of that pool (main-thread time ÷ its time)`, two.mainMs.map((main, i) => main / two.durableBareMs[i]), undefined, undefined, { unit: 'x', note: twoNote })
    // The same writes into errand's schema: what its indexes (claiming, leases, listing) add to that floor.
    const indexed = "the same pool writing the same into errand's schema, records as errand stores them (its indexes for claiming, leases and listing)"
    row(c, `${work}, 2 workers: total time`, two.errandMs, two.durableIndexedMs, indexed, { note: twoNote })
    row(c, `${work}, 2 workers: speed-up of that pool (main-thread time ÷ its time)`, two.mainMs.map((main, i) => main / two.durableIndexedMs[i]), undefined, undefined, { unit: 'x', note: twoNote })
  },

  async scale() {
    const { small, large, chunk, claims } = SETTINGS.scale
    const c = '5 scale'
    const m = await inFreshPage(async (bench) => {
      const out = {}
      for (const jobs of [small, large]) {
        await bench.call('scaleOpen', jobs)
        const heapBefore = await bench.heap()
        const fillMs = await bench.call('scaleFill', jobs, chunk)
        const heapAfter = await bench.heap()
        log(`scale: ${n(jobs)} jobs queued in ${(fillMs / 1000).toFixed(1)} s; heap ${n(heapBefore)} → ${n(heapAfter)} bytes`)
        out[jobs] = { fillMs, heapBefore, heapAfter }
      }
      await new Promise((resolve) => setTimeout(resolve, 1000)) // let the storage engine settle after the bulk write
      await bench.call('scaleClaim', 0) // warm-up: the first claims after filling are not counted
      // Both queues stay open and their claims alternate, so a busy moment of the machine hits both sizes alike.
      const s = await repeat(bench, `scale, ${n(small)} and ${n(large)} queued`, 'scaleClaim', undefined, claims)
      await bench.call('scaleClose')
      for (const jobs of [small, large]) Object.assign(out[jobs], { errand: s[`errand${jobs}`], raw: s[`raw${jobs}`] })
      return out
    })
    const claimBy = 'raw claim, same database: first of the next index ([kind, priority, seq], queued only) + put, relaxed'
    row(c, `claim the next job, ${n(small)} queued: start() → started`, m[small].errand, m[small].raw, claimBy)
    row(c, `claim the next job, ${n(large)} queued: start() → started`, m[large].errand, m[large].raw, claimBy)
    const note = 'both queues open side by side, their claims alternating'
    row(c, `claim growth: ${n(large)} vs ${n(small)} queued`, m[large].errand, m[small].errand, `errand with ${n(small)} queued (1.00× = no growth)`, { note })
    row(c, `claim growth: ${n(large)} vs ${n(small)} queued`, m[large].raw, m[small].raw, `the raw claim with ${n(small)} queued (what IndexedDB itself adds)`, { note })
    row(c, `JS heap of the page after queueing ${n(large)}`, [m[large].heapAfter], [m[large].heapBefore], 'the same page before queueing them', {
      unit: 'bytes',
      note: `after a forced GC; one repetition; queueing took ${(m[large].fillMs / 1000).toFixed(1)} s (addAll, chunks of ${n(chunk)})`,
    })
  },

  async network() {
    const { count, bytes } = SETTINGS.network
    const api = await startNetServer()
    const url = `${api.url}/bench`
    const options = { url, count, bytes }
    try {
      const s = await inFreshPage(async (bench) => {
        const samples = { errand: [], workbox: [], direct: [] }
        for (let rep = 0; rep < REPS; rep++) {
          // While the server refuses connections: queue through errand, fill workbox's own queue.
          await api.stop()
          const queued = await bench.call('networkQueue', options)
          if (queued.mode !== 'sw' || queued.queued !== count) throw new Error(`network: expected ${count} queued in mode sw, got ${JSON.stringify(queued)}`)
          const filled = await bench.call('networkFillBaseline', options)
          if (filled !== count) throw new Error(`network: workbox's queue holds ${filled}, expected ${count}`)
          await api.start()
          const steps = [
            async () => {
              const r = await bench.call('networkReplay')
              if (r.completed !== count) throw new Error(`network: errand completed ${r.completed} of ${count}`)
              samples.errand.push(r.ms)
            },
            async () => {
              const r = await bench.call('networkReplayBaseline')
              if (r.left !== 0) throw new Error(`network: workbox left ${r.left} requests`)
              samples.workbox.push(r.ms)
            },
            async () => {
              const r = await bench.call('networkDirect', options)
              if (r.ok !== count) throw new Error(`network: ${r.ok} of ${count} direct fetches succeeded`)
              samples.direct.push(r.ms)
            },
          ]
          const first = rep % steps.length
          for (const step of [...steps.slice(first), ...steps.slice(0, first)]) await step()
          log(`network: repetition ${rep + 1}/${REPS}: ${brief({ errand: samples.errand.at(-1), workbox: samples.workbox.at(-1), direct: samples.direct.at(-1) })}`)
        }
        return samples
      })
      const c = '6 network replay'
      const figure = `replay ${n(count)} queued POSTs of ${n(bytes / 1024)} KiB once the server is back`
      row(c, figure, s.errand, s.direct, `${n(count)} direct fetch() in parallel (no queue)`, { note: 'errand: queue.start() + replay() → last result(), through the service worker' })
      row(c, figure, s.errand, s.workbox, "workbox-background-sync's own replayRequests() on the same requests, in the same service worker")
    } finally {
      await api.close()
    }
  },

  async transfer() {
    const { mib } = SETTINGS.transfer
    const s = await inFreshPage((bench) => repeat(bench, 'transfer', 'transfer', SETTINGS.transfer))
    const c = '7 transfer'
    row(c, `add() of a ${mib} MiB ArrayBuffer payload`, s.addErrand, s.putRawStrict, 'raw put of the same buffer, one strict transaction')
    row(c, `add() resolved → handler has the ${mib} MiB buffer`, s.handoffErrand, s.handoffTransfer, 'raw postMessage, buffer transferred')
    row(c, `add() resolved → handler has the ${mib} MiB buffer`, s.handoffErrand, s.handoffCopy, 'raw postMessage, buffer copied')
    row(c, `add() resolved → handler has the ${mib} MiB buffer`, s.handoffErrand, s.getRaw, 'raw get of the stored record: the read-back floor of a durable hand-off')
    const moved = { note: 'errand: add(…, { transfer: true }), run in the page that added it' }
    row(c, `add() resolved → handler has the ${mib} MiB buffer`, s.handoffErrandTransfer, s.handoffTransfer, 'raw postMessage, buffer transferred', moved)
    row(c, `add() resolved → result() has the ${mib} MiB buffer back`, s.roundTripErrand, s.roundTripTransfer, 'raw round trip, transferred both ways')
    row(c, `add() resolved → result() has the ${mib} MiB buffer back`, s.roundTripErrandTransfer, s.roundTripTransfer, 'raw round trip, transferred both ways', moved)
  },

  async size() {
    const c = '8 size'
    for (const s of await measureSizes()) {
      row(c, `${s.name}: min+gzip${s.lazy.length ? ' at start' : ''}, dependencies bundled`, [s.gzip], [s.target], `target ${(s.target / 1000).toFixed(1)} kB (npm test budget: ${(s.budget / 1000).toFixed(1)} kB)`, {
        unit: 'bytes',
        note: s.gzip > s.budget ? 'OVER BUDGET' : 'deterministic: one measurement',
      })
      for (const l of s.lazy) row(c, `${s.name}: + min+gzip loaded ${l.when}`, [l.gzip], undefined, `npm test budget: ${(l.budget / 1000).toFixed(1)} kB`, { unit: 'bytes', note: l.gzip > l.budget ? 'OVER BUDGET' : 'not at start: no target' })
    }
  },
}

/** Cases not measured yet (none today), listed in the report so that nobody mistakes a gap for a figure. */
const PLACEHOLDERS = []

const unknown = ONLY?.filter((id) => !(id in CASES)) ?? []
if (unknown.length) {
  await server.close()
  throw new Error(`Unknown case ${unknown.join(', ')}. The cases are: ${Object.keys(CASES).join(' ')}.`)
}

const durations = {}
try {
  for (const [id, run] of Object.entries(CASES)) {
    if (ONLY && !ONLY.includes(id)) continue
    const caseStart = Date.now()
    const load = loadavg()[0]
    log(`case ${id} (load average ${load.toFixed(1)})`)
    await run()
    durations[id] = { ms: Date.now() - caseStart, loadAverage: { start: load, end: loadavg()[0] } }
    log(`case ${id} done in ${(durations[id].ms / 1000).toFixed(1)} s`)
  }
} finally {
  await server.close()
}

const durationMs = Date.now() - startedAt
const git = (gitArgs) => spawnSync('git', gitArgs, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim()
const report = {
  generatedAt: new Date().toISOString(),
  durationMs,
  cases: durations,
  git: { commit: git(['rev-parse', 'HEAD']), dirty: Boolean(git(['status', '--porcelain'])) },
  machine: {
    platform: platform(),
    release: release(),
    arch: arch(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    // Other work on the machine skews every figure: 1-minute load average at start and end.
    loadAverage: { start: loadAtStart[0], end: loadavg()[0] },
  },
  browser: {
    product: browser.product,
    revision: browser.revision,
    jsVersion: browser.jsVersion,
    userAgent: browser.userAgent,
    executablePath: browser.executablePath,
    hardwareConcurrency: browser.hardwareConcurrency,
    storage: 'persistent profile in a fresh temporary directory per case (IndexedDB on disk)',
  },
  settings: SETTINGS,
  ratio: 'errand median ÷ baseline median: above 1 means errand takes longer, uses more, or is bigger',
  figures: rows,
  placeholders: PLACEHOLDERS,
}
await mkdir(here('./results'), { recursive: true })
await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`)

console.log(`\n${formatTable(rows, PLACEHOLDERS)}\n`)
const { loadAverage } = report.machine
console.log(`Machine: ${report.machine.cpuModel} × ${report.machine.cpus}, ${report.machine.memoryGiB} GiB, ${report.machine.platform} ${report.machine.release}, Node ${report.machine.node}, load average ${loadAverage.start.toFixed(1)} → ${loadAverage.end.toFixed(1)}`)
console.log(browser.product ? `Browser: ${browser.product} (${browser.executablePath}), hardwareConcurrency ${browser.hardwareConcurrency}` : 'Browser: not started (no browser case ran)')
console.log(`Ratio = errand median ÷ baseline median (above 1: errand takes longer / is bigger). Figures: median (min–max) over ${REPS} repetitions unless the note says otherwise.`)
console.log(`Wrote ${RESULTS} in ${(durationMs / 1000).toFixed(1)} s total.`)
