/**
 * Paging newest first through `list({ after })`: the `after` of every page shown so far and
 * whether an older one exists, with the Newer and Older buttons and the page label. Knows
 * nothing of the queue: the element reads each page and hands the pager what it found.
 */
import { text } from './dom.js'

export class Pager {
  /** `after` of each earlier page, and of this one (newest first: page 1 has none). */
  #pages: (string | undefined)[] = [undefined]
  #hasOlder = false
  #newer: HTMLButtonElement
  #older: HTMLButtonElement
  #label: HTMLElement

  constructor(newer: HTMLButtonElement, older: HTMLButtonElement, label: HTMLElement) {
    this.#newer = newer
    this.#older = older
    this.#label = label
  }

  /** Where the page to read starts. */
  get after(): string | undefined {
    return this.#pages.at(-1)
  }

  /** True on any page but the first. */
  get past(): boolean {
    return this.#pages.length > 1
  }

  /** Back to the first page. */
  reset(): void {
    this.#pages = [undefined]
  }

  /** Moves one page older, after `lastId` (the last row shown); false when there is none. */
  toOlder(lastId: string | undefined): boolean {
    if (lastId === undefined || !this.#hasOlder) return false
    this.#pages.push(lastId)
    // Until that page is read, the rows on screen are the old page's: another click would push the same anchor.
    this.#hasOlder = false
    this.#older.disabled = true
    return true
  }

  /** Moves one page newer; false on the first page. */
  toNewer(): boolean {
    if (!this.past) return false
    this.#pages.pop()
    return true
  }

  /** Shows the page just read: how many `rows` it has, and whether an older page exists. */
  render(rows: number, hasOlder: boolean, pageSize: number): void {
    this.#hasOlder = hasOlder
    const page = this.#pages.length
    const first = (page - 1) * pageSize
    this.#newer.disabled = page === 1
    this.#older.disabled = !hasOlder
    text(this.#label, rows ? `Page ${page} · jobs ${first + 1}–${first + rows}` : `Page ${page}`)
  }
}
