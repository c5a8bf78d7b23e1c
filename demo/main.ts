// The demo page: one queue for uploads and exports, the service worker that sends the
// upload requests, and the switches to take the server (or the browser) offline.
import { openQueue } from 'errand'
import { defineDashboard } from 'errand/dashboard'
import type { Jobs } from './jobs.worker' // types only: no handler code in the page bundle
import { setupExports } from './exports'
import { setupResponsiveness } from './responsiveness'
import { SWITCH_URL } from './upload-protocol.mjs'
import { setupUploads } from './uploads'
import { byId } from './ui'

// As the README's guide says: the dev server serves the source as a module, the build one classic script.
if ('serviceWorker' in navigator) {
  void navigator.serviceWorker.register(import.meta.env.DEV ? '/sw.ts' : '/sw.js', { type: import.meta.env.DEV ? 'module' : 'classic' })
}

const queue = openQueue<Jobs>('demo', {
  worker: () => new Worker(new URL('./jobs.worker.ts', import.meta.url), { type: 'module' }),
  // Finished jobs stay an hour for the dashboard, then go (with their logs and stored bytes).
  keep: { completed: { age: 3_600_000 }, cancelled: { age: 3_600_000 } },
})

// The queue's live dashboard (errand/dashboard): every job of this demo, its logs and errors.
defineDashboard()
const dashboard = document.createElement('errand-dashboard')
dashboard.queue = queue
byId('dashboard').append(dashboard)

const uploads = setupUploads(queue)
setupExports(queue, setupResponsiveness())

// Who sends the network jobs: the service worker once it controls the page, else the page.
const mode = byId('mode')
const showMode = async (): Promise<void> => {
  const { mode: sender } = await queue.capabilities()
  mode.dataset.mode = sender
  mode.textContent = sender === 'sw' ? 'the service worker (also while this tab is closed)' : 'this page (no service worker controls it yet)'
}
void showMode()
navigator.serviceWorker?.addEventListener('controllerchange', () => setTimeout(() => void showMode(), 500))

// The browser's own offline mode (DevTools → Network → Offline): errand replays when it comes back.
const online = byId('browser-online')
const showOnline = (): void => {
  online.textContent = navigator.onLine ? 'online' : 'offline'
  online.dataset.online = String(navigator.onLine)
}
showOnline()
addEventListener('online', () => {
  showOnline()
  void uploads.refreshServer()
})
addEventListener('offline', showOnline)

// The demo server's switch: while on, it destroys every /api connection without an answer.
const serverSwitch = byId<HTMLInputElement>('server-offline')
const serverState = byId('server-state')
const showServer = (offline: boolean): void => {
  serverSwitch.checked = offline
  serverState.textContent = offline ? 'refusing /api connections' : 'answering'
  serverState.dataset.offline = String(offline)
}
void fetch(SWITCH_URL, { cache: 'no-store' })
  .then((response) => response.json() as Promise<{ offline: boolean }>)
  .then(({ offline }) => showServer(offline))
  .catch(() => (serverState.textContent = 'unreachable'))
serverSwitch.addEventListener('change', async () => {
  serverSwitch.disabled = true
  try {
    const response = await fetch(SWITCH_URL, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ offline: serverSwitch.checked }) })
    const { offline } = (await response.json()) as { offline: boolean }
    showServer(offline)
    if (!offline) {
      // The app knows the server is back: send what waits now rather than at the next retry.
      await queue.replay()
      await uploads.refreshServer()
    }
  } finally {
    serverSwitch.disabled = false
  }
})
