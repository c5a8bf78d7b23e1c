/** Network jobs: what `queue.request()` stores, and what its `result()` gives back. */
import type { JobOptions } from '../core/options.js'

/** How the response body is read: by default from its content-type. */
export type ResponseType = 'json' | 'text' | 'blob' | 'arrayBuffer' | 'none'

/**
 * A network job's payload: the request as stored. Its body is not here: it is kept in
 * chunks in the store `bodies` and read again for every attempt, byte for byte.
 */
export interface StoredRequest {
  /** Absolute URL. */
  url: string
  method: string
  /** Header pairs with lowercase names, without those `stripHeaders` removed. */
  headers: [string, string][]
  /** Body size in bytes (0: no body). */
  bodySize: number
  /** Minted once at enqueue and sent as `Idempotency-Key` on every attempt; absent when the caller opted out. */
  idempotencyKey?: string
  responseType?: ResponseType
  /** Statuses that retry (with the job's backoff) instead of the default policy. */
  retryOn?: number[]
  credentials: RequestCredentials
  mode: RequestMode
  cache: RequestCache
  redirect: RequestRedirect
  referrerPolicy: ReferrerPolicy
  integrity: string
}

/** A network job's result, and the `response` kept on an attempt error for a status that failed. */
export interface HttpResponse<B = unknown> {
  status: number
  statusText: string
  /** Lowercase header names. */
  headers: Record<string, string>
  body: B
}

/** Options of `queue.request()`: the job options of `add()` and how to treat the response. */
export interface RequestOptions<T extends ResponseType | undefined = ResponseType | undefined> extends Omit<JobOptions, 'transfer'> {
  /**
   * How to read the response body.
   * @default by content-type: JSON for `application/json` and `+json`, text for `text/*` and XML, else a Blob; `null` for an empty body
   * @example queue.request('/api/report', { method: 'POST', body }, { responseType: 'blob' })
   */
  responseType?: T
  /**
   * Statuses that retry with the job's backoff; any other non-2xx fails at once.
   * @default 408, 429 and every 5xx
   * @example { retryOn: [409, 503] }
   */
  retryOn?: number[]
  /**
   * `false` sends no `Idempotency-Key` header (by default one key, minted at enqueue, goes with every attempt).
   * @default true
   */
  idempotencyKey?: false
}

/** The body type `result()` resolves with, for a `responseType`. */
export type ResponseBody<T extends ResponseType | undefined, J = unknown> = T extends 'json'
  ? J
  : T extends 'text'
    ? string
    : T extends 'blob'
      ? Blob
      : T extends 'arrayBuffer'
        ? ArrayBuffer
        : T extends 'none'
          ? null
          : unknown

/** The name of every network job (reserved: a CPU job of this name would share its events). */
export const REQUEST_JOB = 'request'
