// The whole browser is killed (SIGKILL, no shutdown of any kind) in the middle of the work,
// then launched again on the same profile. Everything add() had made durable is still
// there: completed jobs with their results, the queued ones, and the ones that were running
// (recovered as stalls by the first page that leads). Then all of it completes.
//
// The browser is launched here, not by Playwright's fixtures, so it can be killed and
// relaunched on one user-data-dir: chromium.launchPersistentContext(). Its process id
// comes from the browser itself: the persistent context's browser() answers the CDP
// command SystemInfo.getProcessInfo, whose `browser` entry is the main process (on Linux
// the test also checks that pid's command line names our profile directory).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.mjs'
import { executionsByJob, expect, openFixture, overlappingExecutions, readLedger, test, uniqueQueueName } from './helpers'

const SHORT_JOBS = 40

/** The pid of the persistent context's browser process, asked from the browser itself. */
async function browserPid(context: BrowserContext): Promise<number> {
  const browser = context.browser()
  if (!browser) throw new Error('This Playwright version gives persistent contexts no browser(): cannot ask for the process id.')
  const session = await browser.newBrowserCDPSession()
  const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] }
  await session.detach()
  const main = processInfo.find((p) => p.type === 'browser')
  if (!main) throw new Error(`No browser process in ${JSON.stringify(processInfo)}`)
  return main.id
}

/** Linux: pids whose command line mentions `text` (the profile dir: the browser and its children). Elsewhere: none known. */
async function processesMentioning(text: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[])
  const found: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.includes(text)) found.push(Number(entry))
  }
  return found
}

