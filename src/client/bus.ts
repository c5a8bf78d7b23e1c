/**
 * The queue's event bus: events from this page's scheduler and from other tabs reach
 * the same listeners. BroadcastChannel is a hint between tabs; the store stays the truth
 * (a handle that subscribes also reads the store, so a missed message is caught up).
 */
import type { ControlMessage, EventName, QueueMessage } from '../core/events.js'

type Listener = (message: QueueMessage) => void

export interface Bus {
  /** Delivers to this page's listeners and to every other tab. */
  publish(message: QueueMessage): void
  /** Sends a control message to the other tabs only. */
  control(message: ControlMessage): void
  on(type: EventName, listener: Listener): () => void
  close(): void
}

export function createBus(channelName: string, onRemote: (message: QueueMessage | ControlMessage) => void): Bus {
  const listeners = new Map<EventName, Set<Listener>>()
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(channelName)

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
    channel.onmessage = (event: MessageEvent<QueueMessage | ControlMessage>) => {
      const message = event.data
      onRemote(message)
      if (message.type !== 'wake' && message.type !== 'paused') deliver(message)
    }
  }

  return {
    publish(message) {
      deliver(message)
      // 'error' and 'closed' concern this page only.
      if (message.type !== 'error' && message.type !== 'closed') channel?.postMessage(message)
    },
    control(message) {
      channel?.postMessage(message)
    },
    on(type, listener) {
      let set = listeners.get(type)
      if (!set) listeners.set(type, (set = new Set()))
      set.add(listener)
      return () => set.delete(listener)
    },
    close() {
      channel?.close()
      listeners.clear()
    },
  }
}
