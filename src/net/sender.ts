/**
 * Sends network jobs: the same code in the service worker (`errand/sw`) and in a page with
 * no service worker in control. One pass claims queued network jobs in priority-then-FIFO
 * order, sends at most `parallel` at once, records each outcome (fenced), and ends when
 * nothing is due, or at the first sign that the network is down.
 *
 * Invariants:
 * - A pass holds the Web Lock `errand:<queue>:send`, so one sender sends at a time per
 *   queue (page or service worker) and the holder knows every earlier holder is done or
 *   dead: its first claim recovers every running network job that is not its own. A holder
 *   that is frozen keeps the lock; after waiting a lease the next sender goes on without
 *   the lock and recovers by lease expiry only (claims and fencing keep that safe).
 * - The job's lease is renewed while its request is in flight; an attempt whose job was
 *   cancelled meanwhile is aborted.
 * - Besides what it sends, a turn claims up to `parallel` jobs ahead (AHEAD_BYTES of bodies
 *   at most), claimed but not started: each goes out, in claim order, the moment a request
 *   ends, and its start mark is written by the next turn. A sender that dies leaves them
 *   unstarted, so they are released, not counted as stalls; a pass that stops sending (no
 *   network, a service worker took over) gives them back to the queue, no attempt used.
 * - Status policy: 2xx completes; 408, 429, 5xx (or `retryOn`) retry with the job's
 *   backoff, not before `Retry-After`; any other status fails at once with the response on
 *   the attempt error. A request that gets no response (network down, connection refused)
 *   goes back to the queue without using up an attempt, and the pass stops; unless another
 *   request of the pass got an answer: then this one is at fault (CORS, a blocked host) and
 *   its attempt counts. (A lone request the browser blocks looks like no network: it stays
 *   queued, its `errors` say NETWORK.)
 * - A pass probes when the network looked down (this sender's last pass found none, or the
 *   next queued job's last send got no response, which a restarted service worker reads):
 *   it claims and sends one job, with none claimed ahead, and goes on at `parallel` once a
 *   server answers. A trigger while offline (every add pings the sender) then costs one
 *   request that fails, not a turn's worth of them and the bodies claimed ahead. Probes take
 *   turns among the next jobs (core/transitions.ts probeWith()), so one the browser blocks
 *   by itself does not hold back the others.
 */
import { ErrandError } from '../core/errors.js'
import type { QueueMessage } from '../core/events.js'
import { toJob, type Job, type JobRecord } from '../core/job.js'
import { announcement } from '../core/events.js'
import { renewLeases } from '../store/jobs.js'
import { sendingElsewhere } from '../store/requests.js'
import { sendTurn, type SendOutcome } from '../store/send-turn.js'
import type { Database } from '../store/schema.js'
import { AHEAD_BYTES, retryAfter, retriable, SMALL_BODY } from './policy.js'
import type { HttpResponse, StoredRequest } from './types.js'

/** Called just before each attempt is sent: add fresh credentials here (they are never stored). Return a new Request to replace it. */
export type BeforeSend = (request: Request, job: Job<StoredRequest>) => Request | void | Promise<Request | void>

export interface SenderOptions {
  queue: string
  db: () => Promise<Database>
  owner: string
  leaseMs: number
  maxStalls: number
  /** Requests in flight at once. */
  parallel: number
  beforeSend?: BeforeSend
  /** Publishes an event to every page. */
  announce(message: QueueMessage): void
  /** Checked before each claim: false ends the pass once the requests in flight are done (a page handing over to a service worker). */
  active?: () => boolean
}

export interface PassResult {
  /** True when a request got no response: the network looks down. */
  offline: boolean
  /** When the next delayed network job is due (epoch ms), if any. */
  nextDueAt: number | undefined
}

export interface Sender {
  /** Sends what is due; resolves when a pass that started after this call has ended. */
  replay(): Promise<PassResult>
}

/** Text bodies kept on an attempt error, at most. */
const ERROR_BODY_CHARS = 65_536

