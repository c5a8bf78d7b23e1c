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
