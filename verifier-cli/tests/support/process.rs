//! Running the tools the tests drive (podman, buildah, pip, npm, the binaries).

use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `cmd` with no input; its stdout, or a panic naming the command, its
/// status and both outputs.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `cmd` with no input and no output, whatever becomes of it (clean-up).
pub fn quiet(cmd: &mut Command) {
    let _ = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether `pid` (decimal digits) names a running process.
pub fn pid_alive(pid: &str) -> bool {
    !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && Path::new("/proc").join(pid).exists()
}

/// Runs `cmd` with stdout a pipe whose reader is closed before it starts
/// (as `… | head` looks once `head` has read enough): every write to stdout
/// fails with EPIPE. Its status and stderr.
pub fn reader_gone(cmd: &mut Command) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
        .wait_with_output()
        .unwrap()
}
