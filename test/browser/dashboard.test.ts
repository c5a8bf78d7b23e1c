// <errand-dashboard>: what a person looking at it sees and can do, on a real queue in Chromium.
import { afterEach, expect, test } from 'vitest'
import { userEvent } from 'vitest/browser'
import { defineDashboard, type ErrandDashboard } from '../../src/dashboard.js'
import { JobDetails } from '../../src/dashboard/details.js'
import { createTestQueue } from '../../src/testing.js'
import type { JobState } from '../../src/index.js'
import { testQueue } from './helpers.js'

defineDashboard()

const mounted: ErrandDashboard[] = []
// Registered after helpers.ts's afterEach, so it runs before the queues are destroyed.
afterEach(() => {
  for (const element of mounted.splice(0)) element.remove()
})

function mount(queue: ErrandDashboard['queue']): ErrandDashboard {
  const element = document.createElement('errand-dashboard')
  document.body.append(element)
  element.queue = queue
  mounted.push(element)
  return element
}

const root = (element: ErrandDashboard) => element.shadowRoot!
const rows = (element: ErrandDashboard) => [...root(element).querySelectorAll<HTMLTableRowElement>('tbody tr[tabindex]')]
const cells = (row: HTMLTableRowElement) => [...row.cells].map((cell) => cell.textContent)
/** [name, state] of every row shown, top to bottom. */
const shown = (element: ErrandDashboard) => rows(element).map((row) => [row.cells[0]!.firstChild!.textContent, row.cells[1]!.textContent])
const count = (element: ErrandDashboard, state: JobState) => root(element).querySelector(`li[data-state="${state}"] b`)!.textContent
const button = (element: ErrandDashboard, label: string) => [...root(element).querySelectorAll('button')].find((b) => b.textContent === label)!
const details = (element: ErrandDashboard) => root(element).querySelector('aside')!
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A paused queue with one `noop` job queued, and a dashboard on it that shows that job. */
async function mountWithOneQueued() {
  const queue = testQueue()
  await queue.pause()
  const element = mount(queue)
  await queue.add('noop', undefined)
  await expect.poll(() => rows(element).length).toBe(1)
  return { queue, element }
}

test('counts and rows follow jobs live as they are added, run and complete, and a progress bar moves', async () => {
  const queue = testQueue()
  await queue.pause()
  const element = mount(queue)
  await queue.addAll([
    { name: 'add', payload: { a: 1, b: 2 } },
    { name: 'add', payload: { a: 3, b: 4 } },
    { name: 'noop', payload: undefined },
  ])
  await expect.poll(() => count(element, 'queued')).toBe('3')
  await expect.poll(() => shown(element)).toEqual([
    ['noop', 'queued'],
    ['add', 'queued'],
    ['add', 'queued'],
  ])

  await queue.start()
  await expect.poll(() => count(element, 'completed')).toBe('3')
  expect(count(element, 'queued')).toBe('0')
  await expect.poll(() => shown(element).map(([, state]) => state)).toEqual(['completed', 'completed', 'completed'])
  expect(cells(rows(element)[0]!)[3]).toBe('1/3') // attempt / maxAttempts

  await queue.add('report', { steps: 150 })
  const values = new Set<number>()
  await expect
    .poll(
      () => {
        const bar = rows(element)[0]?.querySelector('[role="progressbar"]')
        const value = Number(bar?.getAttribute('aria-valuenow'))
        values.add(value)
        return shown(element)[0]?.[0] === 'report' ? value : -1
      },
      { timeout: 15_000, interval: 10 },
    )
    .toBe(100)
  expect([...values].some((value) => value > 0 && value < 100)).toBe(true)
  await expect.poll(() => count(element, 'completed')).toBe('4')
})

