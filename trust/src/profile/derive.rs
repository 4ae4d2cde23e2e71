//! From a validated manifest to a [`RuntimeProfile`]: the one place that
//! decides what a server gets. A manifest with error findings is refused
//! before anything is derived; values that validation accepts but that no
//! target can carry safely (a `:` in a mount path, a NUL byte) are refused here.

use super::{
    DEFAULT_SECRET_DIR, EgressAllow, EnvVar, LABEL_PREFIX, Limits, MountSource, NetworkPolicy,
    ProfileError, ProfileMount, ProfileSecret, RootFilesystem, RuntimeProfile, SECRET_FILE_MODE,
    SecretDelivery, SecurityOptions, ServerRef, TMP_SIZE_BYTES, Tmpfs, TransportKind, UserSpec,
    codes,
};
use crate::finding::{Finding, pointer_token};
use crate::image::{Digest, PinnedImage};
use crate::manifest::egress::EgressRule;
use crate::manifest::rules::{is_socket_name, lexical_path, sensitive_host_path};
use crate::manifest::{
    Access, DEFAULT_CPUS, DEFAULT_MEMORY_BYTES, DEFAULT_PIDS, DEFAULT_USER, Manifest, Network,
    Package, ProvenancePolicy, Report, SecretMode, SecurityExtension, ValidateOptions,
    parse_memory, validate,
};
use base64::Engine;
use std::collections::{BTreeMap, BTreeSet};

/// What the gateway adds to a manifest: where secrets and mounts come from on its host.
#[derive(Debug, Clone, Default)]
pub struct ProfileOptions {
    /// Secret name → absolute host file (`--secret NAME=FILE`). For an env-mode
    /// secret the file is an env file holding `VARIABLE=value`.
    pub secret_files: BTreeMap<String, String>,
    /// Declared container path → absolute host path (`--mount CONTAINER_PATH=HOST_PATH`).
    pub mount_sources: BTreeMap<String, String>,
    /// Catalog version the manifest was taken from, carried as a label.
    pub catalog_version: Option<u64>,
    /// A uid the operator approved (`--allow-user UID`): a declared user up to
    /// [`MAX_ACCOUNT_UID`] or equal to [`ProfileOptions::rendering_uid`] is
    /// refused without it.
    pub allowed_user: Option<u32>,
    /// The uid of the user rendering the profile, when known: a server running
    /// as that uid owns that user's files on every bind mount.
    pub rendering_uid: Option<u32>,
}

/// Declared uids up to this one are the host's accounts: system accounts
/// below 1000 (daemons, package owners) and people from 1000 (login.defs'
/// `UID_MIN` to `UID_MAX`). A server running as one owns that account's
/// files through any bind mount, whoever renders the profile (a gateway
/// running as root included).
pub const MAX_ACCOUNT_UID: u32 = 60000;

impl RuntimeProfile {
    /// Validates manifest bytes and derives the profile; refused when validation finds errors.
    pub fn from_manifest_bytes(
        bytes: &[u8],
        options: &ProfileOptions,
    ) -> Result<RuntimeProfile, ProfileError> {
        Self::from_report(
            &validate(
                bytes,
                ValidateOptions {
                    require_extension: true,
                },
            ),
            options,
        )
    }

