// Where the time of bench case 4 (CPU jobs on 2 workers) goes: not part of the report, a
// tool for making errand faster. Each repetition adds 16 jobs of ~60 ms and splits the total
// into addAll(), the wait for the first start, the gaps each worker sat idle between two jobs,
// the jobs' own durations (longer than the calibrated 60 ms when something else takes the
// cores), and the wait from the last job's end to the last result().
//
//   npm run build && npx vite build -c bench/page/vite.config.ts && node bench/tools/cpu-timeline.mjs [reps] [workers]
//
// With 1 worker on 2 cores the jobs take what the calibration says; with 2, errand's own work
// takes CPU from them, and the durations show it.
import { fileURLToPath } from 'node:url'
import { openBenchPage } from './bench-page.mjs'

const reps = Number(process.argv[2] ?? 8)
const workers = Number(process.argv[3] ?? 2)
const { page, close } = await openBenchPage(fileURLToPath(new URL('../page/dist', import.meta.url)))
try {
  const { iterations, ms } = await page.evaluate(() => window.errandBench.calibrateCpu(60))
  console.log(`calibration: ${iterations} iterations take ${ms.toFixed(1)} ms on the main thread`)
  const runs = await page.evaluate(([n, r, w]) => window.errandBench.cpuTimeline({ jobs: 16, iterations: n, concurrency: w, reps: r }), [iterations, reps, workers])
  const sum = (xs) => xs.reduce((a, b) => a + b, 0)
  const f = (x) => x.toFixed(1).padStart(6)
  console.log('  total  addAll  first start  gaps (sum, max)  job durations (mean, max)  last result')
  for (const r of runs) {
    console.log(`${f(r.totalMs)}  ${f(r.addAllMs)}  ${f(r.firstStartMs)}       ${f(sum(r.gapsMs))} ${f(Math.max(...r.gapsMs))}    ${f(sum(r.durationsMs) / r.durationsMs.length)} ${f(Math.max(...r.durationsMs))}             ${f(r.lastResultMs)}`)
  }
} finally {
  await close()
}
