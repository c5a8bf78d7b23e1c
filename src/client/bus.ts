/**
 * The queue's event bus: events from this page's scheduler and from other tabs reach
 * the same listeners. BroadcastChannel is a hint between tabs; the store stays the truth
 * (a handle that subscribes also reads the store, so a missed message is caught up).
 */
import type { ControlMessage, EventName, QueueMessage } from '../core/events.js'

type Listener = (message: QueueMessage) => void

/**
 * Presence: a bus says `hello` when it opens, every bus that hears it answers `here`, and
 * `bye` when it closes. A page that knows no other page posts nothing: a one-tab app never
 * pays for cloning its events. (A page that missed events while it was not known yet catches
 * up from the store, as with any missed message.)
 */
type Presence = { type: 'hello' | 'here' | 'bye'; from: string }

/** On the wire, an outcome says whether the page that announced it had a listener for it. */
export type WireMessage = (QueueMessage & { seen?: boolean }) | ControlMessage | Presence

export interface Bus {
  /**
   * Delivers to this page's listeners and to every other tab. Outcomes carry `seen` on the
   * wire: whether this page had a listener for them (then it acknowledges them, not the others).
   * `now` posts at once instead of with the rest of this task's events (its values are about to move to a worker).
   */
  publish(message: QueueMessage, now?: boolean): void
  /** Delivers to this page's listeners only (a replayed outcome). */
  deliver(message: QueueMessage): void
  /** How many `queue.on()` listeners this page has for an event (job handles' own listeners do not count). */
  listeners(type: EventName): number
  /** Sends a control message to the other tabs only. */
  control(message: ControlMessage): void
  /** `counted: false` for a job handle's internal listener, which does not acknowledge outcomes. */
  on(type: EventName, listener: Listener, counted?: boolean): () => void
  close(): void
}

const isPresence = (message: WireMessage): message is Presence => message.type === 'hello' || message.type === 'here' || message.type === 'bye'

export function createBus(channelName: string, onRemote: (message: Exclude<WireMessage, Presence>) => void): Bus {
  const listeners = new Map<EventName, Set<Listener>>()
  const counted = new Map<EventName, number>()
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(channelName)
  const self = Math.random().toString(36).slice(2)
  /** Other pages known to listen on this channel. */
  const peers = new Set<string>()

  const deliver = (message: QueueMessage): void => {
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

  if (channel) {
    channel.onmessage = (event: MessageEvent<WireMessage[] | WireMessage>) => {
      // An array from this version; a single message from another version of errand in another tab.
      for (const message of Array.isArray(event.data) ? event.data : [event.data]) {
        if (isPresence(message)) {
          if (message.type === 'bye') peers.delete(message.from)
          else if (!peers.has(message.from)) {
            peers.add(message.from)
            if (message.type === 'hello') channel.postMessage([{ type: 'here', from: self } satisfies Presence])
          }
          continue
        }
        if (message.type !== 'paused' && message.type !== 'nudge') {
          const { seen: _seen, ...plain } = message
          deliver(plain as QueueMessage)
        }
        onRemote(message)
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
      deliver(message)
      // 'error' and 'closed' concern this page only.
      if (message.type === 'error' || message.type === 'closed') return
      if (peers.size === 0) {
        // Alone as far as we know: no event is cloned for nobody, but a page whose hello is
        // still on the way may lead, so what it must act on goes out as a tiny nudge.
        if (message.type === 'added' || message.type === 'cancelled') {
          const { id, state, priority, kind } = message.job
          send({ type: 'nudge', event: message.type, job: { id, state, priority, kind } }, now, true)
        }
        return
      }
      const outcome = message.type === 'completed' || message.type === 'failed' || message.type === 'cancelled'
      send(outcome ? { ...message, seen: seen > 0 } : message, now)
    },
    deliver,
    listeners: (type) => counted.get(type) ?? 0,
    control: (message) => send(message, false, true),
    on(type, listener, isCounted = true) {
      let set = listeners.get(type)
      if (!set) listeners.set(type, (set = new Set()))
      // Wrapped, so the same function added twice is two listeners, removed one at a time.
      const entry: Listener = (message) => listener(message)
      set.add(entry)
      if (isCounted) counted.set(type, (counted.get(type) ?? 0) + 1)
      let active = true
      return () => {
        if (!active) return
        active = false
        set.delete(entry)
        if (isCounted) counted.set(type, (counted.get(type) ?? 1) - 1)
      }
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
    },
  }
}