test('the browser killed with SIGKILL mid-run: relaunched on its profile, queued and running jobs are still there and complete', async ({ baseURL }) => {
  test.setTimeout(120_000)
  const queue = uniqueQueueName()
  const profile = await mkdtemp(join(tmpdir(), 'errand-e2e-profile-'))
  const errors: string[] = []
  const contexts: BrowserContext[] = []
  const launch = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, baseURL: baseURL! })
    contexts.push(context)
    const watch = (p: Page) => p.on('pageerror', (error) => errors.push(`${p.url()}: ${error.stack ?? error.message}`))
    context.pages().forEach(watch)
    context.on('page', watch)
    return { context, page: context.pages()[0] ?? (await context.newPage()) }
  }
  try {
    // 1. Before: two jobs held running (in tab "before" they wait two minutes first), short ones flowing through a third worker.
    const first = await launch()
    await openFixture(first.page, { queue, concurrency: 3, tab: 'before' })
    const held = await first.page.evaluate(() => window.errandTest.addMany('task', [{ n: 0, ms: 20, holdIn: 'before' }, { n: 1, ms: 20, holdIn: 'before' }]))
    for (const id of held) {
      await expect.poll(() => first.page.evaluate((jobId) => window.errandTest.get(jobId), id)).toMatchObject({ state: 'running', startedAt: expect.any(Number) })
    }
    const short = await first.page.evaluate(
      (count) => window.errandTest.addMany('task', Array.from({ length: count }, (_, i) => ({ n: 2 + i, ms: 20 + ((i * 7) % 31) }))),
      SHORT_JOBS,
    )
    await expect.poll(async () => (await first.page.evaluate(() => window.errandTest.counts())).completed, { timeout: 30_000 }).toBeGreaterThanOrEqual(3)
    const before = await first.page.evaluate(() => window.errandTest.all())

    // 2. Kill the browser process outright.
    const pid = await browserPid(first.context)
    if (process.platform === 'linux') expect(await readFile(`/proc/${pid}/cmdline`, 'utf8'), 'the pid is our browser').toContain(profile)
    const gone = new Promise<void>((resolve) => first.context.once('close', () => resolve()))
    const killedAt = Date.now()
    process.kill(pid, 'SIGKILL')
    await gone
    // Its children (renderers, GPU, storage service) follow it; relaunch only once none holds the profile.
    await expect.poll(() => processesMentioning(profile), { timeout: 15_000, message: 'the killed browser’s processes exit' }).toEqual([])
    test.info().annotations.push({ type: 'killed', description: `browser pid ${pid}; states then: ${JSON.stringify(countStates(before))}` })

    // 3. Relaunch on the same profile. First look without running anything: every job is still there, as it was.
    const { page } = await launch()
    await openFixture(page, { queue, worker: false, tab: 'after' })
    const after = await page.evaluate(() => window.errandTest.all())
    expect(after.map((j) => j.id)).toEqual(before.map((j) => j.id))
    for (const job of before) {
      const now = after.find((j) => j.id === job.id)!
      if (job.state === 'completed') expect(now, `job ${job.id} stays completed`).toMatchObject({ state: 'completed', result: job.result })
      // The rest went on until the kill: queued or running jobs may have completed meanwhile, nothing else.
      else expect(['queued', 'running', 'completed'], `job ${job.id} was ${job.state}`).toContain(now.state)
    }
    for (const id of held) expect(after.find((j) => j.id === id), `held job ${id}`).toMatchObject({ state: 'running', attempt: 1, startedAt: expect.any(Number) })

    // 4. Now with workers: this page leads, recovers the held jobs as stalls and runs everything.
    await page.evaluate(() => window.errandTest.close())
    await openFixture(page, { queue, concurrency: 2, tab: 'after' }, { navigate: false })
    await expect
      .poll(() => page.evaluate(() => window.errandTest.counts()), { timeout: 60_000, message: 'the relaunched browser finishes the work' })
      .toMatchObject({ completed: SHORT_JOBS + 2, queued: 0, delayed: 0, running: 0, failed: 0 })
    const jobs = await page.evaluate(() => window.errandTest.all())
    const ledger = await readLedger(baseURL!, queue)
    const runs = executionsByJob(ledger)
    for (const id of held) {
      const job = jobs.find((j) => j.id === id)
      expect(job, `held job ${id}`).toMatchObject({ state: 'completed', attempt: 2, stalls: 1, result: { attempt: 2, tab: 'after' } })
      expect(job?.errors, `held job ${id}`).toEqual([expect.objectContaining({ name: 'JobStalledError', code: 'STALLED' })])
      expect((runs.get(id) ?? []).map(({ tab, attempt, endedAt }) => ({ tab, attempt, ended: endedAt !== undefined }))).toEqual([
        { tab: 'before', attempt: 1, ended: false },
        { tab: 'after', attempt: 2, ended: true },
      ])
    }
    for (const id of short) {
      const job = jobs.find((j) => j.id === id)!
      const executions = runs.get(id) ?? []
      const label = `job ${id}: ${JSON.stringify(executions)}`
      expect(job.state, label).toBe('completed')
      // Once before the kill, once after, or (cut short or outcome lost by the kill) once in each.
      expect(executions.map((e) => e.tab).join(), label).toMatch(/^(before|after|before,after)$/)
      expect(job.errors.map((e) => e.code), label).toEqual(Array.from({ length: job.stalls }, () => 'STALLED'))
      expect(job.attempt, label).toBe(1 + job.stalls)
      const previously = before.find((j) => j.id === id)!
      if (previously.state === 'completed') expect(executions.map((e) => e.tab), `${label}: completed before the kill, never run again`).toEqual(['before'])
    }
    for (const e of ledger.filter((x) => x.tab === 'after')) expect(e.startedAt).toBeGreaterThanOrEqual(killedAt)
    expect(overlappingExecutions(ledger)).toEqual([])
    expect(errors, 'uncaught errors in the pages').toEqual([])
  } finally {
    // Closing the killed one is a no-op; a test that failed before the kill leaves a live browser to close.
    for (const context of contexts) await context.close().catch(() => {})
    await rm(profile, { recursive: true, force: true })
  }
})

function countStates(jobs: { state: string }[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const job of jobs) counts[job.state] = (counts[job.state] ?? 0) + 1
  return counts
}
