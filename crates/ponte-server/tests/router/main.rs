//! The server's HTTP behaviour in `cargo test` alone: every route's
//! status codes and error bodies, through the router in process. The
//! binary's suites drive the same routes with the official clients; these
//! reproduce a server bug without a socket, Python or a browser.

mod api;
mod embed;
mod fixture;
mod operations;
mod pages;
