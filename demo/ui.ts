// Small DOM helpers. Everything from jobs, files and the server is rendered as text
// (textContent, never innerHTML): a file name or an error message cannot inject markup.
import type { AnyJobOf, Queue } from 'errand'
import type { Jobs } from './jobs.worker'

export type DemoQueue = Queue<Jobs>
export type DemoJob = AnyJobOf<Jobs>

export const byId = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id)
  if (!found) throw new Error(`The demo page has no #${id}.`)
  return found as T
}

/** An element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (className) element.className = className
  if (text) element.textContent = text
  return element
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** Every job of the queue, oldest first (list() pages through an index). */
export async function allJobs(queue: DemoQueue): Promise<DemoJob[]> {
  const jobs: DemoJob[] = []
  for (let page = await queue.list({ limit: 500 }); page.length > 0; page = await queue.list({ limit: 500, after: page[page.length - 1]!.id })) jobs.push(...page)
  return jobs
}

export const FINISHED = new Set(['completed', 'failed', 'cancelled'])
