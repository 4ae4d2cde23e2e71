//! Progress of work that can take seconds to minutes (importing a catalog
//! checkout, fetching a catalog's shards), on stderr and never on stdout,
//! which carries the result. On a terminal it is a bar (or a counter when
//! the total is unknown) that is cleared when the work ends; anywhere else
//! (a CI log, a file) it is a plain line every ten seconds, so work that
//! ends sooner prints nothing. `--quiet` silences both.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a plain progress line is printed when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Progress of one piece of work.
#[derive(Debug)]
pub struct Progress {
    what: &'static str,
    total: Option<u64>,
    bar: Option<ProgressBar>,
    /// Count and last line printed, when stderr is not a terminal.
    plain: Option<Mutex<(u64, Instant)>>,
}

impl Progress {
    /// Progress of `what` (`"importing"`, `"fetching shards"`), out of
    /// `total` when it is known.
    pub fn new(what: &'static str, total: Option<u64>, quiet: bool) -> Progress {
        let (bar, plain) = if quiet {
            (None, None)
        } else if std::io::stderr().is_terminal() {
            let bar = match total {
                Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template(
                            "{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    ),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template("{prefix} {spinner} {pos} {msg} ({elapsed})")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    ),
            };
            bar.set_prefix(what);
            bar.enable_steady_tick(Duration::from_millis(120));
            (Some(bar), None)
        } else {
            (None, Some(Mutex::new((0, Instant::now()))))
        };
        Progress {
            what,
            total,
            bar,
            plain,
        }
    }

    /// One more unit done; `detail` says what (a file, a shard).
    pub fn inc(&self, detail: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(detail.to_owned());
            bar.inc(1);
        }
        if let Some(plain) = &self.plain
            && let Ok(mut p) = plain.lock()
        {
            p.0 += 1;
            if p.1.elapsed() >= PLAIN_EVERY {
                p.1 = Instant::now();
                let line = match self.total {
                    Some(total) => format!("{}: {} of {total} ({detail})\n", self.what, p.0),
                    None => format!("{}: {} so far ({detail})\n", self.what, p.0),
                };
                // Progress is advice: a closed stderr does not stop the work.
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
