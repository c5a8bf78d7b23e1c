import { expect, test } from 'vitest'
import { openDB } from 'idb'
import { databaseName } from '../../src/store/schema.js'
import { testQueue } from './helpers.js'

test('a newer app version upgrading the database closes the old queue, which rejects new work with QUEUE_CLOSED', async () => {
  const queue = testQueue()
  await queue.counts() // the connection is open
  const closed = new Promise<string>((resolve) => queue.on('closed', ({ reason }) => resolve(reason)))
  const upgrade = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(databaseName(queue.name), 1000)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  expect(upgrade.version).toBe(1000) // never blocked by the old connection
  upgrade.close()
  expect(await closed).toBe('versionchange')
  expect(queue.closed).toBe(true)
  await expect(queue.add('noop', undefined)).rejects.toMatchObject({ code: 'QUEUE_CLOSED', message: expect.stringContaining('newer version') })
})

test('deleting the database from another tab closes the queue with reason `deleted`', async () => {
  const queue = testQueue()
  await queue.counts()
  const closed = new Promise<string>((resolve) => queue.on('closed', ({ reason }) => resolve(reason)))
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(databaseName(queue.name))
    request.onsuccess = () => resolve()
    request.onerror = () => reject(request.error)
  })
  expect(await closed).toBe('deleted')
  await expect(queue.counts()).rejects.toMatchObject({ code: 'QUEUE_CLOSED', message: expect.stringContaining('deleted') })
})

test('close() called twice: both resolve once the queue is really closed', async () => {
  const queue = testQueue()
  await queue.add('sleep', { ms: 10 })
  const order: string[] = []
  const first = queue.close().then(() => order.push('first'))
  const second = queue.close().then(() => order.push('second'))
  await Promise.all([first, second])
  // The second call waits for the same shutdown, not returning while the first still runs.
  expect(order).toEqual(['first', 'second'])
  expect(queue.closed).toBe(true)
})

test('a database of schema version 1 (before stores `payloads` and `claims`) is upgraded in place: its queued job is kept and runs', async () => {
  // A real record, written by this version into a throwaway queue, then put into a version-1 database made by hand.
  const donor = testQueue()
  await donor.pause()
  const job = await donor.add('add', { a: 2, b: 3 })
  const record = await openDB(databaseName(donor.name)).then(async (db) => {
    const value = await db.get('jobs', job.id)
    db.close()
    return value
  })
  await donor.destroy()
  const name = `v1-${crypto.randomUUID()}`
  const v1 = await openDB(databaseName(name), 1, {
    upgrade(db) {
      // Schema 1 exactly as it shipped in this repository's history (src/store/schema.ts).
      const jobs = db.createObjectStore('jobs', { keyPath: 'id' })
      jobs.createIndex('next', 'nextKey')
      jobs.createIndex('due', 'dueAt')
      jobs.createIndex('lease', 'leaseExpiresAt')
      jobs.createIndex('key', 'activeKey', { unique: true })
      jobs.createIndex('state', ['state', 'id'])
      jobs.createIndex('name', ['name', 'id'])
      db.createObjectStore('logs', { keyPath: ['jobId', 'seq'] })
      db.createObjectStore('meta')
      db.createObjectStore('bodies')
      db.createObjectStore('unseen')
    },
  })
  await v1.put('jobs', record)
  v1.close()

  const queue = testQueue({ name })
  await expect((await queue.job(job.id))!.result()).resolves.toBe(5)
  const upgraded = await openDB(databaseName(name))
  expect([upgraded.version, [...upgraded.objectStoreNames]]).toEqual([3, ['bodies', 'claims', 'jobs', 'logs', 'meta', 'payloads', 'unseen']])
  upgraded.close()
})
