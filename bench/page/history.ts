// Not a case: what a queue's history costs its reads (bench/tools/history.mjs).
import { openQueue } from 'errand'
import { createWorker, warmQueue } from './cases'
import type { Jobs } from './jobs.worker'
import { sleep, unique } from './util'
import { clock } from './work'

const STATES = ['queued', 'delayed', 'running', 'completed', 'failed', 'cancelled'] as const

/**
 * An idle queue before and after `jobs` no-op jobs went through it: the median time from
 * add() to the handler's start over `samples` jobs, the mean time of counts() and of onIdle()
 * (on an idle queue: one count), and of a read-only count of each state's range of index
 * `state` (what counts() adds up).
 */
export async function history({ jobs, samples }: { jobs: number; samples: number }) {
  const queue = await warmQueue('history')
  const measure = async () => {
    const starts: number[] = []
    for (let i = 0; i < samples; i++) {
      const job = await queue.add('stamp', i)
      const added = clock()
      starts.push((await job.result()) - added)
      await sleep(20) // idle again
    }
    starts.sort((a, b) => a - b)
    const began = performance.now()
    for (let i = 0; i < 5; i++) await queue.counts()
    const countsMs = (performance.now() - began) / 5
    const waited = performance.now()
    for (let i = 0; i < 5; i++) await queue.onIdle()
    const onIdleMs = (performance.now() - waited) / 5
    const name = (await indexedDB.databases()).find((d) => d.name?.includes(queue.name))!.name!
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name)
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(open.error)
    })
    const byStateMs: Record<string, number> = {}
    for (const state of STATES) {
      const at = performance.now()
      await new Promise((resolve) => (db.transaction('jobs').objectStore('jobs').index('state').count(IDBKeyRange.bound([state], [state, []])).onsuccess = resolve))
      byStateMs[state] = performance.now() - at
    }
    db.close()
    return { startMs: starts[starts.length >> 1]!, countsMs, onIdleMs, byStateMs }
  }
  const before = await measure()
  const handles = await queue.addAll(Array.from({ length: jobs }, (_, i) => ({ name: 'noop' as const, payload: i })))
  await Promise.all(handles.map((h) => h.result()))
  await sleep(1500) // the scheduler tidies a second after jobs settle
  const after = await measure()
  await queue.close()
  return { before, after }
}

/** A forward `list({ name, limit: 50 })` (oldest first) before and after `jobs` jobs of that name ran and retention deleted them. */
export async function historyPruned({ jobs }: { jobs: number }) {
  const queue = openQueue<Jobs>(unique('history-pruned'), { worker: createWorker, keep: { completed: { count: 100 } } })
  const time = async () => {
    const at = performance.now()
    for (let i = 0; i < 5; i++) await queue.list({ name: 'noop', limit: 50 })
    return (performance.now() - at) / 5
  }
  await Promise.all((await queue.addAll(Array.from({ length: 200 }, (_, i) => ({ name: 'noop' as const, payload: i })))).map((h) => h.result()))
  await sleep(1500)
  const before = await time()
  const handles = await queue.addAll(Array.from({ length: jobs }, (_, i) => ({ name: 'noop' as const, payload: i })))
  await Promise.all(handles.map((h) => h.result()))
  while ((await queue.counts()).completed > 100) await sleep(200)
  const after = await time()
  await queue.close()
  return { before, after }
}
