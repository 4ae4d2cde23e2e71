//! Proof by running: `mcp-verify profile --format docker` renders a profile
//! for the manifests in `testdata/manifests/podman/`, podman runs exactly
//! those arguments against a tiny busybox image built here, and a probe
//! script inside the container reports what the kernel actually enforces.
//!
//! The translation from docker to podman changes only `docker` into `podman`
//! and adds this machine's flags (`--runtime runc --cgroup-manager=cgroupfs`,
//! explicit ulimits), `--read-only-tmpfs=false` (podman otherwise adds
//! writable tmpfs mounts at /run, /tmp and /var/tmp that docker does not),
//! and a unique `--name`. A container that cannot start fails the test.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::process::run;

const REPOSITORY: &str = "localhost/mcp-trust-probe";
const PLACEHOLDER: &str = "localhost/mcp-trust-probe@sha256:0000000000000000000000000000000000000000000000000000000000000000";
/// Tests in this file that use the image; the last to finish removes it.
const IMAGE_USERS: usize = 4;
static FINISHED: AtomicUsize = AtomicUsize::new(0);
static CONTAINERS: AtomicUsize = AtomicUsize::new(0);
/// `(tag, repo@digest)` of the probe image, built once per test run.
static IMAGE: OnceLock<(String, String)> = OnceLock::new();

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Removes probe images left by earlier runs whose process is gone.
fn sweep_stale_images() {
    let out = run(Command::new("podman").args([
        "images",
        "--format",
        "{{.Repository}}:{{.Tag}}",
        REPOSITORY,
    ]));
    for image in out.lines() {
        let Some(pid) = image.rsplit_once(":run-").map(|(_, p)| p) else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = Command::new("podman")
                .args(["rmi", "--force", image])
                .stdin(Stdio::null())
                .output();
        }
    }
}

/// Builds the busybox probe image once per test run; returns `(tag, repo@digest)`.
fn image() -> &'static (String, String) {
    IMAGE.get_or_init(|| {
        sweep_stale_images();
        let busybox = Path::new("/bin/busybox");
        assert!(
            busybox.exists(),
            "/bin/busybox is missing: install the Debian package busybox-static (scripts/test does)"
        );
        let ctx = tempfile::tempdir().unwrap();
        std::fs::create_dir(ctx.path().join("bin")).unwrap();
        std::fs::copy(busybox, ctx.path().join("bin/busybox")).unwrap();
        std::os::unix::fs::symlink("busybox", ctx.path().join("bin/sh")).unwrap();
        // A directory every user may write: writing there fails only if the root is read-only.
        // (`COPY dir /dest` copies the contents, so the mode is set one level down.)
        let writable = ctx.path().join("rootfs/writable");
        std::fs::create_dir_all(&writable).unwrap();
        std::fs::set_permissions(&writable, std::fs::Permissions::from_mode(0o777)).unwrap();
        std::fs::write(
            ctx.path().join("Containerfile"),
            "FROM scratch\nCOPY bin /bin\nCOPY rootfs /\nUSER 65532:65532\nENTRYPOINT [\"/bin/sh\"]\n",
        )
        .unwrap();
        let tag = format!("{REPOSITORY}:run-{}", std::process::id());
        run(Command::new("buildah")
            .args(["bud", "--isolation", "chroot", "-q", "-t", &tag])
            .arg(ctx.path()));
        let digest = run(Command::new("podman").args([
            "image",
            "inspect",
            "--format",
            "{{.Digest}}",
            &tag,
        ]));
        let digest = digest.trim();
        assert!(digest.starts_with("sha256:"), "unexpected digest {digest:?}");
        (tag, format!("{REPOSITORY}@{digest}"))
    })
}

/// Marks one image user done; the last one removes the image.
struct ImageUser;

impl Drop for ImageUser {
    fn drop(&mut self) {
        if FINISHED.fetch_add(1, Ordering::SeqCst) + 1 == IMAGE_USERS
            && let Some((tag, _)) = IMAGE.get()
        {
            let _ = Command::new("podman")
                .args(["rmi", "--force", tag])
                .stdin(Stdio::null())
                .output();
        }
    }
}

