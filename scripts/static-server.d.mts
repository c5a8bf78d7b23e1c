import type { IncomingMessage, ServerResponse } from 'node:http'

export declare function startStaticServer(options: {
  root: string
  port?: number
  host?: string
  headers?: Record<string, string>
  /** Tried before the static files: returns true when it answered the request (or will), false to let the files answer. */
  routes?: (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>
}): Promise<{ url: string; close(): Promise<void> }>
