//! Value types shared by the static and dynamic models: Go durations, and files-or-content.

mod duration;

pub use self::duration::Duration;

/// A value that is either a file path or the content itself (inline PEM), as Traefik's
/// `FileOrContent`.
pub fn is_inline_content(value: &str) -> bool {
    value.trim_start().starts_with("-----BEGIN")
}
