/**
 * Finds what can be moved rather than copied in a payload or result: ArrayBuffers
 * (also behind typed arrays and DataViews), ImageBitmaps, OffscreenCanvases,
 * MessagePorts and streams. Walks plain objects, arrays and Maps up to a few levels;
 * a value reached twice is listed once (postMessage refuses duplicates).
 */
const MAX_DEPTH = 4

export function collectTransferables(value: unknown): Transferable[] {
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

/**
 * Bytes of the ArrayBuffers in `value` (also behind views), walked like collectTransferables()
 * but without allocating: `add()` asks it of every payload, to keep large ones apart.
 */
export function bufferBytes(value: unknown, depth = 0): number {
  if (typeof value !== 'object' || value === null) return 0
  if (value instanceof ArrayBuffer) return value.byteLength
  if (ArrayBuffer.isView(value)) return value.byteLength
  if (depth >= MAX_DEPTH) return 0
  let bytes = 0
  if (Array.isArray(value)) for (const entry of value) bytes += bufferBytes(entry, depth + 1)
  else if (value instanceof Map) for (const entry of value.values()) bytes += bufferBytes(entry, depth + 1)
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const key in value) bytes += bufferBytes((value as Record<string, unknown>)[key], depth + 1)
  return bytes
}