    /// Derives the profile of a catalog entry from the manifest it pins: the
    /// manifest's canonical SHA-256, name, version and image must be the
    /// entry's, and the entry must be installable (a yanked version is hidden
    /// from new installs, a revoked one must not run at all).
    pub fn from_catalog_entry(
        entry: &crate::catalog::Entry,
        manifest_bytes: &[u8],
        options: &ProfileOptions,
    ) -> Result<RuntimeProfile, ProfileError> {
        let refuse = |reason: String| ProfileError::CatalogEntry {
            name: entry.name.clone(),
            version: entry.version.clone(),
            reason,
        };
        if entry.status != crate::catalog::Status::Active {
            return Err(refuse(format!(
                "the version is {}; only active versions get a profile",
                serde_json::to_value(entry.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            )));
        }
        let value: serde_json::Value = serde_json::from_slice(manifest_bytes)
            .map_err(|e| refuse(format!("the manifest is not JSON: {e}")))?;
        let digest =
            crate::catalog::model::manifest_digest(&value).map_err(|e| refuse(e.to_string()))?;
        if digest != entry.manifest_sha256 {
            return Err(refuse(format!(
                "the manifest's SHA-256 is {digest}, the entry pins {}",
                entry.manifest_sha256
            )));
        }
        let report = validate(
            manifest_bytes,
            ValidateOptions {
                require_extension: true,
            },
        );
        if let Some(m) = &report.manifest {
            let image = m
                .security
                .as_ref()
                .map(|s| s.image.as_str())
                .unwrap_or_default();
            let pinned = crate::image::PinnedImage::parse(image).map(|p| p.to_string());
            if m.server.name != entry.name
                || m.server.version != entry.version
                || pinned.as_deref().ok() != Some(entry.image.as_str())
            {
                return Err(refuse(format!(
                    "the manifest describes {} {} ({image}), not the entry's {}",
                    m.server.name, m.server.version, entry.image
                )));
            }
        }
        Self::from_report(&report, options)
    }

    /// Derives the profile from a validation report; refused unless the report is clean of errors.
    pub fn from_report(
        report: &Report,
        options: &ProfileOptions,
    ) -> Result<RuntimeProfile, ProfileError> {
        match &report.manifest {
            Some(m) if report.is_ok() => derive(m, options),
            _ => Err(ProfileError::ManifestInvalid {
                findings: report.findings.clone(),
            }),
        }
    }
}

fn ext(sub: &str) -> String {
    RuntimeProfile::ext_pointer(sub)
}

fn derive(m: &Manifest, options: &ProfileOptions) -> Result<RuntimeProfile, ProfileError> {
    let sec = m.security.as_ref().ok_or(ProfileError::ExtensionMissing)?;
    let image = PinnedImage::parse(&sec.image).map_err(|e| ProfileError::Unrenderable {
        path: ext("/image"),
        reason: e.to_string(),
    })?;
    check_overrides(sec, options)?;
    let uid = sec.user.unwrap_or(DEFAULT_USER);
    if uid == 0 {
        return Err(ProfileError::Unrenderable {
            path: ext("/user"),
            reason: "uid 0 is root".into(),
        });
    }
    check_user(uid, options)?;
    let slug = slug(&m.server.name);
    let mut warnings = Vec::new();
    let package = m
        .server
        .packages
        .iter()
        .enumerate()
        .find(|(_, p)| p.registry_type == "oci");
    let transport = match package.and_then(|(_, p)| p.transport.as_ref()) {
        None => TransportKind::Stdio,
        Some(t) => match t.kind.as_str() {
            "stdio" => TransportKind::Stdio,
            "streamable-http" => TransportKind::StreamableHttp,
            "sse" => TransportKind::Sse,
            other => {
                return Err(ProfileError::Unrenderable {
                    path: format!("/packages/{}/transport/type", package.map_or(0, |(i, _)| i)),
                    reason: format!("transport `{other}` is not stdio, streamable-http or sse"),
                });
            }
        },
    };

    let secrets = secrets(sec, &slug, uid, options, &mut warnings)?;
    let mounts = mounts(sec, &m.server.name, options, &mut warnings)?;
    let (env, args) = match package {
        Some((i, p)) => package_config(i, p, sec, &mut warnings)?,
        None => (Vec::new(), Vec::new()),
    };
    let network = match &sec.network {
        Network::None => NetworkPolicy::None,
        Network::Egress(entries) => {
            let mut allow: Vec<EgressAllow> = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                let parsed = EgressRule::parse(e).map_err(|why| ProfileError::Unrenderable {
                    path: ext(&format!("/network/egress/{i}")),
                    reason: why,
                })?;
                let rule = parsed.to_string();
                if !allow.iter().any(|a| a.rule == rule) {
                    allow.push(EgressAllow { rule, parsed });
                }
            }
            // An empty allowlist admits nothing: that is no network.
            if allow.is_empty() {
                NetworkPolicy::None
            } else {
                NetworkPolicy::Egress { allow }
            }
        }
    };
    let resources = Limits {
        cpus: sec.resources.cpus.unwrap_or(DEFAULT_CPUS),
        memory_bytes: match &sec.resources.memory {
            None => DEFAULT_MEMORY_BYTES,
            Some(s) => parse_memory(s).ok_or_else(|| ProfileError::Unrenderable {
                path: ext("/resources/memory"),
                reason: format!("`{s}` is not a size"),
            })?,
        },
        pids: sec.resources.pids.unwrap_or(DEFAULT_PIDS),
    };

