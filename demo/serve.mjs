// `npm run demo`: builds the demo app (errand itself was built just before) and serves it.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startStaticServer } from '../scripts/static-server.mjs'

const here = fileURLToPath(new URL('.', import.meta.url))
execFileSync('npx', ['vite', 'build', '-c', `${here}vite.config.ts`, '--logLevel', 'warn'], { stdio: 'inherit' })
const port = Number(process.env.PORT ?? 0)
const { url } = await startStaticServer({
  root: `${here}dist`,
  port,
  headers: { 'content-security-policy': "default-src 'self'; script-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'" },
})
console.log(`\nerrand demo: ${url}/   (Ctrl+C to stop)\n`)
