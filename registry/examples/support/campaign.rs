//! What the campaigns share: a loopback OCI registry holding images signed
//! by a private Sigstore, a data directory with a namespace bound to their
//! signer and its tokens, and the real `mcp-registry` binary started on it.
//! Included by each campaign example (`#[path = "support/campaign.rs"]`).

#![allow(dead_code)] // each campaign uses its part

use mcp_registry::testing::manifest;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use test_oci::TestRegistry;
use test_sigstore::{GitHubWorkflow, Identity, TestSigstore};

/// Signed images the publishes draw from (distinct servers may share one).
pub const POOL: usize = 12;

/// xorshift64*: enough to spread random moments, and replayable from the seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A data directory ready to serve, and what a client needs to publish to it.
#[derive(Clone)]
pub struct Campaign {
    pub registry_bin: PathBuf,
    pub verify_bin: PathBuf,
    pub work: PathBuf,
    pub data: PathBuf,
    pub trusted_root: PathBuf,
    pub oci_host: String,
    pub images: Vec<String>,
    pub identity_uri: String,
    pub publish_token: String,
    pub admin_token: String,
    /// Where every start of the registry appends its output.
    pub log: PathBuf,
    /// `postgres://…` when the store is PostgreSQL; the embedded store otherwise.
    pub database_url: Option<String>,
}

/// Flags for a registry under load: no rate limit between the load and the
/// store, and room for thousands of servers in one namespace (a namespace
/// stays below a shard; past it, publishes are refused with
/// namespace-budget-exceeded).
pub const UNLIMITED: &[&str] = &[
    "--rate-limit-per-ip",
    "0",
    "--rate-limit-per-token",
    "0",
    "--max-namespace-shard-bytes",
    "5242880",
    "--max-namespace-entry-bytes",
    "5242880",
];

/// Resident memory (KiB) and open descriptors of `pid`.
pub fn usage(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    (rss, fds)
}

/// `target/<profile>/<name>`, beside this example's own directory.
pub fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile_dir.join(name);
    assert!(
        bin.is_file(),
        "{} is missing: build it first (bench/crash-campaign.sh does)",
        bin.display()
    );
    bin
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Images of `acme/weather` in a loopback OCI registry, each signed (DSSE
/// bundle as a referrer) by the release workflow of a private Sigstore.
pub struct SignedImages {
    pub sigstore: TestSigstore,
    pub workflow: GitHubWorkflow,
    pub digests: Vec<String>,
}

impl SignedImages {
    /// Pushes and signs `count` distinct images seeded `{label}-{i}`.
    pub async fn push(oci: &TestRegistry, label: &str, count: usize) -> SignedImages {
        let mut sigstore = TestSigstore::new();
        let mut workflow = GitHubWorkflow::new(
            "acme/weather",
            ".github/workflows/release.yml",
            "refs/heads/main",
        );
        workflow.repository_id = "123456".into();
        workflow.owner_id = "4242".into();
        let identity = Identity::github(&workflow);
        let mut digests = Vec::new();
        for i in 0..count {
            let image = oci
                .pusher()
                .image("acme/weather", "1.0.0", &format!("{label}-{i}"))
                .await;
            let bundle = sigstore.sign_image_dsse(&image.digest, &identity);
            oci.pusher()
                .bundle_referrer("acme/weather", &image, bundle.as_bytes())
                .await;
            digests.push(image.digest);
        }
        SignedImages {
            sigstore,
            workflow,
            digests,
        }
    }
}

/// The JSON body of `GET url` (200), `None` on 404, or what went wrong.
pub async fn get_json(
    http: &reqwest::Client,
    url: &str,
) -> Result<Option<serde_json::Value>, String> {
    let r = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    match r.status().as_u16() {
        404 => Ok(None),
        200 => {
            let bytes = r.bytes().await.map_err(|e| format!("{url}: {e}"))?;
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("{url}: {e}"))
        }
        s => Err(format!("{url}: {s}")),
    }
}

/// The body of `GET url`, or what went wrong.
pub async fn get_text(http: &reqwest::Client, url: &str) -> Result<String, String> {
    http.get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?
        .text()
        .await
        .map_err(|e| format!("{url}: {e}"))
}

impl Campaign {
    /// The embedded store (`database_url` `None`) or PostgreSQL.
    pub async fn prepare(oci: &TestRegistry, database_url: Option<String>) -> Campaign {
        let work = tempfile::tempdir().unwrap().keep();
        let host = oci.with_referrers();
        let signed = SignedImages::push(oci, "crash", POOL).await;
        let (sigstore, workflow) = (signed.sigstore, signed.workflow);
        let images = signed.digests;
        let trusted_root = work.join("trusted_root.json");
        std::fs::write(&trusted_root, sigstore.trusted_root_json()).unwrap();
        let data = work.join("data");
        let registry_bin = sibling_binary("mcp-registry");
        let admin = |args: &[&str]| {
            run_ok(
                Command::new(&registry_bin)
                    .arg("--data-dir")
                    .arg(&data)
                    .args(
                        database_url
                            .iter()
                            .flat_map(|u| ["--database-url", u.as_str()]),
                    )
                    .arg("admin")
                    .args(args),
            )
        };
        admin(&[
            "namespace",
            "create",
            "io.github.acme",
            "--signer-identity-regexp",
            r"https://github\.com/acme/.+/\.github/workflows/release\.yml@refs/heads/main",
            "--signer-issuer",
            "https://token.actions.githubusercontent.com",
            "--source-repository-id",
            "123456",
            "--owner-id",
            "4242",
        ]);
        if database_url.is_some() {
            // Replicas share one key directory, made before any starts.
            let keys = data.join("catalog-keys");
            admin(&["keys", "init", "--dir", keys.to_str().unwrap()]);
        }
        let publish_token = admin(&["token", "create", "--namespace", "io.github.acme"])
            .trim()
            .to_owned();
        let admin_token = admin(&["token", "create", "--admin"]).trim().to_owned();
        Campaign {
            verify_bin: sibling_binary("mcp-verify"),
            registry_bin,
            log: work.join("registry.log"),
            work,
            data,
            trusted_root,
            oci_host: host,
            images,
            identity_uri: workflow.workflow_uri(),
            publish_token,
            admin_token,
            database_url,
        }
    }

