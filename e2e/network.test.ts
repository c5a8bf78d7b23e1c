// Network jobs end to end: the fixture's service worker (errand/sw, built the README's way)
// or the page itself sends `queue.request()` jobs to a real HTTP server on 127.0.0.1
// that can refuse connections, fail with a status, or answer slowly.
import type { BrowserContext, Page } from '@playwright/test'
import { expect, isolatedTest, test, uniqueQueueName } from './helpers'
import { startNetServer, type NetServer } from '../scripts/net-server.mjs'
import type { NetOpenOptions } from './fixture/net-api'

let server: NetServer
test.beforeEach(async () => {
  server = await startNetServer()
})
test.afterEach(async () => {
  await server.close()
})

async function openNet(page: Page, options: NetOpenOptions): Promise<string> {
  await page.goto('/network.html')
  await page.waitForFunction(() => 'errandNet' in window)
  const { mode } = await page.evaluate((o) => window.errandNet.open(o), options)
  return mode
}

test('server down → 50 POSTs of 10 KiB → server up → every job completes, each body received intact once', async ({ page }) => {
  test.setTimeout(60_000)
  const queue = uniqueQueueName()
  expect(await openNet(page, { queue })).toBe('sw')
  await server.stop()
  const url = `${server.url}/notes`
  const sent: { id: string; sha256: string[] }[] = []
  for (let i = 0; i < 50; i++) sent.push(await page.evaluate(([u, n]) => window.errandNet.request(u, { method: 'POST', headers: { 'content-type': 'text/plain' } }, { kind: 'text', size: 10_240, seed: `note-${n}` }), [url, i] as const))
  // Nothing got through; the jobs wait, none failed, and no attempt was used: neither by the
  // requests that found the server down nor by those claimed ahead and given back unsent.
  // (Each add asks the service worker for a pass, which finds the server down: slow on a loaded machine.)
  await expect.poll(() => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.map((j) => `${j.state} ${j.attempt}`))), { timeout: 30_000 }).toEqual(Array(50).fill('queued 0'))
  await server.start()
  await page.evaluate(() => window.errandNet.replay())
  const results = await Promise.all(sent.map(({ id }) => page.evaluate((jobId) => window.errandNet.result(jobId), id)))
  expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(50).fill(201))
  const ok = server.received.filter((r) => r.status === 201)
  expect(new Set(ok.map((r) => r.sha256))).toEqual(new Set(sent.map((s) => s.sha256[0])))
  expect(ok).toHaveLength(50)
  expect([...server.committed.values()].every((n) => n === 1)).toBe(true)
  expect(server.committed.size).toBe(50)
  expect(ok.every((r) => r.size === 10_240 && r.authorization === 'Bearer e2e-secret-token')).toBe(true)
})

/** Starts `count` text POSTs and returns their ids and body hashes. */
async function post(page: Page, url: string, count: number, options: Record<string, unknown> = {}, prefix = 'body'): Promise<{ id: string; sha256: string }[]> {
  const out: { id: string; sha256: string }[] = []
  for (let i = 0; i < count; i++) {
    const { id, sha256 } = await page.evaluate(([u, seed, o]) => window.errandNet.request(u, { method: 'POST', headers: { 'content-type': 'text/plain' } }, { kind: 'text', size: 10_240, seed }, o), [url, `${prefix}-${i}`, options] as const)
    out.push({ id, sha256: sha256[0]! })
  }
  return out
}

const resultOf = (page: Page, id: string) => page.evaluate((jobId) => window.errandNet.result(jobId), id)

