//! What `mcp-verify run` adds to the start of a container MCP server, against
//! the bare `podman run` of the same profile, measured in the same run.
//!
//! Set up as `tests/run_container.rs` does: the busybox+awk probe server
//! (`tests/run/server.awk`) built with buildah, pushed to a loopback
//! `docker-registry` (test-oci) under a manifest of this run's own, signed by
//! the test Sigstore (test-sigstore), a trusted root, the manifest
//! (`tests/run/server.json`, under a server name of its own so the tests'
//! sweeps leave it alone), a secret file, a signed catalog publishing the
//! manifest served on loopback and pulled with `mcp-verify catalog pull
//! --state`, and this machine's `containers.conf` (runc, cgroupfs, explicit
//! ulimits) named by `CONTAINERS_CONF`. The image is pulled once before
//! anything is measured, so neither side pays for the pull.
//!
//! Timed from spawn until the answer to `initialize` (written at once)
//! arrives on stdout, N times each, interleaved in a rotating order:
//!
//! - **bare podman**: exactly the argv `mcp-verify run … --dry-run` prints
//!   (the container's name made unique per start), with the same
//!   `CONTAINERS_CONF`;
//! - **run (catalog)**: `mcp-verify run NAME@1.0.0 --catalog-state DIR
//!   --manifest server.json …`: the catalog state opened and the entry
//!   checked, the image verified against the loopback registry, the profile
//!   rendered, the secret copied, podman started, every message through the
//!   guard. Target: its p50 at most [`TARGET_MS`] above the bare p50.
//! - **run (image)**: `mcp-verify run IMAGE@sha256:… --manifest server.json …`
//!   (no catalog), for comparison.
//!
//! Where the extra time goes, timed alike (spawn to exit): `mcp-verify
//! --version` (a process start), `mcp-verify IMAGE@sha256:… --manifest …`
//! (the verification alone), `run … --dry-run` from the catalog state
//! (everything before podman starts); within each catalog `run`, when its
//! `verified …` and `starting podman …` lines reach stderr; and, in this
//! process with a new registry client each time as each `run` has, the
//! steps before podman one by one (manifest, catalog state, trusted root,
//! client setup, discovery, signature verification) against the same GETs
//! sent by a plain client.
//!
//! Needs podman, buildah, docker-registry and /bin/busybox (scripts/test
//! installs them). Images and containers it made are removed at the end, and
//! those of earlier runs whose process is gone at the start. `MCP_VERIFY_BIN`
//! measures another `mcp-verify` binary. Exits 1 when the target is missed.
//!
//!     cargo bench -p mcp-verify --bench run_startup [-- N]
//!     cargo bench -p mcp-verify --bench run_startup -- --quick   # 5 starts each
//!     MCP_RUN_STARTUP_BENCH_QUICK=1 cargo bench -p mcp-verify --bench run_startup

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark whose fixture cannot be built should stop

#[path = "../tests/support/mod.rs"]
mod support;

use support::catalog_server::CatalogServer;
use support::probe::{
    build_layout, catalog_of, containers_of, push, stale_images, write_containers_conf,
    write_manifest, write_secret,
};
use support::process::{pid_alive, quiet, run};

use jiff::Timestamp;
use mcp_trust::catalog::client::{StateDir, verify_manifest};
use mcp_trust::image::PinnedImage;
use mcp_trust::oci::{ClientConfig, OciClient, discover};
use mcp_trust::signature::{Matcher, Policy, TrustRoot};
use mcp_trust::verification::{ImagePolicy, verify_discovered};
use serde_json::Value;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_oci::TestRegistry;
use test_sigstore::{GITHUB_ACTIONS_ISSUER, GitHubWorkflow, Identity, TestSigstore};