fn pinned_image() -> String {
    image().1.clone()
}

/// Writes the testdata manifest with the probe image's real digest.
fn manifest(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("testdata/manifests/podman").join(name))
        .unwrap()
        .replace(PLACEHOLDER, &pinned_image());
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Renders the docker profile with `mcp-verify` and returns its argv.
fn rendered_docker_argv(manifest: &Path, extra: &[String]) -> Vec<String> {
    let out = run(Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(["profile", "--format", "docker", "--output", "json"])
        .arg(manifest)
        .args(extra));
    let v: Value = serde_json::from_str(&out).unwrap();
    v["document"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// Turns `docker run …` into the podman command line for this machine.
fn podman_command(docker_argv: &[String]) -> Command {
    assert_eq!(&docker_argv[..2], ["docker", "run"], "{docker_argv:?}");
    let mut cmd = Command::new("podman");
    cmd.args(["--runtime", "runc", "--cgroup-manager=cgroupfs", "run"]);
    cmd.args([
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
        "--read-only-tmpfs=false",
        "--name",
    ]);
    cmd.arg(format!(
        "mcp-trust-probe-{}-{}",
        std::process::id(),
        CONTAINERS.fetch_add(1, Ordering::SeqCst)
    ));
    cmd.args(&docker_argv[2..]);
    cmd
}

const PROBE: &str = r#"
st() { grep "^$1:" /proc/self/status | tr -d ' \t' | cut -d: -f2; }
echo "uid=$(id -u)"
echo "gid=$(id -g)"
if touch /writable/probe 2>/dev/null; then echo root_write=ok; else echo root_write=denied; fi
echo "root_mount=$(grep ' / ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1)"
if touch /tmp/probe 2>/dev/null; then echo tmp_write=ok; else echo tmp_write=denied; fi
echo "cap_eff=$(st CapEff)"
echo "cap_bnd=$(st CapBnd)"
echo "no_new_privs=$(st NoNewPrivs)"
echo "seccomp=$(st Seccomp)"
echo "interfaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "memory_limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
echo "pids_max=$(cat /sys/fs/cgroup/pids/pids.max)"
echo "cpu_quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)"
for d in /data /config; do
  if [ -d $d ]; then
    if touch $d/probe 2>/dev/null; then echo "write$d=ok"; else echo "write$d=denied"; fi
  fi
done
if [ -e /run/secrets/TOKEN ]; then
  echo "token=$(cat /run/secrets/TOKEN)"
  echo "token_stat=$(stat -c %a:%u:%g /run/secrets/TOKEN)"
fi
echo "pid1_env_token=$(tr '\0' '\n' < /proc/1/environ | grep -c file-secret-value)"
echo "env_api_key=${API_KEY:-unset}"
"#;

/// Runs the probe in the container and parses its `key=value` lines.
fn probe(mut cmd: Command) -> BTreeMap<String, String> {
    cmd.args(["-c", PROBE]);
    let out = run(&mut cmd);
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

fn assert_hardened(facts: &BTreeMap<String, String>) {
    assert_ne!(facts["uid"], "0", "{facts:#?}");
    assert_eq!(facts["root_write"], "denied", "{facts:#?}");
    assert_eq!(facts["root_mount"], "ro", "{facts:#?}");
    assert_eq!(facts["tmp_write"], "ok", "{facts:#?}");
    assert_eq!(facts["cap_eff"], "0000000000000000", "{facts:#?}");
    assert_eq!(facts["cap_bnd"], "0000000000000000", "{facts:#?}");
    assert_eq!(facts["no_new_privs"], "1", "{facts:#?}");
    assert_eq!(facts["seccomp"], "2", "{facts:#?}");
    assert_eq!(facts["interfaces"], "lo", "{facts:#?}");
}

#[test]
fn isolated_server_runs_with_every_restriction_enforced() {
    let _user = ImageUser;
    let dir = tempfile::tempdir().unwrap();
    let argv = rendered_docker_argv(&manifest(dir.path(), "isolated.server.json"), &[]);
    let facts = probe(podman_command(&argv));
    assert_hardened(&facts);
    assert_eq!(facts["uid"], "65532");
    assert_eq!(facts["memory_limit"], (64u64 << 20).to_string());
    assert_eq!(facts["pids_max"], "32");
    assert_eq!(facts["cpu_quota"], "50000");
    assert_eq!(facts["pid1_env_token"], "0");
}

#[test]
fn mounts_and_secrets_reach_the_server_as_declared() {
    let _user = ImageUser;
    let dir = tempfile::tempdir().unwrap();
    let uid = 4242;
    let data = dir.path().join("data");
    let config = dir.path().join("config");
    for d in [&data, &config] {
        std::fs::create_dir(d).unwrap();
        chown(d, Some(uid), Some(uid)).unwrap();
    }
    let token = dir.path().join("TOKEN");
    std::fs::write(&token, "file-secret-value").unwrap();
    chown(&token, Some(uid), Some(uid)).unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o400)).unwrap();
    let env_file = dir.path().join("API_KEY.env");
    std::fs::write(&env_file, "API_KEY=env-secret-value\n").unwrap();
    std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o400)).unwrap();

    let extra = vec![
        format!("--secret=TOKEN={}", token.display()),
        format!("--secret=API_KEY={}", env_file.display()),
        format!("--mount=/data={}", data.display()),
        format!("--mount=/config={}", config.display()),
        // The fixture declares uid 4242, a host account's range: approved here.
        "--allow-user=4242".to_owned(),
    ];
    let argv = rendered_docker_argv(
        &manifest(dir.path(), "mounts-and-secrets.server.json"),
        &extra,
    );
    assert!(
        !argv.iter().any(|a| a.contains("secret-value")),
        "a secret value reached the command line: {argv:?}"
    );
    let facts = probe(podman_command(&argv));
    assert_hardened(&facts);
    assert_eq!(facts["uid"], "4242");
    assert_eq!(facts["gid"], "4242");
    assert_eq!(facts["write/data"], "ok");
    assert_eq!(facts["write/config"], "denied");
    assert_eq!(facts["token"], "file-secret-value");
    assert_eq!(facts["token_stat"], "400:4242:4242");
    assert_eq!(
        facts["pid1_env_token"], "0",
        "file secret in PID 1's environment"
    );
    assert_eq!(facts["env_api_key"], "env-secret-value");
    assert_eq!(facts["memory_limit"], (96u64 << 20).to_string());
    assert_eq!(facts["pids_max"], "48");
    assert!(data.join("probe").exists());
    assert!(!config.join("probe").exists());
}

