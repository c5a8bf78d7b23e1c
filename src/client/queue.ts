/**
 * `openQueue()`: the page-side Queue. Every tab can add and watch; the tab holding the
 * queue's Web Lock also runs the scheduler and the worker pool (runner.ts).
 */
import { ErrandError, StorageError } from '../core/errors.js'
import type { CloseReason, EventName, QueueMessage } from '../core/events.js'
import { newOwnerId } from '../core/ids.js'
import { isFinished, toJob, type JobRecord } from '../core/job.js'
import { checkKeys, invalidOption } from '../core/options.js'
import { checkListOptions, resolveSettings, sameSettings, type Settings } from './settings.js'
import type { JobDefinitions } from '../core/registry.js'
import { addJobs, cancelJob, cancelWaiting, PAUSED_KEY, removeJob, retryJob, setMeta } from '../store/jobs.js'
import { batchedGetJob, countJobs, getJob, getLogs, getPayload, listJobs, type UnfinishedCounts } from '../store/reads.js'
import { deleteDatabase, openDatabase, type Database } from '../store/schema.js'
import { createBus, type Bus, type Delivery, type WireMessage } from './bus.js'
import { createOutcomes, OUTCOMES } from './outcomes.js'
import { startRunner } from './runner.js'
import { createSignals } from './signals.js'
import { createHeld } from './held.js'
import { createHandle, type HandleHost } from './handle.js'
import { buildRecord, takeOver, type Built } from './records.js'
import { waitForCounts } from './wait.js'
import { registerBus } from './watch.js'
import { createNetwork } from './network.js'
import { checkRequestOptions, encodeRequest, REQUEST_OPTION_KEYS } from '../net/encode.js'
import { REQUEST_JOB } from '../net/types.js'
import type { AddAllItem, AnyJobHandleOf, Queue, QueueOptions } from './types.js'

const CLOSED_BECAUSE: Record<CloseReason, (name: string) => string> = {
  closed: (name) => `Queue "${name}" is closed. Open it again with openQueue().`,
  versionchange: (name) => `Queue "${name}" was closed because a newer version of the app upgraded its database. Reload the page.`,
  deleted: (name) => `Queue "${name}" was closed because its database was deleted (deleteQueue() in this or another tab).`,
  terminated: (name) => `Queue "${name}" was closed because the browser closed its database (storage cleared, or a disk error).`,
}


// Kept here for its existing importers; it lives in watch.ts so that errand/dashboard need not bundle the queue.
export { watch } from './watch.js'

/** Queues open in this page, by name: one scheduler per database, ever. */
const openQueues = new Map<string, { queue: Queue<never>; settings: Settings; shutdown: (reason: CloseReason) => Promise<void> }>()




/**
 * Opens (or creates) the queue `name`, stored in the IndexedDB database `errand:<name>`.
 * Opening the same name again in this page returns the same queue if the options agree.
 * @example
 * import type { Jobs } from './jobs.worker'
 * const queue = openQueue<Jobs>('media', {
 *   worker: () => new Worker(new URL('./jobs.worker.ts', import.meta.url), { type: 'module' }),
 * })
 */
export function openQueue<J = JobDefinitions>(name: string, options: QueueOptions = {}): Queue<J> {
  checkName(name)
  const settings = resolveSettings(options)
  const existing = openQueues.get(name)
  if (existing) {
    if (sameSettings(existing.settings, settings)) return existing.queue as unknown as Queue<J>
    throw new ErrandError('QUEUE_CONFLICT', `Queue "${name}" is already open in this page with other options. Reuse the queue you opened, or give each openQueue() call its own name.`, {
      context: { queue: name },
    })
  }
  const { queue, shutdown } = createQueue<J>(name, settings)
  openQueues.set(name, { queue: queue as unknown as Queue<never>, settings, shutdown })
  return queue
}

const checkName = (name: unknown): void => {
  if (typeof name !== 'string' || name === '') throw invalidOption('name', 'a non-empty queue name (string)', name)
}
/** A job id, as `get()`, `cancel()` and the others take it: refused before it reaches IndexedDB, which would report a bad key as a storage failure. */
const checkId = (id: unknown): string => {
  if (typeof id !== 'string' || id === '') throw invalidOption('id', 'a job id (a non-empty string)', id)
  return id
}
const EVENTS = ['added', 'started', 'progress', 'retrying', 'completed', 'failed', 'cancelled', 'empty', 'idle', 'closed', 'error'] as const satisfies readonly EventName[]
/** Every event name is in EVENTS: this line stops compiling when one is added to the map and not there. */
const everyEvent: [Exclude<EventName, (typeof EVENTS)[number]>] extends [never] ? true : never = true
void everyEvent

