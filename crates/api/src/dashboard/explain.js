// Route explain: a form for a request (method, URL, headers, entry point, client IP) and the
// answer of `/api/explain` — per entry point, every router in match order with each
// matcher's result and reason, the winner with its middlewares, service and next server, the
// TLS option and certificate for https://, or the nearest routers. The question is kept in
// the hash (`#/explain?url=…&header=…`) so it can be bookmarked; the answer is asked again on
// every poll, so it follows configuration changes. Empty lists are left out of the JSON.

import { get } from './api.js';
import { h, itemLink } from './dom.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function explainView(params) {
  const ask = {
    method: params.get('method') || 'GET',
    url: params.get('url') || '',
    headers: params.getAll('header').join('\n'),
    entryPoint: params.get('entryPoint') || '',
    clientIP: params.get('clientIP') || '',
  };
  const answer = h('div', { id: 'explain-answer', 'aria-live': 'polite' });
  const field = (label, el) => h('label', {}, label, ' ', el);
  const method = h('select', { id: 'explain-method' },
    [...new Set([ask.method, ...METHODS])].map((m) => h('option', { selected: m === ask.method }, m)));
  const url = h('input', { id: 'explain-url', type: 'url', required: true, value: ask.url,
    placeholder: 'https://app.example.com/api?x=1', size: 48 });
  const headers = h('textarea', { id: 'explain-headers', rows: 2, cols: 32,
    placeholder: 'X-Env: canary' });
  headers.value = ask.headers;
  const entryPoint = h('input', { id: 'explain-entrypoint', value: ask.entryPoint,
    placeholder: 'every one' });
  const clientIP = h('input', { id: 'explain-clientip', value: ask.clientIP,
    placeholder: 'unknown' });
  const form = h('form', { class: 'controls explain', id: 'explain-form', onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    q.set('method', method.value);
    q.set('url', url.value.trim());
    for (const line of headers.value.split('\n')) if (line.trim()) q.append('header', line.trim());
    if (entryPoint.value.trim()) q.set('entryPoint', entryPoint.value.trim());
    if (clientIP.value.trim()) q.set('clientIP', clientIP.value.trim());
    location.hash = `#/explain?${q}`;
  } },
  field('Method', method), field('URL', url), field('Headers', headers),
  field('Entry point', entryPoint), field('Client IP', clientIP),
  h('button', { type: 'submit' }, 'Explain'));

  return {
    title: 'Route explain',
    mount(root) {
      root.append(h('h1', {}, 'Route explain'),
        h('p', { class: 'muted' }, 'Which router takes a request, and why.'), form, answer);
    },
    async refresh() {
      if (!ask.url) return;
      const q = new URLSearchParams(params);
      answer.replaceChildren(render(await get(`explain?${q}`)));
    },
  };
}

function render(e) {
  if (!e.entryPoints.length) {
    return h('p', { class: 'empty' },
      `No entry point has ${e.tls ? 'TLS routers' : 'routers'} for this request.`);
  }
  return h('div', {}, e.entryPoints.map(entryPoint));
}

