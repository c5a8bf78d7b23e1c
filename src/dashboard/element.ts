/**
 * `<errand-dashboard>`: a live view of one queue. Framework-free, in a shadow root, text
 * only (see dom.ts). It watches the queue's bus with `watch()`, never `queue.on()`: a
 * `queue.on('completed' | 'failed' | 'cancelled')` listener acknowledges outcomes, and the
 * dashboard must not take outcome replays away from the app.
 *
 * Pacing, so that a busy queue of 10,000 jobs stays smooth: events only mark things dirty;
 * one animation frame applies progress and asks for reads; the page of jobs and the counts
 * are read at most four times a second; only one page of jobs is in the DOM.
 */
import type { ListOptions } from '../client/types.js'
import { watch } from '../client/watch.js'
import { ErrandError } from '../core/errors.js'
import type { EventName, QueueMessage } from '../core/events.js'
import { JOB_STATES, type Job, type JobState, type LogLine } from '../core/job.js'
import type { JobCounts } from '../store/reads.js'
import { Throughput } from './chart.js'
import { clearFinished } from './clear.js'
import { JobDetails, type Action } from './details.js'
import { h, replace, text, upgradeProperties } from './dom.js'
import { buildLayout, type Layout } from './layout.js'
import { frame, throttle, type Throttled } from './live.js'
import { Pager } from './pager.js'
import { adoptStyles } from './styles.js'
import { JobTable } from './table.js'

/**
 * What the dashboard uses of a queue. Every `Queue<Jobs>` made by `openQueue()` (or
 * `createTestQueue()`) fits; the dashboard also needs its event bus, so other objects are refused.
 */
export interface DashboardQueue {
  readonly name: string
  list(options?: ListOptions): Promise<readonly Job[]>
  counts(): Promise<JobCounts>
  get(id: string): Promise<Job | undefined>
  logs(id: string): Promise<LogLine[]>
  cancel(id: string): Promise<boolean>
  retry(id: string): Promise<boolean>
  remove(id: string): Promise<boolean>
  pause(): Promise<void>
  start(): Promise<void>
}

const EVENTS: readonly EventName[] = ['added', 'started', 'progress', 'retrying', 'completed', 'failed', 'cancelled', 'closed']
/** ms between two reads of the page or of the counts. */
const READ_GAP = 250
/** The longest a slow count waits before the next (see throttle()): counting grows with the jobs kept, a page of rows does not. */
const MAX_COUNTS_GAP = 5000
/** Seconds between safety-net reads (changes without events: delayed jobs coming due, removals in other tabs). */
const RESYNC_EVERY = 5
const MAX_NAMES = 200

/** One binding: a queue while the element is connected. Everything here stops with `abort`. */
interface Binding {
  queue: DashboardQueue
  abort: AbortController
  /** Live events count in the chart from here on; the backfill counts what finished before. */
  since: number
  stops: (() => void)[]
  page: Throttled
  counts: Throttled
  details: Throttled
  frame: Throttled
  progress: Map<string, number>
  dirty: boolean
  detailsDirty: boolean
  ticks: number
}

