//! The yeti-web admin API: wire types and the HTTP client. The only code that speaks HTTP.

pub mod auth;
pub mod client;
pub mod error;
pub mod query;
pub mod types;

pub use auth::{Credentials, Secret};
pub use client::{Client, ClientConfig, Fetched};
pub use error::ApiError;
pub use query::{CallFilter, FilterField, ListQuery};
