//! List endpoints: filtering (`search`, `status`, `serviceName`, `middlewareName`), sorting
//! (`sortBy`, `direction`) and pagination (`page`, `per_page`, `X-Next-Page`), with Traefik's
//! semantics and error messages (`pkg/api/criterion.go`, `sort.go`).

pub(crate) mod sort;

use http::StatusCode;

use crate::items::Entry;
use crate::query::Query;
use crate::reply::{self, Response};

pub(crate) use self::sort::{Family, sort};

const DEFAULT_PER_PAGE: i64 = 100;
const DEFAULT_PAGE: i64 = 1;

/// The filters of a list request; `None` when the query names none of them (everything kept).
#[derive(Debug, Default)]
pub(crate) struct Criterion {
    pub(crate) search: String,
    pub(crate) status: String,
    pub(crate) service_name: String,
    pub(crate) middleware_name: String,
}

/// The slice of the sorted results to return, and the `X-Next-Page` value (1 on the last page).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) next: usize,
}

/// Filters, sorts and paginates `entries`: the response of a list endpoint.
pub(crate) fn respond(q: &Query, family: Family, mut entries: Vec<Entry>) -> Response {
    if let Some(c) = Criterion::from_query(q) {
        entries.retain(|e| c.keep(e));
    }
    sort(q, family, &mut entries);
    match paginate(q, entries.len()) {
        Ok(p) => {
            let json: Vec<_> = entries[p.start..p.end].iter().map(|e| &e.json).collect();
            reply::page(&json, p.next)
        }
        Err(msg) => reply::error(StatusCode::BAD_REQUEST, &msg),
    }
}

// === impl Criterion ===

impl Criterion {
    pub(crate) fn from_query(q: &Query) -> Option<Criterion> {
        if q.is_empty() {
            return None;
        }
        let c = Criterion {
            search: q.get("search").to_string(),
            status: q.get("status").to_string(),
            service_name: q.get("serviceName").to_string(),
            middleware_name: q.get("middlewareName").to_string(),
        };
        let none = c.search.is_empty()
            && c.status.is_empty()
            && c.service_name.is_empty()
            && c.middleware_name.is_empty();
        (!none).then_some(c)
    }

    /// Routers: status, search in rule and name, service, middleware. UDP routers: no rule
    /// and no middlewares. Services and middlewares: status and search in the name.
    pub(crate) fn keep(&self, e: &Entry) -> bool {
        let k = &e.keys;
        let mut fields = vec![e.name.as_str()];
        if let Some(rule) = &k.rule {
            fields.insert(0, rule.as_str());
        }
        self.with_status(k.status)
            && self.search_in(&fields)
            && k.service.as_deref().is_none_or(|s| self.filter_service(s))
            && k.middlewares
                .as_deref()
                .is_none_or(|m| self.filter_middleware(m))
    }

    pub(crate) fn with_status(&self, status: &str) -> bool {
        self.status.is_empty() || status.eq_ignore_ascii_case(&self.status)
    }

    pub(crate) fn search_in(&self, values: &[&str]) -> bool {
        if self.search.is_empty() {
            return true;
        }
        let needle = self.search.to_lowercase();
        values.iter().any(|v| v.to_lowercase().contains(&needle))
    }

    /// A service written with `@` must match exactly; one written without matches the
    /// criterion's part before `@`.
    fn filter_service(&self, service: &str) -> bool {
        if self.service_name.is_empty() {
            return true;
        }
        if service.contains('@') {
            return self.service_name == service;
        }
        let before = self.service_name.split('@').next().unwrap_or("");
        before == service
    }

    fn filter_middleware(&self, middlewares: &[String]) -> bool {
        self.middleware_name.is_empty() || middlewares.contains(&self.middleware_name)
    }
}

/// `page` and `per_page` (positive integers, defaults 1 and 100) over `total` results.
pub(crate) fn paginate(q: &Query, total: usize) -> Result<Page, String> {
    let per_page = int_param(q, "per_page", DEFAULT_PER_PAGE)?;
    let page = int_param(q, "page", DEFAULT_PAGE)?;
    let total_i = i64::try_from(total).unwrap_or(i64::MAX);
    let start = (page - 1).checked_mul(per_page);
    let start = match start {
        Some(s) if s == 0 || s < total_i => s,
        _ => {
            return Err(format!(
                "invalid request: page: {page}, per_page: {per_page}"
            ));
        }
    };
    let end = start.saturating_add(per_page).min(total_i);
    let next = if page.saturating_mul(per_page) < total_i {
        page + 1
    } else {
        1
    };
    // All three are within 0..=total (or a page number), so they fit in usize.
    let usize_of = |v: i64| usize::try_from(v).unwrap_or(usize::MAX);
    Ok(Page {
        start: usize_of(start),
        end: usize_of(end),
        next: usize_of(next),
    })
}

/// Go's `strconv.Atoi`, then "must be > 0"; the error shows the value Atoi returned (0 on a
/// syntax error, the clamped value on overflow).
fn int_param(q: &Query, key: &str, default: i64) -> Result<i64, String> {
    let raw = q.get(key);
    if raw.is_empty() {
        return Ok(default);
    }
    let value = atoi(raw);
    match value {
        Ok(v) if v > 0 => Ok(v),
        Ok(v) | Err(v) => Err(format!("invalid request: {key}: {v}")),
    }
}

/// `strconv.Atoi`: optional sign, decimal digits. `Err` carries what Go returns with its error.
fn atoi(s: &str) -> Result<i64, i64> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(0);
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        v = match v.checked_mul(10).and_then(|v| v.checked_add(d)) {
            Some(v) => v,
            None => return Err(if neg { i64::MIN } else { i64::MAX }),
        };
    }
    Ok(if neg { -v } else { v })
}

#[cfg(test)]
mod tests;
