//! The one integration-test binary: the HTTP server in-process, and the `runlens` CLI.

mod cli;
mod fuzz;
mod http;
mod security;
mod util;