/// `run` p50 minus bare `podman run` p50, at most (ms).
const TARGET_MS: f64 = 50.0;
/// The image built here, tagged `:bench-<pid>` (removed once pushed).
const LOCAL_REPOSITORY: &str = "localhost/mcp-trust-run-startup";
/// The repository in the loopback registry: `<prefix>-<pid>`.
const REPOSITORY_PREFIX: &str = "mcp-trust-bench/run-startup";
const SERVER_NAME: &str = "io.github.mcp-trust-bench/run-startup";
const SECRET_NAME: &str = "PROBE_TOKEN";
/// Longest wait for one answer or one exit.
const TIMEOUT: Duration = Duration::from_secs(120);
const INITIALIZE: &str = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"run-startup-bench\",\"version\":\"1.0.0\"}}}\n";

/// Removes containers of this bench whose name ends in the pid of a process
/// that is gone or in `mine`, and images this bench built or pulled in runs
/// whose process is gone.
fn sweep(mine: Option<u32>) {
    for (name, pid) in containers_of(SERVER_NAME) {
        if !pid_alive(&pid) || mine.is_some_and(|m| m.to_string() == pid) {
            quiet(Command::new("podman").args(["rm", "--force", "--time", "0", &name]));
        }
    }
    for name in stale_images(&format!("{LOCAL_REPOSITORY}:bench-"), REPOSITORY_PREFIX) {
        quiet(Command::new("podman").args(["rmi", "--force", &name]));
    }
}

/// The signed image in a loopback registry, pulled into local storage, its
/// manifest, a catalog state accepting it, the secret and containers.conf.
struct World {
    /// The registry serves verification; dropped before its runtime.
    _reg: TestRegistry,
    _rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    bin: OsString,
    /// `proxy/repository@digest`.
    image: String,
    proxy: String,
    manifest: PathBuf,
    trusted_root: PathBuf,
    secret: PathBuf,
    state: PathBuf,
    conf: PathBuf,
    identity: String,
}

impl World {
    fn new(bin: OsString) -> World {
        let layout = build_layout(&format!("{LOCAL_REPOSITORY}:bench-{}", std::process::id()));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let reg = rt.block_on(TestRegistry::start());
        let repository = format!("{REPOSITORY_PREFIX}-{}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let pushed = rt.block_on(push(&reg.pusher(), &layout, &repository));
        let proxy = reg.with_referrers();
        let workflow = GitHubWorkflow::new(
            "mcp-trust-bench/run-startup",
            ".github/workflows/release.yml",
            "refs/tags/v1.0.0",
        );
        let mut sigstore = TestSigstore::new();
        let bundle = sigstore.sign_image_dsse(&pushed.digest, &Identity::github(&workflow));
        rt.block_on(
            reg.pusher()
                .bundle_referrer(&repository, &pushed, bundle.as_bytes()),
        );
        let trusted_root = sigstore.write_trusted_root(dir.path());
        let image = format!("{proxy}/{repository}@{}", pushed.digest);
        let manifest = write_manifest(
            dir.path(),
            SERVER_NAME,
            &format!("{proxy}/{repository}"),
            &image,
            &workflow.workflow_uri(),
        );
        let secret = write_secret(dir.path(), "bench-secret");
        let conf = write_containers_conf(dir.path());
        let mut w = World {
            _reg: reg,
            _rt: rt,
            state: dir.path().join("catalog-state"),
            dir,
            bin,
            image,
            proxy,
            manifest,
            trusted_root,
            secret,
            conf,
            identity: workflow.workflow_uri(),
        };
        w.pull_catalog(&workflow);
        run(w
            .podman()
            .args(["pull", "-q", "--tls-verify=false", &w.image]));
        w
    }

    /// Publishes the manifest in a signed catalog, serves it, and pulls it into `state`.
    fn pull_catalog(&mut self, workflow: &GitHubWorkflow) {
        let catalog = catalog_of(&self.manifest, &workflow.workflow_uri());
        let server = CatalogServer::start(&catalog);
        let base = &server.base;
        let root = self.dir.path().join("root.pub");
        std::fs::write(&root, catalog.root_public_key().to_pem()).unwrap();
        run(self
            .mcp_verify(["catalog", "pull", base, "--keys"])
            .arg(&root)
            .arg("--state")
            .arg(&self.state));
    }

    fn podman(&self) -> Command {
        let mut cmd = Command::new("podman");
        cmd.env("CONTAINERS_CONF", &self.conf);
        cmd
    }

    fn mcp_verify<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(&self, args: I) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env("CONTAINERS_CONF", &self.conf)
            .env_remove("DOCKER_CONFIG");
        cmd
    }

