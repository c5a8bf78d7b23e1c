/** Builds the record that `add()`, `addAll()` and `request()` write: options checked, defaults applied. */
import { ErrandError, serializeError } from '../core/errors.js'
import { newJobId, nextSeq } from '../core/ids.js'
import { APART_BYTES, type JobKind, type JobRecord } from '../core/job.js'
import { checkJobName, invalidOption, resolveJobOptions, type ResolvedJobOptions } from '../core/options.js'
import { bufferBytes, collectTransferables } from '../pool/transferables.js'
import { mapStorageError } from '../store/errors.js'

export interface Built {
  record: JobRecord
  signal?: AbortSignal
  /** `transfer: true`: the payload's buffers are handed over to errand before the write (takeOver()). */
  transfer?: true
  /** Bytes of ArrayBuffers in a payload kept apart (`record.payloadApart`). */
  apartBytes?: number
}

/**
 * Moves the buffers of the payloads of `built` that asked for `transfer` into copies that
 * errand owns, detaching the app's as postMessage() does: one structuredClone() over all of
 * them, so a buffer two payloads share moves once, and a payload that cannot be cloned
 * throws DATA_CLONE before anything moved. With `all`, or when any payload moves, the other
 * payloads are copied too: the store's put, which copies them otherwise, will not run in the
 * caller's task, or would refuse one of them only once the buffers had moved. Call it once
 * every item was checked.
 */
export function takeOver(built: readonly Built[], all = false): void {
  if (!all && !built.some((b) => b.transfer)) return
  const records = built.map((b) => b.record)
  const payloads = records.map((r) => r.payload)
  let owned: unknown[]
  try {
    // Collected per payload, as deep as bufferBytes() looks; a buffer two payloads share is listed once.
    const buffers = new Set(built.filter((b) => b.transfer).flatMap((b) => collectTransferables(b.record.payload)).filter((item) => item instanceof ArrayBuffer))
    owned = structuredClone(payloads, { transfer: [...buffers] })
  } catch (error) {
    // The same DataCloneError the store would have thrown.
    throw payloadError(error, records.length === 1 ? `Could not add job "${records[0]!.name}".` : `Could not add ${records.length} jobs.`)
  }
  records.forEach((record, i) => (record.payload = owned[i]))
}

/** A payload that cannot be stored: structuredClone() refused it, or reading it threw (a getter, a revoked Proxy, nesting too deep). */
function payloadError(error: unknown, what: string): ErrandError {
  if (error instanceof DOMException) return mapStorageError(error, what)
  const { name, message } = serializeError(error)
  return new ErrandError('DATA_CLONE', `${what} The payload cannot be stored: reading or copying it threw ${name}: ${message}. Pass plain data, Blobs or ArrayBuffers.`, { cause: error })
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
  if (context.kind === 'cpu' && checked === 'request') throw invalidOption('name', 'a name other than "request", which is reserved for network jobs (queue.request())', checked)
  if (context.kind === 'cpu' && known && !known.includes(checked)) {
    throw new ErrandError('UNKNOWN_JOB', `Unknown job "${checked}": the worker module defines ${known.join(', ') || 'no handlers'}. Add it to defineJobs() in the worker module.`, {
      context: { jobName: checked },
    })
  }
  const resolved = resolveJobOptions(options, context.defaults, context.allowed)
  if (resolved.signal?.aborted) {
    throw new ErrandError('JOB_CANCELLED', `Job "${checked}" was not added: its \`signal\` was already aborted.`, { cause: resolved.signal.reason, context: { jobName: checked } })
  }
  let bytes: number
  try {
    bytes = context.kind === 'cpu' ? bufferBytes(payload) : 0
  } catch (error) {
    // A getter that throws, a revoked Proxy: the store's copy would fail the same way.
    throw payloadError(error, `Could not add job "${checked}".`)
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
  const built: Built = { record }
  if (resolved.signal) built.signal = resolved.signal
  if (resolved.transfer) built.transfer = true
  if (bytes >= APART_BYTES) {
    record.payloadApart = true
    built.apartBytes = bytes
  }
  return built
}
