// Bench case 4 (16 CPU jobs on a pool of 2 workers) for two or more builds side by side: each
// build of the bench page is opened in a browser of its own, and the rounds alternate between
// them, so machine noise hits them alike. Per build: the median speed-up over the main thread
// and errand's time over the floor's (durable bare pool) and the bare pool's, as in the report.
// Not part of the report: for deciding a change to the scheduler, the turn or the pool.
// Build each variant first, for example:
//
//   npm run build && npx vite build -c bench/page/vite.config.ts --outDir /tmp/ab/A --emptyOutDir
//   (change the code, then the same into /tmp/ab/B)
//   node bench/tools/ab-cpu.mjs /tmp/ab/A /tmp/ab/B [rounds]
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openBenchPage } from './bench-page.mjs'

const args = process.argv.slice(2)
const rounds = /^\d+$/.test(args.at(-1) ?? '') ? Number(args.pop()) : 10
if (args.length < 2) throw new Error('ab-cpu: give at least two directories with a built bench page')
for (const dir of args) if (!existsSync(join(dir, 'index.html'))) throw new Error(`ab-cpu: ${dir} has no index.html: build the bench page into it`)
const pages = []
for (const dir of args) pages.push(await openBenchPage(dir))
const call = ({ page }, method, ...a) => page.evaluate(([m, x]) => window.errandBench[m](...x), [method, a])
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
try {
  // One calibration for all: the same work in every build.
  const { iterations } = await call(pages[0], 'calibrateCpu', 60)
  const runs = args.map(() => [])
  for (let round = 0; round < rounds; round++) {
    const order = [...pages.keys()]
    if (round % 2) order.reverse()
    for (const i of order) runs[i].push(await call(pages[i], 'cpu', round, { jobs: 16, iterations, concurrency: 2 }))
  }
  args.forEach((dir, i) => {
    const r = runs[i]
    const of = (key) => median(r.map((f) => f[key]))
    const speedUps = r.map((f) => (f.mainMs / f.errandMs).toFixed(2)).join(' ')
    console.log(`${dir}: speed-up ${(of('mainMs') / of('errandMs')).toFixed(3)}× (floor ${(of('mainMs') / of('durableBareMs')).toFixed(3)}×, bare ${(of('mainMs') / of('bareMs')).toFixed(3)}×), errand ${of('errandMs').toFixed(0)} ms, floor ${of('durableBareMs').toFixed(0)} ms; rounds: ${speedUps}`)
  })
} finally {
  for (const p of pages) await p.close()
}
