import { ErrandError, StorageError } from '../core/errors.js'

/** Maps what IndexedDB throws to errand's typed errors; keeps the DOMException as `cause`. */
export function mapStorageError(error: unknown, what: string): ErrandError {
  if (error instanceof ErrandError) return error
  const name = (error as { name?: unknown } | null)?.name
  if (name === 'QuotaExceededError') {
    return new StorageError('QUOTA_EXCEEDED', `${what} The disk or the origin's storage quota is full; nothing was written. Free space, or remove finished jobs.`, { cause: error })
  }
  if (name === 'DataCloneError') {
    return new ErrandError('DATA_CLONE', `${what} The payload cannot be stored: it holds something structuredClone() refuses (a function, DOM node, Symbol, WeakMap…). Pass plain data, Blobs or ArrayBuffers.`, { cause: error })
  }
  if (name === 'ConstraintError') {
    return new ErrandError('INVALID_STATE', `${what} Another unfinished job has the same idempotency key; finish or remove it first.`, { cause: error })
  }
  if (name === 'InvalidStateError') {
    return new ErrandError('QUEUE_CLOSED', `${what} The database connection is closed (the queue was closed or a newer version of the app took over).`, { cause: error })
  }
  const message = (error as { message?: unknown } | null)?.message
  return new StorageError('STORAGE', `${what} IndexedDB failed: ${String(name ?? 'Error')}: ${String(message ?? error)}`, { cause: error })
}
