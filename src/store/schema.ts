/**
 * The one file that owns the database layout: its name, version, stores, indexes and
 * upgrade. Every other store/ file works through the handles opened here.
 */
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { JobKind, JobRecord, JobState, LogRecord } from '../core/job.js'
import { mapStorageError } from './errors.js'

export const SCHEMA_VERSION = 2

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

export interface ErrandSchema extends DBSchema {
  jobs: {
    key: string
    value: JobRecord
    indexes: {
      next: [JobKind, number, number]
      due: number
      lease: number
      key: string
      state: [JobState, string]
      name: [string, string]
    }
  }
  /** Outcomes no page has delivered to a listener yet: [finish time, token] → job ids (see records.ts). */
  unseen: { key: [number, string]; value: string[] }
  logs: { key: [string, number]; value: LogRecord }
  /** Request bodies of network jobs, in chunks of at most BODY_CHUNK bytes: key [jobId, chunk number]. */
  bodies: { key: [string, number]; value: ArrayBuffer }
  /** Payloads kept apart from their record (`payloadApart`): job id → payload. */
  payloads: { key: string; value: unknown }
  meta: { key: string; value: unknown }
}

export type Database = IDBPDatabase<ErrandSchema>

export interface OpenHooks {
  /** A newer version of the app wants to upgrade the schema (`deleted`: the database is being deleted); the connection was closed. */
  onVersionChange(deleted: boolean): void
  /** The browser closed the connection (storage cleared, disk error). */
  onTerminated(): void
}

export async function openDatabase(queueName: string, hooks: OpenHooks): Promise<Database> {
  try {
    const db = await openDB<ErrandSchema>(databaseName(queueName), SCHEMA_VERSION, {
      upgrade(database, oldVersion) {
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
      },
      blocking(_current, next) {
        // Close at once so the newer tab's upgrade (or a deletion) is never blocked by us.
        db.close()
        hooks.onVersionChange(next === null)
      },
      terminated: hooks.onTerminated,
    })
    return db
  } catch (error) {
    throw mapStorageError(error, `Could not open the database of queue "${queueName}".`)
  }
}

/** Deletes a queue's database: every job and log. Resolves once no connection holds it. */
export async function deleteDatabase(queueName: string): Promise<void> {
  await deleteDB(databaseName(queueName))
}
