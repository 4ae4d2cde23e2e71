//! `mcp-verify run` with real parts: a busybox image holding a small MCP
//! server (`tests/run/server.awk`), built once with buildah and kept as an
//! OCI layout, pushed to a loopback `docker-registry` (test-oci) under a
//! manifest of each test's own, signed by the test Sigstore, and started by
//! `mcp-verify run` with podman behind the tool-surface guard. Clients: raw
//! JSON-RPC from Rust, and the official Python SDK (`tests/run/sdk_client.py`).
//!
//! podman gets this machine's settings (runc, cgroupfs, explicit ulimits)
//! from a `containers.conf` named by `CONTAINERS_CONF` in the child's
//! environment, so the command line `run` builds is exactly what runs. A
//! wrapper named `podman`, first on the child's PATH, records every
//! invocation before it execs the real podman: a refused start must leave
//! no record at all.
//!
//! Each test's manifest digest is unique, so podman really pulls it: podman
//! resolves `REGISTRY/REPO@sha256:D` to any local image with digest D,
//! whatever its name (and `podman rmi` of such a name deletes that image).
//! Each test also has a podman storage of its own (vfs, in its temporary
//! directory, named by `CONTAINERS_STORAGE_CONF`): the images share their
//! layer, and in one shared storage a test removing its image could delete
//! the layer while another test's pull was committing it ("layer not
//! known"), or a layer already there could spare a pull that must fail.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use support::catalog_server::CatalogServer;
use support::probe::{
    Layout, build_layout, catalog_of, containers_of, fixture, push, stale_images,
    write_containers_conf, write_manifest, write_secret,
};
use support::process::{pid_alive, quiet, run};

use jiff::Timestamp;
use mcp_trust::catalog::Status;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use test_oci::{Misbehaviour, TestRegistry};
use test_sigstore::{GITHUB_ACTIONS_ISSUER, GitHubWorkflow, Identity, TestSigstore};

/// The image built here, tagged `:run-<pid>`.
const LOCAL_REPOSITORY: &str = "localhost/mcp-trust-run-probe";
/// Repositories in the loopback registries: `<prefix>-<pid>-<n>`.
const REPOSITORY_PREFIX: &str = "mcp-trust-run/probe";
const SERVER_NAME: &str = "io.github.mcp-trust-run/probe";
const SECRET_NAME: &str = "PROBE_TOKEN";
const SECRET_PATH: &str = "/run/secrets/PROBE_TOKEN";
/// Longest wait for one answer, one exit or one podman command.
const TIMEOUT: Duration = Duration::from_secs(180);
static WORLDS: AtomicUsize = AtomicUsize::new(0);
static LAYOUT: OnceLock<Layout> = OnceLock::new();

/// Removes what earlier runs left behind when their process is gone: the
/// built image (`:run-<pid>`), images pulled from the loopback registries
/// (`…/mcp-trust-run/probe-<pid>-<n>@sha256:…`) and the containers `run`
/// started for this server.
fn sweep_stale() {
    for name in stale_images(&format!("{LOCAL_REPOSITORY}:run-"), REPOSITORY_PREFIX) {
        quiet(Command::new("podman").args(["rmi", &name]));
    }
    for (name, pid) in containers_of(SERVER_NAME) {
        if !pid_alive(&pid) {
            quiet(Command::new("podman").args(["rm", "--force", &name]));
        }
    }
}

/// Builds the probe image once per test run and keeps it in memory as an
/// OCI layout; the image is removed from local storage right away, so
/// podman finds it only by pulling it from a registry.
fn layout() -> &'static Layout {
    LAYOUT.get_or_init(|| {
        sweep_stale();
        build_layout(&format!("{LOCAL_REPOSITORY}:run-{}", std::process::id()))
    })
}

/// The real podman, for the wrapper to exec.
fn real_podman() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("podman"))
        .find(|p| p.is_file())
        .expect("podman is not on PATH: install it (scripts/test does)")
}

/// One loopback registry holding the probe image (signed or not), a
/// trusted root, the manifest, a secret file, the podman wrapper and the
/// containers.conf for this machine.
struct World {
    reg: TestRegistry,
    /// Serves the registry's proxy; dropped after the registry.
    _rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    workflow: GitHubWorkflow,
    digest: String,
    /// `proxy/repository@digest`: what the manifest pins and podman pulls.
    image: String,
    manifest: PathBuf,
    trusted_root: PathBuf,
    secret: PathBuf,
    secret_value: String,
    bin: PathBuf,
    podman_log: PathBuf,
    conf: PathBuf,
    /// A podman storage of this world's own (see the module comment).
    storage: PathBuf,
}

