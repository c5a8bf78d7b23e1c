// Type tests for the typed registry, checked by `npm run typecheck` (tsc). Every
// expect-error directive below marks a mistake users make; if one stopped being an error, tsc fails.
import { expectTypeOf } from 'vitest'
import { defineJobs } from '../../src/worker.js'
import { openQueue, type AddAllHandles, type AddAllItem, type AnyJobHandleOf, type HttpResponse, type Job, type JobHandle, type Queue, type StoredRequest } from '../../src/index.js'

const jobs = defineJobs({
  async thumbnail(input: { file: Blob; size: number }, ctx) {
    expectTypeOf(ctx.attempt).toEqualTypeOf<number>()
    expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>()
    ctx.progress(0.5)
    ctx.log('decoding', input.size)
    return { blob: input.file, width: input.size }
  },
  sum(input: { values: number[] }) {
    return input.values.reduce((a, b) => a + b, 0)
  },
  ping() {
    return 'pong' as const
  },
})
type Jobs = typeof jobs

// @ts-expect-error: `request` is the network jobs' name, and add('request') refuses it at run time
defineJobs({ request: () => 1 })

declare const file: Blob
const queue = openQueue<Jobs>('media', { worker: () => new Worker('jobs.js', { type: 'module' }) })

async function typed() {
  const thumb = await queue.add('thumbnail', { file, size: 256 })
  expectTypeOf(thumb).toEqualTypeOf<JobHandle<{ file: Blob; size: number }, { blob: Blob; width: number }, 'thumbnail'>>()
  expectTypeOf(await thumb.result()).toEqualTypeOf<{ blob: Blob; width: number }>()
  expectTypeOf(await (await queue.add('sum', { values: [1, 2] })).result()).toEqualTypeOf<number>()
  expectTypeOf(await (await queue.add('sum', { values: [1, 2] }, { transfer: true })).result()).toEqualTypeOf<number>()
  expectTypeOf(await (await queue.add('ping', undefined)).result()).toEqualTypeOf<'pong'>()
  for (const job of await queue.list({ largePayloads: false })) {
    if (job.name !== 'thumbnail') continue
    expectTypeOf(job.payload).toEqualTypeOf<{ file: Blob; size: number } | undefined>()
    // @ts-expect-error: a payload stored apart was left out, so it may be undefined
    void job.payload.file
  }
  for (const job of await queue.list()) if (job.name === 'thumbnail') expectTypeOf(job.payload).toEqualTypeOf<{ file: Blob; size: number }>()

  // @ts-expect-error: no handler named "thumbnails"
  await queue.add('thumbnails', { file, size: 256 })
  // @ts-expect-error: `size` must be a number
  await queue.add('thumbnail', { file, size: '256' })
  // @ts-expect-error: `file` is missing
  await queue.add('thumbnail', { size: 256 })
  // @ts-expect-error: `attempt` is not an option (it is `attempts`)
  await queue.add('sum', { values: [] }, { attempt: 3 })
  // @ts-expect-error: backoff type is 'fixed' | 'exponential'
  await queue.add('sum', { values: [] }, { backoff: { type: 'linear' } })

  const handles = await queue.addAll([
    { name: 'sum', payload: { values: [1] } },
    { name: 'thumbnail', payload: { file, size: 1 }, options: { priority: 1 } },
  ])
  // A list written inline is typed item by item, in order.
  expectTypeOf(handles).toEqualTypeOf<[JobHandle<{ values: number[] }, number, 'sum'>, JobHandle<{ file: Blob; size: number }, { blob: Blob; width: number }, 'thumbnail'>]>()
  expectTypeOf(await handles[0].result()).toEqualTypeOf<number>()
  // A list of one kind, built with map(): handles of that kind, no cast.
  const sums = await queue.addAll([[1], [2, 3]].map((values) => ({ name: 'sum' as const, payload: { values } })))
  expectTypeOf(sums).toEqualTypeOf<JobHandle<{ values: number[] }, number, 'sum'>[]>()
  expectTypeOf(await Promise.all(sums.map((h) => h.result()))).toEqualTypeOf<number[]>()
  // A list of several kinds: each handle is one of them.
  const mixed: AddAllItem<Jobs>[] = []
  const some = await queue.addAll(mixed)
  expectTypeOf(some).toEqualTypeOf<AnyJobHandleOf<Jobs>[]>()
  const one = some[0]!
  if (one.name === 'sum') expectTypeOf(await one.result()).toEqualTypeOf<number>()
  if (one.name === 'thumbnail') expectTypeOf((await one.result()).width).toEqualTypeOf<number>()
  const readonlyMixed: readonly AddAllItem<Jobs>[] = mixed
  expectTypeOf(await queue.addAll(readonlyMixed)).toEqualTypeOf<AnyJobHandleOf<Jobs>[]>()
  expectTypeOf(await queue.addAll([])).toEqualTypeOf<[]>()
  // @ts-expect-error: payload does not match the name
  await queue.addAll([{ name: 'sum', payload: { file, size: 1 } }])
  // A helper generic in the registry passes a list through, typed by AddAllHandles.
  const addEach = <J>(q: Queue<J>, items: AddAllItem<J>[]): Promise<AddAllHandles<J, AddAllItem<J>[]>> => q.addAll(items)
  expectTypeOf(await addEach(queue, mixed)).toEqualTypeOf<AnyJobHandleOf<Jobs>[]>()
  // Each item written inline is checked as add() checks its arguments: a misspelt key is an error, not dropped.
  // @ts-expect-error: `option` is not a key of an item (it is `options`)
  await queue.addAll([{ name: 'sum', payload: { values: [1] }, option: { priority: 1 } }])
  // @ts-expect-error: `priorty` is not an option (it is `priority`)
  await queue.addAll([{ name: 'sum', payload: { values: [1] }, options: { attempts: 2, priorty: 1 } }])
  // @ts-expect-error: `sizes` is not in the payload of thumbnail
  await queue.addAll([{ name: 'sum', payload: { values: [1] } }, { name: 'thumbnail', payload: { file, size: 1, sizes: [2] } }])
  // @ts-expect-error: no handler named "sums"
  await queue.addAll([{ name: 'sums', payload: { values: [1] } }])

  // Events narrow by job name.
  queue.on('completed', ({ job }) => {
    if (job.name === 'sum') expectTypeOf(job.result).toEqualTypeOf<number | undefined>()
    if (job.name === 'thumbnail') expectTypeOf(job.payload).toEqualTypeOf<{ file: Blob; size: number }>()
  })
  queue.on('progress', ({ progress, jobId }) => {
    expectTypeOf(progress).toEqualTypeOf<number>()
    expectTypeOf(jobId).toEqualTypeOf<string>()
  })
  // @ts-expect-error: no such event
  queue.on('finished', () => {})

  // Network jobs: the body type follows responseType; they are named 'request', kind 'network'.
  const posted = await queue.request('/api/notes', { method: 'POST', body: { text: 'hi' } })
  expectTypeOf(posted.name).toEqualTypeOf<'request'>()
  expectTypeOf(await posted.result()).toEqualTypeOf<HttpResponse<unknown>>()
  expectTypeOf((await (await queue.request<'json', { id: number }>('/api/notes', undefined, { responseType: 'json' })).result()).body).toEqualTypeOf<{ id: number }>()
  expectTypeOf((await (await queue.request('/file', undefined, { responseType: 'blob' })).result()).body).toEqualTypeOf<Blob>()
  expectTypeOf((await (await queue.request(new URL('https://example.test/'), undefined, { responseType: 'none' })).result()).body).toEqualTypeOf<null>()
  // @ts-expect-error: not a response type
  await queue.request('/file', undefined, { responseType: 'xml' })
  // @ts-expect-error: `retries` is not an option (it is `attempts`)
  await queue.request('/file', undefined, { retries: 3 })
  // @ts-expect-error: the input is a URL or a Request
  await queue.request(42)
  // @ts-expect-error: a request's body is stored by the browser, not transferred
  await queue.request('/file', undefined, { transfer: true })
  queue.on('failed', ({ job }) => {
    if (job.kind === 'network') expectTypeOf(job.payload).toEqualTypeOf<StoredRequest>()
    if (job.name === 'request') expectTypeOf(job.result).toEqualTypeOf<HttpResponse | undefined>()
    if (job.name === 'sum') expectTypeOf(job.result).toEqualTypeOf<number | undefined>()
  })

  const again = await queue.job('id')
  if (again?.name === 'sum') expectTypeOf(await again.result()).toEqualTypeOf<number>()
  const stored = await queue.get('id')
  if (stored?.name === 'thumbnail') expectTypeOf(stored).toMatchTypeOf<Job<{ file: Blob; size: number }, { blob: Blob; width: number }>>()
}

async function untyped() {
  // Without a registry (plain JavaScript), any name and payload go; results are unknown.
  const loose = openQueue('loose')
  const job = await loose.add('anything', { at: 1 })
  expectTypeOf(await job.result()).toEqualTypeOf<unknown>()
}

void typed
void untyped
