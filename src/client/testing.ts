import { ErrandError } from '../core/errors.js'
import type { EventName } from '../core/events.js'
import type { JobDefinitions } from '../core/registry.js'
import { checkKeys, checkTimer, invalidOption } from '../core/options.js'
import { deleteQueue, openQueue, watch } from './queue.js'
import { isNetworkEnd, NETWORK_ENDS } from './wait.js'
import type { Queue, QueueOptions } from './types.js'

/** A queue on a database of its own; `destroy()` closes it and deletes the database. */
export interface TestQueue<J = JobDefinitions> extends Queue<J> {
  destroy(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

const live = new Set<TestQueue<never>>()
let counter = 0

/**
 * Opens a queue on a fresh, uniquely named database.
 * @example
 * const queue = createTestQueue<Jobs>({ worker: () => new Worker(new URL('./jobs.worker.ts', import.meta.url), { type: 'module' }) })
 * afterEach(destroyTestQueues)
 */
export function createTestQueue<J = JobDefinitions>(options: QueueOptions & { name?: string } = {}): TestQueue<J> {
  const { name = `test-${Date.now().toString(36)}-${++counter}-${Math.random().toString(36).slice(2, 8)}`, ...rest } = options
  const queue = openQueue<J>(name, rest)
  const destroy = async (): Promise<void> => {
    live.delete(test as unknown as TestQueue<never>)
    await deleteQueue(name)
  }
  const test = Object.assign(Object.create(queue) as Queue<J>, { destroy, [Symbol.asyncDispose]: destroy }) as TestQueue<J>
  live.add(test as unknown as TestQueue<never>)
  return test
}

/** Destroys every queue made by `createTestQueue()` that is still alive: use it in `afterEach`. */
export async function destroyTestQueues(): Promise<void> {
  await Promise.all([...live].map((queue) => queue.destroy()))
}

// Only transitions: counting after every job would contend with the scheduler's writes. The
// sender of network jobs has no `idle`: the ends of network jobs count.
const CHANGES: EventName[] = ['idle', 'cancelled']

/**
 * Resolves when nothing is queued, delayed or running. Rejects after `timeout` ms with
 * the counts that were left, so a stuck test says why.
 * @example await drain(queue)
 */
export async function drain(queue: Pick<Queue<never>, 'counts'>, options: { timeout?: number } = {}): Promise<void> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object { timeout }', options)
  checkKeys('', options, ['timeout'])
  const timeout = options.timeout === undefined ? 10_000 : checkTimer('timeout', options.timeout, 1)
  const q = queue
  await new Promise<void>((resolve, reject) => {
    let pending = false
    let dirty = false
    let delayTimer: ReturnType<typeof setTimeout> | undefined
    const stops = [
      ...CHANGES.map((type) => watch(q, type, () => void check())),
      ...NETWORK_ENDS.map((type) => watch(q, type, (message) => void (isNetworkEnd(message) && check()))),
      // Nothing more will happen: say so now, not when the timeout comes.
      watch(q, 'closed', (message) => end(new ErrandError('QUEUE_CLOSED', `drain(): the queue closed (${message.reason}) before it drained.`))),
    ]
    const end = (error?: Error): void => {
      stops.forEach((stop) => stop())
      clearTimeout(timer)
      clearTimeout(delayTimer)
      if (error) reject(error)
      else resolve()
    }
    const timer = setTimeout(async () => {
      const counts = await q.counts().catch(() => undefined)
      end(new ErrandError('TIMEOUT', `drain() timed out after ${timeout} ms; still ${JSON.stringify(counts)}.`, { context: { counts } }))
    }, timeout)
    const check = async (): Promise<void> => {
      if (pending) return void (dirty = true)
      pending = true
      try {
        do {
          dirty = false
          const counts = await q.counts()
          if (counts.queued === 0 && counts.delayed === 0 && counts.running === 0) return end()
          if (counts.delayed > 0) {
            // Delayed jobs become due without an event: look again shortly.
            clearTimeout(delayTimer)
            delayTimer = setTimeout(() => void check(), 50)
          }
        } while (dirty)
      } catch (error) {
        end(error as Error)
      } finally {
        pending = false
      }
    }
    void check()
  })
}
