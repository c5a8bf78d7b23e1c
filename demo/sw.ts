// The demo's service worker, set up exactly as the README's "Network jobs and the service
// worker" guide says, and built by vite.sw.config.ts into dist/sw.js: it sends the upload
// requests the page queues, also after the tab was closed.
import { setupErrand } from 'errand/sw'

declare const self: ServiceWorkerGlobalScope

setupErrand()

// Control open pages at once, so a first visit already sends through the service worker.
self.addEventListener('install', () => void self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))