impl World {
    fn new(signed: bool) -> World {
        let layout = layout();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let reg = rt.block_on(TestRegistry::start());
        let n = WORLDS.fetch_add(1, Ordering::SeqCst);
        let repository = format!("{REPOSITORY_PREFIX}-{}-{n}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let pushed = rt.block_on(push(&reg.pusher(), layout, &repository));
        let digest = pushed.digest.clone();
        let proxy = reg.with_referrers();
        let workflow = GitHubWorkflow::new(
            "mcp-trust-run/probe",
            ".github/workflows/release.yml",
            "refs/tags/v1.0.0",
        );
        let mut sigstore = TestSigstore::new();
        if signed {
            let bundle = sigstore.sign_image_dsse(&digest, &Identity::github(&workflow));
            rt.block_on(
                reg.pusher()
                    .bundle_referrer(&repository, &pushed, bundle.as_bytes()),
            );
        }
        let trusted_root = sigstore.write_trusted_root(dir.path());
        let image = format!("{proxy}/{repository}@{digest}");
        let manifest = write_manifest(
            dir.path(),
            SERVER_NAME,
            &format!("{proxy}/{repository}"),
            &image,
            &workflow.workflow_uri(),
        );
        let secret_value = format!("probe-secret-{}-{n}", std::process::id());
        let secret = write_secret(dir.path(), &secret_value);
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let podman_log = dir.path().join("podman.log");
        let wrapper = bin.join("podman");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\n# Records each invocation (arguments joined by tabs, one line) before running podman.\n\
                 (IFS=\"$(printf '\\t')\"; printf '%s\\n' \"$*\") >> '{}'\nexec '{}' \"$@\"\n",
                podman_log.display(),
                real_podman().display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let conf = write_containers_conf(dir.path());
        let storage = dir.path().join("storage.conf");
        std::fs::write(
            &storage,
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/graph\"\nrunroot = \"{0}/run\"\n",
                dir.path().display()
            ),
        )
        .unwrap();
        World {
            reg,
            _rt: rt,
            dir,
            workflow,
            digest,
            image,
            manifest,
            trusted_root,
            secret,
            secret_value,
            bin,
            podman_log,
            conf,
            storage,
        }
    }

    fn proxy(&self) -> String {
        self.reg.with_referrers()
    }

    /// The child's PATH: the wrapper first.
    fn path(&self) -> String {
        let rest = std::env::var("PATH").unwrap_or_default();
        format!("{}:{rest}", self.bin.display())
    }

    /// `mcp-verify ARGS` with the wrapper first on PATH, this machine's
    /// containers.conf and this world's storage.
    fn mcp_verify<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-verify"));
        cmd.args(args)
            .env("PATH", self.path())
            .env("CONTAINERS_CONF", &self.conf)
            .env("CONTAINERS_STORAGE_CONF", &self.storage)
            .env_remove("DOCKER_CONFIG");
        cmd
    }

    /// The real podman, on this world's settings and storage.
    fn podman(&self) -> Command {
        let mut cmd = Command::new("podman");
        cmd.env("CONTAINERS_CONF", &self.conf)
            .env("CONTAINERS_STORAGE_CONF", &self.storage);
        cmd
    }

