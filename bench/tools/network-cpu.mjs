// Where bench case 6's time goes: replays 200 queued POSTs through errand's service worker and
// sends them as 200 direct fetch() calls, 4 times each, and prints for each run the request
// arrival timeline seen by the server and the CPU time of every Chromium process (browser,
// renderer, network service) and of the Node server. On a 2-core machine the case is CPU-bound:
// errand's extra CPU is what makes it slower. Not part of the report; uses bench/page/dist,
// so run `npm run bench -- --only=network` once first.
//
//   node bench/tools/network-cpu.mjs
import { readdirSync, readFileSync } from 'node:fs'
const chromeTicks = () => {
  let total = 0
  const by = {}
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (!cmd.includes('chromium')) continue
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      const t = +f[11] + +f[12]
      const type = (/--type=([a-z-]+)/.exec(cmd) || [, 'browser'])[1] + (/--utility-sub-type=([a-zA-Z.]+)/.exec(cmd)?.[1] ?? '')
      by[type] = (by[type] ?? 0) + t
      total += t
    } catch {}
  }
  return { total, by }
}
const diff = (a, b) => { const o = {}; for (const k in b.by) o[k] = b.by[k] - (a.by[k] ?? 0); return `chrome ${(b.total - a.total) * 10}ms ${JSON.stringify(o)}` }
import { fileURLToPath } from 'node:url'
import { startNetServer } from '../../scripts/net-server.mjs'
import { openBenchPage } from './bench-page.mjs'
const { page, close } = await openBenchPage(fileURLToPath(new URL('../page/dist', import.meta.url)))
const api = await startNetServer()
const options = { url: `${api.url}/bench`, count: 200, bytes: 10240 }
const call = (m, ...a) => page.evaluate(([m, a]) => window.errandBench[m](...a), [m, a])
const timeline = (t0, tEnd) => {
  const at = api.received.map((r) => r.at - t0)
  const gaps = at.slice(1).map((v, i) => v - at[i])
  return `n=${at.length} first=${at[0]} last=${at.at(-1)} end=${(tEnd - t0)} median gap=${gaps.sort((a, b) => a - b)[gaps.length >> 1]}`
}
for (let rep = 0; rep < 4; rep++) {
  await api.stop()
  await call('networkQueue', options)
  await api.start()
  api.received.length = 0
  let t0 = Date.now()
  let c0 = chromeTicks(), n0 = process.cpuUsage()
  const r = await call('networkReplay')
  console.log('errand', r.ms.toFixed(0), timeline(t0, Date.now()), diff(c0, chromeTicks()), 'node', (process.cpuUsage(n0).user + process.cpuUsage(n0).system) / 1000 | 0)
  api.received.length = 0
  t0 = Date.now()
  c0 = chromeTicks(); n0 = process.cpuUsage()
  const d = await call('networkDirect', options)
  console.log('direct', d.ms.toFixed(0), timeline(t0, Date.now()), diff(c0, chromeTicks()), 'node', (process.cpuUsage(n0).user + process.cpuUsage(n0).system) / 1000 | 0)
}
await close()
await api.close()