    let mut labels = BTreeMap::new();
    let mut label = |k: &str, v: String| {
        labels.insert(format!("{LABEL_PREFIX}{k}"), v);
    };
    label("server", m.server.name.clone());
    label("version", m.server.version.clone());
    label("image-digest", image.digest.to_string());
    if let Some(p) = &sec.provenance {
        for (k, v) in signer_labels(p) {
            label(k, v);
        }
    }
    if let Some(v) = options.catalog_version {
        label("catalog-version", v.to_string());
    }

    let profile = RuntimeProfile {
        profile_version: super::PROFILE_VERSION,
        server: ServerRef {
            name: m.server.name.clone(),
            version: m.server.version.clone(),
            title: m.server.title.clone(),
            description: m.server.description.clone(),
            repository: m
                .server
                .extra
                .get("repository")
                .and_then(|r| r.get("url"))
                .and_then(|u| u.as_str())
                .map(str::to_owned),
            slug,
        },
        image,
        transport,
        user: UserSpec { uid, gid: uid },
        filesystem: RootFilesystem {
            read_only: true,
            tmpfs: vec![Tmpfs {
                path: "/tmp".into(),
                size_bytes: TMP_SIZE_BYTES,
                options: vec!["noexec".into(), "nosuid".into(), "nodev".into()],
            }],
        },
        security: SecurityOptions {
            capabilities_drop: vec!["ALL".into()],
            capabilities_add: Vec::new(),
            no_new_privileges: true,
            seccomp: "runtime-default".into(),
            privileged: false,
        },
        resources,
        network,
        mounts,
        secrets,
        env,
        args,
        labels,
        warnings,
    };
    check_mount_points(&profile)?;
    check_renderable(&profile)?;
    Ok(profile)
}

/// Two things mounted at one path: every engine refuses it, so refuse it here with the paths.
fn check_mount_points(p: &RuntimeProfile) -> Result<(), ProfileError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let tmpfs = p
        .filesystem
        .tmpfs
        .iter()
        .map(|t| (t.path.clone(), "the tmpfs".to_owned(), String::new()));
    let mounts = p.mounts.iter().enumerate().map(|(i, m)| {
        (
            m.container_path.clone(),
            format!("mount {i}"),
            ext(&format!("/filesystem/mounts/{i}/containerPath")),
        )
    });
    let secrets = p
        .secrets
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.delivery {
            SecretDelivery::File { path, .. } => Some((
                path.clone(),
                format!("secret `{}`", s.name),
                ext(&format!("/secrets/{i}/path")),
            )),
            SecretDelivery::Env { .. } => None,
        });
    for (path, what, pointer) in tmpfs.chain(mounts).chain(secrets) {
        // `//tmp`, `/tmp/.` and `/tmp/` are all `/tmp` to the engine.
        let parts: Vec<&str> = path
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        let key = format!("/{}", parts.join("/"));
        if let Some(first) = seen.insert(key, what.clone()) {
            return Err(ProfileError::Unrenderable {
                path: pointer,
                reason: format!("{what} and {first} are both mounted at `{path}`"),
            });
        }
    }
    Ok(())
}

