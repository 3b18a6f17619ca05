//! `ServiceURL` and `ServiceAddr` as text shared by the requests to one server: each logged
//! request copied both (a `String` clone and the authority through `core::fmt`), and the
//! writer thread freed them again. A few recently used texts per worker thread are kept,
//! compared by content, and handed out as `Arc<str>` clones.

use std::cell::RefCell;
use std::sync::Arc;

/// Texts kept per thread: a server's URL and address, for a few servers.
const KEPT: usize = 8;

thread_local! {
    static RECENT: RefCell<Recent> = const {
        RefCell::new(Recent {
            texts: [const { None }; KEPT],
            next: 0,
        })
    };
}

struct Recent {
    texts: [Option<Arc<str>>; KEPT],
    /// The slot replaced next (oldest first).
    next: usize,
}

/// `text` as an `Arc<str>`: one this thread handed out recently when equal, else a new one.
pub(super) fn shared(text: &str) -> Arc<str> {
    RECENT.with_borrow_mut(|r| {
        if let Some(hit) = r.texts.iter().flatten().find(|t| ***t == *text) {
            return hit.clone();
        }
        let fresh: Arc<str> = Arc::from(text);
        let slot = r.next;
        r.texts[slot] = Some(fresh.clone());
        r.next = (slot + 1) % KEPT;
        fresh
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_allocation_and_others_are_kept_apart() {
        let a = shared("http://10.0.0.1:80");
        let b = shared(&String::from("http://10.0.0.1:80"));
        assert!(Arc::ptr_eq(&a, &b));
        let c = shared("10.0.0.1:80");
        assert_eq!(&*c, "10.0.0.1:80");
        assert!(!Arc::ptr_eq(&a, &c));
        // Pushed out by newer texts, then made again: still the same text.
        for i in 0..KEPT {
            shared(&format!("other-{i}"));
        }
        let d = shared("http://10.0.0.1:80");
        assert_eq!(d, a);
        assert!(!Arc::ptr_eq(&a, &d));
    }
}
