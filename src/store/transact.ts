import { mapStorageError } from './errors.js'
import { committed } from './idb.js'
import type { Database, StoreName, Tx } from './schema.js'

/**
 * Runs `body` in one readwrite transaction and resolves once it has committed.
 * `body` must await nothing but requests of `tx` (anything else lets the transaction
 * auto-commit half-done). Requests whose result is not needed are issued without a
 * promise: one that fails aborts the transaction, and that is what we report. A
 * synchronous throw inside `body` (DataCloneError from put()) does not abort a
 * transaction by itself, so we abort: all or nothing.
 */
export async function write<S extends StoreName, T>(db: Database, stores: S[], durability: 'strict' | 'relaxed', what: string, body: (tx: Tx<S>) => Promise<T>): Promise<T> {
  let tx: IDBTransaction
  try {
    tx = db.transaction(stores, 'readwrite', { durability })
  } catch (error) {
    throw mapStorageError(error, what)
  }
  const done = committed(tx)
  try {
    const value = await body(tx as unknown as Tx<S>)
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

export async function read<S extends StoreName, T>(db: Database, stores: S[], what: string, body: (tx: Tx<S>) => Promise<T>): Promise<T> {
  try {
    const tx = db.transaction(stores, 'readonly')
    const done = committed(tx)
    const value = await body(tx as unknown as Tx<S>)
    await done
    return value
  } catch (error) {
    throw mapStorageError(error, what)
  }
}
