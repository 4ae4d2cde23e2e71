//! A real PostgreSQL for the store suite: Debian's `postgresql` binaries
//! (/usr/lib/postgresql/*/bin), `initdb` into a temporary directory and
//! `pg_ctl` on a free loopback port, run as the `postgres` user when the
//! tests run as root. One cluster per test process, one fresh database per
//! test; a watchdog stops the cluster and removes its directory when the test
//! process exits.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running cluster.
#[derive(Debug)]
pub struct Cluster {
    port: u16,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop().unwrap_or_else(|| {
        panic!("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: install the Debian package `postgresql` (scripts/test does)")
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs a PostgreSQL binary, as the `postgres` user when we are root.
fn run(bin: &Path, args: &[&str]) {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let out = cmd
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}{}",
        bin.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

fn start() -> Cluster {
    let bin = bin_dir();
    let dir = tempfile::Builder::new()
        .prefix("mcp-registry-pg-")
        .tempdir()
        .unwrap_or_else(|e| panic!("tempdir: {e}"))
        .keep();
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown of {} to postgres failed", dir.display());
    }
    let data = dir.join("data");
    let d = dir.to_string_lossy().into_owned();
    let data_s = data.to_string_lossy().into_owned();
    run(
        &bin.join("initdb"),
        &[
            "-D",
            &data_s,
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
    );
    let port = free_port();
    let options = format!(
        "-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    );
    run(
        &bin.join("pg_ctl"),
        &[
            "-D",
            &data_s,
            "-o",
            &options,
            "-l",
            &format!("{d}/log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
    );
    // Stop the cluster and remove its files once this test process is gone.
    let pg_ctl = bin.join("pg_ctl").to_string_lossy().into_owned();
    let stop = if is_root() {
        format!("runuser -u postgres -- {pg_ctl} -D {data_s} -m immediate stop")
    } else {
        format!("{pg_ctl} -D {data_s} -m immediate stop")
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {d}",
        pid = std::process::id()
    );
    // Never waited for: the watchdog outlives this process on purpose.
    #[allow(clippy::zombie_processes)]
    let _watchdog = Command::new("sh")
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("watchdog: {e}"));
    Cluster { port }
}

/// The URL of a fresh, empty database in the shared cluster.
pub fn fresh_database() -> String {
    let cluster = CLUSTER.get_or_init(start);
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::SeqCst)
    );
    let bin = bin_dir();
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join("createdb"));
        c
    } else {
        Command::new(bin.join("createdb"))
    };
    let out = cmd
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &cluster.port.to_string(),
            "-U",
            "postgres",
            &name,
        ])
        .output()
        .unwrap_or_else(|e| panic!("createdb: {e}"));
    assert!(
        out.status.success(),
        "createdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("postgres://postgres@127.0.0.1:{}/{name}", cluster.port)
}

/// Servers sharing one fresh database and one set of catalog keys, as
/// replicas behind a load balancer do.
pub struct Replicas {
    store: mcp_registry::store::StoreConfig,
    keys: tempfile::TempDir,
}

impl Replicas {
    /// A fresh database and catalog keys for replicas to share.
    pub fn new() -> Replicas {
        let keys = tempfile::tempdir().unwrap();
        mcp_registry::keys::init_dir(keys.path(), "mcp-registry", 90, jiff::Timestamp::now())
            .unwrap();
        Replicas {
            store: mcp_registry::store::StoreConfig::Postgres {
                url: fresh_database(),
                pool_size: 4,
            },
            keys,
        }
    }

    /// Starts one more replica, with `adjust` applied to its configuration.
    pub fn start(
        &self,
        adjust: impl FnOnce(&mut mcp_registry::config::ServeConfig),
    ) -> mcp_registry::testing::TestServer {
        let dir = self.keys.path().to_owned();
        mcp_registry::testing::TestServer::start_with(
            Some(self.store.clone()),
            |c| {
                c.catalog_keys.dir = dir;
                c.catalog_keys.create_if_missing = false;
                adjust(c);
            },
            None,
        )
    }
}
