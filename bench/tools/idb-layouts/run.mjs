// What the scheduler's turn would cost in IndexedDB with other store layouts: not part of the
// report, a study for issue 6's throughput target (see README.md next to this file).
//
//   node bench/tools/idb-layouts/run.mjs [reps=25] [jobsPerStep=800] [only=comma,separated,variants]
//
// One Node http server per variant (own port = own origin = own IndexedDB backing store),
// one tab per variant in one persistent-profile headless Chromium (IndexedDB on disk, like
// bench/run.mjs). Steps are interleaved across variants, with the order rotated each rep.
import http from 'node:http'
import { readFile, mkdtemp, rm, writeFile, readdir } from 'node:fs/promises'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright'
import { CHROMIUM_ARGS, chromiumPath } from '../../../scripts/chromium.mjs'

const REPS = Number(process.argv[2] ?? 25)
const JOBS = Number(process.argv[3] ?? 800)
const ONLY = process.argv[4]?.split(',')
const BATCH = 80
const WARMUP = 400 // jobs per variant run once before measuring (not recorded)
const PREFILL = 20000 + WARMUP
const ALL = ['next', 'due', 'lease', 'key', 'state', 'name']

const VARIANTS = [
  { name: 'A-put', workload: 'put', indexes: [], payload: 'int' },
  { name: 'A-add', workload: 'put', indexes: [], payload: 'int', add: true },
  { name: 'A-put-1k', workload: 'put', indexes: [], payload: '1k' },
  { name: 'E-blind-noidx', workload: 'blind', indexes: [], payload: 'int', prefill: true },
  { name: 'E-blind-6idx', workload: 'blind', indexes: ALL, payload: 'int', prefill: true },
  { name: 'B-turn-6idx', workload: 'turn', indexes: ALL, payload: 'int', prefill: true },
  { name: 'B-turn-6idx-full', workload: 'turn', indexes: ALL, payload: 'int', prefill: true, full: true },
  { name: 'B-turn-6idx-1k', workload: 'turn', indexes: ALL, payload: '1k', prefill: true },
  { name: 'C-turn-no-state', workload: 'turn', indexes: ['next', 'due', 'lease', 'key', 'name'], payload: 'int', prefill: true },
  { name: 'H-add-6idx', workload: 'put', indexes: ALL, payload: 'int', extra: true },
  { name: 'H-add-5idx-no-state', workload: 'put', indexes: ['next', 'due', 'lease', 'key', 'name'], payload: 'int', extra: true },
  { name: 'H-add-queue-5idx', layout: 'queue', workload: 'put', indexes: ['due', 'lease', 'key', 'state', 'name'], payload: 'int', extra: true },
  { name: 'H-add-queue-3idx', layout: 'queue', workload: 'put', indexes: ['due', 'lease', 'key'], payload: 'int', extra: true },
  { name: 'I-lazy-claim-6idx', workload: 'turn', indexes: ALL, payload: 'int', prefill: true, lazy: true, leases: 'batch', extra: true },
  { name: 'G-turn-sparse-list', workload: 'turn', indexes: ALL, payload: 'int', prefill: true, sparseList: true, extra: true },
  { name: 'C-turn-no-name', workload: 'turn', indexes: ['next', 'due', 'lease', 'key', 'state'], payload: 'int', prefill: true, extra: true },
  { name: 'C-turn-no-state-name', workload: 'turn', indexes: ['next', 'due', 'lease', 'key'], payload: 'int', prefill: true },
  { name: 'C-turn-next-only', workload: 'turn', indexes: ['next'], payload: 'int', prefill: true },
  { name: 'D-queue-5idx', layout: 'queue', workload: 'turn', indexes: ['due', 'lease', 'key', 'state', 'name'], payload: 'int', prefill: true },
  { name: 'D-queue-3idx', layout: 'queue', workload: 'turn', indexes: ['due', 'lease', 'key'], payload: 'int', prefill: true },
  { name: 'D-queue-5idx-leases', layout: 'queue', workload: 'turn', indexes: ['due', 'lease', 'key', 'state', 'name'], payload: 'int', prefill: true, leases: 'row' },
  { name: 'D-queue-3idx-1k', layout: 'queue', workload: 'turn', indexes: ['due', 'lease', 'key'], payload: '1k', prefill: true },
  // Opt-in extras (name them in argv[4]):
  { name: 'B-turn-6idx-keys', workload: 'turn', indexes: ALL, payload: 'int', prefill: true, headKeys: true, extra: true },
  { name: 'F-queue-rewrite-5idx', layout: 'queue', workload: 'turn', indexes: ['due', 'lease', 'key', 'state', 'name'], payload: 'int', prefill: true, rewrite: true, extra: true },
  { name: 'B-turn-6idx-skip', workload: 'turn', indexes: ALL, payload: 'int', prefill: true, skip: true, extra: true },
  { name: 'A-put-prefilled', workload: 'put', indexes: [], payload: 'int', prefill: true, extra: true },
  { name: 'B-turn-6idx-gets', workload: 'turn', indexes: ALL, payload: 'int', prefill: true, read: 'gets', extra: true },
  { name: 'D-queue-5idx-batchlease', layout: 'queue', workload: 'turn', indexes: ['due', 'lease', 'key', 'state', 'name'], payload: 'int', prefill: true, leases: 'batch', extra: true },
  { name: 'D-queue-5idx-noclaimread', layout: 'queue', workload: 'turn', indexes: ['due', 'lease', 'key', 'state', 'name'], payload: 'int', prefill: true, claimRead: false, extra: true },
].filter((v) => (ONLY ? ONLY.includes(v.name) : !v.extra))

