/** Checking what users pass to openQueue() and queue.list(): plain JavaScript callers pass anything. */
import { JOB_STATES, type JobState } from '../core/job.js'
import { checkDuration, checkInteger, checkJobName, checkKeys, checkTimer, invalidOption, resolveDefaults, type ResolvedJobOptions } from '../core/options.js'
import type { KeepRule } from '../store/prune.js'
import { DEFAULT_STRIP_HEADERS } from '../net/encode.js'
import { DEFAULT_PARALLEL } from '../net/policy.js'
import type { BeforeSend } from '../net/sender.js'
import type { ListQuery } from '../store/reads.js'

/** Retention per finished state. */
export type Keep = Partial<Record<'completed' | 'failed' | 'cancelled', KeepRule>>

function checkKeep(value: unknown): Keep {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null) throw invalidOption('keep', 'an object { completed, failed, cancelled }', value)
  checkKeys('keep.', value, ['completed', 'failed', 'cancelled'])
  const keep: Keep = {}
  for (const [state, rule] of Object.entries(value) as [keyof Keep, unknown][]) {
    if (rule === undefined) continue
    if (typeof rule !== 'object' || rule === null) throw invalidOption(`keep.${state}`, 'an object { age, count }', rule)
    checkKeys(`keep.${state}.`, rule, ['age', 'count'])
    const { age, count } = rule as Record<string, unknown>
    keep[state] = {
      ...(age === undefined ? {} : { age: checkDuration(`keep.${state}.age`, age) }),
      ...(count === undefined ? {} : { count: checkInteger(`keep.${state}.count`, count, 0) }),
    }
  }
  return keep
}

const QUEUE_OPTION_KEYS = ['worker', 'concurrency', 'defaults', 'lease', 'maxStalls', 'grace', 'startTimeout', 'logLimit', 'keep', 'network']

/** openQueue() options, checked and with defaults applied. */
export interface Settings {
  worker: (() => Worker) | undefined
  concurrency: number
  defaults: ResolvedJobOptions
  lease: number
  maxStalls: number
  grace: number
  startTimeout: number
  logLimit: number
  keep: Keep
  network: NetworkSettings
}

/** `network` of openQueue(), checked. */
export interface NetworkSettings {
  stripHeaders: string[]
  beforeSend?: BeforeSend
  parallel: number
  serviceWorker: boolean
}

function checkNetwork(value: unknown): NetworkSettings {
  if (value === undefined) return { stripHeaders: [...DEFAULT_STRIP_HEADERS], parallel: DEFAULT_PARALLEL, serviceWorker: true }
  if (typeof value !== 'object' || value === null) throw invalidOption('network', 'an object { stripHeaders, beforeSend, parallel, serviceWorker }', value)
  checkKeys('network.', value, ['stripHeaders', 'beforeSend', 'parallel', 'serviceWorker'])
  const { stripHeaders, beforeSend, parallel, serviceWorker } = value as Record<string, unknown>
  if (stripHeaders !== undefined && !(Array.isArray(stripHeaders) && stripHeaders.every((h) => typeof h === 'string'))) throw invalidOption('network.stripHeaders', 'an array of header names', stripHeaders)
  if (beforeSend !== undefined && typeof beforeSend !== 'function') throw invalidOption('network.beforeSend', 'a function (request, job) => Request | void', beforeSend)
  if (serviceWorker !== undefined && typeof serviceWorker !== 'boolean') throw invalidOption('network.serviceWorker', 'a boolean', serviceWorker)
  return {
    stripHeaders: stripHeaders === undefined ? [...DEFAULT_STRIP_HEADERS] : (stripHeaders as string[]).map((h) => h.toLowerCase()),
    ...(beforeSend ? { beforeSend: beforeSend as BeforeSend } : {}),
    parallel: parallel === undefined ? DEFAULT_PARALLEL : checkInteger('network.parallel', parallel, 1),
    serviceWorker: serviceWorker !== false,
  }
}

function defaultConcurrency(): number {
  const cores = typeof navigator === 'undefined' ? 2 : navigator.hardwareConcurrency || 2
  return Math.max(1, cores - 1)
}

export function resolveSettings(options: unknown): Settings {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options)
  checkKeys('', options, QUEUE_OPTION_KEYS)
  const o = options as Record<string, unknown>
  if (o.worker !== undefined && typeof o.worker !== 'function') throw invalidOption('worker', 'a function that returns a new Worker', o.worker)
  return {
    worker: o.worker as (() => Worker) | undefined,
    concurrency: o.concurrency === undefined ? defaultConcurrency() : checkInteger('concurrency', o.concurrency, 1),
    defaults: resolveDefaults(o.defaults),
    lease: o.lease === undefined ? 30_000 : checkTimer('lease', o.lease, 100),
    maxStalls: o.maxStalls === undefined ? 3 : checkInteger('maxStalls', o.maxStalls, 0),
    grace: o.grace === undefined ? 1000 : checkTimer('grace', o.grace),
    startTimeout: o.startTimeout === undefined ? 10_000 : checkTimer('startTimeout', o.startTimeout, 1),
    keep: checkKeep(o.keep),
    logLimit: o.logLimit === undefined ? 1000 : checkInteger('logLimit', o.logLimit, 1),
    network: checkNetwork(o.network),
  }
}

/**
 * Whether a second openQueue() of the same name asked for the same queue: the same values, in
 * any key order; functions (`worker`, `network.beforeSend`) the same or of the same source text.
 */
export function sameSettings(a: Settings, b: Settings): boolean {
  return canonical(a) === canonical(b)
}

/** Settings as text: functions by their source, objects with their keys sorted. */
const canonical = (settings: Settings): string =>
  JSON.stringify(settings, (_key, value: unknown) => {
    if (typeof value === 'function') return `function ${String(value)}`
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
    return Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1)))
  })

export function checkListOptions(options: unknown): ListQuery {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object { state, name, limit, after, reverse, largePayloads }', options)
  checkKeys('', options, ['state', 'name', 'limit', 'after', 'reverse', 'largePayloads'])
  const { state, name, limit, after, reverse, largePayloads } = options as Record<string, unknown>
  const query: ListQuery = { limit: limit === undefined ? 100 : checkInteger('limit', limit, 1), reverse: reverse === true, largePayloads: largePayloads !== false }
  if (state !== undefined) {
    if (!JOB_STATES.includes(state as JobState)) throw invalidOption('state', `one of ${JOB_STATES.join(', ')}`, state)
    query.state = state as JobState
  }
  if (name !== undefined) query.name = checkJobName(name)
  if (after !== undefined) {
    if (typeof after !== 'string') throw invalidOption('after', 'a job id (string)', after)
    query.after = after
  }
  if (reverse !== undefined && typeof reverse !== 'boolean') throw invalidOption('reverse', 'a boolean', reverse)
  if (largePayloads !== undefined && typeof largePayloads !== 'boolean') throw invalidOption('largePayloads', 'a boolean', largePayloads)
  return query
}
