// Types of net-server.mjs (the network jobs' test server).
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
  /** Answer `status` to the next `times` requests (then normally), with a JSON content-type and `body` (a JSON error object unless given). */
  | { kind: 'status'; status: number; times: number; retryAfter?: string; body?: string }
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

export declare function startNetServer(): Promise<NetServer>
