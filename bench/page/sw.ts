// The bench page's service worker, built like the README's guide says (vite.sw.config.ts):
// errand/sw sends the network jobs of case 6. The same worker holds the baseline, a plain
// workbox-background-sync Queue that the page fills and then replays with its own
// replayRequests(), so both replays run in the same kind of context.
import { setupErrand } from 'errand/sw'
import { Queue } from 'workbox-background-sync'

declare const self: ServiceWorkerGlobalScope

setupErrand()

/** The baseline: workbox's own queue and replay. */
const baseline = new Queue('errand-bench-baseline', { onSync: async () => {} })

type BaselineMessage = { bench: 'push'; url: string; count: number; bytes: number } | { bench: 'replay' }

self.addEventListener('message', (event) => {
  const data = event.data as BaselineMessage | { errand?: unknown }
  if (!('bench' in data)) return
  const port = event.ports[0]
  const work = async (): Promise<unknown> => {
    if (data.bench === 'push') {
      const body = new Uint8Array(data.bytes).fill(97)
      for (let i = 0; i < data.count; i++) await baseline.pushRequest({ request: new Request(data.url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } }) })
      return baseline.size()
    }
    const started = performance.now()
    await baseline.replayRequests()
    return { ms: performance.now() - started, left: await baseline.size() }
  }
  event.waitUntil(work().then((value) => port?.postMessage({ ok: true, value }), (error: unknown) => port?.postMessage({ ok: false, error: String(error) })))
})

self.addEventListener('install', () => void self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))
