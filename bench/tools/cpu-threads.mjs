// Where CPU goes in bench case 4 (16 CPU jobs on a pool of 2 workers), per Chromium thread and
// per job: errand's run, the floor (a bare pool writing what any queue must keep) and the
// bare pool, each run alone `reps` times. On 2 cores every millisecond of CPU spent outside
// the workers (the page's main thread, the browser's IndexedDB and IPC threads) is taken from
// the jobs. Linux only (it reads /proc); threads are counted by name, in clock ticks (10 ms),
// so use enough repetitions. Not part of the report: a tool for making errand faster.
//
//   npm run build && npx vite build -c bench/page/vite.config.ts && node bench/tools/cpu-threads.mjs [reps] [variants]
//   (variants: a comma-separated list of errand, floor, floorIndexed (the floor written into errand's schema), bare, main; default errand,floor,bare)
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { openBenchPage } from './bench-page.mjs'

const reps = Number(process.argv[2] ?? 10)
const variants = (process.argv[3] ?? 'errand,floor,bare').split(',')
const TICK_MS = 10

/** CPU ticks of every thread of every Chromium process, summed by process type and thread name. */
function ticks() {
  const out = new Map()
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (!cmdline.includes('chrom')) continue
      const type = cmdline.match(/--type=([a-z-]+)/)?.[1] ?? 'browser'
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '#')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const key = `${type}: ${name}`
        out.set(key, (out.get(key) ?? 0) + Number(fields[11]) + Number(fields[12]))
      }
    } catch {
      // a process or thread that ended meanwhile
    }
  }
  return out
}

const { page, close } = await openBenchPage(fileURLToPath(new URL('../page/dist', import.meta.url)))
try {
  const { iterations } = await page.evaluate(() => window.errandBench.calibrateCpu(60))
  const run = (only) => page.evaluate(([n, o]) => window.errandBench.cpu(0, { jobs: 16, iterations: n, concurrency: 2, only: o }), [iterations, only])
  await run() // warm every variant: queue, workers, compiled code
  for (const variant of variants) {
    const before = ticks()
    const times = []
    for (let r = 0; r < reps; r++) times.push(Object.values(await run(variant))[0])
    const after = ticks()
    const perJob = [...after]
      .map(([key, t]) => [key, ((t - (before.get(key) ?? 0)) * TICK_MS) / (16 * reps)])
      .filter(([, ms]) => ms > 0)
      .sort((a, b) => b[1] - a[1])
    const outside = perJob.filter(([key]) => !key.includes('DedicatedWorker')).reduce((sum, [, ms]) => sum + ms, 0)
    times.sort((a, b) => a - b)
    console.log(`${variant}: median ${times[times.length >> 1].toFixed(0)} ms per 16 jobs; CPU per job outside the workers ${outside.toFixed(2)} ms`)
    for (const [key, ms] of perJob.slice(0, 8)) console.log(`  ${ms.toFixed(2).padStart(6)} ms  ${key}`)
  }
} finally {
  await close()
}
