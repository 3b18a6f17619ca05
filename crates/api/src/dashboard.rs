//! The dashboard: a small web UI embedded in the binary ([`assets`]: plain HTML, CSS and ES
//! modules, no build step) that reads the REST API and polls it every 2 s, so items added,
//! changed or broken in the configuration show up without a reload. How it is reached is
//! Traefik's behaviour:
//!
//! - on `api@internal` (with `api.dashboard`): `GET <basePath>` redirects (302) to
//!   `<X-Forwarded-Prefix><basePath>/dashboard/`, which serves the UI ([`redirect`], [`page`]);
//! - `dashboard@internal` (insecure mode's `dashboard` router, ``PathPrefix(`/`)``): `/` over
//!   plain HTTP redirects (301) to `http://<host>/dashboard/`, then `/dashboard/` and
//!   `/dashboard` are stripped and the rest is served as by [`page`] ([`internal`]). Traefik
//!   does this with the middlewares `dashboard_redirect@internal` and
//!   `dashboard_stripprefix@internal`; here the service does it itself.

mod assets;

use bytes::Bytes;
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, HeaderValue, LOCATION,
};
use http::{HeaderMap, Method, StatusCode, Uri};

use crate::reply::{self, Response};

const CSP: &str = "frame-src 'self' https://traefik.io https://*.traefik.io;";

/// `GET <basePath>` on `api@internal`.
pub fn redirect(base_path: &str, headers: &HeaderMap) -> Response {
    // X-Forwarded-Prefix is trusted (the hop in front sets it), but an absolute URL there is
    // refused, as Traefik does.
    let prefix = headers
        .get("x-forwarded-prefix")
        .and_then(|v| v.to_str().ok())
        .filter(|p| !p.contains("://") && !p.starts_with("//"))
        .unwrap_or("")
        .trim_end_matches('/');
    let location = format!("{prefix}{}/dashboard/", base_path.trim_end_matches('/'));
    let mut resp = redirect_to(StatusCode::FOUND, &location);
    // Go's http.Redirect writes a small HTML body for GET.
    *resp.body_mut() = Bytes::from(format!("<a href=\"{location}\">Found</a>.\n\n"));
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

/// `<basePath>/dashboard/<rest>`: the index at `rest == ""`, a file of the UI otherwise.
/// The page finds the API relative to itself, so `base_path` is not needed to serve it.
pub fn page(_base_path: &str, rest: &str) -> Response {
    let Some(asset) = assets::find(rest) else {
        return reply::not_found();
    };
    let mut resp = Response::new(Bytes::from_static(asset.body));
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    // Small files that change with the binary: revalidate rather than cache stale UI.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// `dashboard@internal`. `tls` tells whether the request came over TLS (Traefik's redirect
/// only matches `http://` URLs).
pub fn internal(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    tls: bool,
    base_path: &str,
) -> Response {
    let path = uri.path();
    if path == "/" && uri.query().is_none() && !tls {
        let host = uri.authority().map(|a| a.as_str().to_string()).or_else(|| {
            headers
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        });
        if let Some(host) = host {
            let status = if *method == Method::GET || *method == Method::HEAD {
                StatusCode::MOVED_PERMANENTLY
            } else {
                StatusCode::PERMANENT_REDIRECT
            };
            return redirect_to(status, &format!("http://{host}/dashboard/"));
        }
    }
    let rest = path
        .strip_prefix("/dashboard/")
        .or_else(|| path.strip_prefix("/dashboard"))
        .unwrap_or(path)
        .trim_start_matches('/');
    page(base_path, rest)
}

fn redirect_to(status: StatusCode, location: &str) -> Response {
    let mut resp = Response::new(Bytes::new());
    *resp.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;

    #[test]
    fn redirects_and_strip() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("gw:8080"));
        let get = Method::GET;
        let r = internal(&get, &"/".parse().unwrap(), &h, false, "/");
        assert_eq!(r.status(), 301);
        assert_eq!(r.headers()[LOCATION], "http://gw:8080/dashboard/");
        assert_eq!(
            internal(&get, &"/dashboard/".parse().unwrap(), &h, false, "/").status(),
            200
        );
        assert_eq!(
            internal(&get, &"/dashboard".parse().unwrap(), &h, false, "/").status(),
            200
        );
        assert_eq!(
            internal(&get, &"/".parse().unwrap(), &h, true, "/").status(),
            200
        );
        assert_eq!(
            internal(&get, &"/x.js".parse().unwrap(), &h, false, "/").status(),
            404
        );

        let mut h = HeaderMap::new();
        h.insert("x-forwarded-prefix", HeaderValue::from_static("/edge/"));
        let r = redirect("/traefik", &h);
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers()[LOCATION], "/edge/traefik/dashboard/");
        h.insert(
            "x-forwarded-prefix",
            HeaderValue::from_static("http://evil"),
        );
        assert_eq!(redirect("/", &h).headers()[LOCATION], "/dashboard/");
    }
}
