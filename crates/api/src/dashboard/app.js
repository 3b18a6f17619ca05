// The dashboard's entry point: hash routing (`#/`, `#/http/routers?search=…`,
// `#/http/routers/name%40file`) and the live loop, which refreshes the current view every
// POLL milliseconds without reloading the page and says in the header whether the gateway
// answers.

import { ApiError, get } from './api.js';
import { detailView } from './detail.js';
import { h } from './dom.js';
import { explainView } from './explain.js';
import { listView } from './list.js';
import { overviewView } from './overview.js';
import { SECTIONS } from './sections.js';

const POLL = 2000;
const main = document.getElementById('main');
const live = document.getElementById('live');
let generation = 0;
let timer;

function viewFor(hash) {
  const [path, q] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const section = parts.slice(0, 2).join('/');
  if (parts[0] === 'explain') return explainView(new URLSearchParams(q));
  if (parts.length === 2 && SECTIONS[section]) return listView(section, new URLSearchParams(q));
  if (parts.length === 3 && SECTIONS[section]) {
    return detailView(section, decodeURIComponent(parts[2]));
  }
  return overviewView();
}

function show() {
  clearTimeout(timer);
  const gen = ++generation;
  const view = viewFor(location.hash);
  const root = h('div');
  main.replaceChildren(root);
  view.mount(root);
  document.title = `${view.title} · Waygate`;
  const here = `#/${location.hash.replace(/^#\/?/, '').split('?')[0].split('/').slice(0, 2).join('/')}`;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  tick(gen, view, root);
}

async function tick(gen, view, root) {
  try {
    await view.refresh();
    setLive(true, `Live · updated ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    if (gen !== generation) return;
    if (e instanceof ApiError) {
      // The gateway answered: the item is gone or the request was refused.
      root.replaceChildren(h('h1', {}, view.title), h('p', { class: 'error-box' }, e.message),
        h('p', {}, h('a', { href: '#/' }, 'Back to the overview')));
      setLive(true, `Live · ${e.status}`);
    } else {
      setLive(false, `Gateway unreachable (${e.message}); retrying`);
    }
  }
  if (gen === generation) timer = setTimeout(() => tick(gen, view, root), POLL);
}

function setLive(up, text) {
  live.textContent = text;
  live.classList.toggle('down', !up);
}

window.addEventListener('hashchange', show);
show();
get('version')
  .then((v) => {
    document.getElementById('version').textContent = `Waygate ${v.Version}`;
    // `api.dashboardName` names this gateway in the header.
    if (v.dashboardName) document.querySelector('.brand').textContent = v.dashboardName;
  })
  .catch(() => {});
