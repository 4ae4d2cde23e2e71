//! `mcp-verify run`: verify an image (and, from a catalog state, the entry
//! that names it), render its runtime profile, start it with podman or
//! docker, and put the tool-surface guard between the client and the server.
//! Nothing reaches the container runtime before every check has passed.

use super::guard::{Log, enforcement, read_manifest};
use super::profile::{key_and_path, rendering_uid};
use crate::cli::output::{OutputArgs, OutputFormat};
use crate::cli::run::{RunArgs, RuntimeArg};
use crate::cli::verify::VerifyArgs;
use crate::exit::Exit;
use crate::input::read_capped;
use crate::output;
use anyhow::{Context, bail};
use mcp_trust::catalog::client::{StateDir, verify_manifest};
use mcp_trust::catalog::{Entry, Status};
use mcp_trust::guard::{ServerIdentity, refuse_requests};
use mcp_trust::image::PinnedImage;
use mcp_trust::manifest::Manifest;
use mcp_trust::profile::{
    Format, NetworkPolicy, ProfileOptions, RuntimeProfile, SecretDelivery, TransportKind,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// What a runtime would otherwise pass from the host into the container.
const PROXY_VARIABLES: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "FTP_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "ftp_proxy",
    "no_proxy",
];

/// Largest secret file read.
const MAX_SECRET_BYTES: usize = 1 << 20;
/// How long a refused start waits for requests the client is still sending.
const REFUSAL_GRACE: Duration = Duration::from_millis(200);

/// Why the server was not started: said on stderr, and to the client.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// `run TARGET --manifest FILE [--catalog-state DIR] …`.
pub fn run(args: &RunArgs) -> anyhow::Result<Exit> {
    super::shutdown::install()?;
    let (bytes, manifest) = read_manifest(&args.manifest)?;
    let log = Log::new(args.enforce.log_format, manifest.server.name.clone());
    match prepare(args, &bytes, &manifest, &log) {
        Ok(Some(start)) => start.launch(args, &log),
        Ok(None) => Ok(Exit::Ok),
        Err(e) => match e.downcast::<Refused>() {
            Ok(Refused(reason)) => {
                log.line("error", &format!("not started: {reason}"), None);
                answer_waiting_client(&format!(
                    "mcp-verify refused to start {}: {reason}",
                    manifest.server.name
                ));
                Ok(Exit::Failed)
            }
            Err(e) => {
                answer_waiting_client(&format!(
                    "mcp-verify could not start {}: {e:#}",
                    manifest.server.name
                ));
                Err(e)
            }
        },
    }
}

/// What [`prepare`] decided to start.
struct Start {
    argv: Vec<String>,
    container: String,
    server: ServerIdentity,
    tools: Vec<mcp_trust::manifest::Tool>,
    _secrets: Option<SecretDir>,
}

