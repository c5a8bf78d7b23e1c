// Type tests for the store's own typed layer over IndexedDB (src/store/idb.ts, schema.ts),
// checked by `npm run typecheck`: each expect-error marks a mistake that must not compile.
import { expectTypeOf } from 'vitest'
import type { JobRecord } from '../../src/core/job.js'
import { result } from '../../src/store/idb.js'
import { jobStores } from '../../src/store/records.js'
import type { Database } from '../../src/store/schema.js'
import { read, write } from '../../src/store/transact.js'

declare const db: Database

export async function scoped() {
  await write(db, ['jobs', 'unseen'], 'relaxed', 'ok', async (tx) => void jobStores(tx))
  await write(db, ['jobs', 'unseen', 'logs'], 'relaxed', 'a wider scope is fine', async (tx) => void jobStores(tx))
  // @ts-expect-error: jobStores() needs `unseen` in the transaction's scope
  await write(db, ['jobs'], 'relaxed', 'too narrow', async (tx) => void jobStores(tx))
  // @ts-expect-error: `logs` is not in this transaction's scope
  await write(db, ['jobs'], 'relaxed', 'not in scope', async (tx) => void tx.objectStore('logs'))
}

export async function readOnly() {
  const record = await read(db, ['jobs'], 'ok', (tx) => result(tx.objectStore('jobs').get('id')))
  expectTypeOf(record).toEqualTypeOf<JobRecord | undefined>()
  // @ts-expect-error: a readonly transaction cannot put
  await read(db, ['meta'], 'no writes', async (tx) => void tx.objectStore('meta').put(1, 'key'))
}

export async function keys() {
  // @ts-expect-error: job ids are strings
  await write(db, ['jobs'], 'relaxed', 'bad key', async (tx) => void tx.objectStore('jobs').get(42))
  // @ts-expect-error: log keys are [job id, seq]
  await write(db, ['logs'], 'relaxed', 'bad key', async (tx) => void tx.objectStore('logs').delete('id'))
}
