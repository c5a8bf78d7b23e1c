/** Builds the record that `add()`, `addAll()` and `request()` write: options checked, defaults applied. */
import { ErrandError } from '../core/errors.js'
import { newJobId, nextSeq } from '../core/ids.js'
import type { JobKind, JobRecord } from '../core/job.js'
import { checkJobName, resolveJobOptions, type ResolvedJobOptions } from '../core/options.js'

export interface Built {
  record: JobRecord
  signal?: AbortSignal
}

export interface BuildContext {
  defaults: ResolvedJobOptions
  /** The handler names the worker reported, once known (CPU jobs only). */
  known: readonly string[] | undefined
  kind: JobKind
  /** Option keys accepted besides the job options (checked by the caller). */
  allowed?: readonly string[]
}

export function buildRecord(jobName: unknown, payload: unknown, options: unknown, now: number, context: BuildContext): Built {
  const checked = checkJobName(jobName)
  const { known } = context
  if (context.kind === 'cpu' && known && !known.includes(checked)) {
    throw new ErrandError('UNKNOWN_JOB', `Unknown job "${checked}": the worker module defines ${known.join(', ') || 'no handlers'}. Add it to defineJobs() in the worker module.`, {
      context: { jobName: checked },
    })
  }
  const resolved = resolveJobOptions(options, context.defaults, context.allowed)
  if (resolved.signal?.aborted) {
    throw new ErrandError('JOB_CANCELLED', `Job "${checked}" was not added: its \`signal\` was already aborted.`, { cause: resolved.signal.reason, context: { jobName: checked } })
  }
  const seq = nextSeq(now)
  const record: JobRecord = {
    id: newJobId(seq),
    name: checked,
    kind: context.kind,
    payload,
    state: resolved.delay > 0 ? 'delayed' : 'queued',
    priority: resolved.priority,
    seq,
    runAt: now + resolved.delay,
    attempt: 0,
    claims: 0,
    stalls: 0,
    maxAttempts: resolved.attempts,
    backoff: resolved.backoff,
    timeout: resolved.timeout,
    progress: 0,
    errors: [],
    createdAt: now,
  }
  if (resolved.key !== undefined) {
    record.key = resolved.key
    record.activeKey = resolved.key
  }
  return resolved.signal ? { record, signal: resolved.signal } : { record }
}
