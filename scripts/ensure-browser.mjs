// Makes sure a Chromium is there before any browser test starts; tries Playwright's
// installer once (works with internet), otherwise stops with instructions.
import { spawnSync } from 'node:child_process'
import { HOW_TO_GET_CHROMIUM, findChromium } from './chromium.mjs'

let found = findChromium()
if (!found) {
  console.log('No Chromium found; trying `npx playwright install chromium`…')
  spawnSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit', timeout: 300_000 })
  found = findChromium()
}
if (!found) {
  console.error(`\n${HOW_TO_GET_CHROMIUM}\n`)
  process.exit(1)
}
console.log(`Using Chromium from ${found.source}: ${found.path}`)
