// How responsive the page stays while exports run: every main-thread long task (the
// browser reports tasks of 50 ms and more through PerformanceObserver 'longtask') and the
// longest gap between animation frames of a requestAnimationFrame-driven animation, which
// would visibly stutter if the main thread were busy. Figures cover the last "window",
// from the first export started to the last one finished.
import { byId } from './ui'

export interface Responsiveness {
  /** An export was added or started: opens a window if none is open. */
  begin(): void
  /** No export runs any more: closes the window (its figures stay on the page). */
  end(): void
}

export function setupResponsiveness(): Responsiveness {
  const out = byId('longtasks')
  const dot = byId('ticker-dot')
  let from = -1
  let until = Infinity
  let longest = 0
  let count = 0
  let frameGap = 0
  const show = (): void => {
    out.dataset.maxMs = String(Math.round(longest))
    out.dataset.count = String(count)
    out.dataset.frameGapMs = String(Math.round(frameGap))
    out.dataset.open = String(until === Infinity && from >= 0)
    out.textContent =
      from < 0
        ? 'No export has run on this page yet.'
        : `${until === Infinity ? 'During this export' : 'During the last export'}: longest main-thread task ${Math.round(longest)} ms ` +
          `(${count === 0 ? 'no long tasks of 50 ms or more' : `${count} long task${count === 1 ? '' : 's'} of 50 ms or more`}), longest gap between animation frames ${Math.round(frameGap)} ms.`
  }
  if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
    new PerformanceObserver((entries) => {
      for (const entry of entries.getEntries()) {
        // Entries arrive after the fact: attribute them by when they started.
        if (from < 0 || entry.startTime < from || entry.startTime > until) continue
        count++
        longest = Math.max(longest, entry.duration)
      }
      show()
    }).observe({ type: 'longtask', buffered: true })
  } else out.dataset.unsupported = 'true'

  // The animation: a dot crossing a track, moved by requestAnimationFrame (main thread), not by CSS (compositor).
  let last = 0
  const frame = (now: number): void => {
    if (last && from >= 0 && until === Infinity && now > from) frameGap = Math.max(frameGap, now - last)
    last = now
    dot.style.transform = `translateX(${((now / 8) % 300).toFixed(1)}px)`
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
  // A hidden tab gets no frames at all: that gap is not a stutter.
  document.addEventListener('visibilitychange', () => (last = 0))
  show()

  return {
    begin() {
      if (until !== Infinity || from < 0) {
        from = performance.now()
        until = Infinity
        longest = count = frameGap = 0
        show()
      }
    },
    end() {
      if (from >= 0 && until === Infinity) {
        until = performance.now()
        show()
      }
    },
  }
}
