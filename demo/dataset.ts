/**
 * The export's synthetic dataset: row `i` is a pure function of `i`, so a million rows need
 * no storage, the worker can write them in any batch size, and a test can compute the exact
 * first and last lines of a file. Shared by the worker (jobs.worker.ts) and the e2e tests.
 */

export type ExportFormat = 'csv' | 'ndjson'

export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'ndjson']

export const CSV_HEADER = 'id,customer,email,country,amount,created_at'

const COUNTRIES = ['DE', 'FR', 'GB', 'IT', 'JP', 'NL', 'PL', 'SE', 'US', 'BR', 'IN', 'KE'] as const
const FIRST = ['ada', 'alan', 'grace', 'edsger', 'barbara', 'donald', 'frances', 'ken', 'radia', 'tim', 'margaret', 'linus'] as const
/** 2024-01-01T00:00:00Z: rows are a minute apart from here. */
const EPOCH = Date.UTC(2024, 0, 1)

export interface Row {
  id: number
  customer: string
  email: string
  country: string
  /** Cents, to keep the amount exact. */
  cents: number
  createdAt: string
}

/** Row `i` (0-based) of the dataset. */
export function row(i: number): Row {
  const first = FIRST[i % FIRST.length]!
  const customer = `${first}-${(i * 7919) % 100_003}`
  return {
    id: i + 1,
    customer,
    email: `${customer}@example.com`,
    country: COUNTRIES[(i * 31) % COUNTRIES.length]!,
    cents: (i * 104_729) % 1_000_000,
    createdAt: timestamp(i),
  }
}

const MINUTES_PER_DAY = 1440
let cachedDay = -1
let cachedDate = ''
const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/** EPOCH + i minutes as an ISO string; the date part is computed once per day of rows (a Date per row would double the export's time). */
function timestamp(i: number): string {
  const day = Math.floor(i / MINUTES_PER_DAY)
  if (day !== cachedDay) {
    cachedDay = day
    cachedDate = new Date(EPOCH + day * 86_400_000).toISOString().slice(0, 10)
  }
  const minute = i - day * MINUTES_PER_DAY
  return `${cachedDate}T${two(Math.floor(minute / 60))}:${two(minute % 60)}:00.000Z`
}

const amount = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`

/** Row `i` as one line of `format`, without its newline. */
export function line(i: number, format: ExportFormat): string {
  const r = row(i)
  return format === 'csv'
    ? `${r.id},${r.customer},${r.email},${r.country},${amount(r.cents)},${r.createdAt}`
    : `{"id":${r.id},"customer":"${r.customer}","email":"${r.email}","country":"${r.country}","amount":${amount(r.cents)},"created_at":"${r.createdAt}"}`
}

/** The line before the rows, if the format has one. */
export function header(format: ExportFormat): string | undefined {
  return format === 'csv' ? CSV_HEADER : undefined
}

export const MIME: Record<ExportFormat, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson' }

/** OPFS folder of the exports; the page reads files from it by the names export jobs return. */
export const EXPORT_DIR = 'errand-demo-exports'

/** The file an export job writes: derived from the job id, so a re-run overwrites its own file. */
export const exportFileName = (jobId: string, format: ExportFormat): string => `export-${jobId}.${format}`