async function readResponse(response: Response, type: StoredRequest['responseType'], forError = false): Promise<HttpResponse> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => (headers[name] = value))
  const contentType = headers['content-type'] ?? ''
  const kind = type ?? (/[/+]json\b/.test(contentType) ? 'json' : /^text\/|[/+]xml\b/.test(contentType) || forError ? 'text' : 'blob')
  let body: unknown = null
  if (kind !== 'none' && response.status !== 204 && response.status !== 304) {
    if (kind === 'json' || kind === 'text') {
      const text = await response.text()
      body = text
      // A body that is not JSON stays text, unless the job asked for JSON: then a success's throws its SyntaxError (see send()).
      if (kind === 'json' && text)
        try {
          body = JSON.parse(text)
        } catch (error) {
          if (type === 'json' && !forError) throw error
        }
      if (forError && typeof body === 'string' && body.length > ERROR_BODY_CHARS) body = body.slice(0, ERROR_BODY_CHARS)
    } else if (kind === 'arrayBuffer') body = await response.arrayBuffer()
    else body = await response.blob()
  }
  return { status: response.status, statusText: response.statusText, headers, body }
}

class HttpStatusError extends ErrandError {
  override name = 'HttpStatusError'
  readonly response: HttpResponse
  constructor(request: StoredRequest, response: HttpResponse) {
    super('HTTP_STATUS', `${request.method} ${request.url} answered ${response.status} ${response.statusText}`.trim() + '.', { context: { status: response.status } })
    this.response = response
  }
}

/** Sends one claimed job; never throws: every ending is an outcome. */
async function send(record: JobRecord, chunks: ArrayBuffer[], beforeSend: BeforeSend | undefined, signal: AbortSignal): Promise<SendOutcome> {
  const stored = record.payload as StoredRequest
  let response: Response
  try {
    const headers = new Headers(stored.headers)
    if (stored.idempotencyKey) headers.set('idempotency-key', stored.idempotencyKey)
    const { url, method, credentials, mode, cache, redirect, referrerPolicy, integrity } = stored
    let request = new Request(url, { method, headers, credentials, mode, cache, redirect, referrerPolicy, integrity, ...(chunks.length ? { body: requestBody(chunks) } : {}) })
    if (beforeSend) {
      const changed: unknown = await beforeSend(request, toJob(record))
      if (changed != null) request = changed as Request
      // A mistake of the app's, the same on every try: the job fails at once, saying what to change.
      if (!(request instanceof Request) || request.bodyUsed) return { kind: 'failed', error: new ErrandError('INVALID_OPTION', 'network.beforeSend must return a Request or nothing, and not read the body (read a request.clone()).'), final: true }
    }
    const timeout = record.timeout > 0 ? AbortSignal.timeout(record.timeout) : undefined
    try {
      response = await fetch(request, { signal: timeout ? AbortSignal.any([signal, timeout]) : signal })
    } catch (error) {
      // Named like a CPU job's timeout, so result() rejects with JobTimeoutError.
      if (timeout?.aborted) return { kind: 'failed', error: { name: 'JobTimeoutError', code: 'JOB_TIMEOUT', message: `No response within the job's timeout of ${record.timeout} ms.`, stack: '' }, final: false }
      if (signal.aborted) return { kind: 'failed', error: new ErrandError('JOB_CANCELLED', 'The job was cancelled while its request was in flight.'), final: true }
      if (error instanceof TypeError) return { kind: 'offline', error: new ErrandError('NETWORK', `No response from ${url}: ${error.message}`, { cause: error }) }
      throw error
    }
    // A success whose body is not the JSON expected fails for good: the server took the request.
    if (response.ok) return await readResponse(response, stored.responseType).then((result): SendOutcome => ({ kind: 'completed', result }), (error: unknown) => ({ kind: 'failed', error, final: error instanceof SyntaxError }))
    const error = new HttpStatusError(stored, await readResponse(response, undefined, true))
    if (!retriable(response.status, stored.retryOn)) return { kind: 'failed', error, final: true }
    const notBefore = response.status === 429 || response.status === 503 ? retryAfter(response.headers.get('retry-after'), Date.now()) : undefined
    return { kind: 'failed', error, final: false, ...(notBefore === undefined ? {} : { notBefore }) }
  } catch (error) {
    // beforeSend threw, the body could not be read, or the response body was malformed.
    return { kind: 'failed', error, final: false }
  }
}