test('the state and name filters show only the matching jobs', async () => {
  const queue = testQueue()
  await queue.pause()
  const element = mount(queue)
  const [first] = await queue.addAll([
    { name: 'add', payload: { a: 1, b: 1 } },
    { name: 'add', payload: { a: 2, b: 2 } },
    { name: 'echo', payload: 'x' },
    { name: 'noop', payload: undefined },
  ])
  await queue.cancel(first!.id)
  await expect.poll(() => rows(element).length).toBe(4)

  const select = root(element).querySelector('select')!
  select.value = 'cancelled'
  select.dispatchEvent(new Event('change'))
  await expect.poll(() => shown(element)).toEqual([['add', 'cancelled']])

  select.value = ''
  select.dispatchEvent(new Event('change'))
  const name = root(element).querySelector('input')!
  name.value = 'add'
  name.dispatchEvent(new Event('input')) // applied after a short pause in typing
  await expect.poll(() => shown(element)).toEqual([
    ['add', 'queued'],
    ['add', 'cancelled'],
  ])

  select.value = 'queued'
  select.dispatchEvent(new Event('change'))
  await expect.poll(() => shown(element)).toEqual([['add', 'queued']])
})

test('a NETWORK entry of refusals in a row says how many there were, and follows them as they go on', async () => {
  const queue = testQueue()
  await queue.pause()
  const job = await queue.get((await queue.add('add', { a: 1, b: 2 })).id)
  const panel = new JobDetails(() => {}, () => {})
  const refused = (times: number, at: number) => ({ ...job!, errors: [{ name: 'ErrandError', message: 'No response from /api: Failed to fetch', stack: '', code: 'NETWORK', at, times }] })
  const entry = () => panel.element.querySelector('.errors li')!.textContent
  panel.show(job!.id, refused(1, 1_000), [], 2_000)
  expect(entry()).not.toContain('×')
  panel.show(job!.id, refused(3, 5_000), [], 6_000)
  expect(entry()).toContain('(NETWORK) × 3, latest')
  expect(panel.element.querySelectorAll('.errors li')).toHaveLength(1)
})

test('a row’s details show the payload, the log lines and every attempt’s error with its name, message, code and stack', async () => {
  const queue = testQueue()
  const element = mount(queue)
  const flaky = await queue.add('flaky', { succeedOn: 9 }, { attempts: 2, backoff: { type: 'fixed', delay: 10 } })
  const bad = await queue.add('unrecoverable', undefined)
  await flaky.result().catch(() => {})
  await bad.result().catch(() => {})
  await expect.poll(() => count(element, 'failed')).toBe('2')

  rows(element).find((row) => row.cells[0]!.textContent === 'flaky')!.click()
  const panel = details(element)
  await expect.poll(() => panel.querySelectorAll('.logs li').length).toBe(2)
  expect(panel.hidden).toBe(false)
  expect(panel.querySelector('h3')!.textContent).toBe('flaky')
  expect(panel.querySelector('pre')!.textContent).toBe(JSON.stringify({ succeedOn: 9 }, null, 2))
  expect([...panel.querySelectorAll('.logs li')].map((li) => li.textContent)).toEqual([expect.stringMatching(/attempt 1 at \d+$/), expect.stringMatching(/attempt 2 at \d+$/)])
  const errors = [...panel.querySelectorAll('.errors li')]
  expect(errors.map((li) => li.querySelector('.message')!.textContent)).toEqual(['attempt 1 fails', 'attempt 2 fails'])
  expect(errors.map((li) => li.querySelector('b')!.textContent)).toEqual(['#1 Error', '#2 Error'])
  for (const li of errors) {
    expect(li.querySelector('time')!.textContent).toMatch(/\d/)
    expect(li.querySelector('details pre')!.textContent).toContain('attempt')
  }
  const job = await flaky.get()
  expect(errors[1]!.querySelector('details pre')!.textContent).toBe(job!.errors[1]!.stack)

  rows(element).find((row) => row.cells[0]!.textContent === 'unrecoverable')!.click()
  await expect.poll(() => panel.querySelector('h3')!.textContent).toBe('unrecoverable')
  await expect.poll(() => panel.querySelector('.errors li')?.textContent).toContain('bad input: never retry')
  expect(panel.querySelector('.errors li')!.textContent).toContain('(UNRECOVERABLE)')
})

