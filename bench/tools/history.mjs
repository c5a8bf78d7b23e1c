// What a queue's history costs its reads: an idle queue before and after N no-op jobs went
// through it (add() to start, counts(), onIdle(), and a read-only count of each state in index
// `state`), and a list by name before and after retention deleted N jobs of that name. Not
// part of the report: for finding reads that grow with the jobs a database has seen rather
// than with what it holds. Chromium keeps an index entry whose record changed or went until a
// read-write transaction walks past it (see sweepStates() in src/store/prune.ts and
// deleteJobRows() in src/store/jobs.ts).
//
//   npm run build && npx vite build -c bench/page/vite.config.ts && node bench/tools/history.mjs [jobs]
import { fileURLToPath } from 'node:url'
import { openBenchPage } from './bench-page.mjs'

const jobs = Number(process.argv[2] ?? 20_000)
const { page, close } = await openBenchPage(fileURLToPath(new URL('../page/dist', import.meta.url)))
try {
  const { before, after } = await page.evaluate((n) => window.errandBench.history({ jobs: n, samples: 15 }), jobs)
  const pruned = await page.evaluate((n) => window.errandBench.historyPruned({ jobs: n }), jobs)
  const f = (ms) => `${ms.toFixed(1)} ms`
  for (const [label, m] of [['before', before], [`after ${jobs} jobs`, after]]) {
    const states = Object.entries(m.byStateMs).map(([state, ms]) => `${state} ${f(ms)}`).join(', ')
    console.log(`${label}: add() to start ${f(m.startMs)}, counts() ${f(m.countsMs)}, onIdle() ${f(m.onIdleMs)}; read-only count by state: ${states}`)
  }
  console.log(`list({ name, limit: 50 }), oldest first: ${f(pruned.before)} before, ${f(pruned.after)} after ${jobs} jobs of that name ran and retention (keep.completed.count 100) deleted them`)
} finally {
  await close()
}
