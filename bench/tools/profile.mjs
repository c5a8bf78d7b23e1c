// Profiles one bench case in headless Chromium and prints where the page's main thread
// spends its time (self time per function, top 30). Not part of the benchmark report:
// a tool for making errand faster. It builds its own unminified copy of the bench page.
//
//   npm run build && node bench/tools/profile.mjs throughput '{"jobs":5000,"blocks":1,"concurrency":1}'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openBenchPage } from './bench-page.mjs'

const [method = 'throughput', json = '{"jobs":5000,"blocks":1,"concurrency":1}', ...rest] = process.argv.slice(2)
const args = rest.length ? [JSON.parse(json), ...rest.map((a) => JSON.parse(a))] : [JSON.parse(json)]
// An unminified build of the bench page, so that function names mean something.
const root = await mkdtemp(join(tmpdir(), 'errand-profile-page-'))
const { build } = await import('vite')
await build({ configFile: fileURLToPath(new URL('../page/vite.config.ts', import.meta.url)), logLevel: 'warn', build: { minify: false, outDir: root, emptyOutDir: true } })
const { page, context, close } = await openBenchPage(root)
try {
  const cdp = await context.newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  const started = Date.now()
  const figures = await page.evaluate(([m, a]) => window.errandBench[m](...a), [method, args])
  const wall = Date.now() - started
  // Optional: a temporary instrumentation of the scheduler may push [ms, outcomes, claimed, asked, started, ready, running] per turn to globalThis.__turns.
  const turns = await page.evaluate(() => globalThis.__turns ?? [])
  if (turns.length) {
    const sum = (k) => turns.reduce((a, t) => a + t[k], 0)
    console.log(`turns ${turns.length}: mean ${(sum(0) / turns.length).toFixed(2)} ms, outcomes/turn ${(sum(1) / turns.length).toFixed(2)}, claimed/turn ${(sum(2) / turns.length).toFixed(2)}, asked/turn ${(sum(3) / turns.length).toFixed(2)}, readyAfter ${(sum(5) / turns.length).toFixed(2)}`)
    console.log(turns.slice(100, 130).map((t) => t.map((v) => +v.toFixed(1)).join(',')).join(' | '))
  }
  const { profile } = await cdp.send('Profiler.stop')
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  const dt = profile.timeDeltas
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id)
    const { functionName, url, lineNumber } = node.callFrame
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000)
  })
  // Self time of the top functions, attributed to their callers' chain (up to 4 frames up, only frames of the page's own bundle).
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const name = (node) => `${node.callFrame.functionName || '(anonymous)'}:${node.callFrame.lineNumber + 1}`
  const callers = new Map()
  profile.samples.forEach((id, i) => {
    const chain = []
    for (let at = parent.get(id); at !== undefined && chain.length < 4; at = parent.get(at)) {
      const node = byNode.get(at)
      if (!node.callFrame.url.includes('/assets/')) continue
      chain.push(name(node))
    }
    const key = `${name(byNode.get(id))} <- ${chain.join(' <- ')}`
    callers.set(key, (callers.get(key) ?? 0) + (dt[i] ?? 0) / 1000)
  })
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  console.log(`${method}: wall ${wall} ms, figures ${JSON.stringify(figures).slice(0, 300)}`)
  for (const [key, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${key}`)
  // Total time of each function of the page's bundle: samples with it anywhere on the stack, counted once each.
  const inclusive = new Map()
  profile.samples.forEach((id, i) => {
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const node = byNode.get(at)
      if (node.callFrame.url.includes('/assets/')) seen.add(name(node))
    }
    for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + (dt[i] ?? 0) / 1000)
  })
  // And by the outermost frame of the bundle (what the event loop ran), or the native entry when no frame of the bundle is on the stack.
  const roots = new Map()
  profile.samples.forEach((id, i) => {
    let outer = name(byNode.get(id))
    for (let at = id; at !== undefined; at = parent.get(at)) if (byNode.get(at).callFrame.url.includes('/assets/')) outer = name(byNode.get(at))
    roots.set(outer, (roots.get(outer) ?? 0) + (dt[i] ?? 0) / 1000)
  })
  console.log('\nby what the event loop ran (outermost frame of the bundle):')
  for (const [key, ms] of [...roots.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${key}`)
  console.log('\ntotal time (self and callees):')
  for (const [key, ms] of [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${key}`)
  console.log('\nby call chain:')
  for (const [key, ms] of [...callers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${key}`)
} finally {
  await close()
  await rm(root, { recursive: true, force: true })
}
