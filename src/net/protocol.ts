/** Messages between pages and the service worker that runs `errand/sw`. Replies go through a MessagePort. */

export const PROTOCOL = 1

export type ToServiceWorker =
  /** Does this service worker run errand? */
  | { errand: 'ping'; protocol: number }
  /** Send what is due in this queue now. */
  | { errand: 'replay'; queue: string }

export type FromServiceWorker =
  | { errand: 'pong'; protocol: number }
  | { errand: 'replayed'; offline: boolean; error?: string }

export const isErrandMessage = (data: unknown): data is ToServiceWorker | FromServiceWorker =>
  typeof data === 'object' && data !== null && typeof (data as { errand?: unknown }).errand === 'string'
