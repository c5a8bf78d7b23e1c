/**
 * errand/sw: the service worker side of network jobs. Call `setupErrand()` at the top
 * level of your own service worker.
 * @module errand/sw
 */
export { setupErrand, type ServiceWorkerOptions } from './sw/setup.js'
export type { BeforeSend } from './net/sender.js'
export type { StoredRequest, HttpResponse } from './net/types.js'
export { ErrandError, isErrandError } from './core/errors.js'