test('retry, cancel and remove work from the details, and "Clear finished" removes every finished job', async () => {
  const queue = testQueue()
  const element = mount(queue)
  const done = await queue.add('add', { a: 1, b: 1 })
  const failing = await queue.add('unrecoverable', undefined)
  await done.result()
  await failing.result().catch(() => {})
  await queue.pause()
  const waiting = await queue.add('noop', undefined)
  await expect.poll(() => shown(element)).toEqual([
    ['noop', 'queued'],
    ['unrecoverable', 'failed'],
    ['add', 'completed'],
  ])
  const open = async (name: string) => {
    rows(element).find((row) => row.cells[0]!.textContent === name)!.click()
    await expect.poll(() => details(element).querySelector('h3')!.textContent).toBe(name)
  }

  await open('noop')
  expect(button(element, 'Retry').disabled).toBe(true)
  button(element, 'Cancel').click()
  await expect.poll(() => (queue.get(waiting.id)).then((job) => job?.state)).toBe('cancelled')
  await expect.poll(() => shown(element)[0]).toEqual(['noop', 'cancelled'])
  await expect.poll(() => button(element, 'Retry').disabled).toBe(false)

  await open('unrecoverable')
  button(element, 'Retry').click()
  await expect.poll(() => shown(element)[1]).toEqual(['unrecoverable', 'queued']) // the queue is paused
  await expect.poll(() => count(element, 'queued')).toBe('1')

  await open('noop')
  button(element, 'Remove').click()
  await expect.poll(() => shown(element)).toEqual([
    ['unrecoverable', 'queued'],
    ['add', 'completed'],
  ])
  expect(await queue.get(waiting.id)).toBeUndefined()
  expect(details(element).hidden).toBe(true)

  // Finished jobs of every kind, plus one that waits and must stay.
  await queue.start()
  await queue.addAll([...Array(5)].map((_, i) => ({ name: 'add' as const, payload: { a: i, b: i } })))
  await expect.poll(() => count(element, 'completed'), { timeout: 10_000 }).toBe('6')
  await expect.poll(() => count(element, 'failed')).toBe('1')
  await queue.pause()
  await sleep(50) // a claim may have been on its way
  const cancelled = await queue.add('noop', undefined)
  await queue.cancel(cancelled.id)
  const stays = await queue.add('noop', undefined)
  await expect.poll(() => count(element, 'cancelled')).toBe('1')

  button(element, 'Clear finished').click()
  await expect.poll(() => shown(element)).toEqual([['noop', 'queued']])
  // Counts and the page are read by two throttles (at most four times a second each): the counts may follow a moment later.
  await expect.poll(() => [count(element, 'completed'), count(element, 'failed'), count(element, 'cancelled'), count(element, 'queued')]).toEqual(['0', '0', '0', '1'])
  expect(await queue.counts()).toMatchObject({ completed: 0, failed: 0, cancelled: 0, queued: 1 })
  expect((await queue.get(stays.id))?.state).toBe('queued')
  await expect.poll(() => root(element).querySelector('[role="status"].status')!.textContent).toBe('Removed 8 finished jobs.')
})