test('with the server down, each trigger probes with one request, not a pass of 12; once a server answers, requests go out several at once again', async ({ page }) => {
  test.setTimeout(60_000)
  expect(await openNet(page, { queue: uniqueQueueName() })).toBe('sw')
  await server.stop()
  const sent = await post(page, `${server.url}/probe`, 30)
  await expect.poll(() => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.map((j) => `${j.state} ${j.attempt}`))), { timeout: 30_000 }).toEqual(Array(30).fill('queued 0'))
  // Every refused request is counted on its job: one NETWORK entry for refusals in a row, its
  // `times` how many. After the first pass found no network, each trigger probes with one
  // request, not a pass's worth of them. The triggers are the 30 adds and the sync events that
  // follow passes finding no network (Chromium thinks it is online, so it fires them at once);
  // a pass of 12 at once left about 200.
  const refusals = () => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.flatMap((j) => j.errors).filter((e) => e.code === 'NETWORK').reduce((n, e) => n + (e.times ?? 1), 0)))
  await expect.poll(refusals).toBeGreaterThan(0)
  const refused = await refusals()
  // Refusals of a job in a row are one entry, however many they were (the probes take turns among the jobs).
  expect(await page.evaluate(() => window.errandNet.all().then((jobs) => Math.max(...jobs.map((j) => j.errors.length))))).toBe(1)
  expect(refused).toBeLessThanOrEqual(2 * 30)
  // Then the sender waits for a trigger, and the page tries again after 1 s, 2 s, 4 s…: the page
  // and the service worker used to wake each other every few ms (40 or so refusals in this time).
  await page.waitForTimeout(800)
  expect(await refusals()).toBeLessThanOrEqual(refused + 2)
  // Back up, each answer 300 ms late: one sender at a time would receive them at least 300 ms apart.
  server.fault = { kind: 'slow', ms: 300 }
  await server.start()
  await page.evaluate(() => window.errandNet.replay())
  const results = await Promise.all(sent.map(({ id }) => resultOf(page, id)))
  expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(30).fill(201))
  const at = server.received.map((r) => r.at).sort((a, b) => a - b)
  expect(at.some((t, i) => i > 0 && t - at[i - 1]! < 300)).toBe(true)
})

/** The URLs this page requested of the page's network sender, a chunk of its own that errand loads with import(). */
function senderLoads(page: Page): string[] {
  const urls: string[] = []
  page.on('request', (request) => {
    if (/\/assets\/sender-[^/]*\.js$/.test(new URL(request.url()).pathname)) urls.push(request.url())
  })
  return urls
}

const allWaiting = (page: Page) => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.every((j) => j.state === 'queued' && j.attempt === 0)))

test('a job whose request never gets a response does not hold back the jobs behind it once the server is back', async ({ page }) => {
  test.setTimeout(60_000)
  expect(await openNet(page, { queue: uniqueQueueName() })).toBe('sw')
  // The oldest job goes to a port where nothing listens: it never gets a response, like a request the browser blocks (CORS).
  const nowhere = await startNetServer()
  await nowhere.close()
  await server.stop()
  const [lost] = await post(page, `${nowhere.url}/never`, 1, { attempts: 1 })
  await post(page, `${server.url}/behind`, 5)
  // The oldest job was refused (the first pass sends it), so the sender thinks the network is down.
  await expect.poll(() => page.evaluate((id) => window.errandNet.get(id).then((j) => j?.errors.some((e) => e.code === 'NETWORK')), lost!.id), { timeout: 30_000 }).toBe(true)
  await expect.poll(() => allWaiting(page), { timeout: 30_000 }).toBe(true)
  await server.start()
  // Each pass probes with one job, taking turns; once one gets an answer, the rest go. Probing
  // with the oldest job each time would never get past it.
  await expect
    .poll(
      async () => {
        await page.evaluate(() => window.errandNet.replay())
        return server.received.filter((r) => r.path === '/behind' && r.status === 201).length
      },
      { timeout: 30_000 },
    )
    .toBe(5)
  // Sent beside requests that got answers, its attempt counted, and it had one.
  expect(await resultOf(page, lost!.id)).toMatchObject({ error: { name: 'JobFailedError' } })
})

test('status policy: 503 with Retry-After waits, 400 fails at once with its status, 500 × 2 then 200 completes on attempt 3 with one Idempotency-Key', async ({ page }) => {
  test.setTimeout(60_000)
  expect(await openNet(page, { queue: uniqueQueueName() })).toBe('sw')
  const fast = { backoff: { type: 'fixed', delay: 100 }, attempts: 5 }

  server.fault = { kind: 'status', status: 503, times: 1, retryAfter: '2' }
  const [unavailable] = await post(page, `${server.url}/a`, 1, fast)
  expect(await resultOf(page, unavailable!.id)).toMatchObject({ status: 201 })
  const [first, second] = server.received.filter((r) => r.path === '/a')
  expect(first?.status).toBe(503)
  expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000)
  expect(await page.evaluate((id) => window.errandNet.get(id), unavailable!.id)).toMatchObject({ state: 'completed', attempt: 2 })

  server.fault = { kind: 'status', status: 400, times: 1 }
  const [bad] = await post(page, `${server.url}/b`, 1, fast)
  expect(await resultOf(page, bad!.id)).toMatchObject({ error: { name: 'JobFailedError', statuses: [400], codes: ['HTTP_STATUS'] } })
  expect(server.received.filter((r) => r.path === '/b')).toHaveLength(1)

  server.fault = { kind: 'status', status: 500, times: 2 }
  const [flaky] = await post(page, `${server.url}/c`, 1, fast)
  expect(await resultOf(page, flaky!.id)).toMatchObject({ status: 201 })
  expect(await page.evaluate((id) => window.errandNet.get(id), flaky!.id)).toMatchObject({ state: 'completed', attempt: 3 })
  const tries = server.received.filter((r) => r.path === '/c')
  expect(tries.map((r) => r.status)).toEqual([500, 500, 201])
  expect(new Set(tries.map((r) => r.key)).size).toBe(1)
  expect(tries[0]!.key).toMatch(/^[0-9a-f-]{36}$/)
})

