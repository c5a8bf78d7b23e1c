/**
 * The page side of network jobs. Where a service worker that runs `errand/sw` controls the
 * page (mode `sw`), the page only tells it when there is something to send; otherwise
 * (mode `page`: first visit before activation, private windows, service workers off) the
 * page sends itself, with the same sender, on every trigger the service worker would have.
 * Both send under the same Web Lock and claim in the store, so a service worker that takes
 * control while the page sends never sends a job twice. The page loads the sender (a chunk of
 * its own) the first time it sends: most pages never do.
 */
import { ErrandError } from '../core/errors.js'
import { MAX_TIMER_MS } from '../core/options.js'
import { PROTOCOL, isErrandMessage, type FromServiceWorker, type ToServiceWorker } from '../net/protocol.js'
import type { PassResult, Sender, SenderOptions } from '../net/sender.js'
import { nextRequestDue } from '../store/requests.js'

export type NetworkMode = 'sw' | 'page'

/** What this browser gives network jobs, and the mode in use. */
export interface Capabilities {
  /** The Service Worker API exists (not in private windows of some browsers, or on http: other than localhost). */
  serviceWorker: boolean
  /** A service worker that runs `errand/sw` controls this page. */
  controlled: boolean
  /** Background Sync (`sync` events): Chromium only. */
  backgroundSync: boolean
  /** Web Locks: one leader per queue, one sender at a time. */
  webLocks: boolean
  /** Storage is persisted (not evicted under pressure). */
  persisted: boolean
  mode: NetworkMode
}

/** The page's sender options (its `active` is the page's own: page mode, queue open), and: */
export interface NetworkOptions extends Omit<SenderOptions, 'active'> {
  /** False: never hand jobs to a service worker. */
  serviceWorker: boolean
  /** Aborted when the queue closes. */
  closed: AbortSignal
}

export interface Network {
  readonly mode: NetworkMode
  /** Something may be due (a job was added, the network is back): send it (page) or tell the service worker. */
  kick(): void
  /** Sends what is due now and resolves when that pass ended (`queue.replay()`). */
  replay(): Promise<PassResult>
  /** A network job will be due at `at`: kick then. */
  dueAt(at: number): void
  /** Another sender (the service worker, another tab) found no network: kick after this page's offline backoff. */
  heardOffline(): void
  capabilities(): Promise<Capabilities>
}

/** ms a service worker gets to answer a ping before the page sends by itself. */
const PING_MS = 2000
/** Passes that found no network are tried again after 1 s, doubling, at most this. */
const MAX_OFFLINE_BACKOFF = 60_000

function ask(worker: ServiceWorker, message: ToServiceWorker, timeoutMs: number): Promise<FromServiceWorker | undefined> {
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    const finish = (reply: FromServiceWorker | undefined): void => {
      clearTimeout(timer)
      channel.port1.close()
      resolve(reply)
    }
    channel.port1.onmessage = (event: MessageEvent) => finish(isErrandMessage(event.data) ? (event.data as FromServiceWorker) : undefined)
    worker.postMessage(message, [channel.port2])
  })
}