    /// Whether the container `name` still exists, after waiting up to `wait` for it to go.
    fn container_left(&self, name: &str, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        loop {
            let left = run(self.podman().args([
                "ps",
                "-a",
                "--filter",
                &format!("name={name}"),
                "--format",
                "{{.Names}} {{.Status}}",
            ]));
            if left.trim().is_empty() {
                return None;
            }
            if Instant::now() >= deadline {
                return Some(left.trim().to_owned());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `run IMAGE --manifest … --trusted-root … --allow-insecure-registry … --secret …`, then `extra`.
    fn run_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "run".to_owned(),
            self.image.clone(),
            "--manifest".into(),
            self.manifest.display().to_string(),
        ];
        args.extend(self.common_args());
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    fn common_args(&self) -> Vec<String> {
        vec![
            "--trusted-root".into(),
            self.trusted_root.display().to_string(),
            "--allow-insecure-registry".into(),
            self.proxy(),
            "--secret".into(),
            format!("{SECRET_NAME}={}", self.secret.display()),
        ]
    }

    /// Every podman invocation so far, as argv.
    fn podman_calls(&self) -> Vec<Vec<String>> {
        match std::fs::read_to_string(&self.podman_log) {
            Ok(text) => text
                .lines()
                .map(|l| {
                    std::iter::once("podman")
                        .chain(l.split('\t'))
                        .map(str::to_owned)
                        .collect()
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("cannot read {}: {e}", self.podman_log.display()),
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Containers `run` started and did not remove (a failed test), then the pulled image.
        for call in self.podman_calls() {
            if let Some(i) = call.iter().position(|a| a == "--name")
                && let Some(name) = call.get(i + 1)
            {
                quiet(self.podman().args(["rm", "--force", name]));
            }
        }
        quiet(self.podman().args(["rmi", &self.image]));
    }
}

/// The value after `flag` in `argv`, or `None`.
fn after<'a>(argv: &'a [String], flag: &str) -> Option<&'a str> {
    argv.iter()
        .position(|a| a == flag)
        .and_then(|i| argv.get(i + 1))
        .map(String::as_str)
}

fn has_pair(argv: &[String], flag: &str, value: &str) -> bool {
    argv.windows(2).any(|w| w[0] == flag && w[1] == value)
}

/// `argv` with the container's name (it holds the pid of `run`) and the
/// secret's source replaced by placeholders.
fn normalised(argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|a| {
            if a.starts_with("mcp-verify-") {
                "NAME".to_owned()
            } else if a.ends_with(&format!("target={SECRET_PATH},readonly")) {
                "SECRET".to_owned()
            } else {
                a.clone()
            }
        })
        .collect()
}

/// The flags every rendered profile carries, on a recorded or printed argv.
fn assert_rendered_hardening(argv: &[String]) {
    assert_eq!(&argv[..2], ["podman", "run"], "{argv:?}");
    for flag in ["--rm", "-i", "--read-only", "--read-only-tmpfs=false"] {
        assert!(argv.iter().any(|a| a == flag), "{flag} missing: {argv:?}");
    }
    for (flag, value) in [
        ("--cap-drop", "ALL"),
        ("--network", "none"),
        ("--security-opt", "no-new-privileges"),
        ("--user", "65532:65532"),
        ("--pids-limit", "32"),
        ("--memory", "67108864"),
    ] {
        assert!(
            has_pair(argv, flag, value),
            "{flag} {value} missing: {argv:?}"
        );
    }
}

/// An MCP client on the child's stdin and stdout.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    stderr: Arc<Mutex<String>>,
    stderr_thread: Option<JoinHandle<()>>,
    notifications: Vec<Value>,
}

impl Client {
    fn spawn(mut cmd: Command) -> Client {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let value: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON on stdout ({e}): {line}"));
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let stderr_thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    return;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            messages,
            stderr,
            stderr_thread: Some(stderr_thread),
            notifications: Vec::new(),
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// The next message that is not a notification or request of the server.
    fn next_response(&mut self) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no answer ({e}); stderr so far:\n{}", self.stderr()));
            if m.get("method").is_some() {
                self.notifications.push(m);
            } else {
                return m;
            }
        }
    }

    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let answer = self.next_response();
        assert_eq!(answer["id"], id, "{answer}");
        answer
    }

    /// A result, or the test fails with the error and stderr.
    fn result(&mut self, id: u64, method: &str, params: Value) -> Value {
        let answer = self.request(id, method, params);
        match answer.get("result") {
            Some(r) => r.clone(),
            None => panic!("{method} failed: {answer}\nstderr:\n{}", self.stderr()),
        }
    }

    fn initialize(&mut self) -> Value {
        let result = self.result(
            1,
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "run_container.rs", "version": "1.0.0"}
            }),
        );
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        result
    }

    fn tool_names(&mut self, id: u64) -> Vec<String> {
        let result = self.result(id, "tools/list", json!({}));
        result["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    }

    fn call(&mut self, id: u64, tool: &str, arguments: Value) -> Value {
        self.request(
            id,
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
        )
    }

    /// Waits for a server notification `method` (already received or not).
    fn notification(&mut self, method: &str) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(n) = self.notifications.iter().find(|n| n["method"] == method) {
                return n.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no {method} ({e}); stderr so far:\n{}", self.stderr()));
            self.notifications.push(m);
        }
    }

    /// Closes the client's side and waits for the exit: `(code, stderr)`.
    fn finish(mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let status = wait_for(&mut self.child, &self.stderr);
        if let Some(t) = self.stderr_thread.take() {
            t.join().unwrap();
        }
        (status, self.stderr())
    }
}

