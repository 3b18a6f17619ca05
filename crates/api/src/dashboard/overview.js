// The overview: item counts by status per section (each links to its table), entry points,
// providers and the configured features.

import { get } from './api.js';
import { h } from './dom.js';
import { SECTIONS } from './sections.js';

export function overviewView() {
  const root = h('div');
  return {
    title: 'Overview',
    mount(main) {
      main.append(root);
    },
    async refresh() {
      const [ov, eps] = await Promise.all([get('overview'), get('entrypoints?per_page=1000')]);
      root.replaceChildren(
        h('h1', {}, 'Overview'),
        h('h2', {}, 'Routers, services and middlewares'),
        h('div', { class: 'cards' }, Object.keys(SECTIONS).map((s) => card(s, ov))),
        h('h2', {}, 'Entry points'),
        entryPoints(eps),
        h('h2', {}, 'Providers'),
        h('p', {}, (ov.providers || []).join(', ') || 'None'),
        h('h2', {}, 'Features'),
        h('dl', { class: 'facts' },
          [['Tracing', ov.features?.tracing || 'off'], ['Metrics', ov.features?.metrics || 'off'],
            ['Access log', ov.features?.accessLog ? 'on' : 'off']]
            .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      );
    },
  };
}

function card(section, ov) {
  const [proto, what] = section.split('/');
  const c = (ov[proto] && ov[proto][what]) || { total: 0, warnings: 0, errors: 0 };
  const ok = c.total - c.warnings - c.errors;
  const filtered = (status) => `#/${section}?status=${status}`;
  return h('section', { class: 'card', 'data-section': section },
    h('h3', {}, SECTIONS[section].title),
    h('a', { class: 'total', href: `#/${section}`, 'aria-label': `${c.total} ${SECTIONS[section].title}` }, c.total),
    h('ul', {},
      h('li', {}, h('a', { href: filtered('enabled') }, `${ok} enabled`)),
      h('li', {}, h('a', { href: filtered('warning') }, `${c.warnings} warnings`)),
      h('li', {}, h('a', { href: filtered('disabled') }, `${c.errors} errors`))));
}

function entryPoints(eps) {
  return h('table', { 'aria-label': 'Entry points' },
    h('thead', {}, h('tr', {}, ['Name', 'Address', 'Protocol'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, eps.map((ep) => h('tr', {},
      h('td', {}, ep.name),
      h('td', {}, h('code', {}, ep.address)),
      h('td', {}, /\/udp$/i.test(ep.address) ? 'UDP' : 'TCP')))));
}
