// Statistics and the printed table of `npm run bench`.

/** median, min and max of the samples (and the samples themselves, for the JSON). */
export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length, samples }
}

/** How to show values of a unit: divide by `scale`, then append `suffix`; chosen from the median. */
function displayUnit(median, unit) {
  const abs = Math.abs(median)
  if (unit === 'bytes') return abs >= 1e6 ? { scale: 1e6, suffix: ' MB' } : abs >= 1e3 ? { scale: 1e3, suffix: ' kB' } : { scale: 1, suffix: ' B' }
  if (unit === 'x') return { scale: 1, suffix: '×' }
  return abs >= 10_000 ? { scale: 1000, suffix: ' s' } : { scale: 1, suffix: ' ms' }
}

/** Three significant digits or so: 0.123, 1.23, 12.3, 123, 1234. */
function digits(value) {
  const abs = Math.abs(value)
  return value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2)
}

/** "12.3 ms (11.9–13.0)": median, then min–max in the same unit; just the value when there is one sample. */
export function formatStats(s, unit) {
  if (!s) return ''
  const { scale, suffix } = displayUnit(s.median, unit)
  const median = `${digits(s.median / scale)}${suffix}`
  return s.n === 1 ? median : `${median} (${digits(s.min / scale)}–${digits(s.max / scale)})`
}

const formatRatio = (ratio) => (ratio === undefined ? '—' : ratio >= 100 ? `${ratio.toFixed(0)}×` : ratio >= 10 ? `${ratio.toFixed(1)}×` : `${ratio.toFixed(2)}×`)

/** The report as a text table, ratio first; one line per errand figure and baseline. */
export function formatTable(rows, placeholders = []) {
  const header = ['ratio', 'case', 'figure', 'errand', 'baseline', 'baseline is', 'note']
  const lines = [
    ...rows.map((r) => [formatRatio(r.ratio), r.case, r.figure, formatStats(r.errand, r.unit), formatStats(r.baseline, r.unit), r.baselineLabel, r.note ?? '']),
    ...placeholders.map((p) => ['—', p.case, p.figure, '', '', '', p.note]),
  ]
  // In case order ("1 enqueue" … "8 size"); rows of one case keep their order.
  lines.sort((a, b) => parseInt(a[1], 10) - parseInt(b[1], 10))
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const format = (cells) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  let previousCase
  const body = []
  for (const line of lines) {
    if (previousCase !== undefined && line[1] !== previousCase) body.push('')
    previousCase = line[1]
    body.push(format(line))
  }
  return [format(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body].join('\n')
}
