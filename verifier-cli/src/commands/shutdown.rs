//! Stopping cleanly when `run` or `guard` is told to stop (SIGTERM, SIGINT,
//! SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM: every signal whose default is
//! to end the process and that can be caught). An MCP client that closes a server's input and gets no exit
//! within its grace period sends SIGTERM, and the default action would kill
//! this process alone: the container would keep running and the copies of
//! the secrets would stay on disk. Instead, a watcher thread runs the stop
//! action registered for the running server (which ends the relay, so the
//! normal path cleans up), or, before any server runs, removes the
//! registered paths and exits with 128 + the signal number.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, PoisonError};

/// What to do on a signal.
#[derive(Default)]
struct Plan {
    /// Stops the running server.
    stop: Option<Box<dyn FnMut() + Send>>,
    /// Paths to remove when exiting before a server runs.
    cleanup: Vec<PathBuf>,
}

static PLAN: Mutex<Plan> = Mutex::new(Plan {
    stop: None,
    cleanup: Vec::new(),
});
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// Starts watching for SIGTERM, SIGINT and SIGHUP; they no longer kill the
/// process outright once this returns.
pub fn install() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let (ready, registered) = std::sync::mpsc::channel::<Result<(), String>>();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                let _ = ready.send(Err(e.to_string()));
                return;
            }
        };
        runtime.block_on(async move {
            let kinds = [
                (SignalKind::terminate(), 15),
                (SignalKind::interrupt(), 2),
                (SignalKind::hangup(), 1),
                (SignalKind::quit(), 3),
                (SignalKind::user_defined1(), 10),
                (SignalKind::user_defined2(), 12),
                (SignalKind::alarm(), 14),
            ];
            let mut streams = Vec::new();
            for (kind, number) in kinds {
                match signal(kind) {
                    Ok(s) => streams.push((s, number)),
                    Err(e) => {
                        let _ = ready.send(Err(e.to_string()));
                        return;
                    }
                }
            }
            let _ = ready.send(Ok(()));
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<i32>();
            for (mut stream, number) in streams {
                let tx = tx.clone();
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        if tx.send(number).is_err() {
                            return;
                        }
                    }
                });
            }
            while let Some(number) = rx.recv().await {
                received(number);
            }
        });
    });
    match registered.recv() {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => anyhow::bail!("cannot watch for signals: {e}"),
        Err(_) => anyhow::bail!("cannot watch for signals"),
    }
}

fn received(number: i32) {
    let first = RECEIVED.swap(number, Ordering::SeqCst) == 0;
    let mut plan = PLAN.lock().unwrap_or_else(PoisonError::into_inner);
    match plan.stop.as_mut() {
        Some(stop) if first => stop(),
        _ => {
            for path in plan.cleanup.drain(..) {
                let _ = std::fs::remove_dir_all(path);
            }
            std::process::exit(128 + number);
        }
    }
}

/// The signal received, if any.
pub fn signal() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        n => Some(n),
    }
}

/// Registers how to stop the running server; runs it at once when a signal
/// has already arrived.
pub fn set_stop(mut stop: Box<dyn FnMut() + Send>) {
    let mut plan = PLAN.lock().unwrap_or_else(PoisonError::into_inner);
    if signal().is_some() {
        stop();
    }
    plan.stop = Some(stop);
}

/// The server has stopped: a signal now exits after the cleanup.
pub fn clear_stop() {
    PLAN.lock().unwrap_or_else(PoisonError::into_inner).stop = None;
}

/// Removes `path` if a signal ends the process before it is cleaned up normally.
pub fn remove_on_exit(path: PathBuf) {
    PLAN.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .cleanup
        .push(path);
}
