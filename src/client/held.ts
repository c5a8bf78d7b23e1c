/**
 * Payloads this page added with `transfer: true` and keeps apart (`payloadApart`), held in
 * memory until this page's scheduler hands them to a worker: the hand-off then moves the
 * very buffers the app gave up, without reading them back from the store. The store still
 * has its own copy, written by `add()`: a job that another tab runs, or that runs again, reads it there.
 */

/** At most this many bytes are held; a payload that would go over is read back from the store when its job runs. */
export const HELD_BYTES = 256 * 1024 * 1024

export interface Held {
  /** Holds `payload` for job `id`, if it fits under HELD_BYTES. */
  hold(id: string, payload: unknown, bytes: number): void
  /** Takes the payload out (it is about to move to a worker). */
  take(id: string): { payload: unknown } | undefined
  /** Forgets a payload this page will not run (cancelled, removed, started elsewhere). */
  drop(id: string): void
  clear(): void
}

export function createHeld(): Held {
  const payloads = new Map<string, { payload: unknown; bytes: number }>()
  let total = 0
  const take = (id: string): { payload: unknown } | undefined => {
    const entry = payloads.get(id)
    if (!entry) return undefined
    payloads.delete(id)
    total -= entry.bytes
    return { payload: entry.payload }
  }
  return {
    hold(id, payload, bytes) {
      if (total + bytes > HELD_BYTES) return
      payloads.set(id, { payload, bytes })
      total += bytes
    },
    take,
    drop: (id) => void take(id),
    clear() {
      payloads.clear()
      total = 0
    },
  }
}
