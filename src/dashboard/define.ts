import { ErrandDashboard } from './element.js'

/**
 * Registers `<errand-dashboard>` (or `tagName`) with the custom elements registry and returns
 * its class; calling it again with the same name does nothing. An explicit call, since
 * importing errand/dashboard has no side effects.
 * @example
 * import { defineDashboard } from 'errand/dashboard'
 * defineDashboard()
 * document.querySelector('errand-dashboard').queue = queue
 */
export function defineDashboard(tagName = 'errand-dashboard'): typeof ErrandDashboard {
  const existing = customElements.get(tagName)
  if (existing) return existing as typeof ErrandDashboard
  try {
    customElements.define(tagName, ErrandDashboard)
    return ErrandDashboard
  } catch (error) {
    // A class can be defined under one name only: another name gets a subclass.
    if ((error as Error).name !== 'NotSupportedError') throw error
    const named = class extends ErrandDashboard {}
    customElements.define(tagName, named)
    return named
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'errand-dashboard': ErrandDashboard
  }
}
