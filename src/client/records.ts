/** Builds the record that `add()`, `addAll()` and `request()` write: options checked, defaults applied. */
import { ErrandError } from '../core/errors.js'
import { newJobId, nextSeq } from '../core/ids.js'
import { APART_BYTES, type JobKind, type JobRecord } from '../core/job.js'
import { checkJobName, resolveJobOptions, type ResolvedJobOptions } from '../core/options.js'
import { bufferBytes, collectTransferables } from '../pool/transferables.js'
import { mapStorageError } from '../store/errors.js'

export interface Built {
  record: JobRecord
  signal?: AbortSignal
  /** Bytes of a payload kept apart that errand owns (`transfer: true`): this page may hold it for the hand-off (client/held.ts). */
  owned?: number
}

/** `payload` with its ArrayBuffers moved into a copy that errand owns; the app's are detached, as by postMessage(). */
function takeOver(payload: unknown, jobName: string): unknown {
  const buffers = collectTransferables(payload).filter((item) => item instanceof ArrayBuffer)
  try {
    return structuredClone(payload, { transfer: buffers })
  } catch (error) {
    // The same DataCloneError the store would have thrown, before any buffer was detached.
    throw mapStorageError(error, `Could not add job "${jobName}".`)
  }
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
  if (resolved.transfer) payload = takeOver(payload, checked)
  const bytes = context.kind === 'cpu' ? bufferBytes(payload) : 0
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
  const built: Built = { record }
  if (resolved.signal) built.signal = resolved.signal
  if (bytes >= APART_BYTES) {
    record.payloadApart = true
    if (resolved.transfer) built.owned = bytes
  }
  return built
}
