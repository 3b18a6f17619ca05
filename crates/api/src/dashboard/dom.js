// Small DOM helpers shared by the views: an element builder, status badges, links between
// items and number formats. No framework: every view builds plain elements with `h`.

/** `h('a', {href: '#/'}, 'text', child…)`: an element; `on*` attributes become listeners. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A status badge (`enabled`, `warning`, `disabled`, or a server's `UP` / `DOWN`). */
export function badge(status) {
  return h('span', { class: `badge ${status}` }, status || 'unknown');
}

/** The hash of an item's detail page: `#/http/routers/name%40file`. */
export function itemHref(section, name) {
  return `#/${section}/${encodeURIComponent(name)}`;
}

export function itemLink(section, name) {
  return h('a', { href: itemHref(section, name) }, name);
}

/** A reference as written (`svc`, `svc@docker`) qualified with the referring item's provider. */
export function qualify(name, provider) {
  return !name || name.includes('@') || !provider ? name : `${name}@${provider}`;
}

export function fmtRate(perSecond) {
  if (perSecond === null || perSecond === undefined) return '—';
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(perSecond >= 10 ? 1 : 2);
}

export function fmtRatio(ratio) {
  if (ratio === null || ratio === undefined) return '—';
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.01 ? 2 : 1)} %`;
}

export function fmtSeconds(s) {
  if (s === null || s === undefined) return '—';
  if (s < 0.001) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 0.01 ? 2 : 0)} ms`;
  return `${s.toFixed(2)} s`;
}

/** An error or warning as the runtime status words it (`file:line:col: key: message`,
 * `container NAME label: key: message`), with where it was written set apart. */
export function issue(text, cls) {
  const m = /^(\S+:\d+(?::\d+)?|container \S+(?: \S+)?)(?: )?: (.*)$/s.exec(text);
  return m
    ? h('li', { class: cls }, h('span', { class: 'where' }, m[1]), m[2])
    : h('li', { class: cls }, text);
}