test('the page that was closed while 20 requests waited gets their completions when it comes back; a reload does not get them again', async ({ context, page }) => {
  test.setTimeout(60_000)
  const queue = uniqueQueueName()
  expect(await openNet(page, { queue })).toBe('sw')
  await server.stop()
  const sent = await post(page, `${server.url}/later`, 20)
  await page.close()

  // A real `sync` event, as the browser would fire once it is online.
  const helper = await context.newPage()
  await helper.goto('/network.html')
  const cdp = await context.newCDPSession(helper)
  const registration = new Promise<{ registrationId: string; scopeURL: string }>((resolve) =>
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const found = registrations.find((r: { isDeleted: boolean }) => !r.isDeleted)
      if (found) resolve(found)
    }),
  )
  await cdp.send('ServiceWorker.enable')
  const { registrationId, scopeURL } = await registration
  await helper.goto('about:blank') // no page of the origin is open now; the CDP session stays
  await server.start()
  // No page is open: nothing is sent until the sync event comes.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  expect(server.received).toHaveLength(0)
  await cdp.send('ServiceWorker.dispatchSyncEvent', { origin: new URL(scopeURL).origin, registrationId, tag: 'workbox-background-sync:errand', lastChance: false })
  await expect.poll(() => server.received.filter((r) => r.status === 201).length, { timeout: 20_000 }).toBe(20)

  const again = await context.newPage()
  await openNet(again, { queue })
  await expect.poll(() => again.evaluate(() => window.errandNet.events('completed').length)).toBe(20)
  const completed = await again.evaluate(() => window.errandNet.events('completed').map((e) => e.jobId))
  expect(new Set(completed)).toEqual(new Set(sent.map((s) => s.id)))
  // Delivered here, so acknowledged: once no outcome is left unseen, a reload replays nothing.
  await expect.poll(() => again.evaluate(() => window.errandNet.unseenMarks())).toBe(0)
  await again.reload()
  await openNet(again, { queue })
  await again.waitForTimeout(500)
  expect(await again.evaluate(() => window.errandNet.events('completed').length)).toBe(0)
})

/**
 * Leaves the origin (the page goes to about:blank; its CDP session stays) and stops the
 * origin's service worker, which then runs only when something starts it: `start()`.
 */
async function leaveAndStopServiceWorker(context: BrowserContext, page: Page): Promise<{ start(): Promise<void> }> {
  const cdp = await context.newCDPSession(page)
  const versions = new Map<string, string>()
  let scopeURL = ''
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }) => {
    for (const v of updated as { versionId: string; runningStatus: string }[]) versions.set(v.versionId, v.runningStatus)
  })
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    scopeURL = registrations.find((r: { isDeleted: boolean }) => !r.isDeleted)?.scopeURL ?? scopeURL
  })
  await cdp.send('ServiceWorker.enable')
  await expect.poll(() => scopeURL).not.toBe('')
  await page.goto('about:blank')
  await expect.poll(() => [...versions.values()].includes('running')).toBe(true)
  for (const [versionId, status] of versions) if (status === 'running') await cdp.send('ServiceWorker.stopWorker', { versionId })
  await expect.poll(() => [...versions.values()].includes('running')).toBe(false)
  return { start: async () => void (await cdp.send('ServiceWorker.startWorker', { scopeURL })) }
}

