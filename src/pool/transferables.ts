/**
 * Finds what can be moved rather than copied in a payload or result: ArrayBuffers
 * (also behind typed arrays and DataViews), ImageBitmaps, OffscreenCanvases,
 * MessagePorts and streams. Walks plain objects, arrays and Maps up to a few levels;
 * a value reached twice is listed once (postMessage refuses duplicates).
 */
const MAX_DEPTH = 4

export function collectTransferables(value: unknown): Transferable[] {
  if (typeof value !== 'object' || value === null) return [] // most payloads: nothing to walk
  const found = new Set<Transferable>()
  const seen = new Set<object>()
  const visit = (item: unknown, depth: number): void => {
    if (typeof item !== 'object' || item === null || seen.has(item)) return
    seen.add(item)
    if (item instanceof ArrayBuffer) {
      if (item.byteLength > 0) found.add(item)
    } else if (ArrayBuffer.isView(item)) {
      // A view over a shared or partial buffer still moves the whole buffer; only move buffers the view spans fully.
      const buffer = item.buffer
      if (buffer instanceof ArrayBuffer && item.byteOffset === 0 && item.byteLength === buffer.byteLength && buffer.byteLength > 0) found.add(buffer)
    } else if (isMovable(item)) {
      found.add(item as Transferable)
    } else if (depth < MAX_DEPTH) {
      if (Array.isArray(item)) for (const entry of item) visit(entry, depth + 1)
      else if (item instanceof Map) for (const entry of item.values()) visit(entry, depth + 1)
      else if (Object.getPrototypeOf(item) === Object.prototype) for (const entry of Object.values(item)) visit(entry, depth + 1)
    }
  }
  visit(value, 0)
  return [...found]
}

function isMovable(item: object): boolean {
  return (
    (typeof ImageBitmap !== 'undefined' && item instanceof ImageBitmap) ||
    (typeof OffscreenCanvas !== 'undefined' && item instanceof OffscreenCanvas) ||
    (typeof MessagePort !== 'undefined' && item instanceof MessagePort) ||
    (typeof ReadableStream !== 'undefined' && item instanceof ReadableStream)
  )
}

/** Bytes of the ArrayBuffers collectTransferables() finds in `value`: what `add()` weighs to keep a payload apart. */
export const bufferBytes = (value: unknown): number =>
  collectTransferables(value).reduce((bytes: number, item) => bytes + (item instanceof ArrayBuffer ? item.byteLength : 0), 0)
