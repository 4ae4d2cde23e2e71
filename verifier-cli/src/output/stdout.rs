//! Everything a command prints as its result goes through [`print`], so a
//! reader that goes away (`mcp-verify … | head`) ends the output quietly:
//! the rest is dropped, nothing is reported, and the command still exits with
//! its own verdict (a verification that failed exits 1 whether or not anyone
//! read the report; `set -o pipefail` sees it).

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's reader has gone away; later output is dropped.
static READER_GONE: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout and flushes it. A closed pipe is not an error;
/// any other write error is (a full disk behind a redirect must not pass
/// for a printed report).
pub fn print(text: impl AsRef<[u8]>) -> std::io::Result<()> {
    if READER_GONE.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_ref()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => {
            READER_GONE.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(std::io::Error::new(
            e.kind(),
            format!("cannot write the result to stdout: {e}"),
        )),
        Ok(()) => Ok(()),
    }
}

/// [`print`] with a line ending.
pub fn println(text: impl std::fmt::Display) -> std::io::Result<()> {
    print(format!("{text}\n"))
}
