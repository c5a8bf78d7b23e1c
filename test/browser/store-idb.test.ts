import { afterEach, expect, test } from 'vitest'
import { result, walk } from '../../src/store/idb.js'
import { deleteDatabase, openDatabase, type Database } from '../../src/store/schema.js'
import { read, write } from '../../src/store/transact.js'

// The store's own promises over IndexedDB (src/store/idb.ts), on a real database.
const hooks = { onVersionChange() {}, onTerminated() {} }
let db: Database | undefined
let name = ''

async function open(): Promise<Database> {
  name = `idb-${crypto.randomUUID()}`
  db = await openDatabase(name, hooks)
  return db
}

afterEach(async () => {
  db?.close()
  db = undefined
  await deleteDatabase(name)
})

test('a write whose unawaited request fails reports that request’s error, not the AbortError of the read it was awaiting; nothing is written', async () => {
  const db = await open()
  await write(db, ['meta'], 'strict', 'setup', async (tx) => void tx.objectStore('meta').add('first', 'k'))
  const error = await write(db, ['meta'], 'strict', 'Could not write.', async (tx) => {
    tx.objectStore('meta').put('written?', 'other')
    tx.objectStore('meta').add('second', 'k') // ConstraintError: the key exists
    await result(tx.objectStore('meta').get('k'))
  }).catch((e: unknown) => e)
  expect(error).toMatchObject({ name: 'ErrandError', code: 'INVALID_STATE', message: expect.stringContaining('Could not write.'), cause: { name: 'ConstraintError' } })
  const [k, other] = await read(db, ['meta'], 'check', (tx) => Promise.all([result(tx.objectStore('meta').get('k')), result(tx.objectStore('meta').get('other'))]))
  expect(k).toBe('first')
  expect(other).toBeUndefined()
})

test('walk() visits a cursor in order, changes through it land, and it stops when asked', async () => {
  const db = await open()
  await write(db, ['meta'], 'strict', 'setup', async (tx) => {
    for (let i = 0; i < 10; i++) tx.objectStore('meta').put(i, `k${i}`)
  })
  const seen: unknown[] = []
  await write(db, ['meta'], 'strict', 'walk', (tx) =>
    walk(tx.objectStore('meta').openCursor(), (cursor) => {
      seen.push(cursor.value)
      if (cursor.value === 2) cursor.delete()
      else cursor.update((cursor.value as number) * 10)
      return cursor.value === 5
    }),
  )
  expect(seen).toEqual([0, 1, 2, 3, 4, 5])
  const values = await read(db, ['meta'], 'check', (tx) => result(tx.objectStore('meta').getAll()))
  expect(values).toEqual([0, 10, 30, 40, 50, 6, 7, 8, 9])
})

test('a synchronous throw inside a write (a value structuredClone refuses) aborts it: DATA_CLONE, and the puts before it are undone', async () => {
  const db = await open()
  const error = await write(db, ['meta'], 'strict', 'Could not save.', async (tx) => {
    tx.objectStore('meta').put('before', 'a')
    tx.objectStore('meta').put(() => {}, 'b')
  }).catch((e: unknown) => e)
  expect(error).toMatchObject({ code: 'DATA_CLONE', cause: { name: 'DataCloneError' } })
  expect(await read(db, ['meta'], 'check', (tx) => result(tx.objectStore('meta').count()))).toBe(0)
})
