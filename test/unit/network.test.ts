import { describe, expect, test } from 'vitest'
import type { JobRecord } from '../../src/core/job.js'
import { cancel, claim, fail, offline, probeWith, promote, retry, start } from '../../src/core/transitions.js'
import { retriable, retryAfter } from '../../src/net/policy.js'
import { NOW, queuedJob } from './records.js'

/** A network job, claimed and started at NOW. */
function runningRequest(): JobRecord {
  const queued = queuedJob({ name: 'request', kind: 'network', payload: { url: 'https://example.test/notes', method: 'POST' }, backoff: { type: 'fixed', delay: 100, maxDelay: 3_600_000, jitter: 0 } })
  return start(claim(queued, 'sw-1', NOW, 30_000), NOW)
}

describe('retryAfter', () => {
  test('reads delta-seconds', () => {
    expect(retryAfter('2', NOW)).toBe(NOW + 2000)
    expect(retryAfter(' 120 ', NOW)).toBe(NOW + 120_000)
  })
  test('reads an HTTP date', () => {
    expect(retryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(Date.UTC(2015, 9, 21, 7, 28))
  })
  test('puts a retry off by a day at most', () => {
    expect(retryAfter('9'.repeat(400), NOW)).toBe(NOW + 86_400_000)
    expect(retryAfter('172800', NOW)).toBe(NOW + 86_400_000)
    expect(retryAfter('Fri, 31 Dec 9999 23:59:59 GMT', NOW)).toBe(NOW + 86_400_000)
  })
  test('ignores what is neither', () => {
    expect(retryAfter(null, NOW)).toBeUndefined()
    expect(retryAfter('soon', NOW)).toBeUndefined()
    expect(retryAfter('-3', NOW)).toBeUndefined()
  })
})

describe('fail() for network jobs', () => {
  test('`final` fails at once, attempts left or not, keeping the response on the error', () => {
    const response = { status: 400, statusText: 'Bad Request', headers: {}, body: 'no' }
    const failed = fail(runningRequest(), Object.assign(new Error('400'), { code: 'HTTP_STATUS', response }), NOW, 0, { final: true })
    expect(failed).toMatchObject({ state: 'failed', attempt: 1, finishedAt: NOW })
    expect(failed.errors[0]).toMatchObject({ code: 'HTTP_STATUS', response })
  })
  test('`notBefore` delays the retry past the backoff (Retry-After)', () => {
    expect(fail(runningRequest(), new Error('503'), NOW, 0, { notBefore: NOW + 2000 })).toMatchObject({ state: 'delayed', runAt: NOW + 2000 })
    // A Retry-After shorter than the backoff does not shorten it.
    expect(fail(runningRequest(), new Error('503'), NOW, 0, { notBefore: NOW + 10 })).toMatchObject({ state: 'delayed', runAt: NOW + 100 })
  })
})

describe('offline()', () => {
  test('puts the job back in the queue without using up the attempt, and keeps the error', () => {
    const back = offline(runningRequest(), Object.assign(new Error('Failed to fetch'), { code: 'NETWORK' }), NOW)
    expect(back).toMatchObject({ state: 'queued', attempt: 0, claims: 1 })
    expect(back).not.toHaveProperty('startedAt')
    expect(back).not.toHaveProperty('owner')
    expect(back).not.toHaveProperty('leaseExpiresAt')
    expect(back.errors).toEqual([{ name: 'Error', message: 'Failed to fetch', stack: expect.any(String), code: 'NETWORK', at: NOW, times: 1 }])
  })
  test('sightings in a row are one entry with the latest time; a failed attempt in between starts a new one', () => {
    const down = (record: JobRecord, at: number) => offline(start(claim(record, 'sw-1', at, 30_000), at), Object.assign(new Error('Failed to fetch'), { code: 'NETWORK' }), at)
    let record = runningRequest()
    record = offline(record, Object.assign(new Error('Failed to fetch'), { code: 'NETWORK' }), NOW)
    for (let i = 1; i <= 3; i++) record = down(record, NOW + i)
    expect(record.errors.map((e) => [e.at, e.times])).toEqual([[NOW + 3, 4]])
    // 503: retried 100 ms later (the backoff), when the network is gone again.
    record = fail(start(claim(record, 'sw-1', NOW + 4, 30_000), NOW + 4), new Error('503'), NOW + 4, 0)
    record = down(promote(record), NOW + 105)
    record = down(record, NOW + 106)
    expect(record.errors.map((e) => [e.message, e.at, e.times])).toEqual([
      ['Failed to fetch', NOW + 3, 4],
      ['503', NOW + 4, undefined],
      ['Failed to fetch', NOW + 106, 2],
    ])
  })
  test('sightings before a cancel and retry() stay apart from those after', () => {
    const error = Object.assign(new Error('Failed to fetch'), { code: 'NETWORK' })
    let record = offline(runningRequest(), error, NOW + 1)
    record = retry(cancel(record, NOW + 2), NOW + 3)
    record = offline(start(claim(record, 'sw-1', NOW + 4, 30_000), NOW + 4), error, NOW + 4)
    expect(record.errors.map((e) => [e.at, e.times])).toEqual([
      [NOW + 1, 1],
      [NOW + 4, 1],
    ])
  })
  test('never ends a job, however often the network is down', () => {
    let record = runningRequest()
    for (let i = 0; i < 10; i++) record = start(claim(offline(record, new Error('down'), NOW), 'sw-1', NOW, 30_000), NOW)
    expect(record).toMatchObject({ state: 'running', attempt: 1, claims: 11 })
  })
})

describe('retriable', () => {
  test('408, 429 and 5xx retry by default; other statuses do not', () => {
    expect([408, 429, 500, 502, 503, 599].map((s) => retriable(s, undefined))).toEqual(Array(6).fill(true))
    expect([400, 401, 403, 404, 409, 422].map((s) => retriable(s, undefined))).toEqual(Array(6).fill(false))
  })
  test('`retryOn` replaces the default list', () => {
    expect(retriable(409, [409])).toBe(true)
    expect(retriable(503, [409])).toBe(false)
  })
})

describe('probeWith()', () => {
  const sighting = (at: number) => ({ name: 'ErrandError', message: 'No response', stack: '', code: 'NETWORK', at, times: 1 })
  const job = (id: string, runAt: number, errors: JobRecord['errors'] = []) => queuedJob({ id, kind: 'network', runAt, errors })
  const probe = (queued: JobRecord[]) => probeWith(queued).map((r) => r.id)

  test('takes the first job when none was refused, and none of none', () => {
    expect(probe([job('a', NOW), job('b', NOW), job('c', NOW - 10)])).toEqual(['c'])
    expect(probe([job('a', NOW), job('b', NOW)])).toEqual(['a'])
    expect(probe([])).toEqual([])
  })
  test('takes turns: a job refused is tried again only after those that became due before it was refused', () => {
    // `a` (due first) was refused at NOW + 10; `b` became due at NOW + 5, `c` at NOW + 20.
    const a = job('a', NOW, [sighting(NOW + 10)])
    expect(probe([a, job('b', NOW + 5), job('c', NOW + 20)])).toEqual(['b'])
    expect(probe([a, job('b', NOW + 5, [sighting(NOW + 30)]), job('c', NOW + 20)])).toEqual(['a'])
    expect(probe([job('a', NOW, [sighting(NOW + 40)]), job('b', NOW + 5, [sighting(NOW + 30)]), job('c', NOW + 20)])).toEqual(['c'])
  })
  test('a failed attempt (no `times`) is no refusal: that job counts from when it became due', () => {
    const failed = { name: 'HttpStatusError', message: '503', stack: '', code: 'HTTP_STATUS', at: NOW + 50 }
    expect(probe([job('a', NOW + 60, [failed]), job('b', NOW + 70, [sighting(NOW + 55)])])).toEqual(['b'])
  })
})