// Importable where HTMLElement does not exist (server rendering, Node); defining it there would fail.
const Base = (typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement

/**
 * The `<errand-dashboard>` element. Register it with `defineDashboard()`, then bind a queue:
 * `element.queue = queue`.
 */
export class ErrandDashboard extends Base {
  static observedAttributes = ['page-size']
  #queue: DashboardQueue | null = null
  #binding: Binding | undefined
  #ui: Layout
  #table: JobTable
  #details: JobDetails
  #chart = new Throughput()
  #filter: { state?: JobState; name?: string } = {}
  #pager: Pager
  #pageSize = 50
  #names = new Set<string>()
  #clearing: AbortController | undefined
  #nameTimer: ReturnType<typeof setTimeout> | undefined

  constructor() {
    super()
    const root = this.attachShadow({ mode: 'open' })
    adoptStyles(root)
    this.#table = new JobTable((id) => void this.#open(id, true))
    this.#details = new JobDetails(
      (action, id) => void this.#act(action, id),
      () => this.#close(),
    )
    this.#ui = buildLayout(root, this.#chart.element, this.#table.element, this.#details.element)
    const ui = this.#ui
    ui.state.addEventListener('change', () => this.#setFilter({ ...this.#filter, state: (ui.state.value || undefined) as JobState | undefined }))
    const applyName = () => {
      clearTimeout(this.#nameTimer)
      this.#setFilter({ ...this.#filter, name: ui.name.value.trim() || undefined })
    }
    ui.name.addEventListener('input', () => {
      clearTimeout(this.#nameTimer)
      this.#nameTimer = setTimeout(applyName, 300)
    })
    ui.name.addEventListener('change', applyName)
    ui.pause.addEventListener('click', () => void this.#command('pause'))
    ui.start.addEventListener('click', () => void this.#command('start'))
    ui.clear.addEventListener('click', () => void this.#clear())
    this.#pager = new Pager(ui.newer, ui.older, ui.page)
    ui.newer.addEventListener('click', () => this.#pager.toNewer() && this.#binding?.page.request())
    ui.older.addEventListener('click', () => this.#pager.toOlder(this.#table.jobs.at(-1)?.id) && this.#binding?.page.request())
    root.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Escape' && this.#details.id !== undefined) {
        event.preventDefault()
        this.#close()
      }
    })
    this.#renderUnbound()
    upgradeProperties(this, ['pageSize', 'queue'])
  }

  /** The queue shown. Setting another queue rebinds; `null` unbinds (listeners and timers stop). */
  get queue(): DashboardQueue | null {
    return this.#queue
  }

  set queue(queue: DashboardQueue | null) {
    if (queue === this.#queue) return
    if (queue !== null) {
      if (typeof queue !== 'object' || typeof queue.list !== 'function') {
        throw new ErrandError('INVALID_OPTION', `Expected \`queue\` to be a queue made by openQueue(), or null, got \`${String(queue)}\` (${typeof queue}).`)
      }
      watch(queue, 'closed', () => {})() // throws now, not on connect, for a look-alike without a bus
    }
    this.#unbind()
    this.#queue = queue
    this.#pager.reset()
    this.#names.clear()
    replace(this.#ui.names)
    this.#close(false)
    this.#chart.reset()
    this.#chart.draw()
    this.#renderUnbound()
    if (this.isConnected) this.#bind()
  }

  /** Rows per page (also the `page-size` attribute). @default 50 */
  get pageSize(): number {
    return this.#pageSize
  }

  set pageSize(value: number) {
    const size = Math.floor(Number(value))
    this.#pageSize = Number.isFinite(size) && size >= 1 ? Math.min(size, 1000) : 50
    this.#pager.reset()
    this.#binding?.page.request()
  }

  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    if (name === 'page-size') this.pageSize = Number(value ?? 50)
  }

  connectedCallback(): void {
    this.#bind()
  }

  disconnectedCallback(): void {
    this.#unbind()
  }

  #bind(): void {
    const queue = this.#queue
    if (!queue || this.#binding) return
    const report = (error: unknown) => this.#say((error as Error)?.message ?? String(error))
    const b: Binding = {
      queue,
      abort: new AbortController(),
      since: Date.now(),
      stops: [],
      page: throttle(() => this.#readPage(b), READ_GAP, report),
      counts: throttle(() => this.#readCounts(b), READ_GAP, report, MAX_COUNTS_GAP),
      details: throttle(() => this.#readDetails(b), READ_GAP, report),
      frame: frame(() => this.#frame(b)),
      progress: new Map(),
      dirty: false,
      detailsDirty: false,
      ticks: 0,
    }
    this.#binding = b
    this.#enable(true)
    text(this.#ui.title, `Jobs in “${queue.name}”`)
    this.#say('')
    for (const type of EVENTS) b.stops.push(watch(queue, type, (message) => this.#event(b, message)))
    const tick = setInterval(() => this.#tick(b), 1000)
    b.stops.push(() => clearInterval(tick))
    b.page.request()
    b.counts.request()
    // Bound again (moved in the DOM, say): counted anew, backfill up to now and live events after.
    this.#chart.reset()
    this.#chart.draw()
    void this.#chart.backfill(queue, b.since, b.abort.signal).then(() => this.#chart.draw(), report)
  }

  #unbind(): void {
    const b = this.#binding
    if (!b) return
    this.#binding = undefined
    b.abort.abort()
    this.#clearing?.abort()
    b.stops.forEach((stop) => stop())
    for (const throttled of [b.page, b.counts, b.details, b.frame]) throttled.stop()
  }

  /** Events only mark what changed; the next animation frame does the work once. */
  #event(b: Binding, message: QueueMessage): void {
    if (message.type === 'closed') {
      this.#unbind()
      this.#enable(false)
      this.#say(`The queue closed (${message.reason}): what is shown is how it was then. Bind an open queue to see it again.`)
      return
    }
    if (message.type === 'progress') {
      b.progress.set(message.jobId, message.progress)
      if (message.jobId === this.#details.id) b.detailsDirty = true
    } else if ('job' in message) {
      const { job } = message
      if ((message.type === 'completed' || message.type === 'failed') && (job.finishedAt ?? Date.now()) >= b.since) this.#chart.record(message.type, job.id, job.finishedAt ?? Date.now())
      if (job.id === this.#details.id) b.detailsDirty = true
      this.#learnName(job.name)
      b.dirty = true
    }
    b.frame.request()
  }

  #frame(b: Binding): void {
    for (const [id, progress] of b.progress) this.#table.setProgress(id, progress)
    b.progress.clear()
    if (b.dirty) {
      b.dirty = false
      b.page.request()
      b.counts.request()
      this.#chart.draw()
    }
    if (b.detailsDirty) {
      b.detailsDirty = false
      b.details.request()
    }
  }

  #tick(b: Binding): void {
    const now = Date.now()
    this.#table.tick(now)
    this.#chart.draw(now)
    if (this.#details.id !== undefined && this.#table.jobs.some((job) => job.id === this.#details.id && job.state === 'running')) b.details.request() // new log lines come without events
    if (++b.ticks % RESYNC_EVERY === 0 && document.visibilityState === 'visible') {
      b.page.request()
      b.counts.request()
      b.details.request() // a job removed elsewhere (another tab, retention) sends no event
    }
  }

  async #readPage(b: Binding): Promise<void> {
    const after = this.#pager.after
    const jobs = await b.queue.list({ ...this.#filter, limit: this.#pageSize + 1, reverse: true, largePayloads: false, ...(after ? { after } : {}) })
    if (b !== this.#binding) return
    if (jobs.length === 0 && this.#pager.past) {
      // Every job of this page and older went (cleared, removed, retention): back to the newest.
      this.#pager.reset()
      b.page.request()
      return
    }
    const page = jobs.slice(0, this.#pageSize)
    for (const job of page) this.#learnName(job.name)
    this.#table.render(page, Date.now())
    this.#table.select(this.#details.id)
    this.#pager.render(page.length, jobs.length > this.#pageSize, this.#pageSize)
  }

  async #readCounts(b: Binding): Promise<void> {
    const counts = await b.queue.counts()
    if (b !== this.#binding) return
    for (const state of JOB_STATES) text(this.#ui.counts[state], String(counts[state] ?? 0))
  }

  async #readDetails(b: Binding): Promise<void> {
    const id = this.#details.id
    if (id === undefined) return
    const [job, logs] = await Promise.all([b.queue.get(id), b.queue.logs(id)])
    if (b !== this.#binding || id !== this.#details.id) return
    this.#details.show(id, job, logs, Date.now())
  }

  async #open(id: string, focus: boolean): Promise<void> {
    const b = this.#binding
    if (!b) return
    this.#ui.main.classList.add('open')
    this.#table.select(id)
    const job = this.#table.jobs.find((j) => j.id === id)
    this.#details.show(id, job, [], Date.now()) // at once from the row; the read below adds logs and fresh fields
    if (focus) this.#details.focus()
    await this.#readDetails(b).catch((error: unknown) => this.#say((error as Error).message))
  }

  #close(focusRow = true): void {
    const id = this.#details.id
    this.#details.close()
    this.#ui.main.classList.remove('open')
    this.#table.select(undefined)
    if (focusRow && id !== undefined) this.#table.focus(id)
  }

  async #act(action: Action, id: string): Promise<void> {
    const b = this.#binding
    if (!b) return
    const name = this.#table.jobs.find((job) => job.id === id)?.name ?? id
    try {
      const done = await b.queue[action](id)
      const verb = { retry: 'queued again', cancel: 'cancelled', remove: 'removed' }[action]
      this.#say(done ? `Job “${name}” ${verb}.` : `Job “${name}” could not be ${action === 'retry' ? 'retried' : verb}: it changed meanwhile.`)
    } catch (error) {
      this.#say((error as Error).message)
    }
    if (action === 'remove') this.#close()
    b.page.request()
    b.counts.request()
    b.details.request()
  }

  async #command(command: 'pause' | 'start'): Promise<void> {
    const b = this.#binding
    if (!b) return
    try {
      await b.queue[command]()
      this.#say(command === 'pause' ? 'Queue paused in every tab: running jobs finish, no new job starts.' : 'Queue started.')
    } catch (error) {
      this.#say((error as Error).message)
    }
  }

  async #clear(): Promise<void> {
    const b = this.#binding
    if (!b || this.#clearing) return
    const clearing = (this.#clearing = new AbortController())
    b.abort.signal.addEventListener('abort', () => clearing.abort(), { once: true })
    this.#ui.clear.disabled = true
    this.#say('Clearing finished jobs…')
    try {
      const removed = await clearFinished(b.queue, clearing.signal, (n) => {
        if (clearing.signal.aborted) return
        this.#say(`Clearing finished jobs… ${n} removed.`)
        b.page.request()
        b.counts.request()
      })
      if (!clearing.signal.aborted) this.#say(`Removed ${removed} finished job${removed === 1 ? '' : 's'}.`)
    } catch (error) {
      this.#say((error as Error).message)
    } finally {
      this.#clearing = undefined
      this.#ui.clear.disabled = this.#binding === undefined
    }
    if (this.#details.id !== undefined) b.details.request()
  }

  #setFilter(filter: { state?: JobState | undefined; name?: string | undefined }): void {
    const next: { state?: JobState; name?: string } = {}
    if (filter.state) next.state = filter.state
    if (filter.name) next.name = filter.name
    if (next.state === this.#filter.state && next.name === this.#filter.name) return
    this.#filter = next
    this.#pager.reset()
    this.#binding?.page.request()
  }

  #renderUnbound(): void {
    if (this.#queue) return
    text(this.#ui.title, 'Jobs')
    for (const state of JOB_STATES) text(this.#ui.counts[state], '–')
    this.#table.render([], Date.now())
    this.#pager.render(0, false, this.#pageSize)
    this.#enable(false)
    this.#say('No queue bound: set the element’s `queue` property.')
  }

  /** The controls that act on the queue: off once it closed, on again when a queue is bound. */
  #enable(enabled: boolean): void {
    for (const control of [this.#ui.pause, this.#ui.start, this.#ui.clear]) control.disabled = !enabled
    this.#details.enable(enabled)
  }

  #learnName(name: string): void {
    if (this.#names.has(name) || this.#names.size >= MAX_NAMES) return
    this.#names.add(name)
    this.#ui.names.append(h('option', { value: name }))
  }

  #say(message: string): void {
    text(this.#ui.status, message)
  }
}
