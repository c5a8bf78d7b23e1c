/** The page-side public types: the queue, job handles and the typed event map. */
import type { BaseEventMap, CloseReason } from '../core/events.js'
import type { Job, JobState, LogLine } from '../core/job.js'
import type { JobDefaults, JobOptions } from '../core/options.js'
import type { JobDefinitions, JobName, JobPayload, JobResult } from '../core/registry.js'
import type { JobCounts } from '../store/reads.js'
import type { BeforeSend } from '../net/sender.js'
import type { HttpResponse, REQUEST_JOB, RequestOptions, ResponseBody, ResponseType, StoredRequest } from '../net/types.js'
import type { Capabilities, NetworkMode } from './network.js'

/** A job of handler `N`, with that handler's payload and result types. */
export type JobOf<J, N extends JobName<J>> = Job<JobPayload<J, N>, JobResult<J, N>> & { readonly name: N; readonly kind: 'cpu' }

/** A network job (`queue.request()`): its payload is the stored request, its result the response. */
export type RequestJob = Job<StoredRequest, HttpResponse> & { readonly name: typeof REQUEST_JOB; readonly kind: 'network' }

/** Any job of the queue: a union you can narrow with `job.name === '…'` (network jobs are named `'request'`). */
export type AnyJobOf<J> = { [N in JobName<J>]: JobOf<J, N> }[JobName<J>] | RequestJob
/** A job listed with `largePayloads: false`: its payload is undefined when it is stored apart. */
export type PayloadLeftOut<T> = T extends unknown ? Omit<T, 'payload'> & { readonly payload: undefined } : never

/** Queue events with payloads typed by the registry. */
export type QueueEventMap<J = JobDefinitions> = BaseEventMap<AnyJobOf<J>>

/** Events a single job's handle emits. */
export interface JobEventMap<P = unknown, R = unknown> {
  started: { job: Job<P, R> }
  progress: { progress: number }
  retrying: { job: Job<P, R>; error: QueueEventMap['retrying']['error'] }
  completed: { job: Job<P, R> }
  failed: { job: Job<P, R>; error: QueueEventMap['failed']['error'] }
  cancelled: { job: Job<P, R> }
}

/** A live reference to one job: its result, its events, and commands on it. */
export interface JobHandle<P = unknown, R = unknown, N extends string = string> {
  readonly id: string
  readonly name: N
  /**
   * Resolves with the handler's return value once the job completed, in whichever tab
   * it ran, also if it completed before this call. Rejects with `JobFailedError`,
   * `JobTimeoutError` (the last attempt timed out), `JobCancelledError`, or an
   * `ErrandError` with code `NOT_FOUND` (removed) or `QUEUE_CLOSED`.
   */
  result(): Promise<R>
  /** Listens to this job's events; returns the unsubscribe function. */
  on<K extends keyof JobEventMap<P, R>>(event: K, listener: (event: JobEventMap<P, R>[K]) => void): () => void
  /** Cancels the job if it has not finished. Resolves true if this call cancelled it. */
  cancel(): Promise<boolean>
  /** A fresh snapshot from the store, or undefined once removed. */
  get(): Promise<Job<P, R> | undefined>
  /** The job's log lines, oldest first. */
  logs(): Promise<LogLine[]>
}

/** A handle on a CPU job of the registry. */
export type AnyJobHandleOf<J> = { [N in JobName<J>]: JobHandle<JobPayload<J, N>, JobResult<J, N>, N> }[JobName<J>]

/** A handle on a network job (`queue.request()`). */
export type RequestHandle<B = unknown> = JobHandle<StoredRequest, HttpResponse<B>, typeof REQUEST_JOB>

