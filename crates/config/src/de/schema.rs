//! Test-only: records every struct the decoder visits (its key path and all its field names),
//! so tests can walk the whole model through a sample that sets every field.

use std::cell::RefCell;

/// A decoded struct: its key path and its field names.
pub(crate) type Visited = (String, &'static [&'static str]);

thread_local! {
    static SEEN: RefCell<Option<Vec<Visited>>> = const { RefCell::new(None) };
}

/// Called by the decoder for each struct it decodes.
pub(crate) fn record(path: &str, fields: &'static [&'static str]) {
    SEEN.with(|s| {
        if let Some(list) = s.borrow_mut().as_mut() {
            list.push((path.to_string(), fields));
        }
    });
}

/// Runs `f` and returns the structs decoded meanwhile (key path, field names).
pub(crate) fn recording(f: impl FnOnce()) -> Vec<Visited> {
    SEEN.with(|s| *s.borrow_mut() = Some(Vec::new()));
    f();
    SEEN.with(|s| s.borrow_mut().take().unwrap_or_default())
}