/// Signer labels from the provenance policy: identity and issuer, or the key's fingerprint.
fn signer_labels(p: &ProvenancePolicy) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(id) = &p.certificate_identity {
        out.push(("signer-identity", id.clone()));
    }
    if let Some(re) = &p.certificate_identity_regexp {
        out.push(("signer-identity-regexp", re.clone()));
    }
    if let Some(iss) = &p.certificate_oidc_issuer {
        out.push(("signer-issuer", iss.clone()));
    }
    if let Some(re) = &p.certificate_oidc_issuer_regexp {
        out.push(("signer-issuer-regexp", re.clone()));
    }
    if let Some(pem) = &p.public_key {
        out.push(("signer-key", key_fingerprint(pem)));
    }
    out
}

/// SHA-256 of the DER inside a PEM public key (of the PEM text when it does not decode).
fn key_fingerprint(pem: &str) -> String {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.trim().chars())
        .collect();
    match base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
        Ok(der) => Digest::of(&der).to_string(),
        Err(_) => Digest::of(pem.as_bytes()).to_string(),
    }
}

/// Characters of the readable part of an identifier.
const READABLE_PREFIX_LEN: usize = 30;

/// The identifier of a server where only a DNS label fits: its Compose
/// service, Kubernetes Pod, NetworkPolicy and Secret, its secret directory on
/// the host, its Docker MCP catalog name. See [`identifier`].
pub(crate) fn slug(name: &str) -> String {
    identifier(&[name])
}

/// A DNS label (`[a-z0-9-]`, at most 63 characters) naming `parts` and
/// nothing else: a readable prefix of at most 30 characters (the first
/// part's text after its last `/`, then the other parts), then the first 128
/// bits of SHA-256 over the exact parts, length-prefixed, in hex.
///
/// The readable prefix folds case, maps every other character to `-` and
/// leaves the namespace out, so on its own it would give
/// `io.github.acme-weather/_` and `io.github.acme/weather` one name, and with it one server the other's
/// secret files, volumes and NetworkPolicy. The hash is what keeps distinct
/// names apart (a collision needs about 2^64 work); the prefix is for people.
pub(crate) fn identifier(parts: &[&str]) -> String {
    // The server part of a name says most in few characters: the namespace
    // is in the hash (and in every label), not in the prefix.
    let mut shown: Vec<&str> = parts.to_vec();
    if let Some(first) = shown.first_mut() {
        *first = first.rsplit('/').next().unwrap_or(first);
    }
    let mut readable = String::new();
    for c in shown.join("-").chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            readable.push(c);
        } else if !readable.ends_with('-') {
            readable.push('-');
        }
    }
    let readable = readable.trim_start_matches('-');
    let cut = readable
        .char_indices()
        .nth(READABLE_PREFIX_LEN)
        .map_or(readable.len(), |(i, _)| i);
    let prefix = readable[..cut].trim_end_matches('-');
    let prefix = if prefix.is_empty() { "mcp" } else { prefix };
    let mut input = Vec::new();
    for part in parts {
        input.extend_from_slice(&(part.len() as u64).to_be_bytes());
        input.extend_from_slice(part.as_bytes());
    }
    let hash = Digest::of(&input);
    format!("{prefix}-{}", &hash.hex()[..32])
}

/// Identifier of a server's mount: its named volume, or its Kubernetes PersistentVolumeClaim.
pub(crate) fn mount_identifier(server: &str, container_path: &str) -> String {
    identifier(&[server, container_path])
}

