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
use crate::manifest::rules::is_sensitive_host_path;
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
}

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
    let mounts = mounts(sec, &slug, options, &mut warnings)?;
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
        let key = path.trim_end_matches('/').to_owned();
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

/// A DNS label from a server name: lowercase `[a-z0-9-]`, at most 63 characters
/// (a hash suffix keeps truncated names distinct).
pub(crate) fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s = s.trim_matches('-').to_owned();
    let s = if s.is_empty() {
        "mcp-server".to_owned()
    } else {
        s
    };
    if s.len() <= 63 {
        return s;
    }
    let hash = Digest::of(name.as_bytes());
    let keep = s[..54].trim_end_matches('-');
    format!("{keep}-{}", &hash.hex()[..8])
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
        if is_sensitive_host_path(host) {
            return Err(ProfileError::OverrideInvalid {
                flag: "--mount",
                value,
                reason: "it exposes the host system or the container engine; mount a directory made for the server".into(),
            });
        }
    }
    Ok(())
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
    slug: &str,
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
        let source = match options
            .mount_sources
            .get(&m.container_path)
            .or(m.host_path.as_ref())
        {
            Some(host) => {
                // Overrides were checked in `check_overrides`; this catches the manifest's suggestion.
                if let Err(why) = check_host_path(host) {
                    return Err(ProfileError::Unrenderable {
                        path: ext(&format!("/filesystem/mounts/{i}/hostPath")),
                        reason: format!(
                            "{why} (`{host}`); give the directory with --mount {}=/absolute/path",
                            m.container_path
                        ),
                    });
                }
                MountSource::HostPath(host.clone())
            }
            None => MountSource::Volume(volume_name(slug, &m.container_path)),
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

/// Named volume for a mount without a host path: `<slug>-<path>`.
fn volume_name(slug: &str, container_path: &str) -> String {
    slug_join(slug, container_path)
}

pub(crate) fn slug_join(a: &str, b: &str) -> String {
    let joined = format!("{a}-{}", self::slug(b));
    if joined.len() <= 63 {
        joined
    } else {
        self::slug(&joined)
    }
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