test('job names, payloads, results, log lines and error messages with HTML in them show as text and run nothing', async () => {
  const evil = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
  const name = `xss-${crypto.randomUUID()}`
  // Any name goes in a page without a worker; the worker then fails it as an unknown job, quoting the name.
  const plain = createTestQueue({ name })
  await plain.add(evil as never, { evil } as never, { attempts: 1 })
  await plain.close()
  const queue = testQueue({ name })
  const element = mount(queue)
  await queue.add('logAndFail', { log: evil, message: evil })
  const echo = await queue.add('echo', { evil })
  await echo.result()
  await expect.poll(() => count(element, 'failed'), { timeout: 10_000 }).toBe('2')

  const panel = details(element)
  // The rows are read by their own throttle, a moment after the counts.
  await expect.poll(() => rows(element).some((row) => row.cells[0]!.textContent === 'echo')).toBe(true)
  rows(element).find((row) => row.cells[0]!.textContent === 'echo')!.click()
  await expect.poll(() => panel.querySelectorAll('pre')[1]?.textContent).toBe(JSON.stringify({ evil }, null, 2)) // the result
  expect(rows(element).map((row) => row.cells[0]!.textContent)).toContain(evil) // the name, in its row
  rows(element).find((row) => row.cells[0]!.textContent === 'logAndFail')!.click()
  await expect.poll(() => [...panel.querySelectorAll('.logs li')].map((li) => li.textContent)).toEqual([expect.stringContaining(evil)])
  expect(panel.querySelector('.errors .message')!.textContent).toBe(evil)
  rows(element).find((row) => row.cells[0]!.textContent === evil)!.click()
  await expect.poll(() => panel.querySelector('.errors .message')?.textContent).toContain(evil)
  expect(panel.querySelector('h3')!.textContent).toBe(evil)
  expect(panel.querySelector('pre')!.textContent).toBe(JSON.stringify({ evil }, null, 2)) // the payload

  await sleep(100) // an onerror would have fired by now
  expect((window as { __xss?: unknown }).__xss).toBeUndefined()
  expect(root(element).querySelectorAll('img, script')).toHaveLength(0)
  expect(element.querySelectorAll('img, script')).toHaveLength(0)
})

test('with 10,000 jobs in the store it renders one page of rows and the full counts', async () => {
  const queue = testQueue()
  await queue.pause()
  for (let batch = 0; batch < 10; batch++) {
    await queue.addAll([...Array(1000)].map((_, i) => ({ name: 'echo' as const, payload: batch * 1000 + i })))
  }
  const element = mount(queue)
  await expect.poll(() => count(element, 'queued')).toBe('10000')
  await expect.poll(() => rows(element).length).toBe(element.pageSize)
  expect(element.pageSize).toBe(50)
  expect(root(element).querySelectorAll('tbody tr')).toHaveLength(50) // no hidden rows either

  const pager = () => root(element).querySelector('nav span')!.textContent
  // Twice before the page is read: the second click finds Older off, not the same anchor again.
  button(element, 'Older').click()
  button(element, 'Older').click()
  await expect.poll(pager).toBe('Page 2 · jobs 51–100')
  await sleep(600) // a second page read would have come by now
  expect(pager()).toBe('Page 2 · jobs 51–100')
  expect(rows(element)).toHaveLength(50)
  button(element, 'Newer').click()
  await expect.poll(pager).toBe('Page 1 · jobs 1–50')
})

test('on a later page when every job on it and older goes, it shows the first page again', async () => {
  const queue = testQueue()
  await queue.pause()
  const [oldest, older, newest] = await queue.addAll(['a', 'b', 'c'].map((payload) => ({ name: 'echo' as const, payload })))
  const element = mount(queue)
  element.pageSize = 2
  const pager = () => root(element).querySelector('nav span')!.textContent
  await expect.poll(pager).toBe('Page 1 · jobs 1–2')
  button(element, 'Older').click()
  await expect.poll(pager).toBe('Page 2 · jobs 3–3')
  await Promise.all([oldest!, older!].map((job) => queue.remove(job.id)))
  await expect.poll(pager, { timeout: 8_000 }).toBe('Page 1 · jobs 1–1')
  expect(rows(element).map((row) => row.cells[0]!.firstChild!.textContent)).toEqual(['echo'])
  expect(button(element, 'Newer').disabled).toBe(true)
  expect(await queue.get(newest!.id)).toBeDefined()
})