fn check_overrides(sec: &SecurityExtension, options: &ProfileOptions) -> Result<(), ProfileError> {
    let declared_secrets: BTreeSet<&str> = sec.secrets.iter().map(|s| s.name.as_str()).collect();
    for (name, file) in &options.secret_files {
        if !declared_secrets.contains(name.as_str()) {
            return Err(ProfileError::SecretUnknown {
                name: name.clone(),
                declared: list_or_none(declared_secrets.iter().copied()),
            });
        }
        check_host_path(file).map_err(|reason| ProfileError::OverrideInvalid {
            flag: "--secret",
            value: format!("{name}={file}"),
            reason,
        })?;
        if let Some(reason) = secret_file_problem(file) {
            return Err(ProfileError::OverrideInvalid {
                flag: "--secret",
                value: format!("{name}={file}"),
                reason,
            });
        }
    }
    let declared_mounts: BTreeSet<&str> = sec
        .filesystem
        .mounts
        .iter()
        .map(|m| m.container_path.as_str())
        .collect();
    for (container, host) in &options.mount_sources {
        if !declared_mounts.contains(container.as_str()) {
            return Err(ProfileError::MountUnknown {
                container_path: container.clone(),
                declared: list_or_none(declared_mounts.iter().copied()),
            });
        }
        let value = format!("{container}={host}");
        check_host_path(host).map_err(|reason| ProfileError::OverrideInvalid {
            flag: "--mount",
            value: value.clone(),
            reason,
        })?;
        if let Some(why) = host_mount_problem(host) {
            return Err(ProfileError::OverrideInvalid {
                flag: "--mount",
                value,
                reason: format!(
                    "{why}; mount a directory made for the server (docs/profiles.md lists what is refused)"
                ),
            });
        }
    }
    Ok(())
}

/// A declared uid that would own someone else's files on the host needs the operator's approval.
fn check_user(uid: u32, options: &ProfileOptions) -> Result<(), ProfileError> {
    if options.allowed_user == Some(uid) {
        return Ok(());
    }
    let why = if uid == 65534 {
        "it is 65534, `nobody`, the owner the kernel and NFS give files of unmapped users"
            .to_owned()
    } else if uid < 1000 {
        "it is below 1000, the range of the host's system accounts".to_owned()
    } else if uid <= MAX_ACCOUNT_UID {
        format!("it is in 1000..={MAX_ACCOUNT_UID}, the range of the host's user accounts")
    } else if options.rendering_uid == Some(uid) {
        "it is the uid of the user rendering this profile".to_owned()
    } else {
        return Ok(());
    };
    Err(ProfileError::UserNeedsApproval { uid, why })
}

/// Why a host file may not be bound as a secret: a secret is one file. A
/// directory would hand over all it holds, and a socket, device or FIFO is a
/// way to a host service; read-only does not stop `connect()` on a socket.
/// Checked as written, lexically normalised and after the rendering host
/// resolves symbolic links; a file that does not exist yet (the gateway
/// writes it later) must not be in a kernel filesystem or carry a socket name.
/// Other directories (`/etc`, a home) are the operator's choice for secrets.
fn secret_file_problem(file: &str) -> Option<String> {
    // As written, lexically normalised (`//proc`, `/./proc`), and once the
    // rendering host resolves symbolic links.
    let mut spellings = vec![lexical_path(file)];
    if let Some(real) = resolved(file) {
        spellings.push(lexical_path(&real));
    }
    for path in &spellings {
        if ["/proc", "/sys", "/dev"]
            .iter()
            .any(|r| path == r || path.starts_with(&format!("{r}/")))
        {
            return Some(format!(
                "`{path}` is in a kernel filesystem (/proc, /sys, /dev), not a file of secrets"
            ));
        }
        if is_socket_name(path.rsplit('/').next().unwrap_or_default()) {
            return Some(format!(
                "`{path}` is named like a socket; a secret is a regular file"
            ));
        }
    }
    match std::fs::metadata(file) {
        Ok(meta) if !meta.is_file() => Some(format!(
            "`{file}` on this host is not a regular file (a directory, socket, device or FIFO); a secret is one file"
        )),
        _ => None,
    }
}

