/**
 * The only way the dashboard makes DOM: elements by name, attributes one by one, data as
 * text nodes. Job data (names, payloads, log lines, error messages) is never parsed as
 * HTML, so `<img onerror=…>` in a payload stays text.
 */

/** A child: an element, or text (numbers too), or nothing. */
export type Child = Node | string | number | false | null | undefined

type Attributes = Record<string, string | number | boolean | undefined>

const SVG = 'http://www.w3.org/2000/svg'

function assign(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    // Names are literals in this folder, never data: no event handler (`on*`) or URL attribute is ever set.
    if (value === undefined || value === false) element.removeAttribute(name)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** An HTML element with attributes and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  assign(element, attributes)
  append(element, children)
  return element
}

/** An SVG element with attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag)
  assign(element, attributes)
  append(element, children)
  return element
}

/** Sets an attribute (or removes it for `undefined`/`false`). */
export const attr = (element: Element, name: string, value: string | number | boolean | undefined): void => assign(element, { [name]: value })

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, children)
}

/** Sets text only when it changed: no needless layout, and screen readers hear only changes. */
export function text(node: Node, value: string): void {
  if (node.textContent !== value) node.textContent = value
}

/**
 * Properties set on a custom element before it was defined (a framework's binding, a lazily
 * loaded chunk) are own properties that hide the class's setters: taken through them now, as
 * if set after.
 */
export function upgradeProperties<E extends HTMLElement>(element: E, names: readonly (keyof E)[]): void {
  for (const name of names) {
    if (!Object.hasOwn(element, name)) continue
    const value = element[name]
    delete element[name]
    element[name] = value
  }
}
