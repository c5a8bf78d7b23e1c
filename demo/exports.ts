// Exports: a CPU job writes a million rows to a file in the origin private file system
// (OPFS), streamed batch by batch; the page shows its progress, can cancel it, and builds
// a download link from the file the job's result names, also after a reload.
import { EXPORT_DIR, exportFileName, type ExportFormat } from './dataset'
import type { Responsiveness } from './responsiveness'
import { allJobs, byId, el, FINISHED, formatBytes, type DemoJob, type DemoQueue } from './ui'

const ROWS = 1_000_000
/** A Blob URL lives this long after its link was clicked (the download has the file by then). */
const REVOKE_AFTER_MS = 10_000

type ExportJob = Extract<DemoJob, { name: 'export' }>

const exportsDir = async (): Promise<FileSystemDirectoryHandle> => (await navigator.storage.getDirectory()).getDirectoryHandle(EXPORT_DIR, { create: true })

/** Deletes a file the job left (the handler deletes its partial file itself; this covers a worker terminated first). */
async function removeFile(name: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await (await exportsDir()).removeEntry(name)
      return
    } catch (error) {
      if ((error as DOMException).name === 'NotFoundError') return
      await new Promise((resolve) => setTimeout(resolve, 300)) // still open in the worker: try again
    }
  }
}

export function setupExports(queue: DemoQueue, responsiveness: Responsiveness): void {
  const list = byId<HTMLOListElement>('exports')
  const rows = new Map<string, HTMLLIElement>()
  const urls = new Set<string>()

  const fileName = (job: ExportJob): string => exportFileName(job.id, job.payload.format)

  /** A download link built from the OPFS file: a disk-backed File, not a copy in memory. */
  const link = async (job: ExportJob, slot: HTMLElement): Promise<void> => {
    const result = job.result!
    let file: File
    try {
      file = await (await (await exportsDir()).getFileHandle(result.file)).getFile()
    } catch {
      slot.replaceChildren(el('span', 'note', 'the file is gone (site data cleared?)'))
      return
    }
    const url = URL.createObjectURL(file)
    urls.add(url)
    const a = el('a', 'download', `Download ${result.file} (${formatBytes(file.size)})`)
    a.href = url
    a.download = result.file
    a.addEventListener('click', () => {
      setTimeout(() => {
        URL.revokeObjectURL(url)
        urls.delete(url)
        void link(job, slot) // a fresh URL for the next click
      }, REVOKE_AFTER_MS)
    }, { once: true })
    slot.replaceChildren(a)
  }

  const render = (job: ExportJob): void => {
    let row = rows.get(job.id)
    if (!row) {
      row = el('li', 'export')
      row.dataset.jobId = job.id
      const cancel = el('button', 'cancel', 'Cancel')
      cancel.type = 'button'
      cancel.addEventListener('click', () => void queue.job(job.id).then((handle) => handle?.cancel()))
      const remove = el('button', 'remove', 'Delete')
      remove.type = 'button'
      remove.addEventListener('click', () => {
        // The job first: removing a running export cancels it, and its handler lets go of the file.
        void queue.remove(job.id).then(() => removeFile(fileName(job)))
        row!.remove()
        rows.delete(job.id)
      })
      row.append(el('span', 'label', `${job.payload.rows.toLocaleString('en')} rows → ${job.payload.format.toUpperCase()}`), el('progress'), el('span', 'state'), el('span', 'stats'), el('span', 'link'), cancel, remove)
      list.prepend(row)
      rows.set(job.id, row)
    }
    const [, bar, state, stats, slot, cancel] = row.children as unknown as [HTMLElement, HTMLProgressElement, HTMLElement, HTMLElement, HTMLElement, HTMLButtonElement]
    row.dataset.state = job.state
    bar.max = 1
    bar.value = job.state === 'completed' ? 1 : job.progress
    state.textContent = job.state
    cancel.hidden = FINISHED.has(job.state)
    if (job.state === 'completed' && job.result && !slot.firstChild) {
      const r = job.result
      Object.assign(row.dataset, { file: r.file, rows: String(r.rows), bytes: String(r.bytes), ms: String(r.ms) })
      stats.textContent = `${formatBytes(r.bytes)} in ${(r.ms / 1000).toFixed(1)} s in a worker, through one ${formatBytes(r.bufferBytes)} buffer`
      void link(job, slot)
    } else if (job.state === 'failed') stats.textContent = job.errors.at(-1)?.message ?? ''
  }

  const running = new Set<string>()
  const track = (job: ExportJob): void => {
    if (FINISHED.has(job.state)) running.delete(job.id)
    else if (!running.has(job.id)) {
      running.add(job.id)
      responsiveness.begin()
    }
    if (running.size === 0) responsiveness.end()
  }

  for (const type of ['added', 'started', 'retrying', 'completed', 'failed', 'cancelled'] as const) {
    queue.on(type, ({ job }) => {
      if (job.name !== 'export') return
      track(job)
      render(job)
      // The handler deletes its partial file; if its worker was terminated before it could, do it here.
      if (job.state === 'cancelled' || job.state === 'failed') void removeFile(fileName(job))
    })
  }
  queue.on('progress', ({ jobId, progress }) => {
    const bar = rows.get(jobId)?.querySelector('progress')
    if (bar) bar.value = progress
  })

  const start = (format: ExportFormat): void => {
    responsiveness.begin()
    void queue.add('export', { rows: ROWS, format }, { attempts: 2 })
  }
  byId('export-csv').addEventListener('click', () => start('csv'))
  byId('export-ndjson').addEventListener('click', () => start('ndjson'))
  addEventListener('pagehide', () => urls.forEach((url) => URL.revokeObjectURL(url)))

  // After a reload: every export the queue holds, with links for those that finished while
  // the page was away; a file whose export was cancelled, failed or removed is a leftover.
  void (async () => {
    for (const job of (await allJobs(queue)).filter((job): job is ExportJob => job.name === 'export')) {
      render(job)
      if (!FINISHED.has(job.state)) track(job)
    }
    const dir = (await exportsDir()) as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }
    for await (const name of dir.keys()) {
      // Checked one by one against the store: another tab may have just started an export.
      const owner = await queue.get(/^export-(.+)\.[a-z]+$/.exec(name)?.[1] ?? '')
      if (!owner || owner.state === 'cancelled' || owner.state === 'failed') void removeFile(name)
    }
  })()
}