/// Every check, then the runtime's command line; `None` after a dry run.
fn prepare(
    args: &RunArgs,
    bytes: &[u8],
    manifest: &Manifest,
    log: &Log,
) -> anyhow::Result<Option<Start>> {
    let security = manifest
        .security
        .as_ref()
        .context("the manifest has no security extension")?;
    let entry = match &args.catalog_state {
        Some(dir) => Some(catalog_entry(args, dir, bytes)?),
        None => None,
    };
    let image = PinnedImage::parse(&security.image)
        .with_context(|| format!("the manifest's image `{}`", security.image))?;
    if entry.is_none()
        && let Some(target) = &args.target
    {
        let given = PinnedImage::parse(target).with_context(|| {
            format!(
                "`{target}` is not IMAGE@sha256:<digest> (with --catalog-state it names an entry)"
            )
        })?;
        if given.digest != image.digest || given.full_repository() != image.full_repository() {
            return Err(Refused(format!("{given} is not the manifest's image ({image})")).into());
        }
    }
    // Verified exactly as `mcp-verify IMAGE@sha256:… --manifest server.json` does.
    let verify = VerifyArgs {
        image: Some(image.to_string()),
        signer: args.signer.clone(),
        manifest: None,
        require_provenance: false,
        source_repository: None,
        source_ref: None,
        builder_id: None,
        resolve: false,
        insecure_registries: args.insecure_registries.clone(),
        timeout: args.timeout,
        output: OutputArgs {
            output: OutputFormat::Human,
        },
    };
    let (image, outcome) = super::verify::check_with(&verify, Some(security.clone()))?;
    let report = match outcome {
        Ok(r) => r,
        Err(e) => {
            eprint!("{}", output::human::image_refused(&image, &e));
            return Err(Refused(format!("image verification failed: {e}")).into());
        }
    };
    if let Some(entry) = &entry
        && !report
            .signatures
            .iter()
            .any(|s| s.verified.signer.identity() == entry.signer)
    {
        return Err(Refused(format!(
            "{image} verifies, but no signature is by the signer the catalog lists ({})",
            serde_json::to_string(&entry.signer).unwrap_or_default()
        ))
        .into());
    }
    log.line(
        "info",
        &format!(
            "verified {image} ({} signature(s) passed)",
            report.signatures.len()
        ),
        None,
    );
    let mut options = ProfileOptions {
        allowed_user: args.allow_user,
        rendering_uid: rendering_uid(),
        ..Default::default()
    };
    for m in &args.mounts {
        let (k, v) = key_and_path("--mount", m)?;
        if options.mount_sources.insert(k.clone(), v).is_some() {
            bail!("--mount {k} is given twice");
        }
    }
    let mut given = std::collections::BTreeMap::new();
    for s in &args.secrets {
        let (k, v) = key_and_path("--secret", s)?;
        if given.insert(k.clone(), v).is_some() {
            bail!("--secret {k} is given twice");
        }
    }
    let profile = derive(bytes, entry.as_ref(), &options)?;
    check_runnable(&profile, &given)?;
    let runtime = runtime(args.runtime)?;
    let container = format!(
        "mcp-verify-{}-{}",
        profile.server.slug.chars().take(40).collect::<String>(),
        std::process::id()
    );
    let secrets = if args.dry_run {
        options.secret_files = given;
        None
    } else {
        let dir = SecretDir::create()?;
        for (i, s) in profile.secrets.iter().enumerate() {
            if let SecretDelivery::File { uid, gid, .. } = &s.delivery {
                let path = dir.place(i, &s.name, given.get(&s.name).map(Path::new), *uid, *gid)?;
                options.secret_files.insert(s.name.clone(), path);
            }
        }
        Some(dir)
    };
    let profile = derive(bytes, entry.as_ref(), &options)?;
    let argv = runtime_argv(&profile, &runtime, &container, &args.insecure_registries)?;
    if args.dry_run {
        output::stdout::println(serde_json::to_string(&argv)?)?;
        return Ok(None);
    }
    Ok(Some(Start {
        argv,
        container,
        server: ServerIdentity {
            name: manifest.server.name.clone(),
            version: Some(manifest.server.version.clone()),
            image_digest: Some(image.digest.to_string()),
        },
        tools: security.tools.clone(),
        _secrets: secrets,
    }))
}

impl Start {
    fn launch(self, args: &RunArgs, log: &Log) -> anyhow::Result<Exit> {
        let enforcement = enforcement(&args.enforce, self.tools.clone(), self.server.clone())?;
        log.line("info", &format!("starting {}", self.argv.join(" ")), None);
        let child = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", self.argv[0]))?;
        let runtime = self.argv[0].clone();
        let container = self.container.clone();
        let exit = enforcement.serve(
            child,
            Arc::new(move |c: &mut Child| {
                // Killing the runtime's client would leave the container
                // running. The server had its grace period already: podman
                // would otherwise wait its own 10 s before killing.
                let mut rm = Command::new(&runtime);
                rm.args(["rm", "--force"]);
                if runtime == "podman" {
                    rm.args(["--time", "0"]);
                }
                let _ = rm
                    .arg(&container)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                let _ = c.kill();
            }),
        );
        drop(self);
        Ok(exit)
    }
}

