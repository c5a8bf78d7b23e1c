// The demo's service worker, set up exactly as the README's "Network jobs and the service
// worker" guide says, and built by vite.sw.config.ts into dist/sw.js: it sends the upload
// requests the page queues, also after the tab was closed.
//
// It also keeps the app's own files (the page, its script, its worker module) in a cache, so
// the demo loads and starts its workers with the browser offline. That part is the app's,
// not errand's: errand never answers fetch events.
import { setupErrand } from 'errand/sw'

declare const self: ServiceWorkerGlobalScope

setupErrand()

// Control open pages at once, so a first visit already sends through the service worker.
self.addEventListener('install', () => void self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

const SHELL_CACHE = 'errand-demo-shell'

/** Every file of the build, from the manifest Vite writes (`build.manifest` in vite.config.ts). */
async function shellFiles(): Promise<string[]> {
  const manifest = (await (await fetch('/shell.json', { cache: 'no-store' })).json()) as Record<string, { file: string; css?: string[]; assets?: string[] }>
  const files = new Set(['/', '/favicon.svg'])
  for (const chunk of Object.values(manifest)) for (const file of [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]) files.add(`/${file}`)
  return [...files]
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const files = await shellFiles()
      const cache = await caches.open(SHELL_CACHE)
      await cache.addAll(files)
      // Files of older builds (their names carry content hashes) are not needed any more.
      const keep = new Set(files.map((file) => new URL(file, self.location.origin).href))
      for (const request of await cache.keys()) if (!keep.has(request.url)) await cache.delete(request)
    })().catch((error: unknown) => {
      // Best effort: without the cache the demo only loses offline reloads; errand's part must install regardless.
      console.warn('errand demo: could not cache the app files for offline use.', error)
    }),
  )
})

// The app's own files: the network first (a new build shows at once), the cache when offline.
// The API and the demo server's switch are never cached.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/demo-server/')) return
  event.respondWith(
    fetch(event.request).catch(async () => (await caches.match(event.request, { ignoreSearch: true })) ?? Response.error()),
  )
})