test('the keyboard reaches a row with Tab, moves with the arrow keys, opens details with Enter and closes them with Escape', async () => {
  const queue = testQueue()
  await queue.pause()
  const element = mount(queue)
  await queue.add('add', { a: 1, b: 1 })
  await queue.add('echo', 'second')
  await expect.poll(() => rows(element).length).toBe(2)

  button(element, 'Clear finished').focus()
  await userEvent.tab()
  const [first, second] = rows(element)
  expect(rows(element)).toContain(root(element).activeElement) // one row is in the tab order
  await userEvent.keyboard('{Home}')
  expect(root(element).activeElement).toBe(first)
  await userEvent.keyboard('{ArrowDown}')
  expect(root(element).activeElement).toBe(second)

  await userEvent.keyboard('{Enter}')
  await expect.poll(() => details(element).hidden).toBe(false)
  expect(details(element).querySelector('h3')!.textContent).toBe('add')
  expect(details(element).contains(root(element).activeElement)).toBe(true)

  await userEvent.keyboard('{Escape}')
  expect(details(element).hidden).toBe(true)
  expect(root(element).activeElement).toBe(second)

  await userEvent.keyboard(' ')
  await expect.poll(() => details(element).hidden).toBe(false)
})

test('watching a queue does not acknowledge outcomes: a completion is still replayed to a queue.on() listener added later', async () => {
  const queue = testQueue()
  const element = mount(queue)
  const job = await queue.add('add', { a: 20, b: 22 })
  await job.result()
  await expect.poll(() => count(element, 'completed')).toBe('1')
  await expect.poll(() => shown(element)).toEqual([['add', 'completed']])
  await sleep(150) // an acknowledgement would have been written by now

  const replayed: unknown[] = []
  queue.on('completed', ({ job: j }) => replayed.push(j.result))
  await expect.poll(() => replayed).toEqual([42])
})

test('unbinding (queue = null) and disconnecting stop the updates', async () => {
  const { queue, element } = await mountWithOneQueued()

  element.queue = null
  expect(rows(element)).toHaveLength(0)
  expect(count(element, 'queued')).toBe('–')
  await queue.add('noop', undefined)
  await sleep(400)
  expect(rows(element)).toHaveLength(0)

  element.queue = queue
  await expect.poll(() => rows(element).length).toBe(2)
  element.remove()
  await queue.add('noop', undefined)
  await sleep(400)
  expect(rows(element)).toHaveLength(2)
  document.body.append(element) // connected again: bound again, and caught up
  await expect.poll(() => rows(element).length).toBe(3)
})

test('a queue set on the element before the element was defined is taken when it is (a framework binding, a lazily loaded chunk)', async () => {
  const queue = testQueue()
  await queue.pause()
  await queue.add('noop', undefined)
  const element = document.createElement('errand-dashboard-late') as ErrandDashboard
  element.queue = queue // an own property of a plain HTMLElement for now
  element.pageSize = 10
  document.body.append(element)
  mounted.push(element)
  defineDashboard('errand-dashboard-late')
  expect(element.queue).toBe(queue)
  expect(element.pageSize).toBe(10)
  await expect.poll(() => shown(element)).toEqual([['noop', 'queued']])
})

test('the chart counts each outcome once: after the element moves in the page, and after outcomes are replayed to a listener added later', async () => {
  const queue = testQueue()
  const element = mount(queue)
  const summary = () => root(element).querySelector('.chart p')!.textContent
  const jobs = await queue.addAll([1, 2, 3].map((a) => ({ name: 'add' as const, payload: { a, b: 1 } })))
  await Promise.all(jobs.map((job) => job.result()))
  await expect.poll(summary).toMatch(/^Last 5 min: 3 completed, 0 failed/)

  const replayed: string[] = []
  queue.on('completed', ({ job }) => replayed.push(job.id)) // the three outcomes nobody heard come again, to the dashboard too
  await expect.poll(() => replayed).toHaveLength(3)
  await sleep(300)
  expect(summary()).toMatch(/^Last 5 min: 3 completed, 0 failed/)

  element.remove()
  document.body.append(element) // bound again: counted anew from the store
  await sleep(300)
  await expect.poll(summary).toMatch(/^Last 5 min: 3 completed, 0 failed/)
})

