import { expect, test } from 'vitest'
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
