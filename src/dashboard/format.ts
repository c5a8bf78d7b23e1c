/** Turning job data into short text: times, durations, and any payload or result. */
import type { Job } from '../core/job.js'

/** Characters of a payload or result shown in the details; the rest is cut with a note. */
export const TEXT_CAP = 10_000

/** "850 ms", "12 s", "4 min", "3 h", "2 d". */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h`
  return `${Math.floor(ms / 86_400_000)} d`
}

/** A local date and time with milliseconds, or a dash. */
export function formatTime(at: number | undefined): string {
  if (at === undefined || !Number.isFinite(at)) return '—'
  const date = new Date(at)
  return `${date.toLocaleString()}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

/** How long the job ran (or runs, so far); a dash before it started. */
export function duration(job: Job, now: number): string {
  if (job.startedAt === undefined) return '—'
  return formatSpan((job.finishedAt ?? (job.state === 'running' ? now : job.startedAt)) - job.startedAt)
}

/** `POST https://…` for a network job, nothing for a CPU job. */
export function requestLine(job: Job): string {
  if (job.kind !== 'network' || typeof job.payload !== 'object' || job.payload === null) return ''
  const { method, url } = job.payload as { method?: unknown; url?: unknown }
  return `${typeof method === 'string' ? method : ''} ${typeof url === 'string' ? url : ''}`.trim()
}

/**
 * Any structured-clonable value as readable text: JSON where it can be, a short tag for
 * what JSON cannot show (Blob, ArrayBuffer, Map, BigInt…), cut at `cap` characters.
 */
export function toText(value: unknown, cap = TEXT_CAP): string {
  if (value === undefined) return 'undefined'
  let text: string
  const seen = new WeakSet<object>()
  try {
    text =
      JSON.stringify(
        value,
        (_key, item: unknown) => {
          if (typeof item === 'bigint') return `${item}n`
          if (typeof item !== 'object' || item === null) return item
          if (seen.has(item)) return '[seen above]'
          seen.add(item)
          if (typeof Blob !== 'undefined' && item instanceof Blob) return `[${item.constructor.name} ${item.size} bytes${item.type ? ` ${item.type}` : ''}]`
          if (item instanceof ArrayBuffer) return `[ArrayBuffer ${item.byteLength} bytes]`
          if (ArrayBuffer.isView(item)) return `[${item.constructor.name} ${item.byteLength} bytes]`
          if (item instanceof Map) return { '[Map]': [...item] }
          if (item instanceof Set) return { '[Set]': [...item] }
          if (item instanceof Error) return { name: item.name, message: item.message }
          return item
        },
        2,
      ) ?? String(value)
  } catch (error) {
    text = `[cannot show: ${(error as Error).message}]`
  }
  return text.length > cap ? `${text.slice(0, cap)}\n… (${text.length - cap} more characters)` : text
}