/// `host` with symbolic links resolved on this host, up to its deepest
/// existing ancestor (the rest appended as written).
fn resolved(host: &str) -> Option<String> {
    let path = std::path::Path::new(host);
    let mut existing = path;
    let mut rest = Vec::new();
    let mut real = loop {
        match std::fs::canonicalize(existing) {
            Ok(real) => break real,
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => return None,
            },
        }
    };
    for name in rest.iter().rev() {
        real.push(name);
    }
    real.to_str().map(str::to_owned)
}

/// Why a host path may not be mounted: as written, or once the rendering
/// host resolves its symbolic links (a `/srv/data` that links to `/etc`).
fn host_mount_problem(host: &str) -> Option<String> {
    if let Some(why) = sensitive_host_path(host) {
        return Some(why);
    }
    let real_str = resolved(host)?;
    let real = std::path::PathBuf::from(&real_str);
    let real_str = real_str.as_str();
    if real_str != host.trim_end_matches('/')
        && let Some(why) = sensitive_host_path(real_str)
    {
        return Some(format!("it resolves to `{real_str}` on this host: {why}"));
    }
    // Where it exists, it is a directory or a regular file: never a socket,
    // a device or a FIFO, whatever it is called.
    if let Ok(meta) = std::fs::metadata(&real)
        && !meta.is_dir()
        && !meta.is_file()
    {
        return Some(format!(
            "`{real_str}` on this host is neither a directory nor a regular file (a socket, a device or a FIFO)"
        ));
    }
    let mut budget = 4096;
    sockets_in(&real, 3, &mut budget)
}

/// A socket in a directory on the rendering host, `depth` levels down, of at
/// most `budget` entries: a host service listening there is a way out of the
/// container, whatever the directory is called.
fn sockets_in(dir: &std::path::Path, depth: u32, budget: &mut usize) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    let entries = std::fs::read_dir(dir).ok()?;
    for e in entries.flatten() {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let Ok(t) = e.file_type() else { continue };
        if t.is_socket() {
            return Some(format!(
                "it holds the socket `{}` of a host service on this host",
                e.path().display()
            ));
        }
        if t.is_dir()
            && depth > 1
            && let Some(found) = sockets_in(&e.path(), depth - 1, budget)
        {
            return Some(found);
        }
    }
    None
}

fn list_or_none<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Characters that would change the meaning of a `--mount`, `-v` or `host:container` spec.
fn path_problem(p: &str) -> Option<&'static str> {
    if p.chars().any(|c| c.is_control()) {
        Some("it contains a control character")
    } else if let Some(why) = crate::manifest::rules::path_template(p) {
        Some(why)
    } else if p.contains([',', ':', '"']) {
        Some("it contains `,`, `:` or `\"`, which mount specifications use as separators")
    } else {
        None
    }
}

fn check_host_path(p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        return Err("the host path must be absolute".into());
    }
    if p.split('/').any(|s| s == "..") {
        return Err("the host path contains `..`".into());
    }
    match path_problem(p) {
        Some(why) => Err(format!("the host path is unusable: {why}")),
        None => Ok(()),
    }
}

