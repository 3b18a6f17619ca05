//! Validation beyond syntax: everything a typed model can still get wrong (bad rules, URLs,
//! regexes, CIDRs, references to missing objects, conflicting options).
//!
//! Validation works on the decoded model and reports [`Issue`]s by key path; the loader then
//! finds each path's position in the source tree (`locate`). It never aborts: every item is
//! checked and the runtime disables only the items with errors.

mod context;
mod dynamic;
mod scope;
mod statics;
pub(crate) mod values;

pub use self::context::{AnyFile, Context, Files, RuleMemo};
pub use self::dynamic::{is_parent_router, validate_dynamic};
pub use self::scope::{Scope, Validate, locate, locate_in};
