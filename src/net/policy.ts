/** The sending policy of network jobs: how many requests at once, which answers retry, and when (no state, no I/O). */

/**
 * Requests in flight at once per sender, by default. Browsers open at most 6 connections per
 * host over HTTP/1.1 and queue the rest, so twice that keeps them busy while a sender records
 * outcomes and claims more (measured: 200 replays 1609 ms at 6, 1344 ms at 12; bench case 6).
 */
export const DEFAULT_PARALLEL = 12

/**
 * A sender also claims up to `parallel` more jobs ahead, with their bodies, to send the
 * moment a request ends instead of after the next transaction; only while those bodies
 * add up to at most this many bytes, so that chunked uploads are not held in memory twice.
 */
export const AHEAD_BYTES = 1024 * 1024

/** Bodies up to this size are sent as bytes, larger ones as a Blob (see requestBody() in sender.ts). */
export const SMALL_BODY = 64 * 1024

/** The furthest a `Retry-After` puts a retry off: a day (a server's mistake must not park a job for ever). */
export const MAX_RETRY_AFTER_MS = 86_400_000

/** `Retry-After` as epoch ms: delta-seconds or an HTTP date, at most MAX_RETRY_AFTER_MS ahead. */
export function retryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  let at: number
  if (/^\s*\d+\s*$/.test(value)) at = now + Number(value) * 1000
  // An HTTP date starts with the day's name (IMF-fixdate, RFC 850 and asctime forms alike);
  // anything else (`-3`, `soon`) is not a Retry-After, whatever Date.parse makes of it.
  else if (/^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i.test(value)) at = Date.parse(value)
  else return undefined
  return Number.isNaN(at) ? undefined : Math.min(at, now + MAX_RETRY_AFTER_MS)
}

export const retriable = (status: number, retryOn: readonly number[] | undefined): boolean =>
  retryOn ? retryOn.includes(status) : status === 408 || status === 429 || status >= 500
