import { mapStorageError } from './errors.js'
import { committed } from './idb.js'
import type { Database, StoreName, Tx } from './schema.js'

/**
 * Runs `body` in one transaction and resolves once it has committed. `body` must await
 * nothing but requests of `tx` (anything else lets the transaction auto-commit half-done).
 * Requests whose result is not needed are issued without a promise: one that fails aborts
 * the transaction, and that is what we report. A synchronous throw inside `body`
 * (DataCloneError from put()) does not abort a transaction by itself, so we abort: all or nothing.
 */
async function run<S extends StoreName, M extends IDBTransactionMode, T>(db: Database, stores: S[], mode: M, durability: 'strict' | 'relaxed', what: string, body: (tx: Tx<S, M>) => Promise<T>): Promise<T> {
  let tx: IDBTransaction
  try {
    tx = db.transaction(stores, mode, { durability })
  } catch (error) {
    throw mapStorageError(error, what)
  }
  const done = committed(tx)
  try {
    const value = await body(tx as unknown as Tx<S, M>)
    await done
    return value
  } catch (error) {
    try {
      tx.abort()
    } catch {
      // already aborted by the failed request, or committed
    }
    // A request that failed because another one aborted the transaction reports AbortError; the transaction knows the cause.
    throw mapStorageError(tx.error ?? error, what)
  }
}

export const write = <S extends StoreName, T>(db: Database, stores: S[], durability: 'strict' | 'relaxed', what: string, body: (tx: Tx<S>) => Promise<T>): Promise<T> =>
  run(db, stores, 'readwrite', durability, what, body)

export const read = <S extends StoreName, T>(db: Database, stores: S[], what: string, body: (tx: Tx<S, 'readonly'>) => Promise<T>): Promise<T> =>
  run(db, stores, 'readonly', 'relaxed', what, body)
