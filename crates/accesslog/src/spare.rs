//! Records given back by the writer for the next requests to fill. A record is boxed on a
//! request's thread and dropped on the writer's: a fresh box per line cost an allocation
//! from an allocator cache the writer's frees never refill, and a free into another
//! thread's arena. The writer empties each box after its line (what the box held is
//! released there as before) and hands the batch's boxes back under one lock; a request
//! takes one under an uncontended lock.

use std::sync::{Mutex, PoisonError};

use crate::record::Record;

/// At most this many empty boxes wait (about 100 KiB).
const KEEP: usize = 256;

#[derive(Debug, Default)]
pub(crate) struct Spare {
    // The boxes themselves are what is kept: requests and the queue carry `Box<Record>`.
    #[allow(clippy::vec_box)]
    boxes: Mutex<Vec<Box<Record>>>,
}

// === impl Spare ===

impl Spare {
    /// `rec` in a box given back, or in a new one.
    pub(crate) fn boxed(&self, rec: Record) -> Box<Record> {
        let spare = self
            .boxes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match spare {
            Some(mut b) => {
                *b = rec;
                b
            }
            None => Box::new(rec),
        }
    }

    /// Takes the emptied boxes of `batch` (those past [`KEEP`] are freed).
    #[allow(clippy::vec_box)] // the boxes are what is given back
    pub(crate) fn give_back(&self, batch: &mut Vec<Box<Record>>) {
        if batch.is_empty() {
            return;
        }
        let mut boxes = self.boxes.lock().unwrap_or_else(PoisonError::into_inner);
        let room = KEEP.saturating_sub(boxes.len());
        let n = batch.len().min(room);
        boxes.extend(batch.drain(..n));
        drop(boxes);
        batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_given_back_are_filled_again_up_to_keep() {
        let spare = Spare::default();
        let first = spare.boxed(crate::tests::record(200));
        let at: *const Record = &*first;
        let mut batch = vec![first];
        spare.give_back(&mut batch);
        assert!(batch.is_empty());
        let again = spare.boxed(crate::tests::record(404));
        assert!(std::ptr::eq(&*again, at), "the box given back is used");
        assert_eq!(again.status, 404);
        let mut many: Vec<_> = (0..KEEP + 10)
            .map(|_| Box::new(crate::tests::record(200)))
            .collect();
        spare.give_back(&mut many);
        assert!(many.is_empty());
        let kept = spare.boxes.lock().expect("lock").len();
        assert_eq!(kept, KEEP);
    }
}