#[test]
fn read_only_tools_get_a_read_only_mount_even_when_declared_read_write() {
    let _user = ImageUser;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    chown(&data, Some(65532), Some(65532)).unwrap();
    let extra = vec![format!("--mount=/data={}", data.display())];
    let argv = rendered_docker_argv(&manifest(dir.path(), "read-only-tools.server.json"), &extra);
    let facts = probe(podman_command(&argv));
    assert_hardened(&facts);
    assert_eq!(facts["write/data"], "denied");
    assert!(!data.join("probe").exists());
}

#[test]
fn missing_secret_file_stops_the_container_from_starting() {
    let _user = ImageUser;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config");
    std::fs::create_dir(&data).unwrap();
    std::fs::create_dir(&config).unwrap();
    let env_file = dir.path().join("API_KEY.env");
    std::fs::write(&env_file, "API_KEY=x\n").unwrap();
    let extra = vec![
        format!("--secret=TOKEN={}", dir.path().join("absent").display()),
        format!("--secret=API_KEY={}", env_file.display()),
        format!("--mount=/data={}", data.display()),
        format!("--mount=/config={}", config.display()),
        // The fixture declares uid 4242, a host account's range: approved here.
        "--allow-user=4242".to_owned(),
    ];
    let argv = rendered_docker_argv(
        &manifest(dir.path(), "mounts-and-secrets.server.json"),
        &extra,
    );
    let mut cmd = podman_command(&argv);
    cmd.args(["-c", "echo started"]);
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        !out.status.success(),
        "the container started without its secret file"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("started"));
    assert!(
        !dir.path().join("absent").exists(),
        "the engine created the missing secret path"
    );
}
