// The REST API, relative to the page: the dashboard is served at `<prefix>dashboard/` and the
// API at `<prefix>api/`, where the prefix holds `api.basePath` and any path a proxy in front
// adds, so no configuration is needed here.

const prefix = location.pathname.replace(/dashboard\/?[^/]*$/, '');

/** An answer of the API other than 2xx: the gateway is up, the request was wrong. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** `GET <prefix>api/<path>` as JSON; throws `ApiError` on a non-2xx answer, `TypeError` when
 * the gateway cannot be reached. */
export async function get(path) {
  const resp = await fetch(`${prefix}api/${path}`, {
    headers: { accept: 'application/json' },
    cache: 'no-store',
  });
  if (!resp.ok) {
    let message = `${resp.status} ${resp.statusText}`;
    try {
      message = JSON.parse(await resp.text()).message || message;
    } catch (_) {
      // Not JSON (gorilla/mux's plain 404): keep the status line.
    }
    throw new ApiError(resp.status, message);
  }
  return resp.json();
}

/** A query string from the non-empty values of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
