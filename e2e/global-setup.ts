// Starts one static server for the whole run and hands its origin to the tests
// through ERRAND_E2E_URL (test workers inherit the runner's environment). The server
// also keeps the execution ledger (ledger.ts) that the fixture's workers POST to.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startStaticServer } from '../scripts/static-server.mjs'
import { createLedger } from './ledger'

const ROOT = fileURLToPath(new URL('./fixture/dist', import.meta.url))

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(`${ROOT}/index.html`)) {
    throw new Error(`The e2e fixture is not built (no ${ROOT}/index.html). Run \`npm run build && npm run build:fixture\` first, or \`npm run test:e2e\`.`)
  }
  const ledger = createLedger()
  const server = await startStaticServer({ root: ROOT, routes: ledger.handle })
  process.env.ERRAND_E2E_URL = server.url
  return () => server.close()
}