isolatedTest('without Background Sync, the service worker sends what waited when it starts again, with no page open', async ({ context, page }) => {
  test.setTimeout(60_000)
  expect(await openNet(page, { queue: uniqueQueueName(), backgroundSync: false })).toBe('sw')
  await server.stop()
  const sent = await post(page, `${server.url}/on-start`, 5)
  // The service worker tried and found no network.
  await expect.poll(() => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.some((j) => j.errors.some((e) => e.code === 'NETWORK'))))).toBe(true)
  const worker = await leaveAndStopServiceWorker(context, page)
  await server.start()
  await new Promise((resolve) => setTimeout(resolve, 1000))
  expect(server.received).toHaveLength(0) // nothing woke it: no page, no sync event
  await worker.start()
  await expect.poll(() => server.received.filter((r) => r.status === 201).length, { timeout: 20_000 }).toBe(5)
  expect(server.received.map((r) => r.sender)).toEqual(Array(5).fill('sw'))
  expect(new Set(server.received.map((r) => r.sha256))).toEqual(new Set(sent.map((s) => s.sha256)))
})

isolatedTest('a service worker that starts again while the server is still down probes with one request, not one per job', async ({ context, page }) => {
  test.setTimeout(60_000)
  const queue = uniqueQueueName()
  expect(await openNet(page, { queue, backgroundSync: false })).toBe('sw')
  await server.stop()
  await post(page, `${server.url}/still-down`, 6)
  await expect.poll(() => allWaiting(page), { timeout: 30_000 }).toBe(true)
  const refusals = () => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.flatMap((j) => j.errors).reduce((n, e) => n + (e.code === 'NETWORK' ? (e.times ?? 1) : 0), 0)))
  await expect.poll(refusals).toBeGreaterThan(0)
  const before = await refusals()
  const worker = await leaveAndStopServiceWorker(context, page)
  // Its start-up pass knows nothing of the last one, but the next job's last send got no
  // response: it probes. Then the page opens again, which asks for one more pass.
  await worker.start()
  await page.waitForTimeout(2000)
  await openNet(page, { queue, backgroundSync: false })
  await expect.poll(refusals).toBeGreaterThanOrEqual(before + 2)
  await page.waitForTimeout(500)
  // A full pass would have sent all 6 at the start-up alone (a page may ask twice as it opens).
  expect(await refusals()).toBeLessThanOrEqual(before + 4)
})

isolatedTest('the service worker stopped in the middle of replaying 30 requests: all 30 complete, none lost, none committed twice', async ({ context, page }) => {
  test.setTimeout(90_000)
  const queue = uniqueQueueName()
  expect(await openNet(page, { queue })).toBe('sw')
  await server.stop()
  const sent = await post(page, `${server.url}/batch`, 30)
  await server.start()
  server.fault = { kind: 'slow', ms: 150 }
  const cdp = await context.newCDPSession(page)
  const versions = new Map<string, string>()
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }) => {
    for (const v of updated as { versionId: string; runningStatus: string }[]) versions.set(v.versionId, v.runningStatus)
  })
  await cdp.send('ServiceWorker.enable')
  // Not awaited: its answer never comes, the service worker that would send it is stopped.
  void page.evaluate(() => window.errandNet.replay()).catch(() => {})
  await expect.poll(() => server.received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(5)
  const running = () => [...versions].filter(([, status]) => status === 'running').map(([id]) => id)
  await expect.poll(() => running().length).toBeGreaterThan(0)
  for (const versionId of running()) await cdp.send('ServiceWorker.stopWorker', { versionId })
  const stoppedAt = server.received.length
  expect(stoppedAt).toBeLessThan(30)
  server.fault = { kind: 'none' }
  // A page asks again (as on `online`, a new job, or queue.replay()): a new one, as a user
  // coming back would (and because Chromium's stopAllWorkers sometimes closed the whole
  // context in this test, the running version alone is stopped above).
  const later = await context.newPage()
  expect(await openNet(later, { queue })).toBe('sw')
  await later.evaluate(() => window.errandNet.replay())
  const results = await Promise.all(sent.map(({ id }) => resultOf(later, id)))
  expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(30).fill(201))
  expect(server.committed.size).toBe(30)
  expect([...server.committed.values()].every((n) => n === 1)).toBe(true)
  expect(new Set(server.received.filter((r) => r.status === 201).map((r) => r.sha256))).toEqual(new Set(sent.map((s) => s.sha256)))
})

