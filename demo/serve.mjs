// `npm run demo`: serves the built demo (`npm run build:demo` ran just before) with its
// upload API, on 127.0.0.1 and $PORT or a free port.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startDemoServer } from './server/server.mjs'

const root = fileURLToPath(new URL('./dist', import.meta.url))
if (!existsSync(`${root}/sw.js`)) {
  console.error(`The demo is not built (no ${root}/sw.js). Run \`npm run demo\`, or \`npm run build && npm run build:demo\` first.`)
  process.exit(1)
}
const server = await startDemoServer({ root })
console.log(`\nerrand demo: ${server.url}/   (uploads stored in ${server.uploadsDir}; Ctrl+C to stop)\n`)
