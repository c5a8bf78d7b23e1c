/**
 * The dashboard's styles: static text in a constructable stylesheet adopted by the shadow
 * root. A strict CSP (`style-src 'self'`) blocks `<style>` elements with inline text, but
 * not constructable stylesheets, nor CSSOM calls such as `style.setProperty()`, which the
 * dashboard uses for the one dynamic value (a progress bar's width).
 *
 * Themable with custom properties set on the element or any ancestor (see README).
 */
const CSS = `
:host {
  --_bg: var(--errand-bg, Canvas);
  --_fg: var(--errand-fg, CanvasText);
  --_muted: var(--errand-muted, color-mix(in srgb, var(--_fg) 60%, transparent));
  --_accent: var(--errand-accent, #2563eb);
  --_border: var(--errand-border, color-mix(in srgb, var(--_fg) 18%, transparent));
  --_surface: var(--errand-surface, color-mix(in srgb, var(--_fg) 4%, var(--_bg)));
  --_completed: var(--errand-completed, #16a34a);
  --_failed: var(--errand-failed, #dc2626);
  --_running: var(--errand-running, var(--_accent));
  --_waiting: var(--errand-waiting, #a16207);
  --_radius: var(--errand-radius, 6px);
  display: block;
  container-type: inline-size;
  background: var(--_bg);
  color: var(--_fg);
  font: var(--errand-font-size, 0.875rem) / 1.4 var(--errand-font, system-ui, sans-serif);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  padding: 0.75rem;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.sr-only {
  position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
header, .toolbar, .pager, .actions, .counts {
  display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center;
}
header { justify-content: space-between; margin-bottom: 0.5rem; }
h2 { font-size: 1rem; margin: 0; }
h3 { font-size: 0.875rem; margin: 0.75rem 0 0.25rem; }
.counts { list-style: none; margin: 0; padding: 0; }
.counts li {
  border: 1px solid var(--_border); border-radius: var(--_radius);
  padding: 0.125rem 0.5rem; font-variant-numeric: tabular-nums;
}
.counts b { font-weight: 600; margin-left: 0.25rem; }
button, select, input {
  font: inherit; color: inherit; background: var(--_surface);
  border: 1px solid var(--_border); border-radius: var(--_radius); padding: 0.25rem 0.5rem;
}
button { cursor: pointer; }
button:disabled { opacity: 0.5; cursor: default; }
:focus-visible { outline: 2px solid var(--errand-focus, var(--_accent)); outline-offset: 1px; }
.status { color: var(--_muted); min-height: 1.4em; margin: 0.25rem 0; }
.chart { margin: 0.5rem 0; }
.chart svg { display: block; width: 100%; height: 4rem; background: var(--_surface); border-radius: var(--_radius); }
.chart .completed { fill: var(--_completed); }
.chart .failed { fill: var(--_failed); }
.chart p { margin: 0.25rem 0 0; color: var(--_muted); }
.main { display: grid; gap: 0.75rem; grid-template-columns: minmax(0, 1fr); }
.main.open { grid-template-columns: minmax(0, 3fr) minmax(16rem, 2fr); }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid var(--_border); vertical-align: middle; }
th { color: var(--_muted); font-weight: 600; white-space: nowrap; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: var(--_surface); }
tbody tr[aria-current="true"] { background: color-mix(in srgb, var(--_accent) 14%, transparent); }
td.name { overflow-wrap: anywhere; }
.request { display: block; color: var(--_muted); font-family: var(--errand-mono-font, ui-monospace, monospace); font-size: 0.8em; overflow-wrap: anywhere; }
.state { white-space: nowrap; }
.state::before { content: "●"; margin-right: 0.25rem; color: var(--_muted); }
.state.completed::before { color: var(--_completed); }
.state.failed::before { color: var(--_failed); }
.state.running::before { color: var(--_running); }
.state.queued::before, .state.delayed::before { color: var(--_waiting); }
.bar { width: 5rem; height: 0.5rem; background: var(--_surface); border: 1px solid var(--_border); border-radius: 999px; overflow: hidden; }
.bar > span { display: block; height: 100%; width: calc(var(--_p, 0) * 100%); background: var(--_accent); transition: width 0.2s; }
.empty { color: var(--_muted); padding: 1rem 0.5rem; }
aside { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 0.75rem; background: var(--_surface); min-width: 0; }
aside[hidden] { display: none; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.125rem 0.75rem; margin: 0.5rem 0; }
dt { color: var(--_muted); }
dd { margin: 0; overflow-wrap: anywhere; }
pre {
  margin: 0; padding: 0.5rem; max-height: 16rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere;
  background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius);
  font: 0.8em / 1.4 var(--errand-mono-font, ui-monospace, monospace);
}
ol { margin: 0; padding-left: 1.25rem; }
li.none { list-style: none; margin-left: -1.25rem; color: var(--_muted); }
h3[tabindex]:focus { outline: none; }
.logs { max-height: 16rem; overflow: auto; font-family: var(--errand-mono-font, ui-monospace, monospace); font-size: 0.8em; }
.logs time, .errors time { color: var(--_muted); margin-right: 0.5rem; }
.errors li { margin-bottom: 0.5rem; }
.errors .message { color: var(--_failed); overflow-wrap: anywhere; }
@container (max-width: 48rem) {
  .main.open { grid-template-columns: minmax(0, 1fr); }
}
@container (max-width: 32rem) {
  :host { padding: 0.5rem; }
  .col-age, .col-attempt { display: none; }
  .bar { width: 3rem; }
}
@media (prefers-reduced-motion: reduce) { .bar > span { transition: none; } }
`

let shared: CSSStyleSheet | undefined

/** Gives a shadow root the dashboard's styles (one stylesheet object shared by every instance). */
export function adoptStyles(root: ShadowRoot): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    if (!shared) {
      shared = new CSSStyleSheet()
      shared.replaceSync(CSS)
    }
    root.adoptedStyleSheets = [shared]
    return
  }
  // Browsers without constructable stylesheets (Safari < 16.4): a <style> element, which a strict CSP blocks.
  const style = document.createElement('style')
  style.textContent = CSS
  root.appendChild(style)
}
