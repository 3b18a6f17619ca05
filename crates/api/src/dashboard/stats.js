// Per-router traffic from the gateway's own counters (`/api/waygate/routers/stats`, a Waygate
// extension). The gateway reports cumulative figures; the request rate, and the error ratio
// and p95 latency of recent traffic, are differences between polls at most WINDOW seconds
// apart. Without recent traffic the error ratio and p95 since the router appeared are shown.

import { get } from './api.js';

const WINDOW = 10;
let history = []; // [{t: seconds, data: the endpoint's answer}], oldest first

/** Fetches the counters once; a gateway without the endpoint leaves the figures empty. */
export async function poll() {
  const data = await get('waygate/routers/stats');
  const t = performance.now() / 1000;
  history.push({ t, data });
  // Keep one snapshot at least WINDOW old as the base of the window.
  while (history.length > 2 && t - history[1].t >= WINDOW) history.shift();
}

/** `{requests, rate, errorRatio, p95, recent}` for a router, or null when unknown. */
export function figures(name) {
  const last = history.at(-1);
  const now = last && last.data.routers && last.data.routers[name];
  if (!now) return null;
  const bounds = last.data.latencyBounds || [];
  const out = {
    requests: now.requests,
    rate: null,
    errorRatio: now.errorRatio,
    p95: now.latencyP95,
    recent: false,
  };
  const base = history.length > 1 ? history[0] : null;
  let then = base && base.data.routers && base.data.routers[name];
  if (!base) return out;
  // Counters restart when a router is removed and added again.
  if (!then || then.requests > now.requests) then = { requests: 0, serverErrors: 0, latencyCounts: [] };
  const requests = now.requests - then.requests;
  out.rate = requests / Math.max(last.t - base.t, 0.001);
  if (requests > 0) {
    out.recent = true;
    out.errorRatio = (now.serverErrors - then.serverErrors) / requests;
    const counts = now.latencyCounts.map((c, i) => c - (then.latencyCounts[i] || 0));
    out.p95 = quantile(bounds, counts, 0.95);
  }
  return out;
}

/** The `q` quantile of a histogram (`counts[i]` at most `bounds[i]` seconds; the last count
 * above every bound), interpolated linearly inside its bucket like Prometheus does. */
export function quantile(bounds, counts, q) {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!total || !bounds.length) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const before = seen;
    seen += counts[i];
    if (counts[i] > 0 && seen >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1];
      const lo = i ? bounds[i - 1] : 0;
      return lo + ((bounds[i] - lo) * (rank - before)) / counts[i];
    }
  }
  return bounds[bounds.length - 1];
}
