// `npm test`: everything, in the cheapest order that fails fast. The browser suite and
// the e2e suite are independent, so they run side by side.
import { spawn } from 'node:child_process'

const run = (label, command) =>
  new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } })
    const prefix = (chunk) => chunk.toString().replace(/^(?=.)/gm, `[${label}] `)
    child.stdout.on('data', (chunk) => process.stdout.write(prefix(chunk)))
    child.stderr.on('data', (chunk) => process.stderr.write(prefix(chunk)))
    child.on('close', (code) => {
      console.log(`[${label}] ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      resolve({ label, ok: code === 0 })
    })
  })

const steps = [
  ['browser-check', 'node scripts/ensure-browser.mjs'],
  ['typecheck', 'npm run --silent typecheck'],
  ['unit', 'npx vitest run --project unit'],
  ['build', 'npm run --silent build && npm run --silent build:fixture && npm run --silent build:demo'],
  ['size', 'node scripts/size.mjs'],
]
const results = []
for (const [label, command] of steps) {
  const result = await run(label, command)
  results.push(result)
  if (!result.ok) break
}
if (results.every((r) => r.ok)) {
  results.push(...(await Promise.all([run('browser', 'npx vitest run --project browser'), run('e2e', 'npx playwright test')])))
}
const failed = results.filter((r) => !r.ok)
console.log(`\nnpm test: ${results.length - failed.length} passed, ${failed.length} failed (steps: ${results.map((r) => `${r.label} ${r.ok ? 'ok' : 'FAILED'}`).join(', ')})`)
process.exit(failed.length ? 1 : 0)
