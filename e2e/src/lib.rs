//! End-to-end tests of the two binaries a publisher and a gateway run:
//! `mcp-verify` against a real `mcp-registry` server, over HTTP. The cases
//! are in `tests/e2e/`; this library finds the `mcp-verify` executable.
//!
//! They live in a package of their own so that `mcp-verify` does not depend
//! on the registry, not even to test. Cargo tells a test where a binary is
//! only when the binary is in the test's own package, so [`mcp_verify`] asks
//! Cargo to build it into the target directory and profile the tests were
//! built with: once per test run, and a no-op when it is up to date (as it
//! is after `cargo test --workspace`, which builds every binary first).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `mcp-verify` executable, built from this checkout on first use.
///
/// # Panics
///
/// When Cargo cannot build it; the panic carries Cargo's output.
pub fn mcp_verify() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(build)
}

fn build() -> PathBuf {
    // A test runs as <target dir>/<profile dir>/deps/<test>; binaries sit beside deps/.
    let exe = std::env::current_exe().expect("the path of the running test");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("a test runs from <target dir>/<profile dir>/deps/");
    let target_dir = profile_dir
        .parent()
        .expect("a test runs from <target dir>/<profile dir>/deps/");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(name) => name,
        None => panic!("no profile directory in {}", exe.display()),
    };
    // Cargo sets CARGO_MANIFEST_DIR when it runs a test: the checkout under
    // test, even when this library was compiled from another checkout that
    // shares the target directory.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let workspace = manifest_dir.join("../Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--locked", "--package", "mcp-verify"])
        .args(["--bin", "mcp-verify", "--profile", profile])
        .arg("--manifest-path")
        .arg(&workspace)
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo build --package mcp-verify failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = profile_dir.join(format!("mcp-verify{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "cargo built no {}", bin.display());
    bin
}
