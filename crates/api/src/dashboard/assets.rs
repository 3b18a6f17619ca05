//! The dashboard's files, embedded in the binary at build time: plain HTML, CSS and ES modules
//! written in this directory (no Node toolchain, no build step, no CDN). The page calls the
//! REST API relative to itself (`../api/…`), so it works under any `api.basePath` and behind
//! a proxy that adds a prefix.

/// One embedded file.
#[derive(Debug)]
pub(super) struct Asset {
    pub(super) path: &'static str,
    pub(super) content_type: &'static str,
    pub(super) body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

macro_rules! asset {
    ($path:literal, $type:expr) => {
        Asset {
            path: $path,
            content_type: $type,
            body: include_bytes!($path),
        }
    };
}

/// Every file, the index first.
pub(super) const ASSETS: &[Asset] = &[
    asset!("index.html", HTML),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("dom.js", JS),
    asset!("stats.js", JS),
    asset!("sections.js", JS),
    asset!("list.js", JS),
    asset!("detail.js", JS),
    asset!("overview.js", JS),
    asset!("explain.js", JS),
];

/// The file at `rest` below `dashboard/` (`""` is the index).
pub(super) fn find(rest: &str) -> Option<&'static Asset> {
    let rest = if rest.is_empty() { "index.html" } else { rest };
    ASSETS.iter().find(|a| a.path == rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every module an asset imports is embedded, and every embedded file is reachable.
    #[test]
    fn imports_resolve() {
        for a in ASSETS {
            let text = std::str::from_utf8(a.body).unwrap_or_default();
            for part in text.split("from './").skip(1) {
                let name = part.split('\'').next().unwrap_or_default();
                assert!(
                    find(name).is_some(),
                    "{} imports {name}, not embedded",
                    a.path
                );
            }
        }
        let index = std::str::from_utf8(ASSETS[0].body).unwrap_or_default();
        for name in ["style.css", "favicon.svg", "app.js"] {
            assert!(index.contains(&format!("\"{name}\"")), "index links {name}");
        }
        assert_eq!(find("").map(|a| a.path), Some("index.html"));
        assert!(find("../lib.rs").is_none());
    }
}