impl Drop for Client {
    /// A failed test: `run` is stopped like a client that gives up (its input closes first).
    fn drop(&mut self) {
        drop(self.stdin.take());
        if let Ok(None) = self.child.try_wait() {
            std::thread::sleep(Duration::from_millis(500));
            if let Ok(None) = self.child.try_wait() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

fn wait_for(child: &mut Child, stderr: &Mutex<String>) -> Option<i32> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!(
                "mcp-verify did not exit within {TIMEOUT:?}; stderr:\n{}",
                stderr.lock().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the `inspect` tool reported, from a tools/call answer.
fn report(answer: &Value) -> Value {
    let result = answer
        .get("result")
        .unwrap_or_else(|| panic!("the call failed: {answer}"));
    let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, result["structuredContent"], "{answer}");
    text
}

/// The server ran as the profile says and got the secret as a file only.
fn assert_sandboxed(w: &World, report: &Value) {
    assert_eq!(report["uid"], "65532", "{report:#}");
    assert_eq!(report["secretReadable"], true, "{report:#}");
    assert_eq!(report["secret"], w.secret_value.as_str(), "{report:#}");
    assert_eq!(report["secretStat"], "400:65532:65532", "{report:#}");
    assert_eq!(report["secretInEnv"], false, "{report:#}");
    let env: Vec<&str> = report["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !env.iter().any(|k| k.contains(SECRET_NAME)),
        "the secret's name is in the environment: {env:?}"
    );
    assert_eq!(report["interfaces"], json!(["lo"]), "{report:#}");
    assert_eq!(report["rootMount"], "ro", "{report:#}");
    assert_eq!(report["rootWritable"], false, "{report:#}");
    assert_eq!(report["CapEff"], "0000000000000000", "{report:#}");
    assert_eq!(report["CapBnd"], "0000000000000000", "{report:#}");
    assert_eq!(report["NoNewPrivs"], "1", "{report:#}");
    // podman's default seccomp profile still applies with CONTAINERS_CONF.
    assert_eq!(report["Seccomp"], "2", "{report:#}");
}

/// Lines of stderr the probe wrote for calls it received.
fn calls_received(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("probe: received tools/call"))
        .collect()
}

#[test]
fn verified_start_runs_the_rendered_profile_with_the_secret_as_a_file() {
    let w = World::new(true);
    let lint = w
        .mcp_verify(&["manifest".as_ref(), "lint".as_ref(), w.manifest.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(
        lint.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );

    // The command line a dry run prints is the one that runs, but for the
    // container's name and the secret's source (the private copy).
    let dry = w.mcp_verify(&w.run_args(&["--dry-run"])).output().unwrap();
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let printed: Vec<String> = serde_json::from_slice(&dry.stdout).unwrap();

    let mut client = Client::spawn(w.mcp_verify(&w.run_args(&[])));
    let init = client.initialize();
    assert_eq!(init["protocolVersion"], "2025-06-18", "{init}");
    assert_eq!(init["serverInfo"]["name"], "mcp-probe", "{init}");
    assert_eq!(client.tool_names(2), ["inspect", "echo", "linger"]);
    let inspected = report(&client.call(3, "inspect", json!({})));
    assert_sandboxed(&w, &inspected);
    let echoed = client.call(4, "echo", json!({"text": "hello"}));
    assert_eq!(echoed["result"]["structuredContent"]["text"], "hello");
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("verified {}", w.image)),
        "{stderr}"
    );
    // podman's own progress (its stderr passes through): the image came
    // from the registry, over plain HTTP as --allow-insecure-registry said.
    assert!(
        stderr.contains(&format!("Trying to pull {}", w.image)),
        "{stderr}"
    );
    assert_eq!(calls_received(&stderr).len(), 2, "{stderr}");
    assert!(
        !stderr.contains(&w.secret_value),
        "the secret's value reached stderr: {stderr}"
    );

    let calls = w.podman_calls();
    assert_eq!(calls.len(), 1, "podman ran other commands: {calls:?}");
    let started = &calls[0];
    assert_rendered_hardening(started);
    assert_eq!(started.last().unwrap(), &w.image, "{started:?}");
    assert!(
        started.iter().any(|a| a == "--tls-verify=false"),
        "{started:?}"
    );
    assert!(
        !started.iter().any(|a| a.contains(&w.secret_value)),
        "the secret's value is on the command line: {started:?}"
    );
    let source = secret_source(started);
    assert_ne!(
        source, w.secret,
        "the operator's file is mounted, not a copy"
    );
    assert!(
        !source.exists(),
        "the private copy of the secret outlived the server: {}",
        source.display()
    );
    let name = after(started, "--name").unwrap();
    assert!(name.starts_with("mcp-verify-"), "{name}");

    // Dry run and real start: the same argv but for the name and the secret's source.
    assert_eq!(normalised(&printed), normalised(started));
    assert!(
        printed.iter().any(|a| a
            == &format!(
                "type=bind,source={},target={SECRET_PATH},readonly",
                w.secret.display()
            )),
        "{printed:?}"
    );

    assert_eq!(w.container_left(name, Duration::ZERO), None);
}

#[test]
fn rug_pull_is_withheld_and_every_later_call_refused_before_the_server() {
    let w = World::new(true);
    let audit = w.dir.path().join("audit.jsonl");
    let mut client = Client::spawn(w.mcp_verify(&w.run_args(&[
        "--runtime",
        "podman",
        "--audit",
        audit.to_str().unwrap(),
        "--log-format",
        "json",
    ])));
    client.initialize();
    assert_eq!(client.tool_names(2), ["inspect", "echo", "linger"]);
    assert_sandboxed(&w, &report(&client.call(3, "inspect", json!({}))));
    for id in [4, 5] {
        let answer = client.call(id, "echo", json!({"text": format!("call {id}")}));
        assert_eq!(
            answer["result"]["structuredContent"]["text"],
            format!("call {id}"),
            "{answer}"
        );
    }
    // The third answered call was the server's cue: echo's description changed.
    client.notification("notifications/tools/list_changed");
    assert_eq!(
        client.tool_names(6),
        ["inspect", "linger"],
        "{}",
        client.stderr()
    );
    for (id, tool) in [(7, "echo"), (8, "inspect"), (9, "echo")] {
        let answer = client.call(id, tool, json!({"text": "after"}));
        assert_eq!(answer["error"]["code"], -32001, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains("drifted"), "{message}");
    }
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(0), "{stderr}");
    // The server saw three calls and four listings (the client's two, and the
    // guard's own after `initialized` and after `list_changed`): the refused
    // calls never reached it.
    assert_eq!(
        calls_received(&stderr),
        [
            "probe: received tools/call inspect",
            "probe: received tools/call echo",
            "probe: received tools/call echo"
        ],
        "{stderr}"
    );
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with("probe: received tools/list"))
            .count(),
        4,
        "{stderr}"
    );
    let events: Vec<Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let withheld = events
        .iter()
        .find(|e| e["event"] == "tool-withheld")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(withheld["tool"], "echo", "{withheld}");
    assert_eq!(withheld["reason"], "changed", "{withheld}");
    assert_eq!(withheld["fields"], json!(["description"]), "{withheld}");
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "calls-blocked" && e["tools"] == json!(["echo"])),
        "{stderr}"
    );
    let records: Vec<Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["tool"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("inspect", "ok"),
            ("echo", "ok"),
            ("echo", "ok"),
            ("echo", "refused"),
            ("inspect", "refused"),
            ("echo", "refused")
        ],
        "{records:#?}"
    );
    assert!(
        records
            .iter()
            .all(|r| r["server"]["imageDigest"] == w.digest.as_str()),
        "{records:#?}"
    );
}

