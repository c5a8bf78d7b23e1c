/** What running handlers report: progress (on the job) and log lines (in `logs`, never rewriting the job). */
import type { Database } from './schema.js'
import { write } from './transact.js'

export interface Report {
  id: string
  owner: string
  attempt: number
  /** Latest progress of this batch, if any. */
  progress?: number
  logs: { at: number; message: string }[]
}

/**
 * Writes a batch of reports in one relaxed transaction. Progress is fenced (only the
 * lease holder moves the bar); log lines of any attempt are kept, since they are
 * history, up to `logLimit` per job, after which one marker line says lines were dropped.
 * Returns the ids whose progress was applied.
 */
export function writeReports(db: Database, reports: readonly Report[], logLimit: number): Promise<Set<string>> {
  return write(db, ['jobs', 'logs'], 'relaxed', 'Could not record progress and logs.', async (tx) => {
    const jobs = tx.objectStore('jobs')
    const logs = tx.objectStore('logs')
    const applied = new Set<string>()
    for (const report of reports) {
      const record = await jobs.get(report.id)
      if (!record) continue
      if (report.progress !== undefined && record.state === 'running' && record.owner === report.owner && record.attempt === report.attempt) {
        await jobs.put({ ...record, progress: report.progress })
        applied.add(report.id)
      }
      if (report.logs.length === 0) continue
      let seq = await logs.count(IDBKeyRange.bound([report.id, -Infinity], [report.id, Infinity]))
      for (const line of report.logs) {
        if (seq > logLimit) break
        const message = seq === logLimit ? `[errand] log limit of ${logLimit} lines reached: later lines are dropped.` : line.message
        await logs.put({ jobId: report.id, seq, at: line.at, message })
        seq++
      }
    }
    return applied
  })
}

export function setMeta(db: Database, key: string, value: unknown): Promise<void> {
  return write(db, ['meta'], 'strict', 'Could not save queue settings.', async (tx) => {
    await tx.objectStore('meta').put(value, key)
  })
}

