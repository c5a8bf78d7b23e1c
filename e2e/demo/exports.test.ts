// Exports end to end: a million rows written to an OPFS file by a worker job, downloaded
// through the page's link and checked line by line; cancel; a page that went away while
// the export ran; the page's own long-task figure; and the worker's heap, sampled through
// the Chrome DevTools Protocol while the export runs.
import { readFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import type { BrowserContext, CDPSession, Locator, Page } from '@playwright/test'
import { header, line, type ExportFormat } from '../../demo/dataset'
import { expect, openDemo, test } from './helpers'

const ROWS = 1_000_000

// Playwright's trace records screencast frames and DOM snapshots inside the page: main-thread
// work the demo does not do by itself, which would show in its long-task figure.
test.use({ trace: 'off' })
const SAMPLE_MS = 200

/**
 * Samples the JS heap of every worker of `page` every SAMPLE_MS (Runtime.getHeapUsage over the
 * DevTools Protocol: pages cannot measure their workers' memory). `usedSize` is live JS
 * objects; `totalSize` is the heap V8 reserved, which is what the process pays.
 */
async function sampleWorkerHeaps(context: BrowserContext, page: Page): Promise<{ stop(): Promise<{ used: number; total: number; samples: number }> }> {
  const cdp: CDPSession = await context.newCDPSession(page)
  const sessions = new Set<string>()
  const waiting = new Map<number, (message: { result?: { usedSize: number; totalSize: number } }) => void>()
  let next = 0
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => targetInfo.type === 'worker' && sessions.add(sessionId))
  cdp.on('Target.detachedFromTarget', ({ sessionId }) => sessions.delete(sessionId))
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const parsed = JSON.parse(message) as { id: number; result?: { usedSize: number; totalSize: number } }
    waiting.get(parsed.id)?.(parsed)
    waiting.delete(parsed.id)
  })
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false })
  const ask = (sessionId: string) =>
    new Promise<{ result?: { usedSize: number; totalSize: number } }>((resolve) => {
      const id = ++next
      waiting.set(id, resolve)
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => resolve({}))
      setTimeout(() => resolve({}), 1000)
    })
  let used = 0
  let total = 0
  let samples = 0
  let running = true
  const loop = (async () => {
    while (running) {
      for (const heap of await Promise.all([...sessions].map(ask))) {
        if (!heap.result) continue
        samples++
        used = Math.max(used, heap.result.usedSize)
        total = Math.max(total, heap.result.totalSize)
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      await cdp.detach()
      return { used, total, samples }
    },
  }
}

const MB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** The expected file: header line (if any), then every row, each line ending in \n. */
function expectedSize(format: ExportFormat): number {
  let size = header(format) === undefined ? 0 : header(format)!.length + 1
  for (let i = 0; i < ROWS; i++) size += line(i, format).length + 1
  return size
}

interface Run {
  row: Locator
  ms: number
  bytes: number
  /** The page's own figures (#longtasks). */
  longest: number
  longTasks: number
  frameGap: number
  heap: { used: number; total: number; samples: number }
}

/**
 * Clicks an export button, waits for the job to complete, and reads the figures; with
 * `sampleHeap`, the worker's heap is sampled meanwhile. Sampling attaches a DevTools session
 * to the worker, which slows it several times and routes messages through the page's main
 * thread: time and long tasks are only meaningful from runs without it.
 */
async function runExport(context: BrowserContext, page: Page, format: ExportFormat, { sampleHeap = false } = {}): Promise<Run> {
  const before = await page.locator('li.export').count()
  const sampler = sampleHeap ? await sampleWorkerHeaps(context, page) : undefined
  await page.locator(`#export-${format}`).click()
  await expect(page.locator('li.export')).toHaveCount(before + 1)
  const row = page.locator('li.export').first()
  await expect(row).toHaveAttribute('data-state', 'completed', { timeout: 90_000 })
  const heap = (await sampler?.stop()) ?? { used: 0, total: 0, samples: 0 }
  // Long tasks are reported after the fact: give the observer a moment, then read the page's own figure.
  await page.waitForTimeout(300)
  const figure = page.locator('#longtasks')
  const read = async (element: Locator, name: string): Promise<number> => Number(await element.getAttribute(name))
  return {
    row,
    ms: await read(row, 'data-ms'),
    bytes: await read(row, 'data-bytes'),
    longest: await read(figure, 'data-max-ms'),
    longTasks: await read(figure, 'data-count'),
    frameGap: await read(figure, 'data-frame-gap-ms'),
    heap,
  }
}

const describeRun = (format: ExportFormat, run: Run): string =>
  `${format.toUpperCase()} export: ${ROWS.toLocaleString('en')} rows, ${MB(run.bytes)} in ${run.ms} ms in the worker; ` +
  (run.heap.samples > 0
    ? `peak worker JS heap ${MB(run.heap.used)} used / ${MB(run.heap.total)} reserved (${run.heap.samples} samples, DevTools attached); `
    : `longest main-thread task ${run.longest} ms (${run.longTasks} long tasks of 50 ms or more), longest frame gap ${run.frameGap} ms; `) +
  `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`

function report(text: string): void {
  test.info().annotations.push({ type: 'measured', description: text })
  console.log(text)
}

test('1,000,000 rows to CSV and NDJSON: exact lines, flat worker memory, no main-thread task over 100 ms', async ({ context, page }) => {
  test.setTimeout(240_000)
  await openDemo(page)

  let csv = await runExport(context, page, 'csv')
  report(describeRun('csv', csv))
  // Long tasks are wall-clock: on a machine whose cores are taken by other work (npm test runs
  // the browser suite beside this one), a short task waits to be scheduled and counts as long.
  // Up to two more runs tell a busy machine from a page that blocks, which blocks on every run.
  for (let run = 2; run <= 3 && csv.longest >= 100; run++) {
    csv = await runExport(context, page, 'csv')
    report(`run ${run}: ${describeRun('csv', csv)}`)
  }
  expect(csv.longest).toBeLessThan(100)

  const [download] = await Promise.all([page.waitForEvent('download'), csv.row.locator('a.download').click()])
  const file = await readFile((await download.path())!)
  expect(file.length).toBe(csv.bytes)
  let newlines = 0
  for (let at = file.indexOf(10); at !== -1; at = file.indexOf(10, at + 1)) newlines++
  expect(newlines).toBe(ROWS + 1) // header + rows, each ending in \n
  const text = (from: number, to: number) => file.subarray(from, to).toString('utf8')
  const lines = text(0, 300).split('\n')
  expect(lines[0]).toBe(header('csv'))
  expect(lines[1]).toBe(line(0, 'csv'))
  expect(text(file.length - 300, file.length).split('\n').at(-2)).toBe(line(ROWS - 1, 'csv'))

  // NDJSON, with the worker's heap sampled; the file is read straight from OPFS in the page (the file the job's result names).
  const ndjson = await runExport(context, page, 'ndjson', { sampleHeap: true })
  report(describeRun('ndjson', ndjson))
  expect(ndjson.heap.samples).toBeGreaterThan(0)
  // Flat: the worker's heap (garbage not yet collected included) stays well under the file it
  // writes; holding the rows would take at least the file's size (twice that as JS strings).
  // Measured 25–39 MiB for a 138 MiB file; half the file is the bound (a quarter failed once
  // on a loaded machine, whose collector runs later).
  expect(ndjson.heap.used).toBeLessThan(ndjson.bytes / 2)
  const name = (await ndjson.row.getAttribute('data-file'))!
  const ends = await page.evaluate(async (fileName) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('errand-demo-exports')
    const f = await (await dir.getFileHandle(fileName)).getFile()
    return { size: f.size, head: await f.slice(0, 400).text(), tail: await f.slice(f.size - 400).text() }
  }, name)
  expect(ends.size).toBe(expectedSize('ndjson'))
  expect(ends.head.split('\n')[0]).toBe(line(0, 'ndjson'))
  expect(JSON.parse(ends.head.split('\n')[0]!)).toMatchObject({ id: 1, created_at: '2024-01-01T00:00:00.000Z' })
  expect(ends.tail.split('\n').at(-2)).toBe(line(ROWS - 1, 'ndjson'))
})