#[test]
fn python_sdk_client_runs_the_verified_server_and_meets_the_guard() {
    let w = World::new(true);
    let python = support::mcp_sdk::python();
    let spec = json!({
        "command": env!("CARGO_BIN_EXE_mcp-verify"),
        "args": w.run_args(&[]),
        "env": {"PATH": w.path(), "CONTAINERS_CONF": w.conf.display().to_string(),
                "CONTAINERS_STORAGE_CONF": w.storage.display().to_string()},
    });
    let out = Command::new(python)
        .arg(fixture("sdk_client.py"))
        .arg(spec.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let seen: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{stderr}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(seen["protocolVersion"], "2025-06-18", "{seen:#}");
    assert_eq!(seen["serverName"], "mcp-probe", "{seen:#}");
    assert_eq!(
        seen["tools"],
        json!(["inspect", "echo", "linger"]),
        "{seen:#}"
    );
    assert_eq!(seen["inspect"], seen["inspectText"], "{seen:#}");
    assert_sandboxed(&w, &seen["inspect"]);
    assert_eq!(seen["echo"], json!(["hello 0", "hello 1"]), "{seen:#}");
    assert_eq!(seen["toolsAfter"], json!(["inspect", "linger"]), "{seen:#}");
    for tool in ["inspect", "echo"] {
        assert_eq!(seen["after"][tool]["code"], -32001, "{seen:#}");
    }
    assert_eq!(calls_received(&stderr).len(), 3, "{stderr}");
    // The SDK's shutdown (input closed, 2 s, then SIGTERM) found `run` gone.
    let calls = w.podman_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_rendered_hardening(&calls[0]);
    assert!(!secret_source(&calls[0]).exists());
}

/// Starts `run` with `args`, sends initialize at once, and checks the
/// refusal: exit 1, the initialize answered with a JSON-RPC error, stderr
/// naming `failure`, podman never invoked. Returns stderr.
fn assert_refused(w: &World, args: &[String], failure: &str) -> String {
    let mut client = Client::spawn(w.mcp_verify(args));
    client.send(&json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "run_container.rs", "version": "1.0.0"}}
    }));
    let answer = client.next_response();
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(answer["id"], 1, "{answer}");
    assert_eq!(answer["error"]["code"], -32001, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("mcp-verify refused to start {SERVER_NAME}")),
        "{message}"
    );
    assert!(stderr.contains("not started"), "{stderr}");
    assert!(
        stderr.contains(failure),
        "stderr does not name `{failure}`:\n{stderr}"
    );
    assert!(
        !w.podman_log.exists(),
        "podman was invoked: {:?}",
        w.podman_calls()
    );
    stderr
}