/** Options of `openQueue()`. */
export interface QueueOptions {
  /**
   * Creates one worker of the pool. Use the `new URL(…, import.meta.url)` form so bundlers emit the worker file.
   * Without it this page adds and watches jobs but runs none.
   * @example worker: () => new Worker(new URL('./jobs.worker.ts', import.meta.url), { type: 'module' })
   */
  worker?: () => Worker
  /**
   * How many jobs run at once (one worker each).
   * @default navigator.hardwareConcurrency − 1, at least 1
   * @example concurrency: 2
   */
  concurrency?: number
  /**
   * Options applied to every `add()` of this queue, which may override them.
   * @default { priority: 0, delay: 0, attempts: 3, backoff: { type: 'exponential', delay: 1000 }, timeout: 0 }
   * @example defaults: { attempts: 5, timeout: 60_000 }
   */
  defaults?: JobDefaults
  /**
   * ms a running job's lease lasts; the leader renews it every third of that. A job whose lease expired is run again.
   * @default 30_000
   * @example lease: 10_000
   */
  lease?: number
  /**
   * How many times a job may stall (its page or worker vanished mid-run) before it fails with code `STALLED`.
   * @default 3
   * @example maxStalls: 1
   */
  maxStalls?: number
  /**
   * ms a handler gets to stop after its timeout or cancel aborted `ctx.signal`, before its worker is terminated.
   * @default 1000
   * @example grace: 5000
   */
  grace?: number
  /**
   * ms a new worker gets to load and call `serveJobs()`; after that it counts as crashed (its job's attempt fails).
   * @default 10_000
   * @example startTimeout: 30_000
   */
  startTimeout?: number
  /**
   * Retention: finished jobs (with their logs) to keep per state, the newest `count` and none
   * older than `age` ms; the leader deletes the rest in the background, oldest first, in small
   * transactions. A state without a rule keeps everything.
   * @default {} (keep every finished job)
   * @example keep: { completed: { age: 86_400_000, count: 1000 }, failed: { count: 5000 } }
   */
  keep?: Partial<Record<'completed' | 'failed' | 'cancelled', { age?: number; count?: number }>>
  /**
   * Log lines kept per job; later ones are dropped (one marker line says so).
   * @default 1000
   * @example logLimit: 100
   */
  logLimit?: number
  /** Network jobs (`queue.request()`) when this page sends them itself (no service worker runs `errand/sw`). */
  network?: {
    /**
     * Header names never stored with a request (case-insensitive). Add credentials at send time with `beforeSend`.
     * @default ['authorization', 'cookie', 'proxy-authorization']
     */
    stripHeaders?: string[]
    /**
     * Called before each attempt this page sends; add fresh credentials here. (The service worker has its own: `setupErrand({ beforeSend })`.)
     * @example beforeSend: (request) => { request.headers.set('Authorization', `Bearer ${token()}`) }
     */
    beforeSend?: BeforeSend
    /**
     * Requests in flight at once.
     * @default 12
     */
    parallel?: number
    /**
     * `false`: always send from the page, even where a service worker runs `errand/sw`.
     * @default true
     */
    serviceWorker?: boolean
  }
}

/** `init` of `queue.request()`: a RequestInit whose body may also be plain data, sent as JSON. */
export type RequestInitWithJson = Omit<RequestInit, 'body' | 'signal'> & { body?: BodyInit | null | Record<string, unknown> | unknown[] }

/** What `queue.storage()` reports. */
export interface StorageInfo {
  /** Bytes this origin uses (an estimate; 0 where the browser does not say). */
  usage: number
  /** Bytes it may use (an estimate; Infinity where the browser does not say). */
  quota: number
  /** True if the browser will not evict this origin's storage under pressure. */
  persisted: boolean
}

/** A filter for `queue.list()`. */
export interface ListOptions {
  state?: JobState
  name?: string
  /** @default 100 */
  limit?: number
  /** The id of the last job of the previous page. */
  after?: string
  /** Newest first. @default false */
  reverse?: boolean
  /**
   * False: a job whose payload is stored apart (256 KiB of buffers or more) comes with `payload`
   * undefined, and nothing of it is read. For listings that show no payloads. @default true
   */
  largePayloads?: boolean
}

/** One item of `queue.addAll()`. */
export type AddAllItem<J> = ItemOf<J, JobName<J>>

/** An `addAll()` item of the job named `N`, or, for several names, one of theirs. */
type ItemOf<J, N> = N extends JobName<J> ? { name: N; payload: JobPayload<J, N>; options?: JobOptions } : never

/** The items of the jobs named `Names`, in their order: what `addAll()` checks a list against. */
type ItemsOf<J, Names> = { readonly [K in keyof Names]: ItemOf<J, Names[K]> }

/** The handle of one `addAll()` item: of its job, or, for an item typed as several, one of theirs. */
type HandleFor<J, T> = T extends { name: infer N extends JobName<J> } ? JobHandle<JobPayload<J, N>, JobResult<J, N>, N> : never

/**
 * The handles `queue.addAll(items)` resolves with, in the order of `items`, each typed by its
 * item's name. A list whose type is a type parameter of your own gets its constraint's handles.
 */
export type AddAllHandles<J, I extends readonly AddAllItem<J>[]> = { -readonly [K in keyof I]: HandleFor<J, I[K]> }

