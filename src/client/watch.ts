/**
 * Watching a queue without acknowledging outcomes, for errand's own helpers (errand/testing,
 * errand/dashboard). Its own module so that those entries do not bundle the whole queue.
 */
import { ErrandError } from '../core/errors.js'
import type { EventName, QueueMessage } from '../core/events.js'
import type { Bus } from './bus.js'

/** Each queue's bus; `openQueue()` registers it. */
const buses = new WeakMap<object, Bus>()

export const registerBus = (queue: object, bus: Bus): void => void buses.set(queue, bus)

/** One event of type `K` as the bus delivers it. */
export type WatchedMessage<K extends EventName> = Extract<QueueMessage, { type: K }>

/**
 * Subscribes to a queue's events without counting as a `queue.on()` listener: an outcome
 * delivered here is not acknowledged, so it is still replayed to the app's listeners. A payload
 * kept apart (`payloadApart`) is not read for a watcher: its `job.payload` may be undefined.
 * Accepts a queue made by `openQueue()` or anything whose prototype chain leads to one
 * (`createTestQueue()`).
 */
export function watch<K extends EventName>(queue: object, type: K, listener: (message: WatchedMessage<K>) => void): () => void {
  let bus: Bus | undefined
  for (let target: object | null = queue; target && !bus; target = Object.getPrototypeOf(target) as object | null) bus = buses.get(target)
  if (!bus) throw new ErrandError('INVALID_OPTION', 'Expected a queue made by openQueue() or createTestQueue().')
  return bus.on(type, listener as (message: QueueMessage) => void, { counted: false, payload: false })
}
