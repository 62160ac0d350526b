import { showControlsButLines } from '../../src/util/control-chars.js';

/*
 * The page's only way to build DOM. Strings become text nodes, never markup: triggers and every other
 * agent-provided string are free text, so nothing here parses HTML (ESLint forbids innerHTML too). Their
 * control characters are shown as escapes: a bidirectional override (U+202E) would otherwise make the rest
 * of a trigger read in another order than it is stored.
 */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  append(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  append(node, children);
  return node;
}

function append(node: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(
      typeof child === 'string' ? document.createTextNode(showControlsButLines(child)) : child,
    );
  }
}

/** Sets a node's text, as `el` does for its string children: never markup, controls shown as escapes. */
export function setText(node: Node, text: string): void {
  node.textContent = showControlsButLines(text);
}

export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`inspector page is missing #${id}`);
  return node as T;
}