export function createNetwork(options: NetworkOptions): Network {
  const container = options.serviceWorker && typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined
  let sender: Promise<Sender | undefined> | undefined
  let mode: NetworkMode = 'page'
  /** The controller that answered a ping, if any. */
  let errandWorker: Promise<ServiceWorker | undefined> = Promise.resolve(undefined)

  const detect = (): void => {
    const controller = container?.controller
    errandWorker = controller
      ? ask(controller, { errand: 'ping', protocol: PROTOCOL }, PING_MS).then((reply) => (reply?.errand === 'pong' ? controller : undefined))
      : Promise.resolve(undefined)
    void errandWorker.then((worker) => {
      mode = worker ? 'sw' : 'page'
      kick()
    })
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Infinity
  let offlineDelay = 1000
  /** When the current offline backoff ends (its kick is due then); 0: none runs. */
  let backoffEnds = 0
  /**
   * A pass found no network (this page's, or one another sender announced): kick after the
   * backoff, which doubles once per period, not once per pass: a burst of adds while the
   * server is down must not push the next try to a minute away.
   */
  const sawOffline = (): void => {
    const now = Date.now()
    if (now < backoffEnds) return
    backoffEnds = now + offlineDelay
    dueAt(backoffEnds)
    offlineDelay = Math.min(offlineDelay * 2, MAX_OFFLINE_BACKOFF)
  }
  const dueAt = (at: number): void => {
    if (options.closed.aborted || at >= timerAt) return
    clearTimeout(timer)
    timerAt = at
    timer = setTimeout(() => {
      timerAt = Infinity
      kick()
      // A browser timer fires at once past MAX_TIMER_MS (about 24.8 days): a later due time
      // wakes this page early, and the kick, finding nothing due, arms the next step.
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())))
  }

  /**
   * The page's sender, imported on the first pass the page makes itself, so that pages whose
   * jobs a service worker sends, and apps without network jobs, never download it. Not while
   * the browser says it is offline: browsers remember a failed import for the life of the page
   * (Chromium 150 does; whatwg/html#6768), so one that failed is tried again on the next
   * trigger but may only load after a reload. Resolves with undefined when it is not loaded.
   */
  const loadSender = (): Promise<Sender | undefined> => {
    if (!sender && typeof navigator !== 'undefined' && navigator.onLine === false) return Promise.resolve(undefined)
    return (sender ??= import('../net/sender.js').then(
      // Stops claiming as soon as a service worker running errand controls the page, or the queue closes.
      ({ createSender }) => createSender({ ...options, active: () => mode === 'page' && !options.closed.aborted }),
      (error: unknown) => {
        sender = undefined
        report(new ErrandError('NETWORK', `Could not load errand's network sender, the part of errand that sends network jobs from the page: ${(error as Error).message}. The jobs stay queued; the page tries again on the next trigger (some browsers load it only after a reload).`, { cause: error }))
        return undefined
      },
    ))
  }

  const replay = async (): Promise<PassResult> => {
    if (options.closed.aborted) return { offline: false, nextDueAt: undefined }
    const worker = await errandWorker
    let result: PassResult
    if (worker) {
      // No answer within two leases: the service worker was stopped mid-pass (or is busy): ask again, its pass recovers.
      const reply = await ask(worker, { errand: 'replay', queue: options.queue }, 2 * options.leaseMs)
      if (!reply) kick()
      if (reply?.errand === 'replayed' && reply.error !== undefined && worker === (await errandWorker)) {
        // It could not send (an older service worker refused by a newer database schema): this page
        // sends until another service worker takes control.
        report(new ErrandError('NETWORK', `The service worker could not send this queue's network jobs (${reply.error}); this page sends them until another service worker takes control.`))
        errandWorker = Promise.resolve(undefined)
        mode = 'page'
        return replay()
      }
      result = { offline: reply?.errand === 'replayed' && reply.offline, nextDueAt: undefined }
    } else {
      const loaded = await loadSender()
      // No sender yet counts as no network: tried again with the same backoff, and on `online`.
      result = loaded ? await loaded.replay() : { offline: true, nextDueAt: undefined }
    }
    // No network: try again later, backing off (also in a browser without Background Sync,
    // where nothing else wakes the service worker while the server stays down), and on any
    // other trigger (an add, `online`, the page shown again).
    if (result.offline) sawOffline()
    else {
      offlineDelay = 1000
      backoffEnds = 0
    }
    // The service worker waits out short delays itself; the page still wakes it for long ones.
    const next = await options.db().then((db) => nextRequestDue(db, Date.now(), false))
    if (next !== undefined && next > Date.now() && !result.offline) dueAt(next)
    return result
  }
  const report = (error: unknown): void => options.announce({ type: 'error', error: error as Error })
  /** Sends if something is due (a cheap read first: most pages of a CPU-only app never send). */
  const kick = (): void => {
    if (options.closed.aborted) return
    options
      .db()
      .then((db) => nextRequestDue(db, Date.now()))
      .then((at) => {
        if (at === undefined) return
        if (at <= Date.now()) return replay()
        dueAt(at)
      })
      .catch(report)
  }

  if (container) {
    detect()
    container.addEventListener('controllerchange', detect)
  } else kick()
  if (typeof window !== 'undefined') {
    const onVisible = (): void => void (document.visibilityState === 'visible' && kick())
    window.addEventListener('online', kick)
    document.addEventListener('visibilitychange', onVisible)
    options.closed.addEventListener('abort', () => {
      window.removeEventListener('online', kick)
      document.removeEventListener('visibilitychange', onVisible)
      container?.removeEventListener('controllerchange', detect)
      clearTimeout(timer)
    })
  }

  return {
    get mode() {
      return mode
    },
    kick,
    replay,
    dueAt,
    heardOffline: sawOffline,
    async capabilities() {
      const worker = await errandWorker
      const storage = typeof navigator === 'undefined' ? undefined : navigator.storage
      return {
        serviceWorker: typeof navigator !== 'undefined' && 'serviceWorker' in navigator,
        controlled: worker !== undefined,
        backgroundSync: typeof window !== 'undefined' && 'SyncManager' in window,
        webLocks: typeof navigator !== 'undefined' && !!navigator.locks,
        persisted: (await storage?.persisted?.()) ?? false,
        mode,
      }
    },
  }
}
