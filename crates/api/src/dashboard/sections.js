// The item kinds the dashboard lists, and the columns of each table. A column is a header
// and a cell builder over one item of the API's list (plus its router figures, if any).

import { badge, fmtRate, fmtRatio, fmtSeconds, h, itemLink, qualify } from './dom.js';
import { figures } from './stats.js';

const status = { label: 'Status', cell: (it) => badge(it.status) };
const name = (section) => ({ label: 'Name', cell: (it) => itemLink(section, it.name) });
const provider = { label: 'Provider', cell: (it) => it.provider || '' };
const kind = { label: 'Type', cell: (it) => it.type || '' };
const usedBy = { label: 'Used by', num: true, cell: (it) => (it.usedBy || []).length };
const entryPoints = {
  label: 'Entry points',
  cell: (it) => (it.using || it.entryPoints || []).join(', '),
};
const rule = { label: 'Rule', cell: (it) => (it.rule ? h('code', {}, it.rule) : '') };
const service = (proto) => ({
  label: 'Service',
  cell: (it) => (it.service ? itemLink(`${proto}/services`, qualify(it.service, it.provider)) : ''),
});
const priority = { label: 'Priority', num: true, cell: (it) => it.priorityStr || it.priority || '' };
const servers = {
  label: 'Servers',
  num: true,
  cell: (it) => {
    const all = Object.values(it.serverStatus || {});
    if (!all.length) return it.loadBalancer ? (it.loadBalancer.servers || []).length : '';
    const up = all.filter((s) => s === 'UP').length;
    return `${up}/${all.length} up`;
  },
};
const traffic = [
  { label: 'Req/s', num: true, cell: (it) => fmtRate(figures(it.name)?.rate) },
  {
    label: '5xx',
    num: true,
    title: 'Share of 5xx answers (last 10 s, or since start without recent traffic)',
    cell: (it) => fmtRatio(figures(it.name)?.errorRatio),
  },
  {
    label: 'p95',
    num: true,
    title: 'Time to the response head, 95th percentile (last 10 s, or since start)',
    cell: (it) => fmtSeconds(figures(it.name)?.p95),
  },
];

/** Section path (`http/routers`) → title, columns, and whether router figures are polled. */
export const SECTIONS = {
  'http/routers': {
    title: 'HTTP routers',
    columns: [status, name('http/routers'), rule, entryPoints, service('http'), provider,
      priority, ...traffic],
    stats: true,
  },
  'http/services': {
    title: 'HTTP services',
    columns: [status, name('http/services'), kind, servers, provider, usedBy],
  },
  'http/middlewares': {
    title: 'HTTP middlewares',
    columns: [status, name('http/middlewares'), kind, provider, usedBy],
  },
  'tcp/routers': {
    title: 'TCP routers',
    columns: [status, name('tcp/routers'), rule, entryPoints, service('tcp'), provider, priority],
  },
  'tcp/services': {
    title: 'TCP services',
    columns: [status, name('tcp/services'), kind, servers, provider, usedBy],
  },
  'tcp/middlewares': {
    title: 'TCP middlewares',
    columns: [status, name('tcp/middlewares'), kind, provider, usedBy],
  },
  'udp/routers': {
    title: 'UDP routers',
    columns: [status, name('udp/routers'), entryPoints, service('udp'), provider],
  },
  'udp/services': {
    title: 'UDP services',
    columns: [status, name('udp/services'), kind, servers, provider, usedBy],
  },
};
