import type { IDBPTransaction, StoreNames } from 'idb'
import { mapStorageError } from './errors.js'
import type { Database, ErrandSchema } from './schema.js'

export type StoreName = StoreNames<ErrandSchema>
export type WriteTx<S extends StoreName[]> = IDBPTransaction<ErrandSchema, S, 'readwrite'>
export type ReadTx<S extends StoreName[]> = IDBPTransaction<ErrandSchema, S, 'readonly'>

/**
 * Marks a request promise as handled: requests fired without await reject when their
 * transaction aborts, and the transaction's own outcome is what we report. The same
 * promise is returned, so `Promise.all()` over it still sees the first failure.
 */
export function quiet<T>(request: Promise<T>): Promise<T> {
  request.catch(() => {})
  return request
}

/**
 * Runs `body` in one readwrite transaction and resolves once it has committed.
 * `body` must await nothing but requests of `tx` (anything else lets the transaction
 * auto-commit half-done). A synchronous throw inside it (DataCloneError from put())
 * does not abort a transaction by itself, so we abort: all or nothing.
 */
export async function write<S extends StoreName[], T>(
  db: Database,
  stores: S,
  durability: 'strict' | 'relaxed',
  what: string,
  body: (tx: WriteTx<S>) => Promise<T>,
): Promise<T> {
  let tx: WriteTx<S>
  try {
    tx = db.transaction(stores, 'readwrite', { durability })
  } catch (error) {
    throw mapStorageError(error, what)
  }
  try {
    const value = await body(tx)
    await tx.done
    return value
  } catch (error) {
    tx.done.catch(() => {}) // the abort below is the outcome we report
    try {
      tx.abort()
    } catch {
      // already aborted by the failed request, or committed
    }
    throw mapStorageError(error, what)
  }
}

export async function read<S extends StoreName[], T>(db: Database, stores: S, what: string, body: (tx: ReadTx<S>) => Promise<T>): Promise<T> {
  try {
    const tx = db.transaction(stores, 'readonly')
    const value = await body(tx)
    await tx.done
    return value
  } catch (error) {
    throw mapStorageError(error, what)
  }
}