    /// The signer and registry flags every command here takes.
    fn common(&self) -> Vec<String> {
        vec![
            "--trusted-root".into(),
            self.trusted_root.display().to_string(),
            "--allow-insecure-registry".into(),
            self.proxy.clone(),
        ]
    }

    /// `run NAME@1.0.0 --catalog-state DIR --manifest … --secret …`.
    fn run_catalog(&self) -> Vec<String> {
        let mut args = vec![
            "run".to_owned(),
            format!("{SERVER_NAME}@1.0.0"),
            "--catalog-state".into(),
            self.state.display().to_string(),
        ];
        args.extend(self.run_rest());
        args
    }

    /// `run IMAGE@sha256:… --manifest … --secret …`.
    fn run_image(&self) -> Vec<String> {
        let mut args = vec!["run".to_owned(), self.image.clone()];
        args.extend(self.run_rest());
        args
    }

    fn run_rest(&self) -> Vec<String> {
        let mut args = vec!["--manifest".to_owned(), self.manifest.display().to_string()];
        args.extend(self.common());
        args.push("--secret".into());
        args.push(format!("{SECRET_NAME}={}", self.secret.display()));
        args
    }

    /// `IMAGE@sha256:… --manifest …`: the verification alone.
    fn verify(&self) -> Vec<String> {
        let mut args = vec![
            self.image.clone(),
            "--manifest".into(),
            self.manifest.display().to_string(),
        ];
        args.extend(self.common());
        args
    }
}

impl Drop for World {
    fn drop(&mut self) {
        sweep(Some(std::process::id()));
        quiet(self.podman().args(["rmi", "--force", &self.image]));
    }
}

/// One timed start: until the initialize answer, and when the `verified`
/// and `starting` lines reached stderr (`run` only).
struct Start {
    answer: Duration,
    verified: Option<Duration>,
    starting: Option<Duration>,
}

/// Spawns `cmd`, writes initialize at once, and times the answer; then
/// closes its input and waits for it to exit (status 0). `container` is
/// removed if it does not exit in time.
fn start(mut cmd: Command, container: Option<&str>) -> Start {
    let t0 = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(INITIALIZE.as_bytes()).unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send((Instant::now(), line)).is_err() {
                return;
            }
        }
    });
    let stderr = child.stderr.take().unwrap();
    let lines: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
    let sink = Arc::clone(&lines);
    let stderr_thread = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            sink.lock().unwrap().push((Instant::now(), line));
        }
    });
    let text = |lines: &Mutex<Vec<(Instant, String)>>| {
        lines
            .lock()
            .unwrap()
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let answered = loop {
        match rx.recv_timeout(TIMEOUT) {
            Ok((t, line)) => {
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON on stdout ({e}): {line}"));
                if v["id"] != 1 {
                    continue;
                }
                if v["result"]["serverInfo"]["name"] != "mcp-probe" {
                    stop(&mut child, container);
                    panic!(
                        "{cmd:?}: initialize answered {v}\nstderr:\n{}",
                        text(&lines)
                    );
                }
                break t;
            }
            Err(e) => {
                stop(&mut child, container);
                panic!(
                    "{cmd:?}: no initialize answer ({e}); stderr:\n{}",
                    text(&lines)
                );
            }
        }
    };
    drop(stdin);
    let status = wait(&mut child, container);
    stderr_thread.join().unwrap();
    let lines = lines.lock().unwrap();
    let all: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        status == Some(0),
        "{cmd:?} exited {status:?}; stderr:\n{}",
        all.join("\n")
    );
    // The image was pulled before: no start pays for a pull.
    assert!(
        !all.iter().any(|l| l.contains("Trying to pull")),
        "{cmd:?} pulled the image:\n{}",
        all.join("\n")
    );
    let mark = |prefix: &str| {
        lines
            .iter()
            .find(|(_, l)| l.starts_with(prefix))
            .map(|(t, _)| *t - t0)
    };
    Start {
        answer: answered - t0,
        verified: mark("mcp-verify: info: verified "),
        starting: mark("mcp-verify: info: starting "),
    }
}

