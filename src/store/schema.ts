/**
 * The one file that owns the database layout: its name, version, stores, indexes and
 * upgrade. Every other store/ file works through the handles opened here.
 */
import type { JobRecord, LogRecord } from '../core/job.js'
import { mapStorageError } from './errors.js'
import { result, type Store } from './idb.js'

export const SCHEMA_VERSION = 3

/** Every shared resource is namespaced `errand:`. */
export const databaseName = (queueName: string): string => `errand:${queueName}`

export const INDEX = {
  /**
   * Next job of a kind to run: first entry of [kind, priority, seq] (CPU jobs go to the pool,
   * network jobs to the sender). Sparse: only queued jobs carry `nextKey` (see records.ts).
   */
  next: 'next',
  /** Next delayed job to promote: first entry of `dueAt`. Sparse: only delayed jobs carry it. */
  due: 'due',
  /** Running jobs by lease expiry (sparse: only running jobs have the field). */
  lease: 'lease',
  /** Idempotency: unique while the job is unfinished (sparse). */
  key: 'key',
  /** Listing by state, oldest first (ids sort by creation time). */
  state: 'state',
  /** Listing by name, oldest first. */
  name: 'name',
} as const

/** Every entry of one state in index `state` ([state, id]). */
export const stateRange = (state: string): IDBKeyRange => IDBKeyRange.bound([state], [state, []])

/** Every store, typed: what it holds and how it is keyed. */
export interface Stores {
  /** Job records (keyPath `id`), with the indexes of INDEX. */
  jobs: Store<JobRecord, string, (typeof INDEX)[keyof typeof INDEX]>
  /** Outcomes no page has delivered to a listener yet: [finish time, token] → job ids (see records.ts). */
  unseen: Store<string[], [number, string]>
  /** Log lines (keyPath [jobId, seq]). */
  logs: Store<LogRecord, [string, number]>
  /** Request bodies of network jobs, in chunks of at most BODY_CHUNK bytes: key [jobId, chunk number]. */
  bodies: Store<ArrayBuffer, [string, number]>
  /** Payloads kept apart from their record (`payloadApart`): job id → payload. */
  payloads: Store<unknown, string>
  /** Claims not yet written to their records, one row per scheduler: holder → its claims (see store/turn.ts). */
  claims: Store<ClaimRow, string>
  meta: Store<unknown, string>
}

export type StoreName = keyof Stores

/**
 * The claims a scheduler holds on jobs whose records still say `queued` (claimed, not started
 * yet): `jobs` lists each job id with its claim number (the `claims` its record gets once written).
 * Past `expiresAt` (epoch ms) the row no longer counts: its holder is gone. Keyed by `holder`,
 * one per scheduler (a page that leads again runs a new scheduler, with a row of its own).
 */
export interface ClaimRow {
  holder: string
  expiresAt: number
  jobs: [id: string, claim: number][]
}

/** A store as a readonly transaction gives it: reads only. */
export type ReadOnly<T> = Omit<T, 'put' | 'add' | 'delete'>

/**
 * A transaction over the stores S (readwrite unless M says otherwise), whose objectStore() knows
 * what each holds. `scope` exists only in the types: a transaction over fewer stores is not
 * accepted where one over more is needed.
 */
export type Tx<S extends StoreName, M extends IDBTransactionMode = 'readwrite'> = Omit<IDBTransaction, 'objectStore'> & {
  objectStore<N extends S>(name: N): M extends 'readonly' ? ReadOnly<Stores[N]> : Stores[N]
  readonly scope?: (name: S) => void
}

export type Database = IDBDatabase

export interface OpenHooks {
  /** A newer version of the app wants to upgrade the schema (`deleted`: the database is being deleted); the connection was closed. */
  onVersionChange(deleted: boolean): void
  /** The browser closed the connection (storage cleared, disk error). */
  onTerminated(): void
  /** The upgrade waits for another connection that does not close (opening resumes once it does). */
  onBlocked?(): void
}

export async function openDatabase(queueName: string, hooks: OpenHooks): Promise<Database> {
  try {
    const request = indexedDB.open(databaseName(queueName), SCHEMA_VERSION)
    request.onblocked = () => hooks.onBlocked?.()
    request.onupgradeneeded = ({ oldVersion }) => {
      const database = request.result
      // One step per version; never edit a shipped step, add the next one.
      if (oldVersion < 1) {
        const jobs = database.createObjectStore('jobs', { keyPath: 'id' })
        jobs.createIndex(INDEX.next, 'nextKey')
        jobs.createIndex(INDEX.due, 'dueAt')
        jobs.createIndex(INDEX.lease, 'leaseExpiresAt')
        jobs.createIndex(INDEX.key, 'activeKey', { unique: true })
        jobs.createIndex(INDEX.state, ['state', 'id'])
        jobs.createIndex(INDEX.name, ['name', 'id'])
        database.createObjectStore('logs', { keyPath: ['jobId', 'seq'] })
        database.createObjectStore('meta')
        database.createObjectStore('bodies')
        database.createObjectStore('unseen')
      }
      if (oldVersion < 2) database.createObjectStore('payloads')
      if (oldVersion < 3) database.createObjectStore('claims')
    }
    const db = await result(request)
    db.onversionchange = ({ newVersion }) => {
      // Close at once so the newer tab's upgrade (or a deletion) is never blocked by us.
      db.close()
      hooks.onVersionChange(newVersion === null)
    }
    db.onclose = () => hooks.onTerminated()
    return db
  } catch (error) {
    throw mapStorageError(error, `Could not open the database of queue "${queueName}".`)
  }
}

/** Deletes a queue's database: every job and log. Resolves once no connection holds it. */
export async function deleteDatabase(queueName: string): Promise<void> {
  await result(indexedDB.deleteDatabase(databaseName(queueName)))
}