const dir = new URL('.', import.meta.url).pathname
const files = { '/': ['page.html', 'text/html'], '/probe.js': ['probe.js', 'text/javascript'] }
const servers = await Promise.all(
  VARIANTS.map(
    () =>
      new Promise((resolve) => {
        const s = http.createServer(async (rq, rs) => {
          const f = files[rq.url]
          if (!f) return rs.writeHead(404).end()
          rs.writeHead(200, { 'content-type': f[1], 'cache-control': 'no-store' }).end(await readFile(join(dir, f[0])))
        })
        s.listen(0, '127.0.0.1', () => resolve(s))
      }),
  ),
)

const profile = await mkdtemp(join(tmpdir(), 'idb-probe-'))
const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
const t0 = Date.now()
const load0 = loadavg()[0]
const pages = []
try {
  for (const [i, v] of VARIANTS.entries()) {
    const page = i === 0 ? (context.pages()[0] ?? (await context.newPage())) : await context.newPage()
    page.on('pageerror', (e) => console.error(v.name, e))
    await page.goto(`http://127.0.0.1:${servers[i].address().port}/`)
    await page.waitForFunction(() => window.probeReady)
    const r = await page.evaluate(([v, n]) => window.probe.setup(v, n), [v, PREFILL])
    console.error(`setup ${v.name}: prefill ${r.prefillMs.toFixed(0)} ms`)
    if (i === 0) console.error(r.userAgent)
    pages.push(page)
  }
  await new Promise((r) => setTimeout(r, 5000)) // let prefill compactions settle
  for (const [i] of VARIANTS.entries()) await pages[i].evaluate(([n, b]) => window.probe.step(n, b), [WARMUP, BATCH])
  console.error(`warm-up done at ${((Date.now() - t0) / 1000).toFixed(0)} s`)
  const samples = Object.fromEntries(VARIANTS.map((v) => [v.name, []]))
  for (let rep = 0; rep < REPS; rep++) {
    for (let k = 0; k < VARIANTS.length; k++) {
      const i = (k + rep) % VARIANTS.length
      const v = VARIANTS[i]
      await pages[i].bringToFront()
      const r = await pages[i].evaluate(([n, b]) => window.probe.step(n, b), [JOBS, BATCH])
      samples[v.name].push({ perJob: r.perJob, read: r.phases.read / JOBS, write: r.phases.write / JOBS, load: loadavg()[0] })
    }
    console.error(`rep ${rep + 1}/${REPS} done at ${((Date.now() - t0) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)}`)
  }
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b)
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
  }
  const base = med(samples['A-put']?.map((s) => s.perJob) ?? [NaN])
  const rows = VARIANTS.map((v) => {
    const xs = samples[v.name].map((s) => s.perJob)
    return {
      variant: v.name,
      median: med(xs),
      min: Math.min(...xs),
      max: Math.max(...xs),
      ratio: med(xs) / base,
      pairedRatio: samples['A-put'] ? med(samples[v.name].map((s, k) => s.perJob / samples['A-put'][k].perJob)) : NaN,
      readPhase: med(samples[v.name].map((s) => s.read)),
      writePhase: med(samples[v.name].map((s) => s.write)),
      perRep: xs,
    }
  })
  console.log('variant'.padEnd(28), 'ms/job med', '  min    max', '  ×A-put', ' paired×', ' read  write+commit', '  per rep (in order)')
  for (const r of rows) {
    console.log(
      r.variant.padEnd(28),
      r.median.toFixed(3).padStart(10),
      r.min.toFixed(3).padStart(6),
      r.max.toFixed(3).padStart(6),
      r.ratio.toFixed(2).padStart(8),
      r.pairedRatio.toFixed(2).padStart(8),
      r.readPhase.toFixed(3).padStart(6),
      r.writePhase.toFixed(3).padStart(6),
      '  ',
      r.perRep.map((x) => x.toFixed(3)).join(' '),
    )
  }
  const idb = await readdir(join(profile, 'Default', 'IndexedDB')).catch(() => [])
  const out = { at: new Date().toISOString(), reps: REPS, jobsPerStep: JOBS, batch: BATCH, prefill: PREFILL, loadStart: load0, loadEnd: loadavg()[0], seconds: (Date.now() - t0) / 1000, idbDir: idb, rows, samples }
  const file = join(tmpdir(), `idb-layouts-${Date.now()}.json`)
  await writeFile(file, JSON.stringify(out, null, 1))
  console.error(`wrote ${file}; ${out.seconds.toFixed(0)} s; load ${load0.toFixed(2)} → ${out.loadEnd.toFixed(2)}; IndexedDB dir: ${idb.join(' ')}`)
} finally {
  await context.close()
  for (const s of servers) s.close()
  await rm(profile, { recursive: true, force: true })
}
