// The baseline worker: plain postMessage, no errand. Answers each message at
// once with when it arrived (on the shared clock), handing a buffer back if it got one, or
// after running `cpu` iterations of the bench's CPU work (the bare pool of case 4).
import { clock, cpuWork } from './work'

export type RawRequest = { id: number; buffer?: ArrayBuffer; transfer?: boolean; cpu?: number }
export type RawReply = { id: number; at: number; buffer?: ArrayBuffer }

// Typed through globalThis so the file compiles under both the DOM and WebWorker libs.
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<RawRequest>) => void) | null
  postMessage(message: RawReply, options?: StructuredSerializeOptions): void
}

scope.onmessage = ({ data }) => {
  const at = clock()
  if (data.cpu !== undefined) cpuWork(data.cpu)
  if (data.buffer && data.transfer) scope.postMessage({ id: data.id, at, buffer: data.buffer }, { transfer: [data.buffer] })
  else scope.postMessage({ id: data.id, at })
}
