/**
 * The leading side of a page's queue. The page that holds the queue's Web Lock runs the
 * scheduler, the worker pool and the clock; the others watch its heartbeat and steal the lock
 * from a leader whose beat stopped.
 */
import { ErrandError } from '../core/errors.js'
import type { QueueMessage } from '../core/events.js'
import type { Clock } from '../pool/clock.js'
import type { Pool } from '../pool/pool.js'
import { lead, watchHeartbeat } from '../scheduler/leader.js'
import type { Scheduler, SchedulerOptions } from '../scheduler/scheduler.js'
import { HEARTBEAT_KEY, PAUSED_KEY, renewLeases, type Heartbeat } from '../store/jobs.js'
import { getMeta } from '../store/reads.js'
import type { Database } from '../store/schema.js'
import type { Settings } from './settings.js'

export interface Runner {
  /** The scheduler, while this page leads. */
  readonly scheduler: Scheduler | undefined
  /** The handler names the worker module reported, once a worker started. */
  readonly names: readonly string[] | undefined
  /** Stops the scheduler: its last turn writes what finished and gives back what did not start. */
  stop(): Promise<void>
  /** Stops leading, or waiting to lead: the lock goes to another tab. */
  release(): void
}

export interface RunnerOptions {
  name: string
  owner: string
  settings: Settings
  /** Makes a worker of the pool (`settings.worker`, known to be set). */
  create: () => Worker
  db: Promise<Database>
  /** Whether the queue closes or closed. */
  closed(): boolean
  /** The paused flag set in this page or heard from another tab, if any: it wins over the stored one. */
  paused(): boolean | undefined
  held: SchedulerOptions['held']
  announce(message: QueueMessage): void
  /** This page took the lead and its scheduler runs. */
  onLead(): void
  report(error: Error): void
}

/** The scheduler and the pool: a chunk of their own (engine.ts), loaded by the page that leads. */
const loadEngine = (queue: string) =>
  import('./engine.js').catch((error: unknown) => {
    throw new ErrandError('NETWORK', `Could not load errand's engine, the part of errand that runs jobs in the page that leads: ${(error as Error).message}. This page lets another tab lead; reload it to run jobs here.`, { cause: error, context: { queue } })
  })

export function startRunner(options: RunnerOptions): Runner {
  const { settings, create, db: dbReady } = options
  let scheduler: Scheduler | undefined
  let pool: Pool | undefined
  let clock: Clock | undefined
  /** Counts takes and losses of the lead: a lead lost while it was being taken starts nothing. */
  let term = 0
  const leadership = lead(
    `errand:${options.name}`,
    (exclusive) => {
      const taken = ++term
      const current = (): boolean => !options.closed() && taken === term
      void dbReady
        .then(async (db) => {
          if (!current()) return
          // The first beat at once, before the engine loads: followers then see this leader's own heartbeat,
          // not the stopped one of its predecessor, and a leader stuck early has a beat that visibly stops.
          // The scheduler renews it from then on.
          const now = Date.now()
          const beat = renewLeases(db, options.owner, [], now + settings.lease, { owner: options.owner, at: now }).then(() => now, () => 0)
          const [stored, { createClock, createPool, startScheduler }, beatAt] = await Promise.all([getMeta(db, PAUSED_KEY), loadEngine(options.name), beat])
          if (!current()) return
          pool = createPool({ create, size: settings.concurrency, graceMs: settings.grace, startMs: settings.startTimeout })
          clock = createClock(create)
          scheduler = startScheduler({
            db,
            owner: options.owner,
            pool,
            clock,
            paused: options.paused() ?? stored === true,
            exclusive,
            concurrency: settings.concurrency,
            leaseMs: settings.lease,
            maxStalls: settings.maxStalls,
            logLimit: settings.logLimit,
            keep: settings.keep,
            held: options.held,
            emit: options.announce,
            beatAt,
          })
          options.onLead()
        })
        .catch((error: unknown) => {
          // Leading failed (the database is gone, the engine did not load): let another tab lead, and watch it no more.
          if (!options.closed()) options.report(error as Error)
          leadership.release()
          stopWatching()
        })
    },
    () => {
      term++
      void scheduler?.stop()
      scheduler = undefined
      clock?.stop()
    },
  )
  const stopWatching = watchHeartbeat(() => dbReady.then((db) => getMeta(db, HEARTBEAT_KEY) as Promise<Heartbeat | undefined>), {
    leaseMs: settings.lease,
    // Only while this page waits to lead: a leader does not read (nor hold a transaction on) the heartbeat.
    waiting: () => !options.closed() && !leadership.leading,
    steal: () => leadership.steal(),
  })

  return {
    get scheduler() {
      return scheduler
    },
    get names() {
      return pool?.names
    },
    stop: async () => {
      await scheduler?.stop().catch(() => {})
    },
    release() {
      clock?.stop()
      stopWatching()
      leadership.release()
    },
  }
}
