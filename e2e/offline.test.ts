// Network jobs while the server is down: how often the senders try (one probe per trigger, not
// a pass of requests), what a job keeps of it, and sending again once a server answers, also
// after the service worker was stopped.
import { expect, isolatedTest, test, uniqueQueueName } from './helpers'
import { allWaiting, leaveAndStopServiceWorker, openNet, post, resultOf, useNetServer } from './net-helpers'

const net = useNetServer()

test('with the server down, each trigger probes with one request, not a pass of 12; once a server answers, requests go out several at once again', async ({ page }) => {
  test.setTimeout(60_000)
  expect(await openNet(page, { queue: uniqueQueueName() })).toBe('sw')
  await net.server.stop()
  const sent = await post(page, `${net.server.url}/probe`, 30)
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
  net.server.fault = { kind: 'slow', ms: 300 }
  await net.server.start()
  await page.evaluate(() => window.errandNet.replay())
  const results = await Promise.all(sent.map(({ id }) => resultOf(page, id)))
  expect(results.map((r) => ('status' in r ? r.status : r.error.message))).toEqual(Array(30).fill(201))
  const at = net.server.received.map((r) => r.at).sort((a, b) => a - b)
  expect(at.some((t, i) => i > 0 && t - at[i - 1]! < 300)).toBe(true)
})

test('a job whose request never gets a response does not hold back the jobs behind it once the server is back', async ({ page }) => {
  test.setTimeout(60_000)
  expect(await openNet(page, { queue: uniqueQueueName() })).toBe('sw')
  // The oldest job goes to port 1, which the browser refuses to fetch (and no other test's server can take, as a
  // freed port could be): it never gets a response, like a request the browser blocks (CORS).
  await net.server.stop()
  const [lost] = await post(page, 'http://127.0.0.1:1/never', 1, { attempts: 1 })
  await post(page, `${net.server.url}/behind`, 5)
  // The oldest job was refused (the first pass sends it), so the sender thinks the network is down.
  await expect.poll(() => page.evaluate((id) => window.errandNet.get(id).then((j) => j?.errors.some((e) => e.code === 'NETWORK')), lost!.id), { timeout: 30_000 }).toBe(true)
  await expect.poll(() => allWaiting(page), { timeout: 30_000 }).toBe(true)
  await net.server.start()
  // Each pass probes with one job, taking turns; once one gets an answer, the rest go. Probing
  // with the oldest job each time would never get past it.
  await expect
    .poll(
      async () => {
        await page.evaluate(() => window.errandNet.replay())
        return net.server.received.filter((r) => r.path === '/behind' && r.status === 201).length
      },
      { timeout: 30_000 },
    )
    .toBe(5)
  // Sent beside requests that got answers, its attempt counted, and it had one.
  expect(await resultOf(page, lost!.id)).toMatchObject({ error: { name: 'JobFailedError' } })
})

test('once the server is back, what waited goes out by itself within seconds, also after a burst of adds', async ({ page }) => {
  test.setTimeout(60_000)
  expect(await openNet(page, { queue: uniqueQueueName(), backgroundSync: false })).toBe('sw')
  await net.server.stop()
  await post(page, `${net.server.url}/later`, 10)
  await expect.poll(() => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.some((j) => j.errors.some((e) => e.code === 'NETWORK'))))).toBe(true)
  // The page's first try after its backoff (1 s) finds the server still down.
  await page.waitForTimeout(1500)
  await net.server.start()
  // No add, no replay() and no sync event from here: the page tries again after its backoff
  // (1 s, 2 s, 4 s…), which doubles once per try, not once per pass that found no network
  // (the 10 adds had pushed it to a minute).
  await expect.poll(() => net.server.received.filter((r) => r.status === 201).length, { timeout: 20_000 }).toBe(10)
})

isolatedTest('without Background Sync, the service worker sends what waited when it starts again, with no page open', async ({ context, page }) => {
  test.setTimeout(60_000)
  expect(await openNet(page, { queue: uniqueQueueName(), backgroundSync: false })).toBe('sw')
  await net.server.stop()
  const sent = await post(page, `${net.server.url}/on-start`, 5)
  // The service worker tried and found no network.
  await expect.poll(() => page.evaluate(() => window.errandNet.all().then((jobs) => jobs.some((j) => j.errors.some((e) => e.code === 'NETWORK'))))).toBe(true)
  const worker = await leaveAndStopServiceWorker(context, page)
  await net.server.start()
  await new Promise((resolve) => setTimeout(resolve, 1000))
  expect(net.server.received).toHaveLength(0) // nothing woke it: no page, no sync event
  await worker.start()
  await expect.poll(() => net.server.received.filter((r) => r.status === 201).length, { timeout: 20_000 }).toBe(5)
  expect(net.server.received.map((r) => r.sender)).toEqual(Array(5).fill('sw'))
  expect(new Set(net.server.received.map((r) => r.sha256))).toEqual(new Set(sent.map((s) => s.sha256)))
})

isolatedTest('a service worker that starts again while the server is still down probes with one request, not one per job', async ({ context, page }) => {
  test.setTimeout(60_000)
  const queue = uniqueQueueName()
  expect(await openNet(page, { queue, backgroundSync: false })).toBe('sw')
  await net.server.stop()
  await post(page, `${net.server.url}/still-down`, 6)
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
