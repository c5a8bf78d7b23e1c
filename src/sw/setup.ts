/**
 * `setupErrand()`: the service worker side of network jobs. The app's own service worker
 * calls it at its top level; it adds `message`, `sync` and `activate` listeners, sends the
 * network jobs of every errand queue of the origin, and tells every page what happened.
 *
 * Replays happen on start-up and activation, when a page asks (`online`, a new job,
 * `queue.replay()`), and on a Background Sync `sync` event (Chromium only: an accelerator,
 * never the only path). The store is the only copy of each request: a sync registration is
 * only a tag that makes the browser wake this service worker, and retry with backoff when
 * the replay it started did not send everything.
 */
import { ErrandError } from '../core/errors.js'
import type { QueueMessage } from '../core/events.js'
import { newOwnerId } from '../core/ids.js'
import { checkInteger, checkKeys, checkTimer, invalidOption } from '../core/options.js'
import { PROTOCOL, isErrandMessage, type FromServiceWorker, type ToServiceWorker } from '../net/protocol.js'
import { DEFAULT_PARALLEL } from '../net/policy.js'
import { createSender, type BeforeSend, type PassResult, type Sender } from '../net/sender.js'
import { databaseName, openDatabase, type Database } from '../store/schema.js'

/** Options of `setupErrand()`. */
export interface ServiceWorkerOptions {
  /**
   * Called before each attempt is sent: add fresh credentials here, so they are never stored.
   * Return a new Request to replace the one given, or change its headers in place.
   * @example beforeSend: async (request) => { request.headers.set('Authorization', `Bearer ${await freshToken()}`) }
   */
  beforeSend?: BeforeSend
  /**
   * Requests in flight at once, per queue.
   * @default 12
   */
  parallel?: number
  /**
   * ms a request in flight keeps its job leased; renewed every third of it while the request runs.
   * @default 30_000
   */
  lease?: number
  /**
   * How many times a network job may be caught mid-send by a service worker that was stopped before it fails with code `STALLED`.
   * @default 3
   */
  maxStalls?: number
  /**
   * Queues to serve. By default every errand queue of the origin (`indexedDB.databases()`).
   * @example queues: ['uploads']
   */
  queues?: string[]
  /**
   * The longest delay (ms) the service worker waits out itself before sending a job whose retry is due
   * (`Retry-After`, backoff); longer ones wait for the next page trigger, sync event or start-up.
   * @default 20_000
   */
  waitUpTo?: number
}

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void
}
interface SyncEvent extends ExtendableEvent {
  tag: string
}
/** Background Sync, where the browser has it (Chromium). */
interface SyncManager {
  register(tag: string): Promise<void>
  getTags(): Promise<string[]>
}
interface ExtendableMessageEvent extends ExtendableEvent {
  data: unknown
  origin: string
  source: { type?: string } | null
  ports: readonly MessagePort[]
}
interface ServiceWorkerScope {
  location: { origin: string }
  registration: { sync?: SyncManager }
  addEventListener(type: 'message' | 'activate' | 'sync', listener: (event: ExtendableEvent) => void): void
}

const DATABASE_PREFIX = databaseName('')
/**
 * The Background Sync tag: the name workbox-background-sync's Queue gave it when errand used
 * that Queue, so that a registration made by such an older service worker still fires here.
 */
export const SYNC_TAG = 'workbox-background-sync:errand'

let evaluated = false
let started = false
// After the first task of the service worker's evaluation, listeners added later never fire.
setTimeout(() => {
  evaluated = true
  if (!started && isServiceWorker()) console.warn('[errand] errand/sw is imported, but setupErrand() was not called at the top level of this service worker: it sends no network jobs.')
})

function isServiceWorker(): boolean {
  return typeof self !== 'undefined' && 'registration' in self && typeof (self as { skipWaiting?: unknown }).skipWaiting === 'function'
}

function checkOptions(options: unknown): Required<Omit<ServiceWorkerOptions, 'beforeSend' | 'queues'>> & Pick<ServiceWorkerOptions, 'beforeSend' | 'queues'> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options)
  checkKeys('', options, ['beforeSend', 'parallel', 'lease', 'maxStalls', 'queues', 'waitUpTo'])
  const o = options as Record<string, unknown>
  if (o.beforeSend !== undefined && typeof o.beforeSend !== 'function') throw invalidOption('beforeSend', 'a function', o.beforeSend)
  if (o.queues !== undefined && !(Array.isArray(o.queues) && o.queues.every((q) => typeof q === 'string' && q !== ''))) throw invalidOption('queues', 'an array of queue names', o.queues)
  return {
    ...(o.beforeSend ? { beforeSend: o.beforeSend as BeforeSend } : {}),
    ...(o.queues ? { queues: [...(o.queues as string[])] } : {}),
    parallel: o.parallel === undefined ? DEFAULT_PARALLEL : checkInteger('parallel', o.parallel, 1),
    lease: o.lease === undefined ? 30_000 : checkTimer('lease', o.lease, 100),
    maxStalls: o.maxStalls === undefined ? 3 : checkInteger('maxStalls', o.maxStalls, 0),
    waitUpTo: o.waitUpTo === undefined ? 20_000 : checkTimer('waitUpTo', o.waitUpTo),
  }
}

/**
 * Makes this service worker send errand's network jobs. Call it once, at the top level of
 * your service worker (not in an event handler or after an `await`).
 * @example
 * // src/sw.ts
 * import { setupErrand } from 'errand/sw'
 * setupErrand({ beforeSend: async (request) => request.headers.set('Authorization', `Bearer ${await token()}`) })
 */