fn secrets(
    sec: &SecurityExtension,
    slug: &str,
    uid: u32,
    options: &ProfileOptions,
    warnings: &mut Vec<Finding>,
) -> Result<Vec<ProfileSecret>, ProfileError> {
    let mut out = Vec::new();
    for (i, s) in sec.secrets.iter().enumerate() {
        let given = options.secret_files.get(&s.name).cloned();
        let delivery = match s.mode {
            SecretMode::File => {
                let path = s.file_path();
                if let Some(why) = path_problem(&path) {
                    return Err(ProfileError::Unrenderable {
                        path: ext(&format!("/secrets/{i}/path")),
                        reason: format!("secret path `{path}`: {why}"),
                    });
                }
                SecretDelivery::File {
                    path,
                    host_file: given
                        .unwrap_or_else(|| format!("{DEFAULT_SECRET_DIR}/{slug}/{}", s.name)),
                    uid,
                    gid: uid,
                    file_mode: SECRET_FILE_MODE,
                }
            }
            SecretMode::Env => {
                let variable = s.env_var().to_owned();
                warnings.push(
                    Finding::warning(
                        codes::SECRET_ENV,
                        ext(&format!("/secrets/{i}/mode")),
                        format!(
                            "secret `{}` reaches the server as environment variable `{variable}`: the gateway fills it at run time from its secret store (never a literal in the profile), but environments leak to child processes, crash dumps and /proc/<pid>/environ",
                            s.name
                        ),
                    )
                    .hint("if the server can read a file, declare the secret with `\"mode\": \"file\"`"),
                );
                SecretDelivery::Env {
                    variable,
                    env_file: given
                        .unwrap_or_else(|| format!("{DEFAULT_SECRET_DIR}/{slug}/{}.env", s.name)),
                }
            }
        };
        out.push(ProfileSecret {
            name: s.name.clone(),
            required: s.required,
            delivery,
        });
    }
    Ok(out)
}

fn mounts(
    sec: &SecurityExtension,
    server: &str,
    options: &ProfileOptions,
    warnings: &mut Vec<Finding>,
) -> Result<Vec<ProfileMount>, ProfileError> {
    let all_tools_read_only = !sec.tools.is_empty()
        && sec
            .tools
            .iter()
            .all(|t| t.effective_annotations().read_only_hint);
    let mut out = Vec::new();
    for (i, m) in sec.filesystem.mounts.iter().enumerate() {
        if let Some(why) = path_problem(&m.container_path) {
            return Err(ProfileError::Unrenderable {
                path: ext(&format!("/filesystem/mounts/{i}/containerPath")),
                reason: format!("container path `{}`: {why}", m.container_path),
            });
        }
        // Only the operator chooses host directories (`--mount`, checked in
        // `check_overrides`). A manifest's `hostPath` is a suggestion: used as
        // it is, any publisher could name another server's directory (read
        // from its public manifest) and share it. Without `--mount` the mount
        // is a named volume of this server's own.
        let source = match options.mount_sources.get(&m.container_path) {
            Some(host) => MountSource::HostPath(host.clone()),
            None => {
                if let Some(suggested) = &m.host_path {
                    warnings.push(Finding::info(
                        codes::HOST_SETUP,
                        ext(&format!("/filesystem/mounts/{i}/hostPath")),
                        format!(
                            "the manifest suggests host directory `{}` for `{}`; a publisher does not choose host directories, so it is a volume of this server's own until you give one with --mount {}=/absolute/path",
                            crate::profile::comment_safe(suggested),
                            m.container_path,
                            m.container_path
                        ),
                    ));
                }
                MountSource::Volume(mount_identifier(server, &m.container_path))
            }
        };
        let read_only = m.access == Access::ReadOnly || all_tools_read_only;
        if m.access == Access::ReadWrite && read_only {
            warnings.push(Finding::info(
                codes::MOUNT_FORCED_READ_ONLY,
                ext(&format!("/filesystem/mounts/{i}/access")),
                format!(
                    "`{}` is declared read-write but mounted read-only: every tool is `readOnlyHint: true`",
                    m.container_path
                ),
            ));
        }
        out.push(ProfileMount {
            container_path: m.container_path.clone(),
            source,
            read_only,
            declared: m.access,
            description: m.description.clone(),
        });
    }
    Ok(out)
}

/// `{name}` templates and values with a `{…}` inside need input from the user.
fn is_template(v: &str) -> bool {
    v.contains('{') && v.contains('}')
}

