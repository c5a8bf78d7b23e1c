// A leader that is alive but stuck keeps its Web Lock. Here its JavaScript is paused in
// the debugger (headless Chromium ignores frozen lifecycle states) until its heartbeat has not
// changed for a lease: the other tab steals the lead, recovers the job and runs it again. When
// the old leader resumes, its late result must be refused.
import type { BrowserContext, CDPSession, Page } from '@playwright/test'
import { expect, openFixture, test, uniqueQueueName } from './helpers'

/**
 * Pauses `page` between tasks. A page paused in the middle of an IndexedDB transaction
 * keeps it open and blocks every other page (browsers discard frozen pages that do that),
 * so a pause is kept only if `other` can still write to the store (a readwrite transaction
 * waits for any open one, read or write); otherwise resume and retry.
 */
async function pauseOutsideTransactions(cdp: CDPSession, page: Page, other: Page): Promise<void> {
  await cdp.send('Debugger.enable')
  for (let attempt = 0; attempt < 5; attempt++) {
    const paused = new Promise<void>((resolve) => cdp.once('Debugger.paused', () => resolve()))
    await page.evaluate(() => void setTimeout(() => { debugger }, 0)) // eslint-disable-line no-debugger
    await paused
    const writable = await Promise.race([other.evaluate(() => window.errandTest.add('double', { n: 0 }).then(() => true)), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000))])
    if (writable) return
    await cdp.send('Debugger.resume')
    await page.waitForTimeout(100)
  }
  throw new Error('could not pause the leader outside a transaction in 5 tries')
}

/** A leader and a follower of one new queue, one worker each. */
async function twoTabs(context: BrowserContext): Promise<{ leader: Page; follower: Page }> {
  const queue = uniqueQueueName()
  // Long enough that a busy CI machine never delays a healthy heartbeat by a whole lease,
  // and that a pause the helper discards (about 1 s) never looks like a dead leader.
  const lease = 3000
  const leader = await context.newPage()
  await openFixture(leader, { queue, lease, concurrency: 1 })
  const follower = await context.newPage()
  await openFixture(follower, { queue, lease, concurrency: 1 })
  return { leader, follower }
}

test('a paused leader loses the lead; its late result is refused and the new attempt’s outcome is recorded', async ({ context }) => {
  test.setTimeout(60_000)
  const { leader, follower } = await twoTabs(context)

  // Attempt 1 waits 10 s, attempt 2 300 ms.
  const id = await leader.evaluate(() => window.errandTest.add('hold', { ms: 300, firstAttemptMs: 10_000 }))
  await expect.poll(() => leader.evaluate((jobId) => window.errandTest.get(jobId), id)).toMatchObject({ state: 'running', attempt: 1, startedAt: expect.any(Number) })

  const started = Date.now()
  const cdp = await context.newCDPSession(leader)
  await pauseOutsideTransactions(cdp, leader, follower)

  // The follower takes over and completes attempt 2 while the old leader is still paused.
  const completed = await follower.evaluate((jobId) => window.errandTest.waitForEvent('completed', jobId), id)
  expect(completed.job).toMatchObject({ id, attempt: 2, result: { ms: 300, attempt: 2 } })

  // Resume the old leader once its own attempt 1 has finished in its worker.
  await expect.poll(() => Date.now() - started, { timeout: 15_000 }).toBeGreaterThan(10_500)
  await cdp.send('Debugger.resume')
  await leader.waitForTimeout(1000)

  const stored = await follower.evaluate((jobId) => window.errandTest.get(jobId), id)
  expect(stored).toMatchObject({ state: 'completed', attempt: 2, stalls: 1, result: { ms: 300, attempt: 2 } })
  expect(stored?.errors.map((e) => e.code)).toEqual(['STALLED'])
  // No page ever heard of a completion by attempt 1.
  for (const page of [leader, follower]) {
    const done = await page.evaluate((jobId) => window.errandTest.events({ type: 'completed', jobId }), id)
    expect(done.map((e) => e.job?.attempt)).not.toContain(1)
  }
})

test('a paused leader that resumes starts none of the jobs it had claimed and not started: the new leader runs each once', async ({ context }) => {
  test.setTimeout(60_000)
  const { leader, follower } = await twoTabs(context)

  // The first job holds the leader's one worker for 10 s; the next ones wait, the first of them claimed in the leader's memory.
  const [first] = await leader.evaluate(() => window.errandTest.addMany('hold', [{ ms: 300, firstAttemptMs: 10_000 }]))
  const waiting = await leader.evaluate(() => window.errandTest.addMany('hold', [{ ms: 300 }, { ms: 300 }, { ms: 300 }]))
  // counts() counts a claimed job as running: the first job, and at least one claimed.
  await expect.poll(async () => (await leader.evaluate(() => window.errandTest.counts())).running).toBeGreaterThanOrEqual(2)

  const started = Date.now()
  const cdp = await context.newCDPSession(leader)
  await pauseOutsideTransactions(cdp, leader, follower)

  // The follower takes the lead, recovers the first job and runs every job.
  for (const id of [first!, ...waiting]) await follower.evaluate((jobId) => window.errandTest.waitForEvent('completed', jobId), id)

  // Resume the old leader once its worker has ended the first job's attempt 1: its worker is free, and the
  // jobs it had claimed are another tab's now. It must start none of them before it learns it lost the lead.
  await expect.poll(() => Date.now() - started, { timeout: 15_000 }).toBeGreaterThan(10_500)
  await cdp.send('Debugger.resume')
  await leader.waitForTimeout(1500)
  for (const id of waiting) {
    expect(await follower.evaluate((jobId) => window.errandTest.events({ type: 'started', jobId }).map((e) => e.job?.attempt), id), `starts of job ${id}`).toEqual([1])
    expect(await follower.evaluate((jobId) => window.errandTest.get(jobId), id)).toMatchObject({ state: 'completed', attempt: 1 })
  }
})