#[test]
fn wrong_signer_identity_refuses_the_start_without_invoking_podman() {
    let w = World::new(true);
    let other =
        "https://github.com/mcp-trust-run/other/.github/workflows/release.yml@refs/tags/v1.0.0";
    let args = w.run_args(&[
        "--certificate-identity",
        other,
        "--certificate-oidc-issuer",
        GITHUB_ACTIONS_ISSUER,
    ]);
    let stderr = assert_refused(&w, &args, "image verification failed");
    assert!(stderr.contains("refused at identity-policy"), "{stderr}");
    assert!(stderr.contains(other), "{stderr}");
    // With the signer's own identity the same image verifies (a dry run).
    let identity = w.workflow.workflow_uri();
    let out = w
        .mcp_verify(&w.run_args(&[
            "--certificate-identity",
            &identity,
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
            "--dry-run",
        ]))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!w.podman_log.exists(), "{:?}", w.podman_calls());
}

#[test]
fn untrusted_root_or_unsigned_image_refuses_the_start_without_invoking_podman() {
    // Signed, but the trusted root is another Sigstore's.
    let w = World::new(true);
    let other_root = w.dir.path().join("other-root");
    std::fs::create_dir(&other_root).unwrap();
    let other_root = TestSigstore::new().write_trusted_root(&other_root);
    let mut args = w.run_args(&[]);
    let i = args.iter().position(|a| a == "--trusted-root").unwrap();
    args[i + 1] = other_root.display().to_string();
    let stderr = assert_refused(&w, &args, "image verification failed");
    assert!(stderr.contains("refused at transparency-log"), "{stderr}");
    drop(w);

    // No signature at all.
    let w = World::new(false);
    let stderr = assert_refused(&w, &w.run_args(&[]), "image verification failed");
    assert!(stderr.contains("no signature at all"), "{stderr}");
}

