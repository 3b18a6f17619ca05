//! From source trees to models: per-item decoding of dynamic configuration (one broken router
//! never hides the others) and the exclusive static sources (file → flags → env, §2.1).

mod dynamic;
mod statics;

pub use self::dynamic::{DynamicLoad, decode_dynamic, merge, merge_with};
pub use self::statics::{StaticInputs, StaticLoad, StaticSource, load_static, search_paths};
