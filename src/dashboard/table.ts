/**
 * The jobs table: one page of jobs, rows kept by id between renders (so focus and scroll
 * survive live updates), one row in the tab order at a time (arrow keys move between rows,
 * Enter or Space opens one).
 */
import type { Job, JobState } from '../core/job.js'
import { attr, h, text } from './dom.js'
import { duration, formatSpan, requestLine } from './format.js'

/** The states a row can show; anything else (a newer version's state) shows unstyled. */
const STATES: readonly JobState[] = ['queued', 'delayed', 'running', 'completed', 'failed', 'cancelled']

interface Row {
  tr: HTMLTableRowElement
  job: Job
  name: HTMLElement
  request: HTMLElement
  state: HTMLElement
  bar: HTMLElement
  fill: HTMLElement
  attempt: HTMLElement
  age: HTMLElement
  duration: HTMLElement
}

export class JobTable {
  readonly element: HTMLElement
  #body: HTMLTableSectionElement
  #rows = new Map<string, Row>()
  #ids = new WeakMap<Element, string>()
  /** The row in the tab order. */
  #active: string | undefined
  #selected: string | undefined
  #empty: HTMLTableRowElement

  constructor(onOpen: (id: string) => void) {
    const column = (label: string, extra = '') => h('th', { scope: 'col', class: extra || undefined }, label)
    this.#body = h('tbody')
    this.#empty = h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No jobs.'))
    this.element = h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        {},
        h('caption', { class: 'sr-only' }, 'Jobs, newest first. Arrow keys move between rows; Enter or Space shows a job’s details.'),
        h('thead', {}, h('tr', {}, column('Name'), column('State'), column('Progress'), column('Attempt', 'col-attempt'), column('Age', 'col-age'), column('Duration'))),
        this.#body,
      ),
    )
    this.#body.addEventListener('click', (event) => {
      const id = this.#rowId(event.target)
      if (id !== undefined) onOpen(id)
    })
    this.#body.addEventListener('focusin', (event) => {
      const id = this.#rowId(event.target)
      if (id !== undefined) this.#setActive(id)
    })
    this.#body.addEventListener('keydown', (event) => {
      const id = this.#rowId(event.target)
      if (id === undefined || event.target !== this.#rows.get(id)?.tr) return
      const ids = [...this.#rows.keys()]
      const at = ids.indexOf(id)
      const move: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: ids.length - 1 }
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault()
        onOpen(id)
      } else if (event.key in move) {
        event.preventDefault()
        const next = ids[Math.min(Math.max(move[event.key]!, 0), ids.length - 1)]
        if (next !== undefined) this.focus(next)
      }
    })
  }

  /** Jobs shown, in order. */
  get jobs(): Job[] {
    return [...this.#rows.values()].map((row) => row.job)
  }

  /** Shows `jobs` in this order, reusing the rows of jobs already shown. */
  render(jobs: readonly Job[], now: number): void {
    const focused = this.#focusedRow()
    const next = new Map<string, Row>()
    for (const job of jobs) {
      const row = this.#rows.get(job.id) ?? this.#createRow(job)
      this.#update(row, job, now)
      next.set(job.id, row)
    }
    for (const [id, row] of this.#rows) if (!next.has(id)) row.tr.remove()
    this.#rows = next
    // Move only the rows that are out of place: moving a focused row would blur it.
    let cursor: ChildNode | null = this.#body.firstChild
    for (const row of next.values()) {
      if (cursor === row.tr) cursor = cursor.nextSibling
      else this.#body.insertBefore(row.tr, cursor)
    }
    while (cursor) {
      const after: ChildNode | null = cursor.nextSibling
      cursor.remove()
      cursor = after
    }
    if (next.size === 0) this.#body.appendChild(this.#empty)
    if (this.#active === undefined || !next.has(this.#active)) this.#active = next.keys().next().value
    this.#setActive(this.#active)
    if (focused && focused.isConnected && focused !== (this.element.getRootNode() as ShadowRoot).activeElement) focused.focus({ preventScroll: true })
    if (focused && !focused.isConnected && this.#active !== undefined) this.focus(this.#active) // its job left the page: stay in the table
  }

  /** Updates one row's progress bar without reading the store. */
  setProgress(id: string, progress: number): void {
    const row = this.#rows.get(id)
    if (!row) return
    row.job = { ...row.job, progress }
    this.#progress(row, progress)
  }

  /** Refreshes ages and running durations. */
  tick(now: number): void {
    for (const row of this.#rows.values()) {
      text(row.age, formatSpan(now - row.job.createdAt))
      text(row.duration, duration(row.job, now))
    }
  }

  /** Marks the row whose details are open. */
  select(id: string | undefined): void {
    if (this.#selected !== undefined) {
      const old = this.#rows.get(this.#selected)
      if (old) attr(old.tr, 'aria-current', undefined)
    }
    this.#selected = id
    const row = id === undefined ? undefined : this.#rows.get(id)
    if (row) attr(row.tr, 'aria-current', 'true')
  }

  /** Focuses a row (false if it is not on this page). */
  focus(id: string): boolean {
    const row = this.#rows.get(id)
    if (!row) return false
    this.#setActive(id)
    row.tr.focus()
    return true
  }

  #setActive(id: string | undefined): void {
    this.#active = id
    for (const [rowId, row] of this.#rows) row.tr.tabIndex = rowId === id ? 0 : -1
  }

  #focusedRow(): HTMLElement | undefined {
    const active = (this.element.getRootNode() as ShadowRoot | Document).activeElement
    return active instanceof HTMLTableRowElement && this.#ids.has(active) ? active : undefined
  }

  #rowId(target: EventTarget | null): string | undefined {
    const tr = target instanceof Element ? target.closest('tr') : null
    return tr ? this.#ids.get(tr) : undefined
  }

  #createRow(job: Job): Row {
    const fill = h('span')
    const row: Row = {
      tr: h('tr', { tabindex: -1 }),
      job,
      name: h('span'),
      request: h('span', { class: 'request' }),
      state: h('span', { class: 'state' }),
      fill,
      bar: h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill),
      attempt: h('td', { class: 'col-attempt' }),
      age: h('td', { class: 'col-age' }),
      duration: h('td'),
    }
    row.tr.append(h('td', { class: 'name' }, row.name, row.request), h('td', {}, row.state), h('td', {}, row.bar), row.attempt, row.age, row.duration)
    this.#ids.set(row.tr, job.id)
    return row
  }

  #update(row: Row, job: Job, now: number): void {
    row.job = job
    text(row.name, job.name)
    const request = requestLine(job)
    text(row.request, request)
    row.request.hidden = request === ''
    text(row.state, job.state)
    row.state.className = STATES.includes(job.state) ? `state ${job.state}` : 'state'
    this.#progress(row, job.progress)
    text(row.attempt, `${job.attempt}/${job.maxAttempts}`)
    text(row.age, formatSpan(now - job.createdAt))
    text(row.duration, duration(job, now))
  }

  #progress(row: Row, progress: number): void {
    const value = Number.isFinite(progress) ? Math.min(Math.max(progress, 0), 1) : 0
    const percent = Math.round(value * 100)
    attr(row.bar, 'aria-valuenow', percent)
    attr(row.bar, 'aria-label', `Progress of ${row.job.name}`)
    // CSSOM, not a style attribute: allowed under a strict CSP.
    row.fill.style.setProperty('--_p', String(value))
  }
}
