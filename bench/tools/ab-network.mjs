// Bench case 6 for two or more builds side by side: each build of the bench page (with its
// service worker) is served on an origin of its own, and the rounds alternate between them,
// so machine noise hits them alike. Per build: median replay time, median direct fetch()
// time, and the ratio of each round. Not part of the report: for deciding a change to the
// sender. Build each variant first, for example:
//
//   npm run build && npx vite build -c bench/page/vite.config.ts --outDir /tmp/ab/A --emptyOutDir \
//     && npx vite build -c bench/page/vite.sw.config.ts --outDir /tmp/ab/A
//   (change the code, then the same into /tmp/ab/B)
//   node bench/tools/ab-network.mjs /tmp/ab/A /tmp/ab/B [rounds]
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { startNetServer } from '../../scripts/net-server.mjs'
import { openBenchPage } from './bench-page.mjs'

const args = process.argv.slice(2)
const rounds = /^\d+$/.test(args.at(-1) ?? '') ? Number(args.pop()) : 6
if (args.length < 2) throw new Error('ab-network: give at least two directories with a built bench page and its sw.js')
for (const dir of args) if (!existsSync(join(dir, 'sw.js'))) throw new Error(`ab-network: ${dir} has no sw.js: build the service worker into it too`)
const pages = []
for (const dir of args) pages.push(await openBenchPage(dir))
const api = await startNetServer()
const options = { url: `${api.url}/bench`, count: 200, bytes: 10240 }
const call = ({ page }, method, ...a) => page.evaluate(([m, x]) => window.errandBench[m](...x), [method, a])
const runs = args.map(() => ({ errand: [], direct: [] }))
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
try {
  for (let round = 0; round < rounds; round++) {
    const order = [...pages.keys()]
    if (round % 2) order.reverse()
    for (const i of order) {
      await api.stop()
      await call(pages[i], 'networkQueue', options)
      await api.start()
      runs[i].errand.push((await call(pages[i], 'networkReplay')).ms)
      runs[i].direct.push((await call(pages[i], 'networkDirect', options)).ms)
    }
  }
  args.forEach((dir, i) => {
    const { errand, direct } = runs[i]
    const ratios = errand.map((ms, k) => (ms / direct[k]).toFixed(2)).join(' ')
    console.log(`${dir}: errand ${median(errand).toFixed(0)} ms, direct ${median(direct).toFixed(0)} ms, ratio ${(median(errand) / median(direct)).toFixed(3)} (rounds: ${ratios})`)
  })
} finally {
  for (const p of pages) await p.close()
  await api.close()
}
