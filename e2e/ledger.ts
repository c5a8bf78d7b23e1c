// The e2e ledger, server side: an in-memory record of every execution of the fixture's
// `task` handler, kept by the test server (scripts/static-server.mjs `routes` hook, started
// in global-setup.ts) in the Playwright runner process. The fixture's workers POST to it;
// tests read it with GET (see readLedger() in helpers.ts).
//
//   POST   /ledger              body: one LedgerRecord (JSON, ≤ 2 KiB) → 204; a second POST
//                               with the same `queue` + `run` completes the first (adds endedAt)
//   GET    /ledger?queue=<name> → 200 { records: LedgerRecord[] } in arrival order
//   DELETE /ledger?queue=<name> → 204, forgets that queue
//
// Bounded: bodies up to 2 KiB, 20 000 executions per queue, 200 queues (the oldest queue
// is forgotten first: every test uses a queue name of its own). Loopback only: the server
// listens on 127.0.0.1, and requests from any other address are refused anyway.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { LEDGER_PATH, type LedgerRecord } from './fixture/ledger-record'

const MAX_BODY = 2048
const MAX_RECORDS_PER_QUEUE = 20_000
const MAX_QUEUES = 200
const MAX_STRING = 200

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/** The record a POST body describes, or a reason it is not one. */
function parseRecord(text: string): LedgerRecord | string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'body is not JSON'
  }
  if (typeof value !== 'object' || value === null) return 'body is not an object'
  const v = value as Record<string, unknown>
  for (const key of ['queue', 'run', 'jobId', 'tab', 'load'] as const) {
    if (typeof v[key] !== 'string' || v[key] === '' || (v[key] as string).length > MAX_STRING) return `\`${key}\` must be a non-empty string of at most ${MAX_STRING} characters`
  }
  for (const key of ['attempt', 'startedAt'] as const) {
    if (typeof v[key] !== 'number' || !Number.isFinite(v[key])) return `\`${key}\` must be a finite number`
  }
  if (v.endedAt !== undefined && (typeof v.endedAt !== 'number' || !Number.isFinite(v.endedAt))) return '`endedAt` must be a finite number when given'
  const record: LedgerRecord = {
    queue: v.queue as string,
    run: v.run as string,
    jobId: v.jobId as string,
    attempt: v.attempt as number,
    tab: v.tab as string,
    load: v.load as string,
    startedAt: v.startedAt as number,
  }
  if (v.endedAt !== undefined) record.endedAt = v.endedAt as number
  return record
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let size = 0
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        resolve(undefined)
        request.resume() // drain the rest, keep nothing
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

export interface Ledger {
  /** The static server's `routes` hook: answers /ledger, leaves every other path to the files. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<boolean>
}

export function createLedger(): Ledger {
  /** Queue name → execution run id → record; Maps keep insertion order (oldest queue first). */
  const queues = new Map<string, Map<string, LedgerRecord>>()

  const send = (response: ServerResponse, status: number, body?: unknown): void => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
    response.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    response.end(status === 204 ? undefined : text)
  }

  const record = (entry: LedgerRecord): string | undefined => {
    let runs = queues.get(entry.queue)
    if (!runs) {
      if (queues.size >= MAX_QUEUES) queues.delete(queues.keys().next().value as string)
      queues.set(entry.queue, (runs = new Map()))
    }
    const known = runs.get(entry.run)
    if (known) {
      // The end of an execution whose start is known: same job, attempt, page.
      if (known.jobId !== entry.jobId || known.attempt !== entry.attempt || known.load !== entry.load) return `run ${entry.run} was recorded for another job, attempt or page`
      if (entry.endedAt !== undefined) known.endedAt = entry.endedAt
      return undefined
    }
    if (runs.size >= MAX_RECORDS_PER_QUEUE) return `the ledger of queue ${entry.queue} is full (${MAX_RECORDS_PER_QUEUE} executions)`
    runs.set(entry.run, entry)
    return undefined
  }

  return {
    async handle(request, response) {
      const url = new URL(request.url ?? '/', 'http://localhost')
      if (url.pathname !== LEDGER_PATH) return false
      if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
        send(response, 403, 'The ledger answers loopback requests only.')
        return true
      }
      if (request.method === 'POST') {
        const body = await readBody(request)
        if (body === undefined) {
          send(response, 413, `A ledger record is at most ${MAX_BODY} bytes.`)
          return true
        }
        const entry = parseRecord(body)
        if (typeof entry === 'string') {
          send(response, 400, entry)
          return true
        }
        const refused = record(entry)
        if (refused) send(response, 409, refused)
        else send(response, 204)
        return true
      }
      const queue = url.searchParams.get('queue')
      if (!queue) {
        send(response, 400, 'Name the queue: /ledger?queue=<name>.')
        return true
      }
      if (request.method === 'GET') send(response, 200, { records: [...(queues.get(queue)?.values() ?? [])] })
      else if (request.method === 'DELETE') {
        queues.delete(queue)
        send(response, 204)
      } else send(response, 405, 'Use GET, POST or DELETE.')
      return true
    },
  }
}