/// Waits for the exit; past [`TIMEOUT`] the container and the process are killed.
fn wait(child: &mut Child, container: Option<&str>) -> Option<i32> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() >= deadline {
            stop(child, container);
            panic!("the process did not exit within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn stop(child: &mut Child, container: Option<&str>) {
    if let Some(name) = container {
        quiet(Command::new("podman").args(["rm", "--force", "--time", "0", name]));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Spawn to exit of `cmd` (status 0).
fn to_exit(cmd: &mut Command) -> Duration {
    let t0 = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// What [`split`] times.
const PARTS: [&str; 7] = [
    "manifest read + validate",
    "catalog state + entry",
    "trusted root + policy",
    "registry client setup",
    "discovery (6 GETs)",
    "signature verification",
    "baseline: client + 6 GETs",
];

/// The work `run` does before podman, in process, with a new registry
/// client and runtime each time as each `run` process has: the catalog
/// state read and the entry checked against the manifest, the trusted root
/// parsed, discovery (the registry round trips), signature verification.
fn split(w: &World) -> [Duration; PARTS.len()] {
    let tm = Instant::now();
    let bytes = std::fs::read(&w.manifest).unwrap();
    let report = mcp_trust::manifest::validate(
        &bytes,
        mcp_trust::manifest::ValidateOptions {
            require_extension: true,
        },
    );
    assert!(report.manifest.is_some(), "{:?}", report.findings);
    let t0 = Instant::now();
    let versions = StateDir::open(&w.state)
        .unwrap()
        .versions(
            SERVER_NAME,
            Timestamp::now(),
            jiff::SignedDuration::from_secs(300),
        )
        .unwrap();
    let entry = versions.iter().find(|e| e.version == "1.0.0").unwrap();
    verify_manifest(entry, &bytes).unwrap();
    let t1 = Instant::now();
    let root = TrustRoot::from_json(&std::fs::read(&w.trusted_root).unwrap()).unwrap();
    let policy = ImagePolicy {
        signer: Policy::keyless(
            Matcher::exact(&w.identity, "identity").unwrap(),
            Matcher::exact(GITHUB_ACTIONS_ISSUER, "issuer").unwrap(),
        ),
        provenance: None,
    };
    let t2 = Instant::now();
    let client = OciClient::new(ClientConfig {
        insecure_hosts: [w.proxy.clone()].into(),
        ..Default::default()
    })
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tc = Instant::now();
    let found = rt
        .block_on(discover(&client, &PinnedImage::parse(&w.image).unwrap()))
        .unwrap();
    let t3 = Instant::now();
    let report = verify_discovered(found, &policy, &root);
    let t4 = Instant::now();
    assert_eq!(report.signatures.len(), 1, "{report:?}");
    [
        t0 - tm,
        t1 - t0,
        t2 - t1,
        tc - t2,
        t3 - tc,
        t4 - t3,
        bare_gets(w),
    ]
}

/// The GETs discovery makes here (the image manifest, the referrers list,
/// the referrer's manifest, its bundle, the legacy `.sig` and `.att` tags),
/// sent one after another by a plain reqwest client made for them, nothing
/// checked: what the client's setup, the registry and loopback cost at least
/// (to compare with client setup + discovery).
fn bare_gets(w: &World) -> Duration {
    let (host, rest) = w.image.split_once('/').unwrap();
    let (repository, digest) = rest.split_once('@').unwrap();
    let base = format!("http://{host}/v2/{repository}");
    let tag = digest.replace(':', "-");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let t = Instant::now();
        let http = reqwest::Client::new();
        let get = |path: String| {
            http.get(format!("{base}/{path}")).header(
                "accept",
                "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
            )
        };
        let json = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap();
        get(format!("manifests/{digest}")).send().await.unwrap().bytes().await.unwrap();
        let list = get(format!("referrers/{digest}")).send().await.unwrap().bytes().await.unwrap();
        let referrer = json(&list)["manifests"][0]["digest"].as_str().unwrap().to_owned();
        let m = get(format!("manifests/{referrer}")).send().await.unwrap().bytes().await.unwrap();
        let layer = json(&m)["layers"][0]["digest"].as_str().unwrap().to_owned();
        get(format!("blobs/{layer}")).send().await.unwrap().bytes().await.unwrap();
        for suffix in ["sig", "att"] {
            get(format!("manifests/{tag}.{suffix}")).send().await.unwrap().bytes().await.unwrap();
        }
        t.elapsed()
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// p50 and p90 of `samples` (sorted here), in ms.
fn p50_p90(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    (ms(percentile(samples, 50.0)), ms(percentile(samples, 90.0)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bare,
    RunCatalog,
    RunImage,
    DryRun,
    Verify,
    Version,
    Split,
}

const PATHS: [(Kind, &str); 7] = [
    (Kind::Bare, "bare podman run"),
    (Kind::RunCatalog, "run (catalog)"),
    (Kind::RunImage, "run (image)"),
    (Kind::DryRun, "run --dry-run (catalog)"),
    (Kind::Verify, "verify alone"),
    (Kind::Version, "mcp-verify --version"),
    (Kind::Split, "in process (below)"),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick")
        || std::env::var_os("MCP_RUN_STARTUP_BENCH_QUICK")
            .is_some_and(|v| !v.is_empty() && v != "0");
    let n = args
        .iter()
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(if quick { 5 } else { 30 })
        .max(1);
    let bin = std::env::var_os("MCP_VERIFY_BIN")
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_mcp-verify").into());

    sweep(None);
    let setup = Instant::now();
    let w = World::new(bin);
    println!(
        "mcp-verify run start-up: {} starts per path, interleaved; {} CPUs; setup (build, push, sign, catalog pull, image pull) {:.1} s",
        n,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        setup.elapsed().as_secs_f64()
    );

    // The bare side: exactly what the dry run prints, with a name of its own per start.
    let mut dry = w.mcp_verify(w.run_catalog());
    dry.arg("--dry-run");
    let argv: Vec<String> = serde_json::from_str(&run(&mut dry)).unwrap();
    assert_eq!(&argv[..2], ["podman", "run"], "{argv:?}");
    let name_at = argv.iter().position(|a| a == "--name").unwrap() + 1;
    println!(
        "bare argv (--name made unique per start):\n  {}",
        argv.join(" ")
    );

    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); PATHS.len()];
    let mut verified = Vec::new();
    let mut starting = Vec::new();
    let mut after_starting = Vec::new();
    let mut parts: [Vec<Duration>; PARTS.len()] = Default::default();
    let mut count = 0usize;
    // `record`: keep the parts (not during the warm-up).
    let mut once = |path: Kind, record: bool| -> Duration {
        match path {
            Kind::Bare => {
                count += 1;
                // The pid last, as `run` names its containers (sweeps read it).
                let name = format!("mcp-verify-bench-{count}-{}", std::process::id());
                let mut a = argv.clone();
                a[name_at] = name.clone();
                let mut cmd = w.podman();
                cmd.args(&a[1..]);
                start(cmd, Some(&name)).answer
            }
            Kind::RunCatalog => {
                let s = start(w.mcp_verify(w.run_catalog()), None);
                let (v, st) = (s.verified.unwrap(), s.starting.unwrap());
                if record {
                    verified.push(v);
                    starting.push(st);
                    after_starting.push(s.answer - st);
                }
                s.answer
            }
            Kind::RunImage => start(w.mcp_verify(w.run_image()), None).answer,
            Kind::DryRun => {
                let mut cmd = w.mcp_verify(w.run_catalog());
                to_exit(cmd.arg("--dry-run").stdout(Stdio::null()))
            }
            Kind::Verify => to_exit(w.mcp_verify(w.verify()).stdout(Stdio::null())),
            Kind::Version => to_exit(w.mcp_verify(["--version"]).stdout(Stdio::null())),
            Kind::Split => {
                let d = split(&w);
                if record {
                    for (v, d) in parts.iter_mut().zip(d) {
                        v.push(d);
                    }
                }
                d[..PARTS.len() - 1].iter().sum()
            }
        }
    };
    // Warm-up: one of each, not counted.
    for (p, _) in PATHS {
        once(p, false);
    }
    let measured = Instant::now();
    for r in 0..n {
        for k in 0..PATHS.len() {
            let i = (r + k) % PATHS.len();
            samples[i].push(once(PATHS[i].0, true));
        }
    }
    println!(
        "measured in {:.1} s\n\nspawn until the initialize answer on stdout:",
        measured.elapsed().as_secs_f64()
    );
    println!(
        "  {:<26} {:>10} {:>10} {:>16}",
        "path", "p50", "p90", "p50 over bare"
    );
    let figures: Vec<(f64, f64)> = samples.iter_mut().map(|s| p50_p90(s)).collect();
    let bare = figures[0].0;
    for (i, (p, label)) in PATHS.iter().enumerate() {
        match p {
            Kind::DryRun => println!("spawn until exit:"),
            Kind::Split => continue,
            _ => {}
        }
        let over = if matches!(p, Kind::RunCatalog | Kind::RunImage) {
            format!("{:>13.1} ms", figures[i].0 - bare)
        } else {
            String::new()
        };
        println!(
            "  {label:<26} {:>7.1} ms {:>7.1} ms {over:>16}",
            figures[i].0, figures[i].1
        );
    }
    let (v50, v90) = p50_p90(&mut verified);
    let (s50, s90) = p50_p90(&mut starting);
    let (a50, a90) = p50_p90(&mut after_starting);
    println!("within run (catalog), from its stderr:");
    println!("  {:<26} {v50:>7.1} ms {v90:>7.1} ms", "spawn → `verified`");
    println!(
        "  {:<26} {s50:>7.1} ms {s90:>7.1} ms",
        "spawn → `starting podman`"
    );
    println!(
        "  {:<26} {a50:>7.1} ms {a90:>7.1} ms {:>13.1} ms",
        "`starting` → answer",
        a50 - bare
    );
    println!(
        "in process, the same work with a new client each time (sum: {:.1} ms p50):",
        figures[6].0
    );
    for (label, v) in PARTS.into_iter().zip(parts.iter_mut()) {
        let (p50, p90) = p50_p90(v);
        println!("  {label:<26} {p50:>7.1} ms {p90:>7.1} ms");
    }
    let over = figures[1].0 - bare;
    let verdict = if over <= TARGET_MS { "met" } else { "MISSED" };
    println!(
        "\ntarget: run (catalog) p50 ≤ bare podman p50 + {TARGET_MS:.0} ms: {verdict} ({over:+.1} ms)"
    );
    drop(w);
    if over > TARGET_MS {
        std::process::exit(1);
    }
}
