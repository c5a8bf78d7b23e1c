/**
 * The throughput chart: completed and failed jobs per second over the last five minutes,
 * stacked bars in an SVG built with DOM calls. Counted live from events (by `finishedAt`),
 * and backfilled from the store when the dashboard binds.
 */
import type { Job } from '../core/job.js'
import { attr, h, svg, text } from './dom.js'

/** Seconds shown. */
export const WINDOW = 300
/** Finished jobs read per state when backfilling: a bound on the work, so the chart is best effort for busier queues. */
const BACKFILL_MAX = 2000
const BACKFILL_PAGE = 200
const HEIGHT = 100

type Outcome = 'completed' | 'failed'

/** The part of a queue the chart reads. */
export interface ChartSource {
  list(options: { state: Outcome; reverse: true; limit: number; after?: string; largePayloads: false }): Promise<readonly Job[]>
}

export class Throughput {
  readonly element: HTMLElement
  /** Per second, in a ring of WINDOW slots; `second` says which epoch second a slot holds now. */
  #second = new Float64Array(WINDOW).fill(-1)
  #counts: Record<Outcome, Uint32Array> = { completed: new Uint32Array(WINDOW), failed: new Uint32Array(WINDOW) }
  /** The outcomes each slot counted (`<outcome> <job id>`): an outcome heard twice (a replay, a backfill after a live event) counts once. */
  #counted: Set<string>[] = Array.from({ length: WINDOW }, () => new Set())
  #paths: Record<Outcome, SVGPathElement>
  #svg: SVGSVGElement
  #summary: HTMLParagraphElement

  constructor() {
    this.#paths = { completed: svg('path', { class: 'completed' }), failed: svg('path', { class: 'failed' }) }
    this.#svg = svg('svg', { viewBox: `0 0 ${WINDOW} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img' }, this.#paths.completed, this.#paths.failed)
    this.#summary = h('p')
    this.element = h('section', { class: 'chart', 'aria-label': 'Throughput' }, this.#svg, this.#summary)
  }

  /** Counts job `id`'s outcome at the second it happened, once (ignored outside the window). */
  record(outcome: Outcome, id: string, at: number, now = Date.now()): void {
    const second = Math.floor(at / 1000)
    const current = Math.floor(now / 1000)
    if (second <= current - WINDOW || second > current) return
    const slot = second % WINDOW
    const counted = this.#counted[slot]!
    if (this.#second[slot] !== second) {
      this.#second[slot] = second
      this.#counts.completed[slot] = 0
      this.#counts.failed[slot] = 0
      counted.clear()
    }
    const key = `${outcome} ${id}`
    if (counted.has(key)) return
    counted.add(key)
    this.#counts[outcome][slot]!++
  }

  /** Counts the jobs that finished in the window before `until` (live events count those after). */
  async backfill(source: ChartSource, until: number, signal: AbortSignal): Promise<void> {
    const since = until - WINDOW * 1000
    for (const state of ['completed', 'failed'] as const) {
      let after: string | undefined
      // Newest first by creation; a job created long before it finished may be missed past the first page older than the window.
      for (let read = 0; read < BACKFILL_MAX; ) {
        const page = await source.list({ state, reverse: true, limit: BACKFILL_PAGE, largePayloads: false, ...(after ? { after } : {}) })
        if (signal.aborted) return
        for (const job of page) if (job.finishedAt !== undefined && job.finishedAt >= since && job.finishedAt < until) this.record(state, job.id, job.finishedAt, until)
        read += page.length
        if (page.length < BACKFILL_PAGE || page.every((job) => job.createdAt < since)) break
        after = page[page.length - 1]!.id
        await new Promise((resolve) => setTimeout(resolve)) // let the page breathe between reads
      }
    }
  }

  /** Forgets everything (bound to another queue). */
  reset(): void {
    this.#second.fill(-1)
  }

  /** Redraws the bars and the summary for the window ending now. */
  draw(now = Date.now()): void {
    const current = Math.floor(now / 1000)
    const per: Record<Outcome, number[]> = { completed: [], failed: [] }
    let peak = 0
    for (let i = 0; i < WINDOW; i++) {
      const second = current - WINDOW + 1 + i
      const slot = second % WINDOW
      const valid = this.#second[slot] === second
      const completed = valid ? this.#counts.completed[slot]! : 0
      const failed = valid ? this.#counts.failed[slot]! : 0
      per.completed.push(completed)
      per.failed.push(failed)
      peak = Math.max(peak, completed + failed)
    }
    const max = Math.max(1, peak)
    // Stacked: completed from the bottom, failed on top of it.
    let completedPath = ''
    let failedPath = ''
    per.completed.forEach((completed, x) => {
      const failed = per.failed[x]!
      const c = (completed / max) * HEIGHT
      const f = (failed / max) * HEIGHT
      if (completed) completedPath += `M${x} ${HEIGHT}v${-c}h1v${c}z`
      if (failed) failedPath += `M${x} ${HEIGHT - c}v${-f}h1v${f}z`
    })
    attr(this.#paths.completed, 'd', completedPath || undefined)
    attr(this.#paths.failed, 'd', failedPath || undefined)
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
    const recent = (values: number[]) => sum(values.slice(-10)) / 10
    const summary =
      `Last 5 min: ${sum(per.completed)} completed, ${sum(per.failed)} failed` +
      ` · last 10 s: ${recent(per.completed).toFixed(1)}/s completed, ${recent(per.failed).toFixed(1)}/s failed · peak ${peak}/s`
    text(this.#summary, summary)
    attr(this.#svg, 'aria-label', `Completed and failed jobs per second. ${summary}`)
  }
}
