// Case 6: network replay. The page is controlled by bench/page/sw.ts. Node (bench/run.mjs)
// owns the HTTP server and switches it off and on between the page calls:
//   1. server refusing: networkQueue() adds `count` POSTs of `bytes` through errand, and
//      networkFillBaseline() pushes the same into workbox's own Queue;
//   2. server back: networkReplay() times errand from queue.start() + replay() (the queue
//      was paused, so nothing sent them while the baselines ran) to the last result(),
//      networkReplayBaseline() times workbox's replayRequests(), networkDirect() times
//      `count` fetch() calls in parallel.
import { deleteQueue, openQueue, type Queue, type RequestHandle } from 'errand'
import { unique } from './util'

let queue: Queue | undefined
let handles: RequestHandle[] = []

async function controlled(): Promise<ServiceWorker> {
  const container = navigator.serviceWorker
  await container.register('/sw.js')
  if (!container.controller) await new Promise((resolve) => container.addEventListener('controllerchange', resolve, { once: true }))
  return container.controller!
}

function ask<T>(worker: ServiceWorker, message: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = ({ data }: MessageEvent<{ ok: boolean; value?: T; error?: string }>) => (data.ok ? resolve(data.value as T) : reject(new Error(data.error)))
    worker.postMessage(message, [channel.port2])
  })
}

const body = (bytes: number, i: number) => `${i}:`.padEnd(bytes, 'a')

export async function networkQueue({ url, count, bytes }: { url: string; count: number; bytes: number }): Promise<{ mode: string; queued: number }> {
  await controlled()
  queue = openQueue(unique('network'))
  const { mode } = await queue.capabilities()
  handles = []
  for (let i = 0; i < count; i++) handles.push(await queue.request(url, { method: 'POST', body: body(bytes, i), headers: { 'content-type': 'text/plain' } }, { responseType: 'none' }))
  // Every add asked the service worker to send; with the server refusing, all stay queued.
  for (;;) {
    const counts = await queue.counts()
    if (counts.running === 0) {
      // Held until networkReplay(): nothing (a sync event, a timer) may send them while the baselines run.
      await queue.pause()
      return { mode, queued: counts.queued }
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export async function networkReplay(): Promise<{ ms: number; completed: number }> {
  const started = performance.now()
  await queue!.start()
  await queue!.replay()
  const results = await Promise.all(handles.map((h) => h.result()))
  const ms = performance.now() - started
  await deleteQueue(queue!.name)
  return { ms, completed: results.filter((r) => r.status >= 200 && r.status < 300).length }
}

export async function networkFillBaseline({ url, count, bytes }: { url: string; count: number; bytes: number }): Promise<number> {
  return ask<number>(await controlled(), { bench: 'push', url, count, bytes })
}

export async function networkReplayBaseline(): Promise<{ ms: number; left: number }> {
  return ask<{ ms: number; left: number }>(await controlled(), { bench: 'replay' })
}

export async function networkDirect({ url, count, bytes }: { url: string; count: number; bytes: number }): Promise<{ ms: number; ok: number }> {
  const started = performance.now()
  const responses = await Promise.all(Array.from({ length: count }, (_, i) => fetch(url, { method: 'POST', body: body(bytes, i), headers: { 'content-type': 'text/plain' } })))
  return { ms: performance.now() - started, ok: responses.filter((r) => r.ok).length }
}
