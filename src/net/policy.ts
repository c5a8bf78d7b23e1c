/** The status policy of network jobs: which answers retry, and when. Pure functions. */

/** `Retry-After` as epoch ms: delta-seconds or an HTTP date. */
export function retryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  if (/^\s*\d+\s*$/.test(value)) return now + Number(value) * 1000
  // An HTTP date starts with the day's name (IMF-fixdate, RFC 850 and asctime forms alike);
  // anything else (`-3`, `soon`) is not a Retry-After, whatever Date.parse makes of it.
  if (!/^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i.test(value)) return undefined
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : at
}

export const retriable = (status: number, retryOn: readonly number[] | undefined): boolean =>
  retryOn ? retryOn.includes(status) : status === 408 || status === 429 || status >= 500
