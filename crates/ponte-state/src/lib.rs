//! ponte's durable state, in one SQLite file (`<state_dir>/ponte.db`, WAL
//! mode, so readers never block the writer): the run history every stage
//! writes, the fingerprints the transfer engine records of each copy, the
//! durable queue (and the Pub/Sub push envelopes that feed it), the
//! queries API clients saved, and what security must remember across
//! restarts: spent embed URLs and nonces, embed sessions and logged-out
//! API tokens.
//! Run locks are files beside it, held with an OS lock that the kernel
//! releases when the holder dies, so a killed run never blocks the next.
//! Every run goes through [`StateDb::run_recorded`], which takes the lock
//! and writes the history around it.
//!
//! ```no_run
//! let db = ponte_state::StateDb::open(".ponte".as_ref())?;
//! for run in db.runs(10)? {
//!     println!("{} {} {}", run.kind, run.name, run.status);
//! }
//! # Ok::<(), ponte_state::StateError>(())
//! ```

mod cookieless;
mod db;
mod embed;
mod fingerprints;
mod job;
mod lock;
mod push;
mod queue;
mod recorded;
mod runs;
mod saved_queries;
mod tokens;

pub use cookieless::{CookielessSession, CookielessToken};
pub use db::{StateDb, StateError};
pub use embed::{EmbedSessionRecord, EmbedUrlUse};
pub use fingerprints::{Fingerprint, Listed};
pub use job::{RunKind, Trigger};
pub use lock::RunLock;
pub use push::{PushError, PushedMessage};
pub use queue::{Delivery, DeliveryState, DeliveryStatus, Message, NewMessage, Subscriber};
pub use recorded::{AlreadyRunning, RunEnd, Started};
pub use runs::{RunId, RunRecord, RunStatus, RunTotals};