fn package_config(
    index: usize,
    p: &Package,
    sec: &SecurityExtension,
    warnings: &mut Vec<Finding>,
) -> Result<(Vec<EnvVar>, Vec<String>), ProfileError> {
    let base = format!("/packages/{index}");
    let secret_vars: BTreeSet<&str> = sec
        .secrets
        .iter()
        .flat_map(|s| [s.name.as_str(), s.env_var()])
        .collect();
    let mut env = Vec::new();
    for (j, ev) in p.environment_variables.iter().enumerate() {
        let path = format!("{base}/environmentVariables/{j}");
        if secret_vars.contains(ev.name.as_str()) {
            continue; // delivered as a declared secret
        }
        if ev.is_secret == Some(true) {
            warnings.push(
                Finding::warning(
                    codes::SECRET_UNDECLARED,
                    path,
                    format!("`{}` is marked secret in the package but not declared under the extension's `secrets`: the profile does not deliver it", ev.name),
                )
                .hint("declare it under `secrets` (file mode if the server can read a file)"),
            );
            continue;
        }
        if !valid_env_name(&ev.name) {
            return Err(ProfileError::Unrenderable {
                path: format!("{path}/name"),
                reason: format!(
                    "`{}` is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
                    ev.name.escape_debug()
                ),
            });
        }
        match &ev.value {
            Some(v) if !is_template(v) => env.push(EnvVar {
                name: ev.name.clone(),
                value: v.clone(),
            }),
            _ => warnings.push(Finding::info(
                codes::INPUT_REQUIRED,
                path,
                format!(
                    "`{}` has no fixed value: the profile leaves it out and the gateway supplies the user's setting",
                    ev.name
                ),
            )),
        }
    }
    let mut args = Vec::new();
    for (j, a) in p.package_arguments.iter().enumerate() {
        let path = format!("{base}/packageArguments/{j}");
        let label = a
            .name
            .clone()
            .or_else(|| a.value.clone())
            .unwrap_or_default();
        if a.extra.get("isSecret").and_then(|v| v.as_bool()) == Some(true) {
            warnings.push(
                Finding::warning(
                    codes::SECRET_UNDECLARED,
                    path,
                    format!("argument `{label}` is a secret: command lines are readable by every process in the container (/proc/<pid>/cmdline), so it is never rendered"),
                )
                .hint("declare it under `secrets` and have the server read a file"),
            );
            continue;
        }
        match (a.kind.as_str(), &a.name, &a.value) {
            (_, _, Some(v)) if is_template(v) => {
                warnings.push(input_required(path, &label));
                continue;
            }
            ("named", Some(n), Some(v)) => args.extend([n.clone(), v.clone()]),
            ("named", Some(n), None) if is_template(n) => {
                warnings.push(input_required(path, &label));
                continue;
            }
            ("named", Some(n), None) if a.default.is_none() => args.push(n.clone()),
            ("positional", _, Some(v)) => args.push(v.clone()),
            _ => {
                warnings.push(input_required(path, &label));
                continue;
            }
        }
    }
    Ok((env, args))
}

fn input_required(path: String, label: &str) -> Finding {
    Finding::info(
        codes::INPUT_REQUIRED,
        path,
        format!("argument `{label}` needs a value from the user: the profile leaves it out"),
    )
}

fn valid_env_name(n: &str) -> bool {
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// No rendered string may hold a NUL byte: argv, YAML and env files cannot carry one.
fn check_renderable(p: &RuntimeProfile) -> Result<(), ProfileError> {
    let value = serde_json::to_value(p).map_err(|e| ProfileError::Unrenderable {
        path: String::new(),
        reason: e.to_string(),
    })?;
    fn walk(v: &serde_json::Value, at: &mut String) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(at.clone()),
            serde_json::Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                let r = walk(x, at);
                at.truncate(len);
                r
            }),
            serde_json::Value::Object(o) => o.iter().find_map(|(k, x)| {
                let len = at.len();
                at.push('/');
                at.push_str(&pointer_token(k));
                let r = walk(x, at);
                at.truncate(len);
                r
            }),
            _ => None,
        }
    }
    match walk(&value, &mut String::new()) {
        Some(at) => Err(ProfileError::Unrenderable {
            path: at,
            reason: "the value contains a NUL byte".into(),
        }),
        None => Ok(()),
    }
}
