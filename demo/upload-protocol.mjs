// The upload API as both sides speak it: the page (uploads.ts) builds requests with these,
// the demo server (server/uploads.mjs) parses them. Plain JavaScript so Node runs it as is.

/** Bytes per chunk job: one chunk of errand's stored request bodies (4 MiB), well under the server's 8 MiB cap. */
export const CHUNK_SIZE = 4 * 1024 * 1024

/** Headers every chunk request carries, so the server can check it without any earlier request. */
export const HEADER = {
  /** The whole file's size in bytes. */
  size: 'x-upload-size',
  /** Bytes per chunk (the last one may be shorter). */
  chunkSize: 'x-upload-chunk-size',
  /** How many chunks the file has. */
  chunks: 'x-upload-chunks',
}

/** @param {number} size @param {number} chunkSize */
export const chunkCount = (size, chunkSize) => Math.ceil(size / chunkSize)

/** @param {string} uploadId @param {number} index */
export const chunkUrl = (uploadId, index) => `/api/uploads/${uploadId}/chunks/${index}`

/** @param {string} uploadId */
export const manifestUrl = (uploadId) => `/api/uploads/${uploadId}`

/** Where the page reads and flips the demo server's "offline" switch: outside /api, so it works while /api is down. */
export const SWITCH_URL = '/demo-server/offline'
