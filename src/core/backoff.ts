/**
 * Retry delays. Pure arithmetic, no clock: the caller passes `random` so tests are exact.
 *
 * For failed attempt `n` (1-based: the delay before attempt n + 1):
 *
 *   fixed:        base = delay
 *   exponential:  base = delay × 2^(n − 1)
 *   capped        = min(base, maxDelay)
 *   with jitter j = capped × (1 − j × random),   random ∈ [0, 1)
 *
 * So jitter only ever shortens a delay (by up to j × 100 %), and `maxDelay` is a hard cap.
 */

export interface Backoff {
  /** @default 'exponential' */
  type: 'fixed' | 'exponential'
  /** Base delay in ms. @default 1000 */
  delay: number
  /** Upper bound in ms for any single delay. @default 3_600_000 (one hour) */
  maxDelay: number
  /** Fraction in [0, 1] of each delay that is randomised away. @default 0 */
  jitter: number
}

export const DEFAULT_BACKOFF: Readonly<Backoff> = { type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0 }

/** Delay in ms before the retry that follows failed attempt `attempt` (≥ 1). */
export function backoffDelay(backoff: Backoff, attempt: number, random: number = Math.random()): number {
  // Capped exponent: 2^64 ms already exceeds any maxDelay, and 0 × 2^1024 would be NaN.
  const exponent = Math.min(64, Math.max(0, attempt - 1))
  const base = backoff.type === 'fixed' ? backoff.delay : backoff.delay * 2 ** exponent
  const capped = Math.min(base, backoff.maxDelay)
  return Math.round(capped * (1 - backoff.jitter * random))
}
