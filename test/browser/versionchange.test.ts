import { expect, test } from 'vitest'
import { openDB } from 'idb'
import { databaseName } from '../../src/store/schema.js'
import { deleteQueue, isStorageError } from '../../src/index.js'
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

test('deleteQueue() in this page closes the open queue with reason `deleted` too', async () => {
  const queue = testQueue()
  await queue.counts()
  const closed = new Promise<string>((resolve) => queue.on('closed', ({ reason }) => resolve(reason)))
  await deleteQueue(queue.name)
  expect(await closed).toBe('deleted')
  await expect(queue.counts()).rejects.toMatchObject({ code: 'QUEUE_CLOSED', message: expect.stringContaining('deleted') })
})

test('an upgrade blocked by a connection that does not close is reported with an error event, not a silent wait', async () => {
  const name = `blocked-${crypto.randomUUID()}`
  // A connection from outside errand, on an older version, that ignores versionchange.
  const old = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(databaseName(name), 1)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  const queue = testQueue({ name })
  const error = await new Promise<{ code?: string; message: string }>((resolve) => queue.on('error', ({ error: e }) => resolve(e as never)))
  expect(error).toMatchObject({ code: 'STORAGE', message: expect.stringContaining('waits to upgrade its database') })
  expect(isStorageError(error), 'a STORAGE error is a StorageError, as the README says').toBe(true)
  old.close()
  await queue.destroy()
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

/** A real job record as this version stores it, written into a throwaway queue: `add` of 2 + 3. */
async function storedRecord(): Promise<{ id: string; [field: string]: unknown }> {
  const donor = testQueue()
  await donor.pause()
  const job = await donor.add('add', { a: 2, b: 3 })
  const db = await openDB(databaseName(donor.name))
  const record = await db.get('jobs', job.id)
  db.close()
  await donor.destroy()
  return record
}

/** A database of an earlier schema made by hand, exactly as shipped in this repository's history (src/store/schema.ts), holding `records`. */
async function oldDatabase(version: 1 | 2, records: object[]): Promise<string> {
  const name = `v${version}-${crypto.randomUUID()}`
  const db = await openDB(databaseName(name), version, {
    upgrade(db) {
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
      if (version >= 2) db.createObjectStore('payloads')
    },
  })
  for (const record of records) await db.put('jobs', record)
  db.close()
  return name
}

const upgradedStores = async (name: string) => {
  const db = await openDB(databaseName(name))
  const found = [db.version, [...db.objectStoreNames]]
  db.close()
  return found
}

test('a database of schema version 1 (before stores `payloads` and `claims`) is upgraded in place: its queued job is kept and runs', async () => {
  const record = await storedRecord()
  const name = await oldDatabase(1, [record])
  const queue = testQueue({ name })
  await expect((await queue.job(record.id))!.result()).resolves.toBe(5)
  expect(await upgradedStores(name)).toEqual([3, ['bodies', 'claims', 'jobs', 'logs', 'meta', 'payloads', 'unseen']])
})

test('a database of schema version 2 (claims written to records) is upgraded in place: a job its old leader claimed and never started runs as a first attempt, a queued one runs', async () => {
  const queued = await storedRecord()
  const claimed = await storedRecord()
  // What a leader of schema 2 left when it died after claiming: the record says running, no start, a lease of another owner.
  const { nextKey: _next, ...rest } = claimed
  const name = await oldDatabase(2, [queued, { ...rest, state: 'running', attempt: 1, claims: 1, owner: 'old-leader', leaseExpiresAt: Date.now() + 60_000 }])
  const queue = testQueue({ name })
  await expect((await queue.job(queued.id))!.result()).resolves.toBe(5)
  await expect((await queue.job(claimed.id))!.result()).resolves.toBe(5)
  expect(await queue.get(claimed.id)).toMatchObject({ state: 'completed', attempt: 1, stalls: 0, errors: [] })
  expect(await upgradedStores(name)).toEqual([3, ['bodies', 'claims', 'jobs', 'logs', 'meta', 'payloads', 'unseen']])
})
