// The bench page: exposes the cases on `window.errandBench` for bench/run.mjs, which
// calls them through Playwright's page.evaluate(). 'errand' resolves to the built
// dist/ (see vite.config.ts next to this file), so this measures the package.
import * as cases from './cases'
import * as cpu from './cpu'
import * as network from './network'
import * as history from './history'

const api = { ...cases, ...cpu, ...network, ...history }
export type BenchApi = typeof api

declare global {
  interface Window {
    errandBench: BenchApi
  }
}

window.errandBench = api