/** Deletes a queue's database with every job and log; closes the queue first if it is open in this page. */
export async function deleteQueue(name: string): Promise<void> {
  checkName(name)
  await openQueues.get(name)?.shutdown('deleted')
  await deleteDatabase(name)
}

function createQueue<J>(name: string, settings: Settings): { queue: Queue<J>; shutdown: (reason: CloseReason) => Promise<void> } {
  const owner = newOwnerId()
  const closing = new AbortController()
  let closeReason: CloseReason | undefined
  /** Set by pause()/start() here or in another tab; wins over the stored flag read at start-up. */
  let paused: boolean | undefined
  const held = createHeld()

  const signals = createSignals((id) => void queue.cancel(id).catch(() => {}))

  const onRemote = (message: WireMessage, delivery: Delivery): void => {
    signals.heard(message)
    // Acknowledged after delivery, never before (a payload kept apart may still be on its way).
    if (delivery) void delivery.then(() => outcomes.received(message))
    else outcomes.received(message)
    // Started, cancelled or settled in another tab: this page will not hand that payload to a worker.
    const other = 'job' in message && message.type !== 'added' && !(message.type === 'nudge' && message.event === 'added')
    if (other) held.drop(message.job.id)
    if (message.type === 'retrying' && message.job.kind === 'network') {
      // A retry that waits: wake the sender when it is due. A send that got no response (its last error
      // has `times`): try again after this page's backoff; kicking at once would ping-pong with the sender
      // every few ms while the server stays down. A retry due at once: its sender's pass takes it, unless
      // that pass stopped (its page closed), so kick.
      if (message.job.state === 'delayed') network.dueAt(message.job.runAt)
      else if (message.job.errors.at(-1)?.times !== undefined) network.heardOffline()
      else network.kick()
    }
    const nudged = message.type === 'nudge' ? message : undefined
    if ((message.type === 'added' || nudged?.event === 'added') && 'job' in message) {
      if (message.job.kind === 'cpu') runner?.scheduler?.wake(message.job)
      else network.kick()
    }
    if (nudged?.event === 'cancelled') runner?.scheduler?.abandon(nudged.job.id)
    else if (message.type === 'cancelled') runner?.scheduler?.abandon(message.job.id)
    else if (message.type === 'lead') replayAfterLead()
    else if (message.type === 'paused') {
      paused = message.paused
      runner?.scheduler?.setPaused(message.paused)
      if (!message.paused) network.kick()
    }
  }
  // Through the connection as long as it is open, also while the queue closes: events still on their way get their payloads.
  const bus: Bus = createBus(`errand:${name}`, onRemote, async (id) => getPayload(await dbReady, id))

  const dbReady: Promise<Database> = openDatabase(name, {
    onVersionChange: (deleted) => void shutdown(deleted ? 'deleted' : 'versionchange'),
    onTerminated: () => void shutdown('terminated'),
    onBlocked: () =>
      bus.publish({ type: 'error', error: new StorageError('STORAGE', `Queue "${name}" waits to upgrade its database until another connection to it closes (an older tab of this app, or code outside errand).`) }),
  })
  dbReady.catch(() => {}) // surfaced by the first call that needs the database
  /** The database once open: an add() writes in the caller's task then. */
  let opened: Database | undefined
  void dbReady.then((db) => (opened = db), () => {})
  const outcomes = createOutcomes(bus, () => (closeReason ? Promise.resolve(undefined) : dbReady))
  /** Publishes an event; an outcome delivered to a listener here is then acknowledged (after delivery, never before). */
  const announce = (message: QueueMessage, now?: boolean): void => {
    signals.heard(message)
    const delivery = bus.publish(message, now)
    if (delivery) void delivery.then(() => outcomes.delivered(message))
    else outcomes.delivered(message)
  }
  void dbReady.then(() => outcomes.replay(), () => {})
  /** A page took the lead: the outcomes of the last two leases that are still unseen (client/outcomes.ts). */
  const replayAfterLead = (): void => outcomes.replay(Date.now() - 2 * settings.lease)
  // Before the network side: without a service worker it reads the database at once.
  const database = async (): Promise<Database> => {
    if (closeReason) throw closedError()
    return dbReady
  }

  const closedError = (): ErrandError =>
    new ErrandError('QUEUE_CLOSED', CLOSED_BECAUSE[closeReason ?? 'closed'](name), { context: { queue: name, reason: closeReason } })

  const network = createNetwork({
    queue: name,
    db: () => database(),
    owner,
    leaseMs: settings.lease,
    maxStalls: settings.maxStalls,
    ...settings.network,
    announce,
    closed: closing.signal,
  })

  const runner = settings.worker
    ? startRunner({
        name,
        owner,
        settings,
        create: settings.worker,
        db: dbReady,
        closed: () => closeReason !== undefined,
        paused: () => paused,
        held,
        announce,
        // The last leader may have committed outcomes it never announced: every page with listeners
        // (this one too) tries to take them, and one takes each (client/outcomes.ts).
        onLead: () => {
          bus.control({ type: 'lead' })
          replayAfterLead()
        },
        report: (error) => bus.publish({ type: 'error', error }),
      })
    : undefined

  let shutting: Promise<void> | undefined
  const shutdown = (reason: CloseReason): Promise<void> => (shutting ??= closeFor(reason))
  const closeFor = async (reason: CloseReason): Promise<void> => {
    closeReason = reason
    openQueues.delete(name)
    await runner?.stop()
    held.clear()
    signals.clear()
    // Events still waiting for a payload reach their listeners first, so that their outcomes are acknowledged below.
    await bus.drained()
    await dbReady.then((db) => outcomes.flush(db)).catch(() => {})
    runner?.release()
    closing.abort()
    bus.publish({ type: 'closed', reason })
    bus.close()
    try {
      ;(await dbReady).close()
    } catch {
      // never opened: nothing to close
    }
  }

  const handleHost: HandleHost = {
    on: (type, listener, payload) => bus.on(type, listener, { counted: false, payload }),
    onPeer: (listener) => bus.onPeer(listener),
    read: batchedGetJob(database),
    get: async (id) => getJob(await database(), id),
    cancel: (id) => queue.cancel(id),
    logs: (id) => queue.logs(id),
    closedSignal: closing.signal,
  }
  const handleOf = (record: JobRecord) => createHandle(handleHost, record.id, record.name) as AnyJobHandleOf<J>

  const build = (jobName: unknown, payload: unknown, options: unknown, now: number): Built =>
    buildRecord(jobName, payload, options, now, { defaults: settings.defaults, known: runner?.names, kind: 'cpu' })

  const insert = async (built: Built[], bodies?: Map<string, ArrayBuffer[]>) => {
    // At once, in the caller's task, as postMessage() would: the app cannot change what it queued.
    // The store's put copies the payloads, in this task if the database is open and no key is
    // looked up first; if not, they are copied here.
    const db = closeReason ? undefined : opened
    const putsNow = db !== undefined && built.every((b) => b.record.activeKey === undefined)
    takeOver(built, !putsNow)
    let added: Awaited<ReturnType<typeof addJobs>>
    try {
      added = await addJobs(putsNow ? db : await database(), built.map((b) => b.record), bodies)
    } catch (error) {
      // Nothing was written, and the app's buffers are gone: the error hands the payloads back.
      const handedOver = built.filter((b) => b.transfer).map((b) => b.record.payload)
      if (handedOver.length && error instanceof ErrandError) Object.assign(error.context as Record<string, unknown>, { payloads: handedOver })
      throw error
    }
    added.forEach(({ record, existed }, i) => {
      if (existed) return // the caller's signal does not own a job it did not add
      // A payload handed over and kept apart waits in memory for this page's worker (only a page
      // that may run jobs holds it). It will move there, so its events read the store's copy.
      const { transfer, apartBytes } = built[i]!
      const hold = transfer && apartBytes !== undefined && settings.worker !== undefined
      if (hold) held.hold(record.id, record.payload, apartBytes)
      bus.publish({ type: 'added', job: toJob(hold ? { ...record, payload: undefined } : record) })
      if (record.kind === 'cpu') runner?.scheduler?.wake(record)
      // It may have aborted while the job was being written.
      const signal = built[i]?.signal
      if (signal) signals.watch(record.id, signal)
    })
    return added.map(({ record }) => handleOf(record))
  }

  const waitFor = async (done: (counts: UnfinishedCounts) => boolean, events: EventName[]): Promise<void> =>
    waitForCounts({ db: await database(), bus, done, events, closed: closing.signal, closedError })

  const setPaused = async (value: boolean): Promise<void> => {
    const db = await database()
    paused = value
    runner?.scheduler?.setPaused(value)
    bus.control({ type: 'paused', paused: value })
    await setMeta(db, PAUSED_KEY, value)
    if (!value) network.kick()
  }

  const afterCancel = (record: JobRecord): void => {
    held.drop(record.id)
    runner?.scheduler?.abandon(record.id)
    announce({ type: 'cancelled', job: toJob(record) })
  }

  const queue: Queue<J> = {
    name,
    get closed() {
      return closeReason !== undefined
    },
    async add(jobName, payload, options) {
      if (closeReason) throw closedError()
      const [handle] = await insert([build(jobName, payload, options, Date.now())])
      return handle as never
    },
    async addAll(input) {
      if (closeReason) throw closedError()
      if (!Array.isArray(input)) throw invalidOption('items', 'an array of { name, payload, options }', input)
      const items: readonly AddAllItem<J>[] = input
      const now = Date.now()
      // Array.from, not map(): a hole of a sparse array is an item (undefined), refused as such.
      const built = Array.from(items, (item, i) => {
        if (typeof item !== 'object' || item === null) throw invalidOption(`items[${i}]`, 'an object { name, payload, options }', item)
        checkKeys(`items[${i}].`, item, ['name', 'payload', 'options'])
        return build(item.name, item.payload, item.options, now)
      })
      // Typed by AddAllHandles: the handles come in the order of the items.
      return (built.length === 0 ? [] : await insert(built)) as never
    },
    async request(input, init, options = {}) {
      if (closeReason) throw closedError()
      if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options)
      const net = checkRequestOptions(options as Record<string, unknown>)
      const built = buildRecord(REQUEST_JOB, undefined, options, Date.now(), { defaults: settings.defaults, known: undefined, kind: 'network', allowed: REQUEST_OPTION_KEYS })
      const { request, chunks } = await encodeRequest(input, init, settings.network.stripHeaders, net)
      built.record.payload = request
      const [handle] = await insert([built], new Map([[built.record.id, chunks]]))
      network.kick()
      return handle as never
    },
    get mode() {
      return network.mode
    },
    capabilities: () => network.capabilities(),
    async replay() {
      await database()
      await network.replay()
    },
    async get(id) {
      const record = await getJob(await database(), checkId(id))
      return record && (toJob(record) as never)
    },
    async job(id) {
      const record = await handleHost.read(checkId(id))
      return record && handleOf(record)
    },
    async list(options = {}) {
      const query = checkListOptions(options)
      const records = await listJobs(await database(), query)
      return records.map((record) => toJob(record) as never)
    },
    async counts() {
      return countJobs(await database())
    },
    async logs(id) {
      return getLogs(await database(), checkId(id))
    },
    async cancel(id) {
      const { after } = await cancelJob(await database(), checkId(id), Date.now())
      if (after) afterCancel(after)
      return after !== undefined
    },
    async retry(id) {
      const { after } = await retryJob(await database(), checkId(id), Date.now())
      if (!after) return false
      bus.publish({ type: 'added', job: toJob(after) })
      if (after.kind === 'cpu') runner?.scheduler?.wake(after)
      else network.kick()
      return true
    },
    async remove(id) {
      const removed = await removeJob(await database(), checkId(id))
      if (removed && !isFinished(removed.state)) afterCancel({ ...removed, state: 'cancelled' })
      return removed !== undefined
    },
    async clear() {
      const cancelled = await cancelWaiting(await database(), Date.now(), (id) => runner?.scheduler?.runs(id) ?? false)
      cancelled.forEach(afterCancel)
      return cancelled.length
    },
    async storage() {
      const storage = typeof navigator === 'undefined' ? undefined : navigator.storage
      const empty: StorageEstimate = {}
      const [estimate, persisted] = await Promise.all([storage?.estimate?.() ?? empty, storage?.persisted?.() ?? false])
      return { usage: estimate.usage ?? 0, quota: estimate.quota ?? Infinity, persisted }
    },
    async persist() {
      const storage = typeof navigator === 'undefined' ? undefined : navigator.storage
      return (await storage?.persist?.()) ?? false
    },
    pause: () => setPaused(true),
    start: () => setPaused(false),
    onIdle: () => waitFor((c) => c.queued === 0 && c.running === 0, ['idle', 'cancelled']),
    onEmpty: () => waitFor((c) => c.queued === 0, ['empty', 'idle', 'cancelled']),
    on(event, listener) {
      if (!(EVENTS as readonly string[]).includes(event)) throw invalidOption('event', `one of ${EVENTS.join(', ')}`, event)
      if (typeof listener !== 'function') throw invalidOption('listener', 'a function', listener)
      const stop = bus.on(event, listener as unknown as (message: QueueMessage) => void)
      if (OUTCOMES.includes(event)) outcomes.replay()
      return stop
    },
    close: () => shutdown('closed'),
  }
  registerBus(queue, bus)
  return { queue, shutdown }
}

