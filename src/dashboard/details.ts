/**
 * The details of one job: every field, its payload and result as text, its log lines and
 * each attempt's error, with the actions that apply to it. Built once; a refresh changes
 * text and lists only, so a focused button keeps its focus.
 */
import type { Job, LogLine } from '../core/job.js'
import { h, replace, text, type Child } from './dom.js'
import { duration, formatTime, requestLine, toText } from './format.js'

export type Action = 'retry' | 'cancel' | 'remove'

const UNFINISHED = ['queued', 'delayed', 'running']

export class JobDetails {
  readonly element: HTMLElement
  #title: HTMLHeadingElement
  #fields: HTMLElement
  #payload: HTMLPreElement
  #result: HTMLPreElement
  #resultSection: HTMLElement
  #logs: HTMLOListElement
  #errors: HTMLOListElement
  #buttons: Record<Action, HTMLButtonElement>
  #job: Job | undefined
  /** The job the panel is open on, also once it is gone from the store. */
  #id: string | undefined
  /** False once the queue closed: every action stays off. */
  #enabled = true
  /** What the lists show now: unchanged lists are not rebuilt, so an expanded stack stays open. */
  #listed = { id: '', logs: -1, errors: -1, lastError: '' }

  constructor(onAction: (action: Action, id: string) => void, onClose: () => void) {
    const button = (action: Action, label: string) => {
      const element = h('button', { type: 'button' }, label)
      element.addEventListener('click', () => this.#job && onAction(action, this.#job.id))
      return element
    }
    this.#buttons = { retry: button('retry', 'Retry'), cancel: button('cancel', 'Cancel'), remove: button('remove', 'Remove') }
    const close = h('button', { type: 'button', 'aria-label': 'Close details' }, 'Close')
    close.addEventListener('click', onClose)
    this.#title = h('h3', { id: 'details-title', tabindex: -1 })
    this.#fields = h('dl')
    this.#payload = h('pre', { 'aria-label': 'Payload' })
    this.#result = h('pre', { 'aria-label': 'Result' })
    this.#resultSection = h('section', {}, h('h3', {}, 'Result'), this.#result)
    this.#logs = h('ol', { class: 'logs', 'aria-label': 'Log lines' })
    this.#errors = h('ol', { class: 'errors', 'aria-label': 'Errors, one per failed attempt' })
    this.element = h(
      'aside',
      { 'aria-labelledby': 'details-title', hidden: true },
      h('header', {}, this.#title, close),
      h('div', { class: 'actions' }, this.#buttons.retry, this.#buttons.cancel, this.#buttons.remove),
      this.#fields,
      h('section', {}, h('h3', {}, 'Payload'), this.#payload),
      this.#resultSection,
      h('section', {}, h('h3', {}, 'Logs'), this.#logs),
      h('section', {}, h('h3', {}, 'Errors'), this.#errors),
    )
  }

  /** The job shown, if the panel is open. */
  get id(): string | undefined {
    return this.element.hidden ? undefined : this.#id
  }

  /** Opens the panel on job `id`, or says that it is gone (`job` undefined). */
  show(id: string, job: Job | undefined, logs: readonly LogLine[], now: number): void {
    this.element.hidden = false
    this.#id = id
    this.#job = job
    if (!job) {
      text(this.#title, 'Job removed')
      for (const element of [this.#fields, this.#logs, this.#errors, this.#payload]) replace(element)
      this.#listed = { id: '', logs: -1, errors: -1, lastError: '' }
      this.#resultSection.hidden = true
      this.#setButtons()
      return
    }
    text(this.#title, job.name)
    const field = (label: string, value: Child): Child[] => [h('dt', {}, label), h('dd', {}, value)]
    const request = requestLine(job)
    replace(
      this.#fields,
      ...field('ID', job.id),
      ...field('State', job.state),
      ...field('Kind', job.kind),
      ...(request ? field('Request', request) : []),
      ...field('Attempt', `${job.attempt} of ${job.maxAttempts}`),
      ...field('Progress', `${Math.round(job.progress * 100)} %`),
      ...field('Priority', job.priority),
      ...(job.key !== undefined ? field('Key', job.key) : []),
      ...field('Created', formatTime(job.createdAt)),
      ...(job.state === 'delayed' ? field('Runs at', formatTime(job.runAt)) : []),
      ...field('Started', formatTime(job.startedAt)),
      ...field('Finished', formatTime(job.finishedAt)),
      ...field('Duration', duration(job, now)),
    )
    text(this.#payload, toText(job.payload))
    this.#resultSection.hidden = job.state !== 'completed'
    text(this.#result, job.state === 'completed' ? toText(job.result) : '')
    const same = this.#listed.id === job.id
    if (!same || this.#listed.logs !== logs.length) replace(this.#logs, ...(logs.length ? logs.map((line) => h('li', {}, h('time', {}, formatTime(line.at)), line.message)) : [h('li', { class: 'none' }, 'No log lines.')]))
    // A NETWORK entry that used no attempt is updated in place (`times`, `at`) while the network stays down.
    const lastError = `${job.errors.at(-1)?.at}:${job.errors.at(-1)?.times}`
    if (!same || this.#listed.errors !== job.errors.length || this.#listed.lastError !== lastError)
      replace(
      this.#errors,
      ...(job.errors.length
        ? job.errors.map((error, i) =>
            h(
              'li',
              {},
              h('b', {}, `#${i + 1} ${error.name}`),
              error.code ? ` (${error.code})` : '',
              error.times !== undefined && error.times > 1 ? ` × ${error.times}, latest` : '',
              ' ',
              h('time', {}, formatTime(error.at)),
              h('div', { class: 'message' }, error.message),
              error.response ? h('div', {}, `HTTP ${error.response.status} ${error.response.statusText}`) : null,
              error.stack ? h('details', {}, h('summary', {}, 'Stack'), h('pre', {}, error.stack)) : null,
            ),
          )
        : [h('li', { class: 'none' }, 'No errors.')]),
      )
    this.#listed = { id: job.id, logs: logs.length, errors: job.errors.length, lastError }
    this.#setButtons()
  }

  /** Turns every action off (the queue closed), or back to what the job allows. */
  enable(enabled: boolean): void {
    this.#enabled = enabled
    this.#setButtons()
  }

  #setButtons(): void {
    const state = this.#job?.state
    this.#buttons.retry.disabled = !this.#enabled || (state !== 'failed' && state !== 'cancelled')
    this.#buttons.cancel.disabled = !this.#enabled || state === undefined || !UNFINISHED.includes(state)
    this.#buttons.remove.disabled = !this.#enabled || state === undefined
  }

  /** Moves focus into the panel (its heading), for keyboard and screen-reader users. */
  focus(): void {
    this.#title.focus()
  }

  close(): void {
    this.element.hidden = true
    this.#job = undefined
    this.#id = undefined
  }
}
