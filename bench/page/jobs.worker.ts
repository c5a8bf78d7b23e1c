// The errand worker module of the bench page: handlers that do as little as possible, so
// what is measured is errand's own cost (and, for `cpu`, the CPU work itself).
import { defineJobs, serveJobs } from 'errand/worker'
import { clock, cpuWork } from './work'

/** Tells this worker apart from the others of its pool. */
const WORKER = Math.random()

export const jobs = defineJobs({
  /** Nothing: the throughput and claim cases. */
  noop(_input: number) {
    return 0
  },
  /** When the handler started, on the shared clock: the latency case. */
  stamp(_input: number) {
    return clock()
  },
  /** About 50 ms of pure-JS work (the page calibrates `iterations`). */
  cpu(input: { iterations: number }) {
    return cpuWork(input.iterations)
  },
  /** cpu, stamped: when it started and ended on the shared clock, and which worker ran it (bench/tools/cpu-timeline.mjs). */
  cpuStamped(input: { iterations: number }) {
    const start = clock()
    cpuWork(input.iterations)
    return { start, end: clock(), worker: WORKER }
  },
  /** Hands a large buffer back: the transfer case. */
  bounce(input: { buffer: ArrayBuffer }) {
    return { startedAt: clock(), buffer: input.buffer }
  },
})

serveJobs(jobs)
export type Jobs = typeof jobs