test('the details of a job removed elsewhere say so within a few seconds, and Escape still closes them', async () => {
  const queue = testQueue()
  const element = mount(queue)
  const job = await queue.add('noop', undefined)
  await job.result()
  await expect.poll(() => shown(element)).toEqual([['noop', 'completed']])
  rows(element)[0]!.click()
  await expect.poll(() => details(element).querySelector('h3')!.textContent).toBe('noop')
  await queue.remove(job.id) // a finished job, as another tab or retention would remove it: no event
  await expect.poll(() => details(element).querySelector('h3')!.textContent, { timeout: 8_000 }).toBe('Job removed')
  expect(['Retry', 'Cancel', 'Remove'].map((label) => button(element, label).disabled)).toEqual([true, true, true])
  details(element).querySelector('h3')!.focus()
  await userEvent.keyboard('{Escape}')
  expect(details(element).hidden).toBe(true)
})

test('bound to another queue, the name suggestions are that queue\'s only', async () => {
  const first = testQueue()
  const second = testQueue()
  await Promise.all([first.pause(), second.pause()])
  await first.add('add', { a: 1, b: 1 })
  await second.add('echo', 'x')
  const element = mount(first)
  const names = () => [...root(element).querySelectorAll('datalist option')].map((option) => option.getAttribute('value'))
  await expect.poll(names).toEqual(['add'])
  element.queue = second
  await expect.poll(names).toEqual(['echo'])
  element.queue = first
  await expect.poll(names).toEqual(['add'])
})

test('once its queue closes, the dashboard says so and its actions are off', async () => {
  const { queue, element } = await mountWithOneQueued()
  rows(element)[0]!.click()
  await expect.poll(() => button(element, 'Cancel').disabled).toBe(false)
  await queue.close()
  await expect.poll(() => root(element).querySelector('[role="status"].status')!.textContent).toMatch(/^The queue closed \(closed\)/)
  expect(['Pause', 'Start', 'Clear finished', 'Retry', 'Cancel', 'Remove'].map((label) => button(element, label).disabled)).toEqual([true, true, true, true, true, true])
})

test('rejects a value that is not a queue', () => {
  const element = document.createElement('errand-dashboard')
  expect(() => (element.queue = { list: () => {} } as never)).toThrow(/Expected a queue made by openQueue/)
  expect(element.queue).toBeNull()
})

test('works under a strict CSP: styles apply through a constructable stylesheet and nothing is blocked', async () => {
  const frame = document.createElement('iframe')
  const policy = "default-src 'self'; script-src 'self'"
  const script = new URL('./fixtures/csp-page.ts', import.meta.url).href
  frame.srcdoc = `<!doctype html><meta http-equiv="Content-Security-Policy" content="${policy}"><body><script type="module" src="${script}"></script></body>`
  document.body.append(frame)
  try {
    type Page = Window & { element?: ErrandDashboard; violations?: string[]; queue?: { destroy(): Promise<void> } }
    const page = () => frame.contentWindow as Page
    await expect.poll(() => page().element && rows(page().element!).length, { timeout: 10_000 }).toBe(1)
    const element = page().element!
    expect(root(element).querySelectorAll('style')).toHaveLength(0)
    expect(root(element).adoptedStyleSheets).toHaveLength(1)
    expect(page().getComputedStyle(element).containerType).toBe('inline-size') // the stylesheet applies
    expect(page().getComputedStyle(root(element).querySelector('caption')!).position).toBe('absolute')
    expect(rows(element)[0]!.cells[0]!.textContent).toBe('noop')
    expect(page().violations).toEqual([])
    await page().queue!.destroy()
  } finally {
    frame.remove()
  }
})
