// Apps in this repo (demo, e2e fixture, bench page) import errand exactly as users do;
// these Vite aliases point 'errand', 'errand/worker', 'errand/sw' and 'errand/dashboard' at the BUILT package in dist/.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ENTRIES = {
  errand: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  'errand/worker': fileURLToPath(new URL('../dist/worker.js', import.meta.url)),
  'errand/sw': fileURLToPath(new URL('../dist/sw.js', import.meta.url)),
  'errand/dashboard': fileURLToPath(new URL('../dist/dashboard.js', import.meta.url)),
}

/**
 * @param {string} who what is being built, for the error message
 * @returns {{ find: RegExp, replacement: string }[]}
 */
export function builtPackageAliases(who) {
  for (const [specifier, file] of Object.entries(ENTRIES)) {
    if (!existsSync(file)) throw new Error(`${who} imports '${specifier}' from ${file}, which does not exist. Run \`npm run build\` first.`)
  }
  // Exact matches only: 'errand/worker' must not become '<dist/index.js>/worker'.
  return Object.entries(ENTRIES).map(([specifier, file]) => ({ find: new RegExp(`^${specifier.replace('/', '\\/')}$`), replacement: file }))
}
