//! yetitop: a terminal monitor of the live calls on a Yeti softswitch.
//!
//! Layers, each knowing only the ones before it:
//! `api` (HTTP + JSON:API types) → `model` (sanitized calls and records, rating) → `app` (state and
//! `update`, no I/O) → `ui` (pure rendering). `sim` is a separate server sharing only `api::types`.
//! `cli`, `config`, `runtime` and `headless` sit at the edge.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod headless;
pub mod logging;
pub mod model;
pub mod rating;
pub mod runtime;
pub mod sanitize;
pub mod sim;
pub mod start;
pub mod ui;