/** A persistent, typed job queue in IndexedDB. Create it with `openQueue()`. */
export interface Queue<J = JobDefinitions> {
  readonly name: string
  /** True once closed (by `close()`, or because a newer version of the app upgraded the database). */
  readonly closed: boolean
  /**
   * Adds a job; resolves once it is durable, with a handle. With `key`, an unfinished job with
   * that key is returned instead of adding a new one.
   * @example const job = await queue.add('thumbnail', { file, size: 256 }, { attempts: 5 })
   */
  add<N extends JobName<J>>(name: N, payload: JobPayload<J, N>, options?: JobOptions): Promise<JobHandle<JobPayload<J, N>, JobResult<J, N>, N>>
  /**
   * Adds a network job: the request is stored (body included, byte for byte) and sent by the
   * service worker running `errand/sw`, or by the page when none does; retried on 408, 429
   * and 5xx, and whenever the network comes back. `result()` is the response.
   * @example const job = await queue.request('/api/notes', { method: 'POST', body: { text } }, { responseType: 'json' })
   */
  request<T extends ResponseType | undefined = undefined, B = unknown>(
    input: string | URL | Request,
    init?: RequestInitWithJson,
    options?: RequestOptions<T>,
  ): Promise<RequestHandle<ResponseBody<T, B>>>
  /** Sends the network jobs that are due now (a page-side trigger: use it when your app knows the network is back). */
  replay(): Promise<void>
  /**
   * Who sends network jobs: `'sw'` when a service worker running `errand/sw` controls the page,
   * `'page'` otherwise. Known once that service worker answered (see `capabilities()`).
   */
  readonly mode: NetworkMode
  /** What this browser gives errand (service worker, Background Sync, Web Locks, persisted storage) and the mode in use. */
  capabilities(): Promise<Capabilities>
  /**
   * Adds many jobs in one transaction: all are added, or none. The handles come in the order of
   * `items`, each typed by its item's name (a list written inline is typed item by item).
   */
  // Inferred through the items' names, not the items: each item is then checked against its
  // job's own type, so a misspelt key in it, its payload or its options is an error, as in add().
  addAll<Names extends readonly JobName<J>[] | []>(items: ItemsOf<J, Names>): Promise<AddAllHandles<J, ItemsOf<J, Names>>>
  /** A snapshot of one job, or undefined. */
  get(id: string): Promise<AnyJobOf<J> | undefined>
  /** Re-attaches a handle to a job (for example after a reload), or undefined if there is no such job. */
  job(id: string): Promise<AnyJobHandleOf<J> | RequestHandle | undefined>
  /** A page of jobs, oldest first, through an index. */
  list(options: ListOptions & { largePayloads: false }): Promise<(AnyJobOf<J> | PayloadLeftOut<AnyJobOf<J>>)[]>
  list(options?: ListOptions): Promise<AnyJobOf<J>[]>
  /** How many jobs are in each state. */
  counts(): Promise<JobCounts>
  /** The log lines of a job, oldest first. */
  logs(id: string): Promise<LogLine[]>
  /** Cancels a job that has not finished. Resolves true if this call cancelled it. */
  cancel(id: string): Promise<boolean>
  /** Puts a failed or cancelled job back in the queue with a fresh attempt budget. Resolves true if it did. */
  retry(id: string): Promise<boolean>
  /** Deletes a job and its logs (cancelling it first if it runs). Resolves true if there was such a job. */
  remove(id: string): Promise<boolean>
  /** Cancels every job that has not started (queued and delayed); resolves with how many. */
  clear(): Promise<number>
  /** Stops starting jobs, in every tab, until `start()`; running jobs finish. Persists across reloads. */
  pause(): Promise<void>
  /** Starts jobs again after `pause()`. */
  start(): Promise<void>
  /**
   * What the browser says of this origin's storage: bytes used, the quota, and whether it is
   * persisted (not evicted under storage pressure). `usage` and `quota` are estimates.
   */
  storage(): Promise<StorageInfo>
  /** Asks the browser to persist this origin's storage; resolves with whether it is persisted. */
  persist(): Promise<boolean>
  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void>
  /** Resolves when nothing is queued (jobs may still run). */
  onEmpty(): Promise<void>
  /** Listens to queue events from every tab; returns the unsubscribe function. */
  on<K extends keyof QueueEventMap<J>>(event: K, listener: (event: QueueEventMap<J>[K]) => void): () => void
  /** Closes this page's queue: stops its scheduler and workers; pending `result()` calls reject with `QUEUE_CLOSED`. */
  close(): Promise<void>
}

export type { CloseReason, JobCounts, Capabilities, NetworkMode }
