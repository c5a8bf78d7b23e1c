// The one place that finds a Chromium for tests, benchmarks and the demo checks.
// Order: $CHROMIUM_PATH, then a browser Playwright installed, then Debian's /usr/bin/chromium.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

/** Headless flags that work on locked-down CI machines (root, no GPU, no outside network). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update']

export const HOW_TO_GET_CHROMIUM = [
  'errand tests need a Chromium browser and none was found.',
  'Do one of these, then run the command again:',
  '  - npx playwright install chromium            (downloads Playwright\'s build; needs internet)',
  '  - sudo apt-get install -y chromium           (Debian/Ubuntu; lands at /usr/bin/chromium)',
  '  - CHROMIUM_PATH=/path/to/chrome npm test     (any Chromium or Chrome you already have)',
].join('\n')

function playwrightChromium() {
  try {
    const require = createRequire(import.meta.url)
    const { chromium } = require('playwright-core')
    const path = chromium.executablePath()
    return path && existsSync(path) ? path : undefined
  } catch {
    return undefined
  }
}

/** @returns {{ path: string, source: string } | undefined} */
export function findChromium() {
  const explicit = process.env.CHROMIUM_PATH
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH is set to ${explicit}, but there is no file there.`)
    return { path: explicit, source: 'CHROMIUM_PATH' }
  }
  const installed = playwrightChromium()
  if (installed) return { path: installed, source: 'playwright' }
  if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium', source: 'system' }
  return undefined
}

/** The executable path, or a thrown error that says how to get a browser. */
export function chromiumPath() {
  const found = findChromium()
  if (!found) throw new Error(HOW_TO_GET_CHROMIUM)
  return found.path
}