test('a 5 MiB Blob and a FormData with two files survive a reload while the server is down and arrive byte-identical', async ({ page }) => {
  test.setTimeout(60_000)
  const queue = uniqueQueueName()
  expect(await openNet(page, { queue })).toBe('sw')
  await server.stop()
  const blob = await page.evaluate((u) => window.errandNet.request(u, { method: 'PUT' }, { kind: 'blob', size: 5 * 1024 * 1024 }), `${server.url}/blob`)
  const form = await page.evaluate((u) => window.errandNet.request(u, { method: 'POST' }, { kind: 'form', files: [{ name: 'a.bin', size: 300_000 }, { name: 'b.bin', size: 1_200_000 }], fields: { note: 'two files' } }), `${server.url}/form`)
  await page.reload()
  expect(await openNet(page, { queue })).toBe('sw')
  await server.start()
  await page.evaluate(() => window.errandNet.replay())
  expect(await resultOf(page, blob.id)).toMatchObject({ status: 201 })
  expect(await resultOf(page, form.id)).toMatchObject({ status: 201 })
  const blobReceived = server.received.find((r) => r.path === '/blob' && r.status === 201)
  expect(blobReceived).toMatchObject({ method: 'PUT', size: 5 * 1024 * 1024, sha256: blob.sha256[0] })
  expect(server.received.find((r) => r.path === '/form' && r.status === 201)?.files).toEqual(form.sha256)
  // Sent and completed: their bodies (5 MiB and the form) are gone from the store.
  expect(await page.evaluate(() => window.errandNet.bodyChunks())).toBe(0)
})

test('Authorization is in no stored record and is on the wire, added by beforeSend', async ({ page }) => {
  const queue = uniqueQueueName()
  expect(await openNet(page, { queue })).toBe('sw')
  await server.stop()
  const { id } = await page.evaluate((u) => window.errandNet.request(u, { method: 'POST', headers: { authorization: 'Bearer stored-by-mistake', 'x-trace': 'kept' } }, { kind: 'json', value: { hello: 'world' } }), `${server.url}/secret`)
  const stored = await page.evaluate(() => window.errandNet.storedText())
  expect(stored).toContain('x-trace')
  expect(stored).not.toMatch(/stored-by-mistake|e2e-secret-token|authorization/i)
  await server.start()
  await page.evaluate(() => window.errandNet.replay())
  expect(await resultOf(page, id)).toMatchObject({ status: 201 })
  expect(server.received.find((r) => r.path === '/secret')).toMatchObject({ authorization: 'Bearer e2e-secret-token', contentType: 'application/json' })
  expect(await page.evaluate(() => window.errandNet.storedText())).not.toMatch(/e2e-secret-token|authorization/i)
})

test.describe('without a service worker', () => {
  test.use({ serviceWorkers: 'block' })

  test('server down → 50 POSTs → server up: the page sends them itself, mode "page"', async ({ page }) => {
    test.setTimeout(60_000)
    expect(await openNet(page, { queue: uniqueQueueName(), sw: false })).toBe('page')
    expect(await page.evaluate(() => window.errandNet.capabilities())).toMatchObject({ mode: 'page', controlled: false, webLocks: true })
    await server.stop()
    const sent = await post(page, `${server.url}/page`, 50)
    await expect.poll(() => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.every((j) => j.state === 'queued' && j.attempt === 0))), { timeout: 30_000 }).toBe(true)
    await server.start()
    await page.evaluate(() => window.errandNet.replay())
    const results = await Promise.all(sent.map(({ id }) => resultOf(page, id)))
    expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(50).fill(201))
    expect(server.committed.size).toBe(50)
    expect(new Set(server.received.filter((r) => r.status === 201).map((r) => r.sha256))).toEqual(new Set(sent.map((s) => s.sha256)))
    expect(server.received.every((r) => r.authorization === 'Bearer e2e-secret-token')).toBe(true)
  })

  test('the page downloads its sender when it first has to send; after a reload it downloads it again and sends what waited', async ({ page }) => {
    test.setTimeout(60_000)
    const loads = senderLoads(page)
    const queue = uniqueQueueName()
    expect(await openNet(page, { queue, sw: false })).toBe('page')
    await page.waitForTimeout(500)
    expect(loads).toHaveLength(0) // nothing to send yet
    await server.stop()
    const sent = await post(page, `${server.url}/lazy`, 5)
    await expect.poll(() => loads.length).toBe(1)
    await expect.poll(() => allWaiting(page)).toBe(true)
    await page.reload()
    expect(await openNet(page, { queue, sw: false })).toBe('page')
    await server.start()
    await page.evaluate(() => window.errandNet.replay())
    const results = await Promise.all(sent.map(({ id }) => resultOf(page, id)))
    expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(5).fill(201))
    expect(server.received.map((r) => r.sender)).toEqual(Array(5).fill('page'))
    expect(loads.length).toBeGreaterThanOrEqual(2)
  })

  test('offline before its first send, the page does not try to download its sender until it is online, then sends', async ({ context, page }) => {
    test.setTimeout(60_000)
    const loads = senderLoads(page)
    expect(await openNet(page, { queue: uniqueQueueName(), sw: false })).toBe('page')
    await context.setOffline(true)
    const sent = await post(page, `${server.url}/offline`, 3)
    // Long enough for the first pass and its first retry (1 s): a failed import would be remembered by the page.
    await page.waitForTimeout(1500)
    expect(loads).toHaveLength(0)
    expect(await allWaiting(page)).toBe(true)
    await context.setOffline(false)
    const results = await Promise.all(sent.map(({ id }) => resultOf(page, id)))
    expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(3).fill(201))
    expect(loads).toHaveLength(1)
  })

  test('a sender that could not be downloaded is reported as an error, its jobs stay queued, and the next page load sends them', async ({ page }) => {
    test.setTimeout(60_000)
    const queue = uniqueQueueName()
    const chunk = /\/assets\/sender-[^/]*\.js$/
    await page.route(chunk, (route) => route.abort('connectionrefused'))
    expect(await openNet(page, { queue, sw: false })).toBe('page')
    const sent = await post(page, `${server.url}/unloaded`, 3)
    await expect.poll(() => page.evaluate(() => window.errandNet.events('error').map((e) => e.error))).toContainEqual(expect.objectContaining({ name: 'ErrandError', code: 'NETWORK', message: expect.stringContaining("Could not load errand's network sender") }))
    expect(await allWaiting(page)).toBe(true)
    expect(server.received).toHaveLength(0)
    await page.unroute(chunk)
    await page.reload()
    expect(await openNet(page, { queue, sw: false })).toBe('page')
    const results = await Promise.all(sent.map(({ id }) => resultOf(page, id)))
    expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(3).fill(201))
  })
})

