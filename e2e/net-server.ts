// The network jobs' test server: a real Node HTTP server on 127.0.0.1 (random port), started
// by each network test in its own Playwright worker process. It records every request
// (body hashed, multipart files hashed one by one), honours `Idempotency-Key` (a key is
// committed once; a repeat gets the first answer again), and can be switched to fail:
// stop listening (connection refused), answer a status N times, answer slowly.
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export interface Received {
  at: number
  method: string
  path: string
  key: string | undefined
  authorization: string | undefined
  /** The fixture's `x-sender` header: who sent it, `sw` or `page`. */
  sender: string | undefined
  contentType: string | undefined
  size: number
  sha256: string
  /** SHA-256 of each file part of a multipart body. */
  files: string[]
  /** What the server answered. */
  status: number
}

export type Fault =
  | { kind: 'none' }
  /** Answer `status` to the next `times` requests (then normally). */
  | { kind: 'status'; status: number; times: number; retryAfter?: string }
  /** Wait `ms` before answering. */
  | { kind: 'slow'; ms: number }

export interface NetServer {
  url: string
  received: Received[]
  /** Keys committed (answered 2xx the first time), with how many times each was committed (always 1 when the server dedupes). */
  committed: Map<string, number>
  fault: Fault
  /** Stops listening and drops open connections: clients get connection refused. */
  stop(): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
  close(): Promise<void>
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
  'access-control-allow-headers': 'content-type, idempotency-key, authorization',
  'access-control-expose-headers': 'retry-after, x-request-count',
  'access-control-max-age': '600',
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** The file parts of a multipart/form-data body, by the boundary in its content-type. */
function multipartFiles(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
  if (!boundary) return []
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`)
  const files: Buffer[] = []
  let at = body.indexOf(delimiter)
  while (at !== -1) {
    const start = at + delimiter.length + 2 // past the delimiter's CRLF
    const next = body.indexOf(delimiter, start)
    if (next === -1) break
    const part = body.subarray(start, next - 2) // without the CRLF before the next delimiter
    const split = part.indexOf('\r\n\r\n')
    if (split !== -1 && /filename=/.test(part.subarray(0, split).toString('latin1'))) files.push(part.subarray(split + 4))
    at = next
  }
  return files
}

export async function startNetServer(): Promise<NetServer> {
  const sockets = new Set<Socket>()
  const answers = new Map<string, { status: number; body: string }>()
  let port = 0

  const state: NetServer = {
    url: '',
    received: [],
    committed: new Map(),
    fault: { kind: 'none' },
    stop,
    start,
    close: stop,
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'OPTIONS') {
      // Preflight: allow the headers asked for (the fixture's requests carry custom ones).
      response.writeHead(204, { ...CORS, 'access-control-allow-headers': request.headers['access-control-request-headers'] ?? CORS['access-control-allow-headers'] })
      return void response.end()
    }
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const header = (name: string): string | undefined => {
      const value = request.headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    }
    const key = header('idempotency-key')
    const contentType = header('content-type')
    const entry: Received = {
      at: Date.now(),
      method: request.method ?? '',
      path: request.url ?? '',
      key,
      authorization: header('authorization'),
      sender: header('x-sender'),
      contentType,
      size: body.length,
      sha256: sha(body),
      files: contentType?.startsWith('multipart/form-data') ? multipartFiles(body, contentType).map(sha) : [],
      status: 0,
    }
    state.received.push(entry)
    const fault = state.fault
    if (fault.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.ms))
    const reply = (status: number, text: string, extra: Record<string, string> = {}): void => {
      entry.status = status
      response.writeHead(status, { ...CORS, 'content-type': 'application/json', 'x-request-count': String(state.received.length), ...extra })
      response.end(text)
    }
    if (fault.kind === 'status' && fault.times > 0) {
      fault.times--
      return reply(fault.status, JSON.stringify({ error: `fault ${fault.status}` }), fault.retryAfter ? { 'retry-after': fault.retryAfter } : {})
    }
    const first = key ? answers.get(key) : undefined
    if (first) return reply(first.status, first.body, { 'idempotent-replay': 'true' })
    const answer = { status: 201, body: JSON.stringify({ sha256: entry.sha256, size: entry.size, files: entry.files, key: key ?? null }) }
    if (key) {
      answers.set(key, answer)
      state.committed.set(key, (state.committed.get(key) ?? 0) + 1)
    }
    reply(answer.status, answer.body)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, CORS)
      response.end(String(error))
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  function start(): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        port = (server.address() as { port: number }).port
        state.url = `http://127.0.0.1:${port}`
        resolve()
      })
    })
  }
  function stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!server.listening) return resolve()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
  }

  await start()
  return state
}