/// The catalog entry TARGET names, checked: active, and the manifest is the one it pins.
fn catalog_entry(args: &RunArgs, dir: &Path, bytes: &[u8]) -> anyhow::Result<Entry> {
    let target = args.target.as_deref().unwrap_or_default();
    let (name, version) = match target.rsplit_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (target, None),
    };
    let state = StateDir::open(dir)
        .with_context(|| format!("cannot open the catalog state {}", dir.display()))?;
    let versions = state
        .versions(
            name,
            jiff::Timestamp::now(),
            jiff::SignedDuration::from_secs(i64::from(args.skew)),
        )
        .map_err(|e| Refused(format!("catalog state {}: {e}", dir.display())))?;
    let entry = match version {
        Some(v) => versions
            .into_iter()
            .find(|e| e.version == v)
            .ok_or_else(|| {
                Refused(format!(
                    "{name} {v} is not in the catalog accepted in {}",
                    dir.display()
                ))
            })?,
        None => versions
            .into_iter()
            .filter(|e| e.status == Status::Active)
            .max_by_key(|e| (e.published_at, e.log_index))
            .ok_or_else(|| {
                Refused(format!(
                    "{name} has no active version in the catalog accepted in {}",
                    dir.display()
                ))
            })?,
    };
    if entry.status != Status::Active {
        return Err(Refused(format!(
            "{} {} is {} in the catalog; only active versions start",
            entry.name,
            entry.version,
            serde_json::to_value(entry.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ))
        .into());
    }
    verify_manifest(&entry, bytes).map_err(|e| Refused(e.to_string()))?;
    Ok(entry)
}

fn derive(
    bytes: &[u8],
    entry: Option<&Entry>,
    options: &ProfileOptions,
) -> anyhow::Result<RuntimeProfile> {
    let derived = match entry {
        Some(e) => RuntimeProfile::from_catalog_entry(e, bytes, options),
        None => RuntimeProfile::from_manifest_bytes(bytes, options),
    };
    derived.map_err(|e| Refused(e.to_string()).into())
}

/// Refuses what `run` cannot start as the profile says.
fn check_runnable(
    p: &RuntimeProfile,
    given: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<()> {
    if p.transport != TransportKind::Stdio {
        return Err(Refused(
            "the server's transport is not stdio; `run` connects a client through stdin and stdout only (render its profile with `mcp-verify profile`)".into(),
        )
        .into());
    }
    if let NetworkPolicy::Egress { allow } = &p.network
        && !allow.iter().any(|a| {
            a.parsed.host == mcp_trust::manifest::egress::HostPattern::Any
                && a.parsed.port.is_none()
        })
    {
        let rules: Vec<&str> = allow.iter().map(|a| a.rule.as_str()).collect();
        return Err(Refused(format!(
            "the server may reach only {}; a container runtime gives a container no network or a full one, and `run` does not provide the egress proxy an allowlist needs (render the profile with `mcp-verify profile --format docker` and run it behind your proxy)",
            rules.join(", ")
        ))
        .into());
    }
    for s in &p.secrets {
        match &s.delivery {
            SecretDelivery::Env { variable, .. } => {
                return Err(Refused(format!(
                    "secret `{}` is declared for the environment variable {variable}; `run` delivers secrets only as files, never in the environment (declare a file path for it in the manifest)",
                    s.name
                ))
                .into());
            }
            SecretDelivery::File { .. } if s.required && !given.contains_key(&s.name) => {
                return Err(Refused(format!(
                    "secret `{}` is required: give --secret {}=FILE",
                    s.name, s.name
                ))
                .into());
            }
            SecretDelivery::File { .. } => {}
        }
    }
    for name in given.keys() {
        if !p.secrets.iter().any(|s| &s.name == name) {
            bail!(
                "--secret {name}: the manifest declares no such secret (declared: {})",
                p.secrets
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(())
}

/// The runtime named, or the first of podman and docker on PATH.
fn runtime(arg: Option<RuntimeArg>) -> anyhow::Result<String> {
    let names: &[&str] = match arg {
        Some(RuntimeArg::Podman) => &["podman"],
        Some(RuntimeArg::Docker) => &["docker"],
        None => &["podman", "docker"],
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        if std::env::split_paths(&path).any(|d| is_executable(&d.join(name))) {
            return Ok((*name).to_owned());
        }
    }
    bail!(
        "no container runtime found: {} is not on PATH (install podman or docker, or pass --runtime)",
        names.join(" or ")
    )
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The profile's `docker run` argv for `runtime`, with a name to stop it by.
fn runtime_argv(
    p: &RuntimeProfile,
    runtime: &str,
    container: &str,
    insecure: &[String],
) -> anyhow::Result<Vec<String>> {
    let rendered = p
        .render(Format::Docker)
        .context("cannot render the profile")?;
    let mut argv: Vec<String> = rendered
        .document
        .as_array()
        .context("the docker profile is not an argv")?
        .iter()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    if argv.get(..2) != Some(&["docker".to_owned(), "run".to_owned()][..]) {
        bail!("the docker profile does not start with `docker run`");
    }
    argv[0] = runtime.to_owned();
    let mut extra = vec!["--name".to_owned(), container.to_owned()];
    if runtime == "podman" {
        // podman otherwise mounts writable tmpfs on /run, /tmp and /var/tmp of
        // a read-only root, and copies this process's proxy variables (with
        // any credentials in them) into the container.
        extra.push("--read-only-tmpfs=false".to_owned());
        extra.push("--http-proxy=false".to_owned());
        if insecure.contains(&p.image.registry) {
            extra.push("--tls-verify=false".to_owned());
        }
    }
    if runtime == "docker" {
        // The docker client fills these from ~/.docker/config.json unless set.
        for v in PROXY_VARIABLES {
            if !p.env.iter().any(|e| e.name == *v) {
                extra.push("--env".to_owned());
                extra.push(format!("{v}="));
            }
        }
    }
    argv.splice(2..2, extra);
    Ok(argv)
}

/// A private directory (mode 0700) holding the copies of the secrets given,
/// each owned by the server's user and readable by it only; removed when
/// dropped.
struct SecretDir {
    path: PathBuf,
}

impl SecretDir {
    fn create() -> anyhow::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        // $XDG_RUNTIME_DIR only when it is this user's private directory.
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| private_dir(p))
            .unwrap_or_else(std::env::temp_dir);
        sweep_stale(&base);
        for attempt in 0..16u32 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let path = base.join(format!(
                "mcp-verify-secrets-{}-{nanos:x}{attempt}",
                std::process::id()
            ));
            // `mkdir` fails on anything already there, a planted symlink included.
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {
                    super::shutdown::remove_on_exit(path.clone());
                    return Ok(SecretDir { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()));
                }
            }
        }
        bail!(
            "cannot create a private directory for secrets in {}",
            base.display()
        )
    }

    /// Copies `source` (or an empty file for an optional secret not given)
    /// into the directory; returns the copy's path.
    fn place(
        &self,
        index: usize,
        name: &str,
        source: Option<&Path>,
        uid: u32,
        gid: u32,
    ) -> anyhow::Result<String> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let value = match source {
            Some(p) => read_capped(p, MAX_SECRET_BYTES, &format!("secret {name}"))?,
            None => Vec::new(),
        };
        // The index keeps `A.B` and `A_B` apart.
        let file_name: String = format!("{index}-")
            .chars()
            .chain(name.chars())
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.path.join(file_name);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.write_all(&value)?;
        f.sync_all()?;
        drop(f);
        // Owned by the server's user when this process may give it away; else
        // readable by anyone who can reach it, which the 0700 directory limits
        // to this user and the container the file is mounted into.
        let mode = match std::os::unix::fs::chown(&path, Some(uid), Some(gid)) {
            Ok(()) => 0o400,
            Err(_) => 0o444,
        };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
        path.to_str()
            .map(str::to_owned)
            .context("the secret directory's path is not UTF-8")
    }
}

