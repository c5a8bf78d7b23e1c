/**
 * Turns what `queue.request()` receives into what is stored: the request without its body,
 * and the body as bytes in chunks. The browser encodes the body (`new Request()`), so a
 * FormData keeps its multipart boundary and every replay sends the same bytes.
 */
import { ErrandError } from '../core/errors.js'
import { newOwnerId } from '../core/ids.js'
import { checkKeys, invalidOption } from '../core/options.js'
import type { ResponseType, StoredRequest } from './types.js'

/** Bytes per stored body chunk: far below the largest value Chrome stores in one record (about 133 MB). */
export const BODY_CHUNK = 4 * 1024 * 1024

/** Headers never stored unless the queue says otherwise: add them at send time with `beforeSend`. */
export const DEFAULT_STRIP_HEADERS: readonly string[] = ['authorization', 'cookie', 'proxy-authorization']

const RESPONSE_TYPES: readonly ResponseType[] = ['json', 'text', 'blob', 'arrayBuffer', 'none']
export const REQUEST_OPTION_KEYS = ['priority', 'delay', 'attempts', 'backoff', 'timeout', 'key', 'signal', 'responseType', 'retryOn', 'idempotencyKey'] as const

const isPlainData = (value: unknown): boolean => {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null || Array.isArray(value)
}

export interface Encoded {
  request: StoredRequest
  chunks: ArrayBuffer[]
}

/** Checks the network options of `queue.request()` (job options are checked by the caller). */
export function checkRequestOptions(options: Record<string, unknown>): Pick<StoredRequest, 'responseType' | 'retryOn'> & { idempotencyKey: boolean } {
  checkKeys('', options, REQUEST_OPTION_KEYS)
  const out: Pick<StoredRequest, 'responseType' | 'retryOn'> & { idempotencyKey: boolean } = { idempotencyKey: options.idempotencyKey !== false }
  const { responseType, retryOn, idempotencyKey } = options
  if (responseType !== undefined) {
    if (!RESPONSE_TYPES.includes(responseType as ResponseType)) throw invalidOption('responseType', `one of ${RESPONSE_TYPES.map((t) => `"${t}"`).join(', ')}`, responseType)
    out.responseType = responseType as ResponseType
  }
  if (retryOn !== undefined) {
    if (!Array.isArray(retryOn) || !retryOn.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)) throw invalidOption('retryOn', 'an array of HTTP statuses (integers 100–599)', retryOn)
    out.retryOn = [...(retryOn as number[])]
  }
  if (idempotencyKey !== undefined && idempotencyKey !== false) throw invalidOption('idempotencyKey', '`false` (to send no Idempotency-Key header)', idempotencyKey)
  return out
}

/**
 * Builds the stored request with the options checkRequestOptions() returned; throws
 * `INVALID_OPTION` for anything the browser would not send.
 */
export async function encodeRequest(input: unknown, init: unknown, stripHeaders: readonly string[], net: ReturnType<typeof checkRequestOptions>): Promise<Encoded> {
  if (typeof input !== 'string' && !(input instanceof URL) && !(input instanceof Request)) throw invalidOption('input', 'a URL (string or URL) or a Request', input)
  if (init !== undefined && (typeof init !== 'object' || init === null)) throw invalidOption('init', 'a RequestInit object', init)
  let requestInit = init as RequestInit | undefined
  let request: Request
  try {
    if (requestInit && isPlainData(requestInit.body)) {
      // A plain object or array: sent as JSON (a BigInt or a cycle in it, or a bad header, throws here).
      const headers = new Headers(requestInit.headers)
      if (!headers.has('content-type')) headers.set('content-type', 'application/json')
      requestInit = { ...requestInit, headers, body: JSON.stringify(requestInit.body) }
    }
    request = new Request(input, requestInit)
  } catch (error) {
    throw new ErrandError('INVALID_OPTION', `Could not build the request: ${(error as Error).message}`, { cause: error, context: { option: 'input' } })
  }
  if (!/^https?:$/.test(new URL(request.url).protocol)) throw invalidOption('input', 'an http: or https: URL', request.url)
  let bytes: ArrayBuffer
  try {
    bytes = await request.arrayBuffer()
  } catch (error) {
    throw new ErrandError('INVALID_OPTION', `Could not read the request body: ${(error as Error).message}`, { cause: error, context: { option: 'init.body' } })
  }
  const strip = new Set(stripHeaders.map((h) => h.toLowerCase()))
  const headers: [string, string][] = []
  request.headers.forEach((value, name) => strip.has(name) || headers.push([name, value]))
  const chunks: ArrayBuffer[] = []
  if (bytes.byteLength <= BODY_CHUNK) {
    if (bytes.byteLength > 0) chunks.push(bytes)
  } else {
    for (let at = 0; at < bytes.byteLength; at += BODY_CHUNK) chunks.push(bytes.slice(at, at + BODY_CHUNK))
  }
  const { url, method, credentials, mode, cache, redirect, referrerPolicy, integrity } = request
  const stored: StoredRequest = { url, method, headers, bodySize: bytes.byteLength, credentials, mode, cache, redirect, referrerPolicy, integrity }
  if (net.responseType) stored.responseType = net.responseType
  if (net.retryOn) stored.retryOn = net.retryOn
  // The app's own Idempotency-Key, if it set one; else one minted here.
  if (net.idempotencyKey) stored.idempotencyKey = headers.find(([name]) => name === 'idempotency-key')?.[1] ?? crypto.randomUUID?.() ?? newOwnerId()
  return { request: stored, chunks }
}
