// A list page: the items of one section in a table, filtered by the API itself (`search`,
// `status`). The controls are built once; each poll replaces only the table body, so typing
// in the filter box is never interrupted. The filters are kept in the hash
// (`#/http/routers?search=api&status=disabled`) so a filtered view can be bookmarked.

import { get, query } from './api.js';
import { h } from './dom.js';
import { SECTIONS } from './sections.js';
import { poll } from './stats.js';

export function listView(section, params) {
  const def = SECTIONS[section];
  const filters = { search: params.get('search') || '', status: params.get('status') || '' };
  const body = h('tbody');
  const count = h('span', { class: 'count', 'aria-live': 'polite' });
  let view;

  const changed = () => {
    history.replaceState(null, '', `#/${section}${query(filters)}`);
    view.refresh().catch(() => {}); // the poll loop reports failures
  };
  let typing;
  const search = h('input', {
    type: 'search', id: 'search', value: filters.search, placeholder: 'Name or rule',
    oninput: (e) => {
      filters.search = e.target.value;
      clearTimeout(typing);
      typing = setTimeout(changed, 200);
    },
  });
  const status = h('select', {
    id: 'status', onchange: (e) => { filters.status = e.target.value; changed(); },
  }, ['', 'enabled', 'warning', 'disabled'].map((s) =>
    h('option', { value: s, selected: s === filters.status }, s || 'All statuses')));

  view = {
    title: def.title,
    mount(root) {
      root.append(
        h('h1', {}, def.title),
        h('div', { class: 'controls', role: 'search' },
          h('label', {}, 'Search ', search),
          h('label', {}, 'Status ', status),
          count),
        h('table', { 'aria-label': def.title },
          h('thead', {}, h('tr', {}, def.columns.map((c) =>
            h('th', { scope: 'col', class: c.num ? 'num' : null, title: c.title }, c.label)))),
          body));
    },
    async refresh() {
      const items = await get(`${section}${query({ ...filters, per_page: 1000 })}`);
      if (def.stats) await poll().catch(() => {}); // figures are optional
      body.replaceChildren(...items.map((it) => h('tr', { 'data-name': it.name, 'data-status': it.status },
        def.columns.map((c) => h('td', { class: c.num ? 'num' : null, 'data-col': c.label }, c.cell(it))))));
      if (!items.length) {
        body.append(h('tr', {}, h('td', { colspan: def.columns.length, class: 'empty' },
          filters.search || filters.status ? 'Nothing matches the filters.' : 'None configured.')));
      }
      count.textContent = `${items.length} shown`;
    },
  };
  return view;
}
