//! The model: calls and related records built from API documents, with every untrusted string sanitized
//! once, here, and money kept as exact decimals.

pub mod call;
pub mod json;
pub mod record;

pub mod store;

pub use crate::sanitize::{sanitize, sanitize_max};
pub use call::{Call, Endpoint, Link, build_call, build_calls};
pub use record::{Record, RecordKey, build_record};
pub use store::RecordCache;

/// Sanitized text of the model: boxed to keep a call small (100,000 of them must fit in memory).
pub type Text = Box<str>;
