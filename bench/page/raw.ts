// The baselines: what the same work costs written by hand against the platform, with
// no library in between. Plain IndexedDB requests and plain postMessage.
import type { RawReply, RawRequest } from './raw.worker'

export type Durability = 'strict' | 'relaxed'

const request = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })

const committed = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'))
  })

/** A database with one object store `jobs` (keyPath `id`), no indexes: the floor. */
export class RawDb {
  private constructor(
    readonly name: string,
    readonly db: IDBDatabase,
  ) {}

  static async open(name: string): Promise<RawDb> {
    const open = indexedDB.open(name, 1)
    open.onupgradeneeded = () => open.result.createObjectStore('jobs', { keyPath: 'id' })
    return new RawDb(name, await request(open))
  }

  /**
   * A second connection to an existing database at its current version (an errand
   * queue's, for the claim baseline: same records, same indexes). Never deletes it.
   */
  static async attach(name: string): Promise<RawDb> {
    return new RawDb(name, await request(indexedDB.open(name)))
  }

  /** One readwrite transaction per record, each awaited before the next. */
  async putEach(records: readonly object[], durability: Durability): Promise<void> {
    for (const record of records) {
      const tx = this.db.transaction('jobs', 'readwrite', { durability })
      tx.objectStore('jobs').put(record)
      await committed(tx)
    }
  }

  /** Every record in one readwrite transaction. */
  async putAll(records: readonly object[], durability: Durability): Promise<void> {
    const tx = this.db.transaction('jobs', 'readwrite', { durability })
    const store = tx.objectStore('jobs')
    for (const record of records) store.put(record)
    await committed(tx)
  }

  /**
   * A claim by hand, in one relaxed transaction: read the first queued CPU record of the
   * index `next` ([kind, priority, seq], queued jobs only) and mark it running with a lease an hour long
   * (so that a queue sharing the database does not recover it while we measure).
   */
  async claim(): Promise<void> {
    const tx = this.db.transaction('jobs', 'readwrite', { durability: 'relaxed' })
    const store = tx.objectStore('jobs')
    const range = IDBKeyRange.bound(['cpu', -Infinity, -Infinity], ['cpu', Infinity, Infinity])
    const [head] = (await request(store.index('next').getAll(range, 1))) as { nextKey?: unknown }[]
    if (!head) throw new Error(`claim baseline: nothing queued in ${this.name}`)
    const { nextKey: _queued, ...rest } = head // out of the index, as a claim takes it
    store.put({ ...rest, state: 'running', owner: 'bench-baseline', attempt: 1, leaseExpiresAt: Date.now() + 3_600_000 })
    await committed(tx)
  }

  /** One record, in one readonly transaction: what reading a stored payload back costs. */
  async get(id: string): Promise<unknown> {
    const tx = this.db.transaction('jobs', 'readonly')
    const value = await request(tx.objectStore('jobs').get(id))
    await committed(tx)
    return value
  }

  close(): void {
    this.db.close()
  }

  async destroy(): Promise<void> {
    this.db.close()
    await request(indexedDB.deleteDatabase(this.name))
  }
}

/** A plain worker that answers every message (see raw.worker.ts). */
export class RawWorker {
  readonly #worker = new Worker(new URL('./raw.worker.ts', import.meta.url), { type: 'module' })
  readonly #waiting = new Map<number, (reply: RawReply) => void>()
  #nextId = 1

  constructor() {
    this.#worker.onmessage = ({ data }: MessageEvent<RawReply>) => {
      this.#waiting.get(data.id)?.(data)
      this.#waiting.delete(data.id)
    }
  }

  /** Sends one message and resolves with the reply; a buffer is transferred unless `copy`. */
  send(buffer?: ArrayBuffer, { copy = false } = {}): Promise<RawReply> {
    const id = this.#nextId++
    const message: RawRequest = buffer ? { id, buffer, transfer: !copy } : { id }
    const reply = new Promise<RawReply>((resolve) => this.#waiting.set(id, resolve))
    this.#worker.postMessage(message, { transfer: buffer && !copy ? [buffer] : [] })
    return reply
  }

  /** Runs `iterations` of the CPU work in the worker; resolves when it is done. */
  cpu(iterations: number): Promise<RawReply> {
    const id = this.#nextId++
    const reply = new Promise<RawReply>((resolve) => this.#waiting.set(id, resolve))
    this.#worker.postMessage({ id, cpu: iterations } satisfies RawRequest)
    return reply
  }

  terminate(): void {
    this.#worker.terminate()
  }
}