function entryPoint(ep) {
  const out = [h('h2', {}, `Entry point ${ep.entryPoint}`)];
  const facts = [];
  if (ep.tls) {
    const c = ep.tls.certificate;
    facts.push(['TLS', `SNI ${ep.tls.sni || '(none)'} → option ${ep.tls.option}`]);
    if (c) {
      const note = c.generatedDefault ? ' — the generated default: none covers the SNI'
        : c.coversSni ? '' : ' — does not cover the SNI';
      facts.push(['Certificate', `CN=${c.subject}${c.sans.length ? ` SANs=${c.sans.join(', ')}` : ''} `
        + `issuer=${c.issuer} notAfter=${c.notAfter}${note}`]);
    }
  }
  if (ep.seen) {
    const s = ep.seen;
    let path = s.rawPath;
    if (s.cleanedPath) path += ` → cleaned ${s.cleanedPath}`;
    if (s.routingPath) path += ` → matched as ${s.routingPath}`;
    facts.push(['Host', s.host || '(none)'], ['Path', path]);
    if (s.query) facts.push(['Query', s.query]);
    facts.push(['Client IP', s.clientIp || 'unknown']);
  }
  out.push(h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  if (ep.refused) {
    out.push(h('p', { class: 'error-box', 'data-refused': '' }, `Refused: ${ep.refused}`));
    return h('section', { 'data-entrypoint': ep.entryPoint }, out);
  }
  out.push(h('h2', {}, 'Routers, in match order (priority, then name)'),
    h('table', { 'aria-label': 'Routers' },
      h('thead', {}, h('tr', {}, ['', 'Router', 'Priority', 'Matchers'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ep.candidates.map((c) => candidate(c, ep.winner)))));
  if (ep.winner) out.push(winner(ep.winner, ep.candidates));
  else if (ep.candidates.length) out.push(nearest(ep.nearest));
  return h('section', { 'data-entrypoint': ep.entryPoint }, out);
}

function mark(ok, reached = true) {
  if (!reached) return h('span', { class: 'mark skip', title: 'not reached' }, '·');
  return h('span', { class: `mark ${ok ? 'ok' : 'fail'}` }, ok ? '✓' : '✗');
}

function candidate(c, win) {
  const won = win && win.router === c.router;
  const note = won ? h('strong', {}, ' takes the request')
    : c.reached ? null : h('span', { class: 'muted' }, c.matched ? ' not reached (would match)' : ' not reached');
  return h('tr', { 'data-router': c.router, 'data-matched': c.matched, class: won ? 'winner' : null },
    h('td', {}, mark(c.matched, c.reached)),
    h('td', {}, itemLink('http/routers', c.router), note),
    // Internal routers' MaxInt64 is beyond a JavaScript number's exact range.
    h('td', { class: 'num' }, Number.isSafeInteger(c.priority) ? c.priority : '≈ MaxInt64'),
    h('td', {}, h('code', {}, c.trace.rule), c.reached ? h('ul', { class: 'trace' }, node(c.trace.tree)) : null));
}

function node(n) {
  if (n.op === 'matcher') {
    return h('li', {}, mark(n.matched), ' ', h('code', {}, n.text), h('span', { class: 'muted' }, ` ${n.reason}`));
  }
  const label = { and: 'all of', or: 'any of', not: 'not' }[n.op];
  const kids = n.op === 'not' ? [n.operand] : n.operands;
  return h('li', {}, mark(n.matched), ` ${label}`, h('ul', { class: 'trace' }, kids.map(node)));
}

function winner(w, candidates) {
  const tie = candidates.find((c) => !c.reached && c.matched && c.priority === w.priority);
  const chain = w.middlewares.length ? w.middlewares.map((m, i) => [i ? ' → ' : '',
    itemLink('http/middlewares', m.name), ` (${m.kind}${m.entryPoint ? ', entry point' : ''}`
      + `${m.via ? `, via ${m.via.join(' → ')}` : ''})`]) : 'none';
  return h('div', { class: 'explain-winner' },
    h('h2', {}, 'Winner: ', itemLink('http/routers', w.router)),
    tie ? h('p', { class: 'muted' }, `Priority tie with ${tie.router} (${w.priority}): the first name wins, as routers are ordered.`) : null,
    h('dl', { class: 'facts' }, h('dt', {}, 'Middlewares'), h('dd', {}, chain),
      service(w.service)));
}

function service(s) {
  const members = (s.members || []).map((m) => `${m.name}${s.kind === 'mirroring' ? ` ${m.weight}%`
    : s.kind === 'failover' ? '' : ` weight ${m.weight}`}${m.up ? '' : ' (down)'}`).join('; ');
  const rows = [h('dt', {}, 'Service'), h('dd', {}, itemLink('http/services', s.name), ` (${s.kind})`,
    members ? h('span', { class: 'muted' }, ` [${members}]`) : null, s.note ? h('div', { class: 'muted' }, s.note) : null)];
  if (s.next) return [...rows, service(s.next)];
  if (s.pick) rows.push(h('dt', {}, 'Server'), h('dd', { 'data-server': s.pick.name }, `${s.pick.name} (${s.pick.how})`));
  return rows;
}

function nearest(list) {
  return h('div', { class: 'explain-nearest' },
    h('h2', {}, 'No router matches: 404. Nearest:'),
    h('ul', { class: 'issues' }, (list || []).map((n) => h('li', {}, h('span', { class: 'where' }, n.router),
      n.failed.map((m) => h('div', {}, h('code', {}, m.text), ` ${m.matched ? 'must not match' : 'failed'}: ${m.reason}`))))));
}
