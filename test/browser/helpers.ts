import { afterEach } from 'vitest'
import { createTestQueue, destroyTestQueues } from '../../src/testing.js'
import type { QueueOptions } from '../../src/index.js'
import type { Jobs } from './fixtures/jobs.worker.js'

export const fixtureWorker = () => new Worker(new URL('./fixtures/jobs.worker.ts', import.meta.url), { type: 'module' })

/** A fresh queue on its own database, running the fixture handlers; destroyed after each test. */
export function testQueue(options: QueueOptions & { name?: string } = {}) {
  return createTestQueue<Jobs>({ worker: fixtureWorker, concurrency: 1, ...options })
}

afterEach(destroyTestQueues)

/** What `promise` resolves with, or `still pending after <ms> ms` if it has not settled by then: a test of something that could hang fails instead of timing out. */
export const within = <T>(promise: Promise<T>, ms: number): Promise<T | string> =>
  Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve(`still pending after ${ms} ms`), ms))])

/** Counts the IndexedDB transactions this page opens while `work` runs, those `which` accepts (all by default). */
export async function countTransactions(work: () => Promise<unknown>, which: (stores: string[], mode: IDBTransactionMode | undefined) => boolean = () => true): Promise<number> {
  let count = 0
  const original = IDBDatabase.prototype.transaction
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const [stores, mode] = args
    if (which(typeof stores === 'string' ? [stores] : [...stores], mode)) count++
    return original.apply(this, args)
  } as IDBDatabase['transaction']
  try {
    await work()
  } finally {
    IDBDatabase.prototype.transaction = original
  }
  return count
}
