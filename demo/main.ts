import { openQueue, type AnyJobOf } from 'errand'
import type { Jobs } from './jobs.worker'

const queue = openQueue<Jobs>('demo', {
  worker: () => new Worker(new URL('./jobs.worker.ts', import.meta.url), { type: 'module' }),
  defaults: { attempts: 3, backoff: { type: 'exponential', delay: 500 } },
})

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const rows = new Map<string, HTMLTableRowElement>()

// Job data is rendered with textContent only: a payload or error can never inject markup.
function render(job: AnyJobOf<Jobs>): void {
  let row = rows.get(job.id)
  if (!row) {
    row = document.createElement('tr')
    for (let i = 0; i < 6; i++) row.append(document.createElement('td'))
    row.cells[4]!.className = 'detail'
    const cancel = document.createElement('button')
    cancel.type = 'button'
    cancel.textContent = 'cancel'
    cancel.addEventListener('click', () => void queue.cancel(job.id))
    row.cells[5]!.append(cancel)
    $('jobs').prepend(row)
    rows.set(job.id, row)
  }
  const cells = row.cells
  cells[0]!.textContent = `${job.name} ${JSON.stringify(job.payload)}`
  cells[1]!.textContent = job.state
  let bar = cells[2]!.querySelector('progress')
  if (!bar) cells[2]!.append((bar = document.createElement('progress')))
  bar.max = 1
  bar.value = job.progress
  cells[3]!.textContent = `${job.attempt}/${job.maxAttempts}`
  const lastError = job.errors.at(-1)
  cells[4]!.textContent = job.state === 'completed' ? JSON.stringify(job.result) : lastError ? `${lastError.name}: ${lastError.message}` : ''
  ;(cells[5]!.firstElementChild as HTMLButtonElement).disabled = ['completed', 'failed', 'cancelled'].includes(job.state)
}

async function refreshCounts(): Promise<void> {
  const c = await queue.counts()
  $('counts').textContent = `queued ${c.queued} · delayed ${c.delayed} · running ${c.running} · completed ${c.completed} · failed ${c.failed} · cancelled ${c.cancelled}`
}

for (const type of ['added', 'started', 'retrying', 'completed', 'failed', 'cancelled'] as const) {
  queue.on(type, ({ job }) => {
    render(job)
    void refreshCounts()
  })
}
queue.on('progress', ({ jobId, progress }) => {
  const bar = rows.get(jobId)?.cells[2]?.querySelector('progress')
  if (bar) bar.value = progress
})

$('add-primes').addEventListener('click', () => void queue.add('primes', { limit: 5_000_000 }))
$('add-hash').addEventListener('click', () => void queue.add('hash', { megabytes: 64 }))
$('add-flaky').addEventListener('click', () => void queue.add('flaky', { failures: 2 }))
$('add-many').addEventListener('click', () => void queue.addAll(Array.from({ length: 100 }, (_, i) => ({ name: 'primes' as const, payload: { limit: 20_000 + i } }))))
$('clear').addEventListener('click', () => void queue.clear())

// What happened while the page was closed is in the store: show the latest jobs.
for (const job of (await queue.list({ reverse: true, limit: 50 })).reverse()) render(job)
void refreshCounts()