    /// Starts `mcp-registry serve` on `port` with `extra` arguments.
    pub fn spawn(&self, port: u16, extra: &[&str]) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        Command::new(&self.registry_bin)
            .arg("--data-dir")
            .arg(&self.data)
            .args(
                self.database_url
                    .iter()
                    .flat_map(|u| ["--database-url", u.as_str()]),
            )
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(if self.database_url.is_some() {
                vec![
                    "--catalog-keys".to_owned(),
                    self.data.join("catalog-keys").display().to_string(),
                ]
            } else {
                Vec::new()
            })
            .arg("--trusted-root")
            .arg(&self.trusted_root)
            .args(["--allowed-registry", &self.oci_host])
            .args(["--insecure-registry", &self.oci_host])
            .arg("--allow-loopback-registries")
            .args(extra)
            .env("NO_COLOR", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    /// The manifest of a new server `name` 1.0.0 pinning one of the signed images.
    pub fn manifest(&self, name: &str, rng: &mut Rng) -> serde_json::Value {
        let image = &self.images[rng.below(self.images.len() as u64) as usize];
        let mut m = manifest(name, "1.0.0", &self.oci_host, image);
        m["_meta"]["dev.mcp-trust/security"]["provenance"]["certificateIdentity"] =
            self.identity_uri.clone().into();
        m
    }

    /// `mcp-verify catalog pull`, with the gateway's kept state or from
    /// nothing; its summary (`catalogVersion`, `entries`, `active`, …).
    pub fn pull(&self, base: &str, state: Option<&Path>) -> Result<serde_json::Value, String> {
        let mut cmd = Command::new(&self.verify_bin);
        cmd.args(["catalog", "pull", base, "--output", "json", "--keys"])
            .arg(self.data.join("catalog-keys/root.pub"));
        if let Some(dir) = state {
            cmd.arg("--state").arg(dir);
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            let report: serde_json::Value = serde_json::from_slice(&out.stdout)
                .map_err(|e| format!("catalog pull printed no JSON report: {e}"))?;
            find(&report, "catalogVersion")
                .ok_or_else(|| format!("no summary in the pull report: {report}"))
        } else {
            Err(format!(
                "mcp-verify catalog pull exited {:?}: {}{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// The last `n` lines of the registry's output.
    pub fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

/// The object holding `key`, anywhere in `v`.
pub fn find(v: &serde_json::Value, key: &str) -> Option<serde_json::Value> {
    match v {
        serde_json::Value::Object(m) if m.contains_key(key) => Some(v.clone()),
        serde_json::Value::Object(m) => m.values().find_map(|x| find(x, key)),
        serde_json::Value::Array(a) => a.iter().find_map(|x| find(x, key)),
        _ => None,
    }
}

pub async fn wait_ready(
    http: &reqwest::Client,
    base: &str,
    child: &mut Child,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the registry exited at start-up: {status}"));
        }
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err("the registry was not ready within 60 s of a restart".into())
}

/// A PostgreSQL cluster of Debian's binaries in a temporary directory, on a
/// free loopback port, run as `postgres` when we are root; fsync on, so an
/// immediate stop is a crash the database must recover from.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    dir: PathBuf,
    pub port: u16,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl Postgres {
    fn run(&self, tool: &str, args: &[&str]) {
        let bin = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        run_ok(cmd.args(args));
    }

    /// initdb and start.
    pub fn start() -> Postgres {
        let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is not installed: run scripts/test, which installs the Debian package postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .collect();
        bins.sort();
        let bin = bins.pop().expect("no /usr/lib/postgresql/*/bin/initdb");
        let dir = tempfile::tempdir().unwrap().keep();
        if is_root() {
            run_ok(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&dir),
            );
        }
        let pg = Postgres {
            bin,
            data: dir.join("data"),
            dir,
            port: free_port(),
        };
        let data = pg.data.to_string_lossy().into_owned();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        pg.up();
        pg
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    pub fn up(&self) {
        let data = self.data.to_string_lossy().into_owned();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let log = format!("{}/log", self.dir.display());
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-o", &options, "-l", &log, "-w", "-t", "60", "start",
            ],
        );
    }

    /// `pg_ctl stop -m immediate`: the server dies without a checkpoint.
    pub fn crash(&self) {
        let data = self.data.to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    /// The URL of database `postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let bin = self.bin.join("pg_ctl");
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