export function setupErrand(options: ServiceWorkerOptions = {}): void {
  if (!isServiceWorker()) throw new ErrandError('INVALID_STATE', 'setupErrand() runs only in a service worker (pages use openQueue()).')
  if (started) throw new ErrandError('INVALID_STATE', 'setupErrand() was already called.')
  if (evaluated) console.warn('[errand] setupErrand() came after the service worker\'s first evaluation: browsers ignore the listeners it adds. Call it at the top level.')
  started = true
  const settings = checkOptions(options)
  const scope = self as unknown as ServiceWorkerScope
  const owner = `sw-${newOwnerId()}`
  const senders = new Map<string, Sender>()

  const serve = (name: string): Sender => {
    let sender = senders.get(name)
    if (sender) return sender
    const channel = new BroadcastChannel(`errand:${name}`)
    let outbox: (QueueMessage & { seen: false })[] = []
    let db: Promise<Database> | undefined
    // The connection closed (a newer page upgrades the schema, the queue was deleted, the
    // browser closed it) or never opened: the next replay opens it again.
    const forgetDatabase = (): void => {
      db = undefined
    }
    sender = createSender({
      queue: name,
      owner,
      leaseMs: settings.lease,
      maxStalls: settings.maxStalls,
      parallel: settings.parallel,
      ...(settings.beforeSend ? { beforeSend: settings.beforeSend } : {}),
      db: () =>
        (db ??= openDatabase(name, { onVersionChange: forgetDatabase, onTerminated: forgetDatabase }).catch((error: unknown) => {
          forgetDatabase()
          throw error
        })),
      // No page listens here: every outcome goes out unseen, for the pages to acknowledge.
      // The messages of one task go out as one post, like a page's bus.
      announce: (message: QueueMessage) => {
        if (outbox.push({ ...message, seen: false }) > 1) return
        queueMicrotask(() => {
          const batch = outbox
          outbox = []
          try {
            channel.postMessage(batch)
          } catch {
            // a value that cannot be cloned: the pages read the outcomes from the store
          }
        })
      },
    })
    senders.set(name, sender)
    return sender
  }

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
  /**
   * Replays one queue, waiting out short delays while the event keeps the service worker
   * alive. Offline, it registers a sync, except inside a sync event: a tag registered while
   * it fires fires again at once (the browser may think it is online while our server is
   * not), and that would hammer; a failed sync event is retried by the browser with backoff.
   */
  const replay = async (name: string, inSync = false): Promise<PassResult> => {
    const sender = serve(name)
    for (;;) {
      const result = await sender.replay()
      if (result.offline && !inSync) void registerSync()
      const wait = result.nextDueAt === undefined ? Infinity : result.nextDueAt - Date.now()
      if (result.offline || wait > settings.waitUpTo) return result
      await sleep(Math.max(0, wait))
    }
  }
  const knownQueues = async (): Promise<string[]> => {
    if (settings.queues) return settings.queues
    // The queues whose database exists: not one deleted since this service worker sent for it,
    // which opening would create again, empty. Without databases(), those it sent for.
    const databases = await indexedDB.databases?.()
    if (!databases) return [...senders.keys()]
    return databases.map((d) => d.name ?? '').filter((n) => n.startsWith(DATABASE_PREFIX)).map((n) => n.slice(DATABASE_PREFIX.length))
  }
  /** Resolves with whether every queue was sent through (throws otherwise: the sync event is retried). */
  const replayAll = async (inSync = false): Promise<boolean> => {
    // A queue that cannot be sent through (its database fails to open, say) waits like an offline one; the console says why.
    const results = await Promise.all((await knownQueues()).map((name) => replay(name, inSync).catch((error: unknown) => (console.error(error), { offline: true, nextDueAt: undefined }))))
    return results.every((r) => !r.offline)
  }

  /** Registers the sync tag unless it is registered already (then the browser retries it with its own backoff). */
  const registerSync = async (): Promise<void> => {
    const sync = scope.registration.sync
    if (!sync || (await sync.getTags().catch((): string[] => [])).includes(SYNC_TAG)) return
    // Refused when the user turned background sync off for the site: page triggers and start-up remain.
    await sync.register(SYNC_TAG).catch(() => {})
  }
  // Without Background Sync (Firefox, Safari) no sync event comes: start-up, activation and
  // page triggers replay all the same (below and above).
  scope.addEventListener('sync', (event) => {
    const sync = event as SyncEvent
    if (sync.tag !== SYNC_TAG) return
    // Rejecting makes the browser fire it again later, with backoff. After its last chance it
    // drops the tag, and the next replay that finds no network registers it again.
    sync.waitUntil(
      replayAll(true).then((sent) => {
        if (!sent) throw new ErrandError('INVALID_STATE', 'errand: requests left to send; the browser syncs again.')
      }),
    )
  })

  scope.addEventListener('message', (event) => {
    const message = event as ExtendableMessageEvent
    // Only same-origin pages speak to us.
    if (message.origin !== scope.location.origin || message.source?.type !== 'window' || !isErrandMessage(message.data)) return
    const data = message.data as ToServiceWorker
    const port = message.ports[0]
    const reply = (answer: FromServiceWorker): void => port?.postMessage(answer)
    if (data.errand === 'ping') reply({ errand: 'pong', protocol: PROTOCOL })
    else if (data.errand === 'replay' && typeof data.queue === 'string' && data.queue !== '') {
      message.waitUntil(
        replay(data.queue).then(
          (result) => reply({ errand: 'replayed', offline: result.offline }),
          (error: unknown) => reply({ errand: 'replayed', offline: false, error: String(error) }),
        ),
      )
    }
  })
  scope.addEventListener('activate', () => void replayAll().catch(console.error))
  // Start-up: jobs left by a service worker that was stopped, or added while none ran.
  void replayAll().catch(console.error)
}
