/**
 * errand: background jobs for the browser. The page entry.
 * @module errand
 */
export { openQueue, deleteQueue } from './client/queue.js'
export type { StorageInfo, Queue, QueueOptions, QueueEventMap, JobHandle, JobEventMap, JobOf, AnyJobOf, AnyJobHandleOf, PayloadLeftOut, ListOptions, AddAllItem, AddAllHandles, JobCounts, CloseReason, RequestJob, RequestHandle, RequestInitWithJson, Capabilities, NetworkMode } from './client/types.js'
export type { StoredRequest, HttpResponse, RequestOptions, ResponseType, ResponseBody } from './net/types.js'
export type { BeforeSend } from './net/sender.js'
export type { Job, JobState, JobKind, LogLine } from './core/job.js'
export type { JobOptions, JobDefaults } from './core/options.js'
export type { Backoff } from './core/backoff.js'
export { backoffDelay } from './core/backoff.js'
export type { JobContext, JobHandler, JobDefinitions, JobName, JobPayload, JobResult } from './core/registry.js'
export {
  ErrandError,
  JobFailedError,
  JobTimeoutError,
  JobCancelledError,
  StorageError,
  UnrecoverableError,
  isErrandError,
  isJobFailedError,
  isJobTimeoutError,
  isJobCancelledError,
  isStorageError,
  isUnrecoverableError,
} from './core/errors.js'
export type { ErrandErrorCode, AttemptError } from './core/errors.js'
