// Bench case 2 (no-op jobs at concurrency 1) for two or more builds side by side: each round
// opens every build's bench page in a fresh browser, in alternating order, so machine noise
// hits them alike. Per build: errand's time per job ÷ the raw puts' of the same page, each
// round and the median. Not part of the report: for deciding a change to the scheduler or
// the store. Build each variant first, for example:
//
//   npm run build && npx vite build -c bench/page/vite.config.ts --outDir /tmp/ab/A --emptyOutDir
//   (change the code, then the same into /tmp/ab/B)
//   node bench/tools/ab-throughput.mjs /tmp/ab/A /tmp/ab/B [rounds]
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openBenchPage } from './bench-page.mjs'

const args = process.argv.slice(2)
const rounds = /^\d+$/.test(args.at(-1) ?? '') ? Number(args.pop()) : 6
if (args.length < 2) throw new Error('ab-throughput: give at least two directories with a built bench page')
for (const dir of args) if (!existsSync(join(dir, 'index.html'))) throw new Error(`ab-throughput: ${dir} has no index.html: build the bench page into it`)
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const ratios = args.map(() => [])
for (let round = 0; round < rounds; round++) {
  const order = [...args.keys()]
  if (round % 2) order.reverse()
  for (const i of order) {
    // A fresh page (and profile) per run: the database of one run never slows the next.
    const { page, close } = await openBenchPage(args[i])
    try {
      const f = await page.evaluate(() => window.errandBench.throughput({ jobs: 10_000, blocks: 5, concurrency: 1 }))
      ratios[i].push(median(f.errand) / median(f.rawPuts))
    } finally {
      await close()
    }
  }
}
args.forEach((dir, i) => console.log(`${dir}: errand ÷ raw puts ${median(ratios[i]).toFixed(2)}× (rounds: ${ratios[i].map((r) => r.toFixed(2)).join(' ')})`))