#[test]
fn dry_run_prints_the_runtime_argv_and_starts_nothing() {
    let w = World::new(true);
    let out = w.mcp_verify(&w.run_args(&["--dry-run"])).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let argv: Vec<String> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_rendered_hardening(&argv);
    assert!(argv.iter().any(|a| a == "--tls-verify=false"), "{argv:?}");
    assert!(
        argv.iter().any(|a| a.starts_with("mcp-verify-")) && after(&argv, "--name").is_some(),
        "{argv:?}"
    );
    assert_eq!(argv.last().unwrap(), &w.image);
    assert!(
        !argv.iter().any(|a| a.contains(&w.secret_value)),
        "the secret's value is on the command line: {argv:?}"
    );
    assert!(
        !w.podman_log.exists(),
        "podman was invoked: {:?}",
        w.podman_calls()
    );
    assert!(
        stderr.contains(&format!("verified {}", w.image)),
        "{stderr}"
    );
    // Without TARGET the manifest's image is the one: the same command line.
    let mut args = w.run_args(&["--dry-run"]);
    args.remove(1);
    let out = w.mcp_verify(&args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(normalised(&again), normalised(&argv));
    assert!(!w.podman_log.exists(), "{:?}", w.podman_calls());
}

#[test]
fn yanked_or_revoked_catalog_entry_does_not_start() {
    let w = World::new(true);
    let mut catalog = catalog_of(&w.manifest, &w.workflow.workflow_uri());
    let server = CatalogServer::start(&catalog);
    let root = w.dir.path().join("root.pub");
    std::fs::write(&root, catalog.root_public_key().to_pem()).unwrap();
    let state = w.dir.path().join("catalog-state");
    let pull = || {
        let out = w
            .mcp_verify(&[
                "catalog".as_ref(),
                "pull".as_ref(),
                server.base.as_ref(),
                "--keys".as_ref(),
                root.as_os_str(),
                "--state".as_ref(),
                state.as_os_str(),
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let from_catalog = |target: &str| {
        let mut args = vec![
            "run".to_owned(),
            target.to_owned(),
            "--catalog-state".into(),
            state.display().to_string(),
            "--manifest".into(),
            w.manifest.display().to_string(),
        ];
        args.extend(w.common_args());
        args
    };
    pull();

    // Active: starts, through the same verification.
    let mut client = Client::spawn(w.mcp_verify(&from_catalog(&format!("{SERVER_NAME}@1.0.0"))));
    client.initialize();
    assert_eq!(client.tool_names(2), ["inspect", "echo", "linger"]);
    assert_sandboxed(&w, &report(&client.call(3, "inspect", json!({}))));
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(w.podman_calls().len(), 1);
    std::fs::remove_file(&w.podman_log).unwrap();

    catalog
        .set_status(SERVER_NAME, "1.0.0", Status::Yanked, Timestamp::now())
        .unwrap();
    server.update(&catalog);
    pull();
    assert_refused(
        &w,
        &from_catalog(&format!("{SERVER_NAME}@1.0.0")),
        "is yanked in the catalog",
    );
    assert_refused(&w, &from_catalog(SERVER_NAME), "has no active version");

    catalog
        .set_status(SERVER_NAME, "1.0.0", Status::Revoked, Timestamp::now())
        .unwrap();
    server.update(&catalog);
    pull();
    assert_refused(
        &w,
        &from_catalog(&format!("{SERVER_NAME}@1.0.0")),
        "is revoked in the catalog",
    );
}

#[test]
fn a_pull_that_fails_after_verification_answers_the_client_and_exits_with_podmans_status() {
    let w = World::new(true);
    // Verification reads manifests and signatures only; podman needs the layer.
    let layer = layout().manifest["layers"][0]["digest"].as_str().unwrap();
    w.reg
        .proxy
        .misbehave(&format!("/blobs/{layer}"), Misbehaviour::Status(500));
    // Each world has a storage of its own, so no other test's pull can
    // have put the layer there: podman has to ask for it.
    let cmd = w.mcp_verify(&w.run_args(&[]));
    let mut client = Client::spawn(cmd);
    client.send(&json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "run_container.rs", "version": "1.0.0"}}
    }));
    let answer = client.next_response();
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(125), "{stderr}");
    assert_eq!(answer["error"]["code"], -32001, "{answer}");
    assert_eq!(
        answer["error"]["message"], "the server stopped before answering",
        "{answer}"
    );
    assert!(
        stderr.contains(&format!("reading blob {layer}")),
        "{stderr}"
    );
    let calls = w.podman_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(!secret_source(&calls[0]).exists());
}

#[test]
fn on_drift_hide_withholds_only_the_changed_tool() {
    let w = World::new(true);
    let mut client = Client::spawn(w.mcp_verify(&w.run_args(&["--on-drift", "hide"])));
    client.initialize();
    assert_eq!(client.tool_names(2), ["inspect", "echo", "linger"]);
    for id in [3, 4, 5] {
        let answer = client.call(id, "echo", json!({"text": "x"}));
        assert!(answer.get("result").is_some(), "{answer}");
    }
    client.notification("notifications/tools/list_changed");
    assert_eq!(client.tool_names(6), ["inspect", "linger"]);
    assert_sandboxed(&w, &report(&client.call(7, "inspect", json!({}))));
    let refused = client.call(8, "echo", json!({"text": "x"}));
    assert_eq!(refused["error"]["code"], -32001, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("withheld"), "{message}");
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(calls_received(&stderr).len(), 4, "{stderr}");
    assert_eq!(
        calls_received(&stderr).last().unwrap(),
        &"probe: received tools/call inspect",
        "{stderr}"
    );
}

