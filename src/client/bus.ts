/**
 * The queue's event bus: events from this page's scheduler and from other tabs reach
 * the same listeners. BroadcastChannel is a hint between tabs; the store stays the truth
 * (a handle that subscribes also reads the store, so a missed message is caught up).
 */
import type { ControlMessage, EventName, QueueMessage } from '../core/events.js'
import { isPayloadApart, markPayloadApart, type Job } from '../core/job.js'
import { collectTransferables } from '../pool/transferables.js'
import { OUTCOMES } from './outcomes.js'

type Listener = (message: QueueMessage) => void

/**
 * Presence: a bus says `hello` when it opens, every bus that hears it answers `here`, and
 * `bye` when it closes. A page that knows no other page posts nothing: a one-tab app never
 * pays for cloning its events. (A page that missed events while it was not known yet catches
 * up from the store, as with any missed message.)
 *
 * One thing a page that was alone must tell a page it meets: that it added jobs meanwhile.
 * The other page may lead and be asleep since before those adds (its hello, or our answer
 * to it, was on the way while we added), so the first post to a new peer carries a `nudge`
 * for the best job added alone of each kind and state: enough to wake a scheduler and kick a
 * sender, which then read the store. Adds cost nothing on the channel while a page is alone.
 */
type Presence = { type: 'hello' | 'here' | 'bye'; from: string }
type Nudge = Extract<ControlMessage, { type: 'nudge' }>

/**
 * On the wire, an outcome says whether the page that announced it had a listener for it, and
 * an event of a job whose payload is kept apart (`apart`) leaves the payload out: the
 * receiving page reads it from the store if it has listeners for it.
 */
export type WireMessage = (QueueMessage & { seen?: boolean; apart?: true }) | ControlMessage | Presence

export interface Bus {
  /**
   * Delivers to this page's listeners and to every other tab. Outcomes carry `seen` on the
   * wire: whether this page had a listener for them (then it acknowledges them, not the others).
   * `now` posts at once instead of with the rest of this task's events (its values are about to move to a worker).
   */
  publish(message: QueueMessage, now?: boolean): Delivery
  /** Delivers to this page's listeners only (a replayed outcome). */
  deliver(message: QueueMessage): Delivery
  /** Resolves once every event waiting for a payload was delivered. */
  drained(): Promise<void>
  /** How many `queue.on()` listeners this page has for an event (job handles' own listeners do not count). */
  listeners(type: EventName): number
  /** Sends a control message to the other tabs only. */
  control(message: ControlMessage): void
  on(type: EventName, listener: Listener, kind?: ListenerKind): () => void
  /**
   * Calls `listener` when this page meets another page. What that page announced before it knew
   * of this one never reached it (a page that knows no other posts nothing): read the store again.
   */
  onPeer(listener: () => void): () => void
  close(): void
}

/** What a listener is, beyond a `queue.on()` listener (the default: counted, reads payloads). */
export interface ListenerKind {
  /** False for a listener that does not acknowledge outcomes (job handles, waits, the dashboard). */
  counted?: boolean
  /** False for a listener that never reads `job.payload` (a handle waiting for its result): no payload kept apart is read for it. */
  payload?: boolean
}

/** Undefined when the listeners were called at once; else settles once they were (after a payload was read). */
export type Delivery = Promise<void> | undefined

/** Reads a payload kept apart, to fill in an event's job. */
export type ReadPayload = (jobId: string) => Promise<unknown>

const isPresence = (message: WireMessage): message is Presence => message.type === 'hello' || message.type === 'here' || message.type === 'bye'