/**
 * A small body goes as its bytes: a Blob costs the browser a registration and a copy per
 * request (200 replays of 10 KiB, paired runs of bench/tools/ab-network.mjs: 1.64 times the
 * time of direct fetch() calls with Blobs, 1.25 times without). A large one stays a Blob:
 * with 4 MiB chunks sent as bytes, the demo's 50 MB upload e2e test took 45 s to 1.5 min or
 * timed out, against 17 s with Blobs (most likely because bytes are copied through the
 * sender's thread on every attempt, where a Blob is read by the network service).
 */
const requestBody = (chunks: ArrayBuffer[]): BodyInit => (chunks.length === 1 && chunks[0]!.byteLength <= SMALL_BODY ? chunks[0]! : new Blob(chunks))

export function createSender(options: SenderOptions): Sender {
  const { owner, leaseMs, maxStalls, parallel } = options
  const lockName = `errand:${options.queue}:send`
  /** This sender's last pass found no network, and no server answered in it: the next pass probes (see the invariants). */
  let down = false

  const pass = async (recover: 'all' | 'expired'): Promise<PassResult> => {
    const db = await options.db()
    /** Turns in a row that failed (see below). */
    let failures = 0
    /** Requests at once: one while probing (see the invariants), `parallel` once a server answered. */
    let width = parallel
    /** Sends in flight, and sends that ended and wait for the next turn to record them. */
    const inflight = new Map<string, { abort: AbortController }>()
    /** Claimed ahead, with their bodies: sent the moment a send ends (see AHEAD_BYTES). */
    let ready: { record: JobRecord; chunks: ArrayBuffer[] }[] = []
    let starts: { id: string; claim: number; at: number }[] = []
    let ended: { record: JobRecord; outcome: SendOutcome }[] = []
    let wakeUp: (() => void) | undefined
    let offline = false
    let nextDueAt: number | undefined
    const renew = setInterval(() => {
      const ids = [...inflight.keys(), ...ready.map((r) => r.record.id)]
      if (ids.length === 0) return
      renewLeases(db, owner, ids, Date.now() + leaseMs).then(
        (lost) => {
          lost.forEach((id) => inflight.get(id)?.abort.abort())
          ready = ready.filter((r) => !lost.includes(r.record.id)) // cancelled or removed meanwhile: not sent
        },
        () => {}, // the next renewal tries again; a lapsed lease only means a resend
      )
    }, leaseMs / 3)
    /** A server answered in this pass: a request that got no answer is then at fault itself (CORS, a blocked host), not the network. */
    let answered = false
    const sending = (): boolean => !offline && (options.active?.() ?? true)
    const launch = (record: JobRecord, chunks: ArrayBuffer[]): void => {
      options.announce({ type: 'started', job: toJob(record) })
      const abort = new AbortController()
      inflight.set(record.id, { abort })
      void send(record, chunks, options.beforeSend, abort.signal).then((outcome) => finish(record, outcome))
    }
    const finish = (record: JobRecord, sent: SendOutcome): void => {
      let outcome = sent
      if (outcome.kind === 'completed' || (outcome.kind === 'failed' && outcome.error instanceof HttpStatusError)) {
        answered = true
        width = parallel
      }
      if (outcome.kind === 'offline' && answered) outcome = { kind: 'failed', error: outcome.error, final: false }
      if (outcome.kind === 'offline') offline = true
      inflight.delete(record.id)
      ended.push({ record, outcome })
      sendNext()
      wakeUp?.()
    }
    /** Sends the next job claimed ahead if a slot is free; its start mark goes in the next turn. */
    const sendNext = (): boolean => {
      const next = sending() && inflight.size < width ? ready.shift() : undefined
      if (!next) return false
      const at = Date.now()
      starts.push({ id: next.record.id, claim: next.record.claims, at })
      launch({ ...next.record, startedAt: at }, next.chunks)
      return true
    }
    try {
      // One transaction per step records what ended and claims what there is room for:
      // sends that end while it runs are recorded by the next one.
      for (;;) {
        const outcomes = ended
        ended = []
        const started = starts
        starts = []
        const go = sending()
        // Not sending any more (the network is down, a service worker took over): what was claimed ahead goes back.
        const release = go ? [] : ready.map(({ record }) => ({ id: record.id, claim: record.claims }))
        const limit = go ? Math.max(0, width - inflight.size - ready.length) : 0
        const ahead = go && width === parallel ? Math.max(0, parallel - ready.length) : 0
        if (outcomes.length || started.length || release.length || limit > 0) {
          const turn = await sendTurn(db, {
            owner,
            now: Date.now(),
            leaseMs,
            maxStalls,
            limit,
            ahead,
            aheadBytes: AHEAD_BYTES,
            recover,
            mine: new Set([...inflight.keys(), ...ready.map((r) => r.record.id)]),
            outcomes: outcomes.map(({ record, outcome }) => ({ id: record.id, claim: record.claims, outcome })),
            started,
            release,
            probe: !answered,
            down,
          }).catch((error: unknown) => {
            // Not recorded: those jobs stay running under our lease, and are recovered (sent again) once it expires.
            options.announce({ type: 'error', error: error as Error })
            return undefined
          })
          if (!turn) {
            // Nothing was written: what ended, started or goes back waits for the next turn, a second
            // later (a storage hiccup passes).
            ended.unshift(...outcomes)
            starts.unshift(...started)
            if (++failures < 3) {
              await new Promise((resolve) => setTimeout(resolve, 1000))
              continue
            }
            // Still failing (the connection closed: the queue was deleted or upgraded): nothing more goes
            // out, and what is in flight is aborted and ends before the lock goes (a pass after this one
            // would take it for an orphan and send it again). Unrecorded, it is sent again once its lease
            // expires; what was claimed ahead is released then.
            ready = []
            for (const { abort } of inflight.values()) abort.abort()
            while (inflight.size) await new Promise<void>((resolve) => (wakeUp = resolve))
            break
          }
          failures = 0
          if (release.length) ready = []
          recover = 'expired'
          // Unless an answer came while the turn ran.
          if (turn.probing && !answered) width = 1
          nextDueAt = turn.nextDueAt
          // A job back in the queue (offline, or a retry due at once) is announced `retrying`, with the error it just got.
          for (const record of [...turn.settled, ...turn.stalled]) options.announce(announcement(record))
          for (const record of turn.claimed) {
            const chunks = turn.bodies.get(record.id) ?? []
            if (record.startedAt !== undefined) launch(record, chunks)
            else ready.push({ record, chunks })
          }
          // Sends that ended during the turn left slots free: fill them from what it claimed ahead.
          while (sendNext());
        }
        if (inflight.size === 0 && ended.length === 0 && starts.length === 0 && ready.length === 0) break
        // With nothing in flight, loop at once: the next turn writes the start marks or gives back what was claimed ahead.
        if (ended.length === 0 && inflight.size > 0) await new Promise<void>((resolve) => (wakeUp = resolve))
        wakeUp = undefined
      }
    } finally {
      clearInterval(renew)
    }
    // A request the browser blocked while others got answers is no sign of the network.
    down = offline && !answered
    return { offline, nextDueAt }
  }

  const locked = (): Promise<PassResult> => {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
    if (!locks) return pass('expired')
    const held = locks.request(lockName, { signal: AbortSignal.timeout(leaseMs) }, () => pass('all')) as unknown as Promise<PassResult>
    return held.catch(async (error: unknown) => {
      if ((error as Error).name !== 'TimeoutError' && (error as Error).name !== 'AbortError') throw error
      // Held for a whole lease: by a sender still at work (a long upload), wait on; by one that
      // does not finish (a frozen tab), go on without it. Sending beside a live holder would have
      // its next pass take our requests for orphans and send them again.
      return (await sendingElsewhere(await options.db(), owner, Date.now())) ? locked() : pass('expired')
    })
  }

  let current: Promise<PassResult> | undefined
  let next: Promise<PassResult> | undefined
  const replay = (): Promise<PassResult> => {
    if (!current) return (current = locked().finally(() => (current = undefined)))
    // A pass is running: it may have claimed before the new job was written, so one more after it.
    return (next ??= current.catch(() => undefined).then(() => {
      next = undefined
      return replay()
    }))
  }
  return { replay }
}