/// Removes a directory when dropped (what a failed assertion leaves).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The host side of the secret's bind mount on a recorded `podman run`.
fn secret_source(argv: &[String]) -> PathBuf {
    let mount = argv
        .iter()
        .find(|a| a.ends_with(&format!("target={SECRET_PATH},readonly")))
        .unwrap_or_else(|| panic!("no read-only secret mount: {argv:?}"));
    mount
        .strip_prefix("type=bind,source=")
        .and_then(|m| m.split_once(','))
        .map(|(s, _)| PathBuf::from(s))
        .unwrap()
}

/// A server that keeps running once its input ends gets --stop-timeout
/// seconds ("before it is killed", says `run --help`), then `run` removes
/// its container with podman and stops.
#[test]
fn a_server_that_does_not_stop_is_killed_after_the_stop_timeout() {
    let w = World::new(true);
    let mut client = Client::spawn(w.mcp_verify(&w.run_args(&["--stop-timeout", "1"])));
    client.initialize();
    let answer = client.call(2, "linger", json!({}));
    assert_eq!(
        answer["result"]["structuredContent"]["lingering"], true,
        "{answer}"
    );
    let started = Instant::now();
    let (_, stderr) = client.finish();
    let took = started.elapsed();
    assert!(stderr.contains("probe: input ended; lingering"), "{stderr}");
    let calls = w.podman_calls();
    let name = after(&calls[0], "--name").unwrap();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(
        calls[1],
        ["podman", "rm", "--force", "--time", "0", name],
        "{calls:?}"
    );
    assert_eq!(w.container_left(name, Duration::ZERO), None);
    assert!(!secret_source(&calls[0]).exists());
    // Without `--time 0`, `podman rm --force` would stop the container first:
    // SIGTERM, which a PID 1 without a handler ignores, then SIGKILL after the
    // container's own stop timeout (10 s).
    assert!(
        took < Duration::from_secs(6),
        "the server was killed {took:?} after its input closed, not 1 s (--stop-timeout 1)\n{stderr}"
    );
}

/// The MCP stdio shutdown sequence ends with SIGTERM (then SIGKILL) when the
/// server does not exit soon enough after its input closes; the Python SDK
/// waits 2 s, `run` gives the container --stop-timeout seconds. A terminated
/// `run` must still stop the container and remove the private copy of the
/// secret, as it does when the client closes its input (the test above).
#[test]
fn sigterm_from_the_client_stops_the_container_and_removes_the_secret_copy() {
    let w = World::new(true);
    let mut client = Client::spawn(w.mcp_verify(&w.run_args(&["--stop-timeout", "1"])));
    client.initialize();
    assert_sandboxed(&w, &report(&client.call(2, "inspect", json!({}))));
    let answer = client.call(3, "linger", json!({}));
    assert!(answer.get("result").is_some(), "{answer}");
    let calls = w.podman_calls();
    let copy = secret_source(&calls[0]);
    let name = after(&calls[0], "--name").unwrap().to_owned();
    // What the assertions below find is removed even when they fail (the
    // container by World's drop).
    let _cleanup = RemoveOnDrop(copy.parent().unwrap().to_owned());
    assert!(copy.exists(), "{}", copy.display());
    run(Command::new("kill").args(["-TERM", &client.child.id().to_string()]));
    // Not `finish`: podman, still running, holds the stderr pipe open.
    let code = wait_for(&mut client.child, &client.stderr);
    // As long as `run` would take: its stop timeout, then podman's own (10 s).
    let container = w.container_left(&name, Duration::from_secs(15));
    let copy_left = copy.exists();
    assert!(
        container.is_none() && !copy_left,
        "after SIGTERM `run` exited ({code:?}) leaving the container: {container:?}; \
         the private copy of the secret {} exists: {copy_left}\nstderr:\n{}",
        copy.display(),
        client.stderr()
    );
}

/// podman copies its own proxy variables into a container unless told not
/// to; they can carry credentials, and `run` never puts a secret in the
/// container's environment.
#[test]
fn the_hosts_proxy_environment_does_not_reach_the_container() {
    let w = World::new(true);
    let mut cmd = w.mcp_verify(&w.run_args(&[]));
    // Verification and the pull reach the loopback registry directly, as an
    // operator's NO_PROXY would arrange.
    cmd.env("HTTPS_PROXY", "http://user:pw@proxy.invalid:3128")
        .env("http_proxy", "http://user:pw@proxy.invalid:3128")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    let mut client = Client::spawn(cmd);
    client.initialize();
    let r = report(&client.call(2, "inspect", json!({})));
    let env: Vec<&str> = r["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !env.iter()
            .any(|k| k.to_ascii_lowercase().ends_with("_proxy")),
        "{env:?}"
    );
    let _ = client.finish();
}
