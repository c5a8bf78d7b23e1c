/**
 * The promises errand needs over IndexedDB, and types for its stores: nothing more. Every
 * request goes to the platform's own objects (IDBObjectStore, IDBIndex, IDBCursor), with no
 * wrapper in between; a request whose result is not needed is issued without a promise.
 *
 * Awaiting inside a transaction: `result()` resolves in the request's success event, and
 * a transaction stays active through that event's microtasks, so the next request may be
 * issued after `await result(…)`. Awaiting anything else (a timer, a fetch) lets the
 * transaction commit half-done.
 */

/**
 * A request's result: resolves in its success event, rejects with its error. It takes the
 * request's `onsuccess` and `onerror`: one `result()` per request at a time (walk() asks
 * again only after the cursor moved on).
 */
export function result<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/**
 * Walks a cursor from the request that opened it: `visit` gets each position in order and
 * returns true to stop early. Changes made through the cursor (update, delete) need no await.
 */
export async function walk<C extends IDBCursor>(opened: IDBRequest<C | null>, visit: (cursor: C) => boolean | void): Promise<void> {
  for (let cursor = await result(opened); cursor && !visit(cursor); cursor = await result(opened)) cursor.continue()
}

/**
 * Resolves once `tx` has committed; rejects with the reason it aborted. The rejection counts
 * as handled: a caller that stopped waiting because a request failed first does not leave
 * an unhandled one behind.
 */
export function committed(tx: IDBTransaction): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve()
    // Not `error`: during a failed request's error event, the transaction's error is not set yet.
    tx.onabort = () => reject(tx.error ?? new DOMException('The transaction was aborted.', 'AbortError'))
  })
  done.catch(() => {})
  return done
}

/** A cursor over records of type V. */
export interface Cursor<V> extends IDBCursorWithValue {
  readonly value: V
  update(value: V): IDBRequest<IDBValidKey>
}

/**
 * What reads of an index or a store return, for records of type V with primary keys K, looked
 * up by keys Q (an index's keys are not typed: IDBValidKey).
 */
export interface Source<V, K extends IDBValidKey = IDBValidKey, Q extends IDBValidKey = IDBValidKey> {
  get(query: Q | IDBKeyRange): IDBRequest<V | undefined>
  getAll(query?: Q | IDBKeyRange | null, count?: number): IDBRequest<V[]>
  getAllKeys(query?: Q | IDBKeyRange | null, count?: number): IDBRequest<K[]>
  count(query?: Q | IDBKeyRange | null): IDBRequest<number>
  openCursor(query?: Q | IDBKeyRange | null, direction?: IDBCursorDirection): IDBRequest<Cursor<V> | null>
  openKeyCursor(query?: Q | IDBKeyRange | null, direction?: IDBCursorDirection): IDBRequest<IDBCursor | null>
}

/** An object store of records of type V, keyed K, with the indexes named I. */
export interface Store<V, K extends IDBValidKey, I extends string = never> extends Source<V, K, K> {
  put(value: V, key?: K): IDBRequest<IDBValidKey>
  add(value: V, key?: K): IDBRequest<IDBValidKey>
  delete(query: K | IDBKeyRange): IDBRequest<undefined>
  index(name: I): Source<V, K>
}
