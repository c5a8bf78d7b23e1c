/** The dashboard's static frame: heading, counts, filters, buttons, pager. No behaviour here. */
import { JOB_STATES, type JobState } from '../core/job.js'
import { h } from './dom.js'

export interface Layout {
  title: HTMLElement
  counts: Record<JobState, HTMLElement>
  status: HTMLElement
  state: HTMLSelectElement
  name: HTMLInputElement
  names: HTMLDataListElement
  pause: HTMLButtonElement
  start: HTMLButtonElement
  clear: HTMLButtonElement
  newer: HTMLButtonElement
  older: HTMLButtonElement
  page: HTMLElement
  main: HTMLElement
}

const button = (label: string, attributes: Record<string, string> = {}) => h('button', { type: 'button', ...attributes }, label)

/** Builds the frame into `root`, with `chart`, `table` and `details` in their places. */
export function buildLayout(root: ShadowRoot, chart: HTMLElement, table: HTMLElement, details: HTMLElement): Layout {
  const counts = {} as Record<JobState, HTMLElement>
  const items = JOB_STATES.map((state) => {
    counts[state] = h('b', {}, '–')
    return h('li', { 'data-state': state }, state, counts[state])
  })
  const state = h('select', { 'aria-label': 'Filter by state' }, h('option', { value: '' }, 'All states'), ...JOB_STATES.map((s) => h('option', { value: s }, s)))
  const names = h('datalist', { id: 'errand-names' })
  const name = h('input', { type: 'search', 'aria-label': 'Filter by job name (exact)', placeholder: 'Job name', list: 'errand-names', autocomplete: 'off', spellcheck: 'false' })
  const layout: Layout = {
    title: h('h2', {}, 'Jobs'),
    counts,
    status: h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
    state,
    name,
    names,
    pause: button('Pause', { 'aria-label': 'Pause the queue in every tab' }),
    start: button('Start', { 'aria-label': 'Start the queue in every tab' }),
    clear: button('Clear finished', { 'aria-label': 'Remove every completed, failed and cancelled job' }),
    newer: button('Newer', { 'aria-label': 'Newer jobs (previous page)' }),
    older: button('Older', { 'aria-label': 'Older jobs (next page)' }),
    page: h('span', { 'aria-live': 'polite' }),
    main: h('div', { class: 'main' }, table, details),
  }
  root.append(
    h(
      'header',
      { part: 'header' },
      layout.title,
      h('div', { role: 'group', 'aria-label': 'Jobs per state' }, h('ul', { class: 'counts', part: 'counts' }, ...items)),
    ),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Filters and queue actions' }, state, name, names, layout.pause, layout.start, layout.clear),
    chart,
    layout.status,
    layout.main,
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, layout.newer, layout.page, layout.older),
  )
  return layout
}