export function createBus(channelName: string, onRemote: (message: Exclude<WireMessage, Presence>, delivery: Delivery) => void, readPayload: ReadPayload): Bus {
  const listeners = new Map<EventName, Set<Listener>>()
  const counted = new Map<EventName, number>()
  /** Listeners per event that read `job.payload`. */
  const reading = new Map<EventName, number>()
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(channelName)
  const self = Math.random().toString(36).slice(2)
  /** Other pages known to listen on this channel. */
  const peers = new Set<string>()
  /** Called when a page becomes known (see onPeer()). */
  const met = new Set<() => void>()
  /** Jobs added while no other page was known: the best of each kind and state, for the next page we meet (see Presence). */
  const addedAlone = new Map<string, Nudge['job']>()
  /** Presence and the nudges for `addedAlone`, in one post: a page we did not know is listening. */
  const meet = (presence: Presence[]): void => {
    const nudges = [...addedAlone.values()].map((job): Nudge => ({ type: 'nudge', event: 'added', job }))
    addedAlone.clear()
    if (presence.length || nudges.length) channel?.postMessage([...presence, ...nudges])
  }

  const callListeners = (message: QueueMessage): void => {
    for (const listener of listeners.get(message.type) ?? []) {
      try {
        listener(message)
      } catch (error) {
        // A throwing listener must not break the queue or the other listeners.
        setTimeout(() => {
          throw error
        })
      }
    }
  }

  /**
   * A job whose payload is kept apart reaches this page's listeners with its payload read from
   * the store, and only if one of them reads payloads: an event never clones a large payload for
   * nobody. Events stay in order: while a payload is read, later events wait behind it.
   */
  let backlog: Promise<void> | undefined
  /**
   * Outcomes (by job and finish time) this page's `queue.on()` listeners got: each reaches them once, though it may
   * come twice, live and replayed from the store before this page's acknowledgement of it was written.
   */
  const outcomesDelivered = new Set<string>()
  const deliver = (message: QueueMessage): Delivery => {
    const job = 'job' in message ? (message.job as Job) : undefined
    if (job?.finishedAt !== undefined && OUTCOMES.includes(message.type) && counted.get(message.type)) {
      const key = `${job.id} ${job.finishedAt}`
      if (outcomesDelivered.has(key)) return undefined
      // Duplicates come within moments: the last thousand are enough.
      if (outcomesDelivered.add(key).size > 1000) outcomesDelivered.delete(outcomesDelivered.values().next().value!)
    }
    const fill = job !== undefined && job.payload === undefined && isPayloadApart(job) && (reading.get(message.type) ?? 0) > 0
    // `error` and `closed` concern this page now, not a job: never kept waiting.
    if ((!fill && !backlog) || message.type === 'error' || message.type === 'closed') {
      callListeners(message)
      return undefined
    }
    let ready: Promise<QueueMessage>
    if (fill) {
      ready = readPayload(job.id).then(
        (payload) => ({ ...message, job: markPayloadApart({ ...job, payload }) }) as QueueMessage,
        () => message, // the store failed: delivered without it
      )
    } else {
      // Waits behind a payload being read, while the buffers of this `started` job move to a worker now: a copy waits.
      const moving = message.type === 'started' && job !== undefined && collectTransferables(job.payload).length > 0
      ready = Promise.resolve(moving ? ({ ...message, job: { ...job, payload: structuredClone(job.payload) } } as QueueMessage) : message)
    }
    const delivery: Promise<void> = (backlog ?? Promise.resolve()).then(() => ready).then(callListeners)
    backlog = delivery
    void delivery.then(() => {
      if (backlog === delivery) backlog = undefined
    })
    return delivery
  }

  if (channel) {
    channel.onmessage = (event: MessageEvent<WireMessage[] | WireMessage>) => {
      // An array from this version; a single message from another version of errand in another tab.
      for (const message of Array.isArray(event.data) ? event.data : [event.data]) {
        if (isPresence(message)) {
          if (message.type === 'bye') peers.delete(message.from)
          else if (!peers.has(message.from)) {
            peers.add(message.from)
            meet(message.type === 'hello' ? [{ type: 'here', from: self }] : [])
            for (const listener of [...met]) listener()
          }
          continue
        }
        let delivery: Delivery
        if (message.type !== 'paused' && message.type !== 'nudge' && message.type !== 'lead') {
          const { seen: _seen, apart, ...plain } = message
          if (apart && 'job' in plain) markPayloadApart(plain.job)
          delivery = deliver(plain as QueueMessage)
        }
        onRemote(message, delivery)
      }
    }
  }

  channel?.postMessage([{ type: 'hello', from: self } satisfies Presence])

  // Messages of one task go out as one post: a turn that settles 50 jobs is one message, not 50.
  let outbox: WireMessage[] = []
  const flush = (): void => {
    const batch = outbox
    outbox = []
    if (batch.length === 0 || !channel) return
    try {
      channel.postMessage(batch)
    } catch {
      // Closed meanwhile (the queue closed in the same task), or a value that cannot be cloned: post what can be.
      for (const message of batch) {
        try {
          channel.postMessage([message])
        } catch {
          // nobody left to tell, or this one message cannot cross
        }
      }
    }
  }
  const send = (message: WireMessage, now = false, always = false): void => {
    if (!channel || (peers.size === 0 && !always)) return
    if (outbox.push(message) === 1 && !now) queueMicrotask(flush)
    if (now) flush()
  }

  return {
    publish(message, now = false) {
      const seen = counted.get(message.type) ?? 0
      const delivery = deliver(message)
      // 'error' and 'closed' concern this page only.
      if (message.type === 'error' || message.type === 'closed') return delivery
      if (peers.size === 0) {
        // Alone as far as we know: no event is cloned for nobody. A page whose hello is on the way
        // may lead: it hears of jobs added now when we meet it (see Presence), and a cancel at once
        // as a tiny nudge, since it may be running that job.
        if (message.type === 'added' || message.type === 'cancelled') {
          const { id, state, priority, kind } = message.job
          const job = { id, state, priority, kind }
          if (message.type === 'cancelled') send({ type: 'nudge', event: 'cancelled', job }, now, true)
          else if ((addedAlone.get(`${kind} ${state}`)?.priority ?? Infinity) > priority) addedAlone.set(`${kind} ${state}`, job)
        }
        return delivery
      }
      const outcome = message.type === 'completed' || message.type === 'failed' || message.type === 'cancelled'
      let wire: WireMessage = outcome ? { ...message, seen: seen > 0 } : message
      if ('job' in wire && isPayloadApart(wire.job)) wire = { ...wire, job: { ...wire.job, payload: undefined }, apart: true } as WireMessage
      send(wire, now)
      return delivery
    },
    deliver,
    drained: async () => {
      while (backlog) await backlog
    },
    listeners: (type) => counted.get(type) ?? 0,
    control: (message) => send(message, false, true),
    on(type, listener, { counted: isCounted = true, payload = true } = {}) {
      let set = listeners.get(type)
      if (!set) listeners.set(type, (set = new Set()))
      // Wrapped, so the same function added twice is two listeners, removed one at a time.
      const entry: Listener = (message) => listener(message)
      set.add(entry)
      if (isCounted) counted.set(type, (counted.get(type) ?? 0) + 1)
      if (payload) reading.set(type, (reading.get(type) ?? 0) + 1)
      let active = true
      return () => {
        if (!active) return
        active = false
        set.delete(entry)
        if (isCounted) counted.set(type, (counted.get(type) ?? 1) - 1)
        if (payload) reading.set(type, (reading.get(type) ?? 1) - 1)
      }
    },
    onPeer(listener) {
      const entry = (): void => listener()
      met.add(entry)
      return () => void met.delete(entry)
    },
    close() {
      flush()
      try {
        channel?.postMessage([{ type: 'bye', from: self } satisfies Presence])
      } catch {
        // already closed
      }
      channel?.close()
      listeners.clear()
      counted.clear()
      reading.clear()
    },
  }
}