test('a page whose service worker sends never downloads the page\'s own sender', async ({ page }) => {
  const loads = senderLoads(page)
  expect(await openNet(page, { queue: uniqueQueueName() })).toBe('sw')
  const [job] = await post(page, `${server.url}/via-sw`, 1)
  expect(await resultOf(page, job!.id)).toMatchObject({ status: 201 })
  await page.evaluate(() => window.errandNet.replay())
  expect(server.received.map((r) => r.sender)).toEqual(['sw'])
  expect(loads).toEqual([])
})

test('a service worker that takes control while the page sends: the rest go through it, none is sent twice', async ({ page }) => {
  test.setTimeout(60_000)
  // Two at a time, 300 ms each: the page is far from done (about 4.5 s) when the service worker takes over.
  expect(await openNet(page, { queue: uniqueQueueName(), sw: false, parallel: 2 })).toBe('page')
  server.fault = { kind: 'slow', ms: 300 }
  const sent = await post(page, `${server.url}/handover`, 30)
  await page.evaluate(() => window.errandNet.registerServiceWorker())
  await expect.poll(() => page.evaluate(() => window.errandNet.mode())).toBe('sw')
  await page.evaluate(() => window.errandNet.replay())
  const results = await Promise.all(sent.map(({ id }) => resultOf(page, id)))
  expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(30).fill(201))
  // Each request went out exactly once: no resend, whoever sent it.
  expect(server.received).toHaveLength(30)
  expect(new Set(server.received.map((r) => r.key)).size).toBe(30)
  // The page sent the first ones, the service worker the rest.
  expect(server.received[0]?.sender).toBe('page')
  expect(server.received.at(-1)?.sender).toBe('sw')
  const jobs = await page.evaluate(() => window.errandNet.all())
  expect(jobs.every((j) => j.state === 'completed' && j.attempt === 1)).toBe(true)
})

test('a request slower than its timeout fails the attempt with JobTimeoutError and is retried', async ({ page }) => {
  expect(await openNet(page, { queue: uniqueQueueName() })).toBe('sw')
  server.fault = { kind: 'slow', ms: 1500 }
  const [slow] = await post(page, `${server.url}/slow`, 1, { timeout: 300, attempts: 2, backoff: { type: 'fixed', delay: 50 } })
  expect(await resultOf(page, slow!.id)).toMatchObject({ error: { name: 'JobTimeoutError', codes: ['JOB_TIMEOUT', 'JOB_TIMEOUT'] } })
  expect(server.received.filter((r) => r.path === '/slow')).toHaveLength(2)
})
