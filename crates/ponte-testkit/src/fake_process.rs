//! A stand-in server from `fakes/*.py`: started on a loopback port in the
//! test environment's Python, waited for until it answers HTTP, and killed
//! when dropped. Each writes the requests it saw as JSON lines to a log.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running stand-in.
pub(crate) struct FakeProcess {
    child: Child,
}

impl FakeProcess {
    /// Runs `fakes/<script>` with `args` and waits (30 s at most) until
    /// `GET probe` on `port` answers. `what` names it in panics.
    pub(crate) fn start(script: &str, args: Vec<OsString>, port: u16, probe: &str, what: &str) -> Self {
        let child = Command::new(crate::python())
            .arg(crate::repo_root().join("crates/ponte-testkit/fakes").join(script))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
        let mut fake = Self { child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !crate::answers_http(port, probe) {
            assert!(fake.child.try_wait().expect("its status").is_none(), "{what} exited at start");
            assert!(Instant::now() < deadline, "{what} did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        fake
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The JSON lines of a stand-in's request log (none yet: empty).
pub(crate) fn json_lines(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}