test('cancelling mid-export leaves a cancelled job, no file and no download link, also after a reload', async ({ page }) => {
  test.setTimeout(60_000)
  await openDemo(page)
  await page.locator('#export-csv').click()
  const row = page.locator('li.export').first()
  await expect.poll(() => row.locator('progress').evaluate((bar: HTMLProgressElement) => bar.value), { timeout: 30_000 }).toBeGreaterThan(0.1)
  await row.locator('button.cancel').click()
  await expect(row).toHaveAttribute('data-state', 'cancelled')
  await expect(row.locator('a.download')).toHaveCount(0)
  const files = () =>
    page.evaluate(async () => {
      const dir = (await (await navigator.storage.getDirectory()).getDirectoryHandle('errand-demo-exports', { create: true })) as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }
      const names: string[] = []
      for await (const name of dir.keys()) names.push(name)
      return names
    })
  await expect.poll(files, { timeout: 5_000 }).toEqual([])
  await page.reload()
  await expect(row).toHaveAttribute('data-state', 'cancelled')
  await expect(row.locator('a.download')).toHaveCount(0)
  expect(await files()).toEqual([])
})

test('an export still running when the page went away finishes after it comes back, with a download link', async ({ page }) => {
  test.setTimeout(90_000)
  await openDemo(page)
  await page.locator('#export-ndjson').click()
  const row = page.locator('li.export').first()
  await expect.poll(() => row.locator('progress').evaluate((bar: HTMLProgressElement) => bar.value), { timeout: 30_000 }).toBeGreaterThan(0.05)
  const id = await row.getAttribute('data-job-id')
  await page.goto('about:blank')
  await page.waitForTimeout(500)
  await page.goto('/')
  await expect(row).toHaveAttribute('data-job-id', id!)
  await expect(row).toHaveAttribute('data-state', 'completed', { timeout: 60_000 })
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('a.download').click()])
  const file = await readFile((await download.path())!)
  expect(file.length).toBe(expectedSize('ndjson'))
  expect(file.subarray(file.length - 400).toString('utf8').split('\n').at(-2)).toBe(line(ROWS - 1, 'ndjson'))
})