/// A directory owned by this process's user that no one else may enter.
fn private_dir(path: &Path) -> bool {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    meta.is_dir() && Some(meta.uid()) == rendering_uid() && meta.permissions().mode() & 0o077 == 0
}

/// Removes secret directories left by `run` processes that no longer exist
/// (killed with SIGKILL, or a crash).
fn sweep_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("mcp-verify-secrets-"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let owned = entry.metadata().is_ok_and(|m| {
            use std::os::unix::fs::MetadataExt;
            m.is_dir() && Some(m.uid()) == rendering_uid()
        });
        if owned && pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for SecretDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Answers, with `message`, the requests a client sent while the start was
/// being checked (read for a short grace period), so it sees why instead of
/// a closed pipe.
fn answer_waiting_client(message: &str) {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut reader = mcp_trust::guard::stdio::LineReader::new(
            std::io::stdin(),
            mcp_trust::guard::DEFAULT_MAX_MESSAGE_BYTES,
        );
        while let Ok(Some(mcp_trust::guard::stdio::Line::Message(m))) = reader.next_line() {
            if tx.send(m).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + REFUSAL_GRACE;
    let mut lines = Vec::new();
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(m) => lines.push(m),
            Err(_) => break,
        }
    }
    let answers = refuse_requests(lines.iter().map(Vec::as_slice), message);
    let mut out = std::io::stdout().lock();
    for a in answers {
        let _ = out.write_all(&a);
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}
