//! The Runlens store: one SQLite database (WAL, versioned migrations) plus an artifact folder.
//!
//! How to use it: [`Store::open`] a data directory, then call the per-table modules
//! ([`experiments`], [`runs`], [`metrics`], …) inside [`Store::read`] (any number of readers at
//! once) or [`Store::write`] (one writer, `BEGIN IMMEDIATE`). Every artifact path goes through
//! [`artifacts::resolve`], which refuses anything outside its root.
//!
//! Invariant: the store does no HTTP and knows no JSON; it speaks plain Rust types
//! ([`model`]). Timestamps are epoch milliseconds passed in by the caller.

pub mod artifacts;
mod db;
pub mod experiments;
pub mod filter;
pub mod import_state;
pub mod inputs;
pub mod keys;
pub mod logged_models;
pub mod metrics;
pub mod model;
pub mod params;
pub mod registry;
pub mod runs;
pub mod schema;
pub mod search;
pub mod series;
pub mod sync_state;
pub mod table;
pub mod tags;

pub use db::{Read, Store, Write};
pub use model::*;

/// Everything that can go wrong in the store. The API crate maps each variant to an MLflow
/// error code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The named entity does not exist (MLflow's `RESOURCE_DOES_NOT_EXIST`).
    #[error("{0}")]
    NotFound(String),
    /// The entity exists already (MLflow's `RESOURCE_ALREADY_EXISTS`).
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is well-formed but not allowed (MLflow's `INVALID_PARAMETER_VALUE`).
    #[error("{0}")]
    Invalid(String),
    /// A filter or order_by string does not parse.
    #[error("{0}")]
    Filter(#[from] filter::FilterError),
    /// The database file was written by a newer Runlens.
    #[error("the store at {path} has schema version {found}, but this Runlens understands up to {supported}; update Runlens to open it")]
    SchemaTooNew {
        /// The database file.
        path: String,
        /// Its `user_version`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// SQLite's error types, for callers that classify errors (busy, locked, …).
pub mod rusqlite_error {
    pub use rusqlite::{Error, ErrorCode};
}
