//! Semantic rules: what the JSON Schema cannot say. Each rule adds findings
//! with a stable code (listed in `docs/findings.md`); MCP annotation defaults
//! are applied before any rule looks at a tool.

use super::egress::EgressRule;
use super::{
    Access, Argument, EXTENSION_KEY, Manifest, Network, Package, SecretMode, SecurityExtension,
    parse_memory,
};
use crate::finding::Finding;
use crate::image::{ImageRef, ImageRefError, PinnedImage};
use std::collections::{BTreeMap, BTreeSet};

/// Runs every semantic rule over a parsed manifest.
pub fn check(m: &Manifest, ext: &str, require_extension: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    check_name(&m.server.name, &mut out);
    check_version("/version", &m.server.version, &mut out);
    let pinned = match &m.security {
        Some(sec) => check_extension(sec, ext, &mut out),
        None => {
            let f = Finding::new(
                "extension-missing",
                if require_extension {
                    crate::finding::Severity::Error
                } else {
                    crate::finding::Severity::Warning
                },
                "/_meta",
                format!("no `_meta[\"{EXTENSION_KEY}\"]` security extension: no pinned image, signer or tool surface to verify"),
            )
            .hint("add the extension with at least `image` pinned by digest (docs/manifest.md)");
            out.push(f);
            None
        }
    };
    for (i, p) in m.server.packages.iter().enumerate() {
        check_package(i, p, pinned.as_ref(), m.security.as_ref(), &mut out);
    }
    if let Some(meta) = &m.server.meta {
        for key in meta.keys() {
            // The official registry's own metadata (status, isLatest...) is
            // the registry's to write, beside the manifest, never in it.
            if key.starts_with("io.modelcontextprotocol.registry/")
                && key != "io.modelcontextprotocol.registry/publisher-provided"
            {
                out.push(
                    Finding::error(
                        "meta-reserved",
                        format!("/_meta/{}", crate::finding::pointer_token(key)),
                        format!("`_meta[\"{key}\"]` is the registry's metadata, not the publisher's: a client could take it for the registry's word"),
                    )
                    .hint("remove it; a publisher's own metadata goes under `io.modelcontextprotocol.registry/publisher-provided` or a key of its own"),
                );
            }
        }
    }
    for (i, _) in m.server.remotes.iter().enumerate() {
        out.push(
            Finding::warning(
                "remote-unverified",
                format!("/remotes/{i}"),
                "remote endpoints are reached over the network; nothing about the code behind them can be verified",
            )
            .hint("prefer an OCI package pinned by digest; treat this remote as untrusted code"),
        );
    }
    out
}

fn check_name(name: &str, out: &mut Vec<Finding>) {
    let problem = match name.split_once('/') {
        None => Some("it has no `/` between namespace and server name"),
        Some((_, rest)) if rest.contains('/') => Some("it has more than one `/`"),
        Some((ns, server)) => {
            let labels: Vec<&str> = ns.split('.').collect();
            if labels.len() < 2
                || labels.iter().any(|l| {
                    l.is_empty() || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
            {
                Some(
                    "the namespace is not reverse-DNS (dot-separated labels of letters, digits and '-', at least two)",
                )
            } else if server.is_empty()
                || !server
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                Some("the server name must be letters, digits, '.', '_' or '-'")
            } else {
                None
            }
        }
    };
    if let Some(why) = problem {
        out.push(
            Finding::error(
                "name-invalid",
                "/name",
                format!("name `{name}` is invalid: {why}"),
            )
            .hint(
                "use reverse-DNS of a domain or account you control, e.g. `io.github.acme/weather`",
            ),
        );
    }
}

fn check_version(path: &str, version: &str, out: &mut Vec<Finding>) {
    let v = version.trim();
    let why = if v.is_empty() {
        Some("it is empty")
    } else if version.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("it contains whitespace or control characters")
    } else if v.eq_ignore_ascii_case("latest") {
        Some("`latest` is not a version")
    } else if v.chars().all(|c| c == '.') {
        // `.` and `..` are path segments every URL parser removes: the
        // version's own URL would name another resource.
        Some("it is made of dots only")
    } else if !version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'))
        && !version.contains(['^', '~', '>', '<', '=', '*', '|', ','])
    {
        // Versions appear in URL paths and in what people compare by eye:
        // `/`, `%`, `?`, `#` or an invisible or right-to-left character has
        // no business there.
        Some("it has characters other than ASCII letters, digits, '.', '-', '+' and '_'")
    } else if v.contains(['^', '~', '>', '<', '=', '*', ' ', '|', ',']) {
        Some("it looks like a range")
    } else if v
        .split(['.', '-', '+'])
        .any(|part| part.eq_ignore_ascii_case("x"))
    {
        Some("`x` is a wildcard")
    } else {
        None
    };
    if let Some(why) = why {
        out.push(
            Finding::error(
                "version-not-exact",
                path,
                format!("version `{version}` is not exact: {why}"),
            )
            .hint("give one exact version such as `1.4.2`"),
        );
    }
}

fn check_extension(
    sec: &SecurityExtension,
    ext: &str,
    out: &mut Vec<Finding>,
) -> Option<PinnedImage> {
    let pinned = check_image(&sec.image, &format!("{ext}/image"), out);
    check_provenance(sec, ext, out);
    check_tools(sec, ext, out);
    check_network(&sec.network, ext, out);
    check_mounts(sec, ext, out);
    check_secrets(sec, ext, out);
    check_resources(sec, ext, out);
    if let Some(uid) = sec.user
        && uid > 2_147_483_647
    {
        out.push(
            Finding::error(
                "user-invalid",
                format!("{ext}/user"),
                format!(
                    "uid {uid} is above 2147483647, which container runtimes and Kubernetes refuse"
                ),
            )
            .hint("give the uid the image's user has"),
        );
    }
    if sec.user == Some(0) {
        out.push(
            Finding::error(
                "user-root",
                format!("{ext}/user"),
                "the server would run as root (uid 0)",
            )
            .hint("remove `user` (65532 is used) or give a non-zero uid the image supports"),
        );
    }
    pinned
}

fn check_image(image: &str, path: &str, out: &mut Vec<Finding>) -> Option<PinnedImage> {
    match PinnedImage::parse(image) {
        Ok(p) => Some(p),
        Err(e) => {
            let (code, hint) = match &e {
                ImageRefError::TagOnly { .. } => (
                    "image-tag-only",
                    "pin the digest: `repo@sha256:<digest>` (e.g. from `skopeo inspect` or your build's output)",
                ),
                ImageRefError::Latest { .. } => (
                    "image-latest",
                    "pin the digest: `repo@sha256:<digest>`; `latest` changes under you",
                ),
                ImageRefError::BadDigest { .. } => (
                    "image-digest-invalid",
                    "the digest is `sha256:` and 64 lowercase hex digits",
                ),
                ImageRefError::Malformed { .. } => (
                    "image-reference-invalid",
                    "write `registry/repository@sha256:<digest>`",
                ),
            };
            out.push(Finding::error(code, path, e.to_string()).hint(hint));
            None
        }
    }
}

fn check_provenance(sec: &SecurityExtension, ext: &str, out: &mut Vec<Finding>) {
    let path = format!("{ext}/provenance");
    let Some(p) = &sec.provenance else {
        out.push(
            Finding::warning(
                "provenance-missing",
                path,
                "no signer policy: only the registry namespace's binding will say who may sign",
            )
            .hint("add `certificateIdentity` and `certificateOidcIssuer` (or `publicKey`)"),
        );
        return;
    };
    let mut bad = |code: &str, sub: &str, msg: String, hint: &str| {
        out.push(Finding::error(code, format!("{path}{sub}"), msg).hint(hint));
    };
    let identity =
        p.certificate_identity.is_some() as u8 + p.certificate_identity_regexp.is_some() as u8;
    let issuer = p.certificate_oidc_issuer.is_some() as u8
        + p.certificate_oidc_issuer_regexp.is_some() as u8;
    if p.public_key.is_some() {
        if identity + issuer > 0 {
            bad("provenance-invalid", "", "a public key and a keyless identity are both given; a signature is checked against one or the other".into(), "keep `publicKey` or the certificate fields, not both");
        }
        if let Some(pem) = &p.public_key
            && !(pem.trim_start().starts_with("-----BEGIN PUBLIC KEY-----")
                && pem.trim_end().ends_with("-----END PUBLIC KEY-----"))
        {
            bad(
                "provenance-invalid",
                "/publicKey",
                "`publicKey` is not a PEM `PUBLIC KEY` block".into(),
                "paste the output of `cosign public-key` or `openssl pkey -pubout`",
            );
        }
    } else {
        if identity != 1 {
            bad(
                "provenance-invalid",
                "",
                format!(
                    "give exactly one of `certificateIdentity` and `certificateIdentityRegexp` ({identity} given)"
                ),
                "keyless signatures are bound to one identity policy",
            );
        }
        if issuer != 1 {
            bad(
                "provenance-invalid",
                "",
                format!(
                    "give exactly one of `certificateOidcIssuer` and `certificateOidcIssuerRegexp` ({issuer} given)"
                ),
                "e.g. `https://token.actions.githubusercontent.com` for GitHub Actions",
            );
        }
    }
    for (sub, re) in [
        ("/certificateIdentityRegexp", &p.certificate_identity_regexp),
        (
            "/certificateOidcIssuerRegexp",
            &p.certificate_oidc_issuer_regexp,
        ),
    ] {
        if let Some(re) = re
            && let Err(e) = crate::signature::anchored_regex(re)
        {
            bad(
                "provenance-invalid",
                sub,
                format!("regexp does not compile: {e}"),
                "regexps are matched whole, as `^(?:RE)$`",
            );
        }
    }
}

fn check_tools(sec: &SecurityExtension, ext: &str, out: &mut Vec<Finding>) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, t) in sec.tools.iter().enumerate() {
        let path = format!("{ext}/tools/{i}");
        if t.name.is_empty()
            || t.name.len() > 128
            || !t
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            out.push(
                Finding::error("tool-name-invalid", format!("{path}/name"), format!("tool name `{}` is not 1-128 of A-Z a-z 0-9 _ - .", t.name.escape_debug()))
                    .hint("MCP tool names are plain ASCII identifiers; anything else can hide or imitate another tool"),
            );
        }
        if let Some(first) = seen.insert(t.name.as_str(), i) {
            out.push(
                Finding::error(
                    "tool-name-duplicate",
                    format!("{path}/name"),
                    format!(
                        "tool `{}` is declared again (first at index {first})",
                        t.name
                    ),
                )
                .hint("a client calls tools by name; two with one name make the call ambiguous"),
            );
        }
        if t.input_schema.get("type").and_then(|v| v.as_str()) != Some("object") {
            out.push(
                Finding::error(
                    "tool-input-schema-invalid",
                    format!("{path}/inputSchema"),
                    "`inputSchema` must be a JSON Schema with `\"type\": \"object\"`",
                )
                .hint("MCP tool arguments are always an object"),
            );
        }
        if let Some(a) = &t.annotations
            && a.read_only_hint == Some(true)
            && a.destructive_hint == Some(true)
        {
            out.push(
                Finding::warning("annotations-contradict", format!("{path}/annotations"), format!("tool `{}` says it is read-only and destructive", t.name))
                    .hint("a read-only tool cannot destroy anything; drop `destructiveHint` or `readOnlyHint`"),
            );
        }
    }
}

fn check_network(network: &Network, ext: &str, out: &mut Vec<Finding>) {
    let Network::Egress(entries) = network else {
        return;
    };
    let mut seen = BTreeSet::new();
    for (i, e) in entries.iter().enumerate() {
        let path = format!("{ext}/network/egress/{i}");
        match EgressRule::parse(e) {
            Err(why) => out.push(
                Finding::error(
                    "egress-invalid",
                    path,
                    format!("egress entry `{}` is invalid: {why}", e.escape_debug()),
                )
                .hint("use `host`, `host:port`, `*.domain[:port]` or `*:port`"),
            ),
            Ok(rule) => {
                if rule.local_target() == Some(super::egress::METADATA) {
                    out.push(
                        Finding::error(
                            "egress-metadata",
                            path.clone(),
                            format!("`{rule}` is a cloud metadata service: it hands out the node's credentials and configuration to whoever asks from the node"),
                        )
                        .hint("no MCP server needs the metadata service; remove the entry"),
                    );
                } else if let Some(what) = rule.local_target() {
                    out.push(
                        Finding::warning(
                            "egress-local",
                            path.clone(),
                            format!("`{rule}` is {what}: in a container that is the container itself, the host or the cloud's metadata service, not a service on the internet"),
                        )
                        .hint("a server that needs a service on the gateway's host should get it by name from the operator; metadata services hand out the node's credentials"),
                    );
                }
                if rule.is_any_host() && rule.port.is_none() {
                    out.push(
                        Finding::warning(
                            "network-open",
                            path,
                            "`*` allows every destination: the server is not network-isolated",
                        )
                        .hint("list the hosts the server talks to"),
                    );
                } else if rule.is_any_host() {
                    out.push(
                        Finding::warning(
                            "egress-any-host",
                            path,
                            format!("`{rule}` allows any host on that port"),
                        )
                        .hint("name the hosts if you know them"),
                    );
                } else if !seen.insert(rule.to_string()) {
                    out.push(Finding::info(
                        "egress-duplicate",
                        path,
                        format!("`{rule}` is listed twice"),
                    ));
                }
            }
        }
    }
}

/// Host directories that neither a manifest nor an operator's `--mount` may
/// bind into a server, nor anything under them: the system, every user's home,
/// the runtime state and sockets of container engines and the kubelet, and the
/// directory this project's profiles keep secrets in. Compared by path
/// component and without regard to case (`/etc` and `/ETC` on a host that
/// folds case, such as Docker Desktop's file sharing, are one directory).
pub const SENSITIVE_HOST_ROOTS: &[&str] = &[
    "/etc",
    "/root",
    "/home",
    "/users",
    "/usr",
    "/boot",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/var/run",
    "/run/user",
    "/run/docker",
    "/run/containerd",
    "/run/crio",
    "/run/podman",
    "/run/mcp-trust",
    // Where profiles keep secret files (`profile::DEFAULT_SECRET_DIR`; a
    // profile test checks the two agree).
    "/run/mcp-trust/secrets",
    "/var/lib/docker",
    "/var/lib/containers",
    "/var/lib/containerd",
    "/var/lib/kubelet",
    "/var/lib/rancher",
    "/var/lib/cni",
    "/var/lib/etcd",
    "/var/lib/lxd",
    "/var/lib/incus",
    "/var/lib/libvirt",
    "/var/log",
    "/var/home",
    "/var/roothome",
    "/sysroot",
    "/ostree",
    "/mnt/wsl",
    "/mnt/wslg",
    "/var/lib/waagent",
    "/var/lib/cloud",
    "/var/lib/amazon",
    "/var/lib/kubernetes",
    "/var/lib/kube-proxy",
    "/var/lib/tailscale",
    "/var/lib/snapd",
    "/var/lib/flatpak",
    "/var/lib/systemd",
    "/var/lib/private",
    "/var/lib/lxcfs",
    "/var/lib/machines",
    "/var/lib/lxc",
    "/var/lib/vz",
    "/var/lib/nova",
    "/var/lib/iwd",
    "/var/lib/zerotier-one",
    "/var/lib/tor",
    "/var/lib/sss",
    "/var/lib/samba",
    "/var/lib/ldap",
    "/var/kerberos",
    "/var/lib/nomad",
    "/var/lib/consul",
    "/var/lib/vault",
    "/var/lib/ceph",
    "/var/lib/rook",
    "/var/lib/longhorn",
    "/var/lib/cri-o",
    "/var/lib/pve-cluster",
    "/var/lib/dpkg",
    "/var/lib/rpm",
    "/var/opt",
    "/var/cache",
    "/mnt/host",
    "/mnt/mac",
    "/var/lib/k0s",
    "/var/lib/minikube",
    "/var/lib/buildkit",
    "/var/lib/nerdctl",
    "/opt/cni",
    "/var/spool",
    "/var/backups",
    "/tmp/.x11-unix",
    "/tmp/.ice-unix",
    "/nix",
    "/host_mnt",
    "/var/folders",
    "/snap",
    "/var/snap",
    "/private",
    "/system",
    "/library",
];

/// Host directories that may not be bound themselves (what is under them may):
/// they hold every other service's data.
pub const SENSITIVE_HOST_DIRS: &[&str] = &[
    "/", "/var", "/var/lib", "/tmp", "/var/tmp", "/opt", "/srv", "/mnt", "/media", "/volumes",
];

/// Directories of a Windows drive mounted under WSL (`/mnt/c/...`): the
/// user's profile, the system, installed programs. Files there are writable
/// by every uid of the Linux side.
const WINDOWS_DRIVE_DIRS: &[&str] = &[
    "users",
    "windows",
    "programdata",
    "program files",
    "program files (x86)",
];

/// Directory names that hold credentials wherever they are: `~/.ssh`, cloud
/// and cluster configuration, engine credentials.
pub const CREDENTIAL_DIRS: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".gcloud",
    ".netrc",
    ".git-credentials",
];

/// `p` lowercase, absolute, with empty and `.` components dropped and `..`
/// applied: `/SRV/./x//../etc` is `/etc`.
pub fn lexical_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let lower = p.to_lowercase();
    for seg in lower.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A file name (lowercase) that names a socket: `*.sock`, `*.socket`,
/// `*_socket`, `*-socket`, `sock`, `socket`, or `*.sock.*` (`containerd.sock.ttrpc`).
pub fn is_socket_name(name: &str) -> bool {
    name.ends_with(".sock")
        || name.ends_with(".socket")
        || name.ends_with("_socket")
        || name.ends_with("-socket")
        || name.contains(".sock.")
        || name == "sock"
        || name == "socket"
}

/// True when `host` is or is under a sensitive root, is a shared system
/// directory, passes through a credential directory, or names a socket.
pub fn is_sensitive_host_path(host: &str) -> bool {
    sensitive_host_path(host).is_some()
}

/// Why `host` may not be bound into a server, or `None` when it may. `.`,
/// `..` and repeated `/` are resolved first (lexically: `/data/../etc` is
/// `/etc`), so no spelling walks around the list; symbolic links on the
/// rendering host are resolved by the profile renderer.
pub fn sensitive_host_path(host: &str) -> Option<String> {
    let norm = lexical_path(host);
    if SENSITIVE_HOST_DIRS.contains(&norm.as_str()) {
        return Some(format!(
            "`{norm}` holds every other service's data; bind a directory made for the server"
        ));
    }
    if let Some(root) = SENSITIVE_HOST_ROOTS
        .iter()
        .find(|r| norm == **r || norm.starts_with(&format!("{r}/")))
    {
        return Some(format!(
            "it is under `{root}`, which holds the host system, users' homes, or a container engine's state and sockets"
        ));
    }
    let segments: Vec<&str> = norm.split('/').filter(|s| !s.is_empty()).collect();
    let windows_drive = match segments.as_slice() {
        ["mnt", drive, rest @ ..] | [drive, rest @ ..] => {
            drive.len() == 1
                && drive.chars().all(|c| c.is_ascii_alphabetic())
                && (rest.is_empty() || WINDOWS_DRIVE_DIRS.contains(&rest[0]))
        }
        _ => false,
    };
    if let Some(drive) = segments
        .iter()
        .find(|s| s.len() == 1)
        .filter(|_| windows_drive)
    {
        return Some(format!(
            "it is a Windows drive under WSL (`/mnt/{drive}` or `/{drive}`), its system or its users' profiles"
        ));
    }
    if let Some(dir) = segments
        .iter()
        .find(|s| [".x11-unix", ".ice-unix", "shared-sockets"].contains(s))
    {
        return Some(format!(
            "it passes through `{dir}`, a directory of sockets of host services"
        ));
    }
    if let Some(dir) = segments.iter().find(|s| CREDENTIAL_DIRS.contains(s)) {
        return Some(format!(
            "it passes through `{dir}`, which holds credentials"
        ));
    }
    if let Some(last) = segments.last()
        && is_socket_name(last)
    {
        return Some(format!(
            "`{last}` is a socket name: a socket of a host service is a way out of the container"
        ));
    }
    None
}

fn normalize_abs(p: &str) -> Option<String> {
    if !p.starts_with('/') {
        return None;
    }
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if parts.contains(&"..") {
        return None;
    }
    Some(format!("/{}", parts.join("/")))
}

/// `$`, `{` and `}` in a path: Compose substitutes `$VAR` and `${VAR}` from
/// the operator's environment, Docker's MCP gateway fills `{{…}}` from its
/// configuration, so a path holding them is a template, not a path.
pub fn path_template(p: &str) -> Option<&'static str> {
    p.contains(['$', '{', '}']).then_some(
        "it contains `$`, `{` or `}`, which Compose and Docker's MCP gateway read as variables or templates",
    )
}

fn check_container_path(p: &str) -> Option<&'static str> {
    if !p.starts_with('/') {
        return Some("it is not absolute");
    }
    if let Some(why) = path_template(p) {
        return Some(why);
    }
    if p.split('/').any(|s| s == "..") {
        return Some("it contains `..`");
    }
    match normalize_abs(p).as_deref() {
        Some("/") => Some("it would replace the root filesystem"),
        Some(n)
            if ["/proc", "/sys", "/dev"]
                .iter()
                .any(|s| n == *s || n.starts_with(&format!("{s}/"))) =>
        {
            Some("it shadows a kernel filesystem")
        }
        // A volume over the image's programs, libraries or configuration
        // would let a server plant files that outlive it (the engine copies
        // the image's files into a new volume) or replace what the runtime
        // reads (`/etc/passwd`, `/etc/ld.so.preload`, `/etc/resolv.conf`).
        Some(n)
            if [
                "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
            ]
            .iter()
            .any(|s| n == *s || n.starts_with(&format!("{s}/"))) =>
        {
            Some("it covers the image's programs, libraries or system configuration")
        }
        _ => None,
    }
}

fn check_mounts(sec: &SecurityExtension, ext: &str, out: &mut Vec<Finding>) {
    let all_read_only = !sec.tools.is_empty()
        && sec
            .tools
            .iter()
            .all(|t| t.effective_annotations().read_only_hint);
    let mut seen = BTreeSet::new();
    for (i, m) in sec.filesystem.mounts.iter().enumerate() {
        let path = format!("{ext}/filesystem/mounts/{i}");
        if let Some(why) = check_container_path(&m.container_path) {
            out.push(
                Finding::error(
                    "mount-path-invalid",
                    format!("{path}/containerPath"),
                    format!("container path `{}` is invalid: {why}", m.container_path),
                )
                .hint("use an absolute path under a directory of the server's own, e.g. `/data`"),
            );
        } else if !seen.insert(normalize_abs(&m.container_path)) {
            out.push(Finding::error(
                "mount-duplicate",
                format!("{path}/containerPath"),
                format!("`{}` is mounted twice", m.container_path),
            ));
        }
        if let Some(host) = &m.host_path {
            if let Some(why) = path_template(host) {
                out.push(
                    Finding::error(
                        "mount-path-invalid",
                        format!("{path}/hostPath"),
                        format!("host path `{host}`: {why}"),
                    )
                    .hint("give the real path"),
                );
            } else if host.split('/').any(|s| s == "..") {
                out.push(
                    Finding::error(
                        "mount-path-invalid",
                        format!("{path}/hostPath"),
                        format!("host path `{host}` contains `..`"),
                    )
                    .hint("give the real path"),
                );
            } else if let Some(why) = sensitive_host_path(host) {
                out.push(
                    Finding::error("mount-host-sensitive", format!("{path}/hostPath"), format!("host path `{host}` may not be mounted: {why}"))
                        .hint("mount a directory made for the server (e.g. under /srv or /mnt); never a system directory, a home directory, an engine's state or socket (docs/profiles.md lists them)"),
                );
            }
        }
        if m.access == Access::ReadWrite && all_read_only {
            out.push(
                Finding::warning("mount-rw-readonly-server", format!("{path}/access"), "read-write mount on a server whose tools are all `readOnlyHint: true`; it will be mounted read-only")
                    .hint("declare `read-only`, or mark the tools that write"),
            );
        }
    }
}

fn valid_secret_name(n: &str) -> bool {
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && n.len() <= 128
        // `NAME.env` is the host file of env-mode secret `NAME`.
        && !n.to_ascii_lowercase().ends_with(".env")
}

fn check_secrets(sec: &SecurityExtension, ext: &str, out: &mut Vec<Finding>) {
    let mut seen = BTreeMap::new();
    for (i, s) in sec.secrets.iter().enumerate() {
        let path = format!("{ext}/secrets/{i}");
        if !valid_secret_name(&s.name) {
            out.push(
                Finding::error(
                    "secret-name-invalid",
                    format!("{path}/name"),
                    format!(
                        "secret name `{}` is not [A-Za-z_][A-Za-z0-9_.-]* (at most 128 characters, not ending in `.env`, which names env-mode secret files)",
                        s.name.escape_debug()
                    ),
                )
                .hint("secret names become file names and variable names; keep them plain"),
            );
        }
        // Compared without case: secret names become file names on hosts that
        // fold case and Docker MCP catalog secret names, which are lowercase.
        if let Some(first) = seen.insert(s.name.to_ascii_lowercase(), i) {
            out.push(Finding::error(
                "secret-duplicate",
                format!("{path}/name"),
                format!(
                    "secret `{}` is declared again (first at index {first}; names are compared without regard to case)",
                    s.name
                ),
            ));
        }
        match s.mode {
            SecretMode::File => {
                if s.env.is_some() {
                    out.push(
                        Finding::error(
                            "secret-mode-conflict",
                            format!("{path}/env"),
                            "`env` given for a file-mode secret",
                        )
                        .hint("set `\"mode\": \"env\"` or drop `env`"),
                    );
                }
                if let Some(p) = &s.path
                    && let Some(why) = check_container_path(p)
                {
                    out.push(
                        Finding::error(
                            "secret-path-invalid",
                            format!("{path}/path"),
                            format!("secret path `{p}` is invalid: {why}"),
                        )
                        .hint("the default is `/run/secrets/NAME`"),
                    );
                }
            }
            SecretMode::Env => {
                if s.path.is_some() {
                    out.push(
                        Finding::error(
                            "secret-mode-conflict",
                            format!("{path}/path"),
                            "`path` given for an env-mode secret",
                        )
                        .hint("drop `path`, or use file mode (preferred)"),
                    );
                }
                if let Some(v) = &s.env
                    && !valid_env_name(v)
                {
                    out.push(Finding::error(
                        "secret-name-invalid",
                        format!("{path}/env"),
                        format!("`{}` is not an environment variable name", v.escape_debug()),
                    ));
                }
                out.push(
                    Finding::warning("secret-env-mode", format!("{path}/mode"), format!("secret `{}` is read from the environment, which child processes, crash dumps and `/proc/*/environ` can expose", s.name))
                        .hint("if the server can read a file, use file mode; the gateway fills env-mode secrets at run time, never from the manifest"),
                );
            }
        }
    }
}

fn valid_env_name(n: &str) -> bool {
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_resources(sec: &SecurityExtension, ext: &str, out: &mut Vec<Finding>) {
    let r = &sec.resources;
    let path = format!("{ext}/resources");
    if let Some(c) = r.cpus
        && !(c > 0.0 && c <= 256.0)
    {
        out.push(
            Finding::error(
                "resources-invalid",
                format!("{path}/cpus"),
                format!("cpus {c} is outside (0, 256]"),
            )
            .hint("e.g. `0.5` or `2`"),
        );
    }
    if let Some(m) = &r.memory {
        match parse_memory(m) {
            None => out.push(
                Finding::error(
                    "resources-invalid",
                    format!("{path}/memory"),
                    format!("memory `{m}` is not a size"),
                )
                .hint("bytes, or a number with k, m, g, t, Ki, Mi, Gi or Ti (powers of 1024), e.g. `256Mi`"),
            ),
            Some(b) if !(4 << 20..=1 << 40).contains(&b) => out.push(
                Finding::error(
                    "resources-invalid",
                    format!("{path}/memory"),
                    format!("memory `{m}` is outside 4Mi..1Ti"),
                )
                .hint("e.g. `256Mi`"),
            ),
            Some(_) => {}
        }
    }
    if let Some(p) = r.pids
        && !(8..=65536).contains(&p)
    {
        out.push(
            Finding::error(
                "resources-invalid",
                format!("{path}/pids"),
                format!("pids {p} is outside 8..65536"),
            )
            .hint("e.g. `128`"),
        );
    }
}

fn check_package(
    i: usize,
    p: &Package,
    pinned: Option<&PinnedImage>,
    sec: Option<&SecurityExtension>,
    out: &mut Vec<Finding>,
) {
    let path = format!("/packages/{i}");
    if let Some(v) = &p.version {
        check_version(&format!("{path}/version"), v, out);
    }
    if p.registry_type == "oci" {
        match (ImageRef::parse(&p.identifier), pinned) {
            (Err(e), _) => out.push(Finding::error(
                "image-reference-invalid",
                format!("{path}/identifier"),
                e.to_string(),
            )),
            (Ok(r), Some(pin)) => {
                if r.full_repository() != pin.full_repository() {
                    out.push(
                        Finding::error(
                            "package-identifier-mismatch",
                            format!("{path}/identifier"),
                            format!("package names repository `{}` but the pinned image is `{}`", r.full_repository(), pin.full_repository()),
                        )
                        .hint("the OCI package and the security extension must describe the same image"),
                    );
                } else if let Some(d) = &r.digest
                    && d != &pin.digest
                {
                    out.push(Finding::error(
                        "package-identifier-mismatch",
                        format!("{path}/identifier"),
                        format!(
                            "package digest `{d}` differs from the pinned `{}`",
                            pin.digest
                        ),
                    ));
                }
            }
            // Nothing pins the package: a tag can be moved to other bytes
            // after anyone looked at it.
            (Ok(r), None) if r.digest.is_none() && sec.is_none() => out.push(
                Finding::error(
                    "package-identifier-tag-only",
                    format!("{path}/identifier"),
                    format!(
                        "package `{}` names a tag and no security extension pins its digest",
                        p.identifier
                    ),
                )
                .hint("pin the image by digest in the security extension's `image` (or in the identifier itself)"),
            ),
            (Ok(_), None) => {}
        }
    } else {
        out.push(
            Finding::warning(
                "package-unverified",
                format!("{path}/registryType"),
                format!("`{}` package `{}` is not an OCI image: this project verifies no signature for it", p.registry_type, p.identifier),
            )
            .hint("publish the server as an OCI image pinned by digest to have it verified"),
        );
    }
    if !p.runtime_arguments.is_empty() {
        out.push(
            Finding::info("runtime-arguments-ignored", format!("{path}/runtimeArguments"), "publisher runtime arguments are never rendered into a runtime profile")
                .hint("declare what the server needs (network, mounts, secrets, resources) in the security extension instead"),
        );
    }
    let args = &p.runtime_arguments;
    for (j, a) in args.iter().enumerate() {
        if let Some(why) = dangerous_runtime_argument(a, args.get(j + 1)) {
            out.push(
                Finding::error(
                    "runtime-argument-dangerous",
                    format!("{path}/runtimeArguments/{j}"),
                    format!("runtime argument would {why}"),
                )
                .hint("remove it: a server never needs to escape its sandbox"),
            );
        }
    }
    // `$` in what reaches the server's command line or environment: Docker's
    // MCP gateway expands `$VAR` there from its secrets (Go's os.Expand, which
    // has no escape) and Kubernetes expands `$(VAR)`, so `$API_KEY` would put
    // a secret on the command line or in another variable.
    let expands = |field: String, text: &str, out: &mut Vec<Finding>| {
        // `{name}` as the whole value is the official format's placeholder for
        // user input (never rendered); any other brace is a template to
        // Docker's MCP gateway, which also drops lone braces.
        let braces = text.contains(['{', '}']) && !is_placeholder(text);
        if text.contains('$') || braces {
            out.push(
                Finding::error(
                    "package-value-expansion",
                    field,
                    format!("`{}` holds `$`, `{{` or `}}`, which gateways expand from their secrets, variables and configuration", text.escape_debug()),
                )
                .hint("write the value without `$` or braces (a whole-value `{name}` placeholder is fine); a server that needs a secret declares it under `secrets`"),
            );
        }
    };
    for (j, a) in p.package_arguments.iter().enumerate() {
        for (field, v) in [
            ("name", &a.name),
            ("value", &a.value),
            ("default", &a.default),
        ] {
            if let Some(v) = v {
                expands(format!("{path}/packageArguments/{j}/{field}"), v, out);
            }
        }
    }
    for (j, ev) in p.environment_variables.iter().enumerate() {
        for (field, v) in [("value", &ev.value), ("default", &ev.default)] {
            if let Some(v) = v {
                expands(format!("{path}/environmentVariables/{j}/{field}"), v, out);
            }
        }
    }
    let secret_names: BTreeSet<&str> = sec
        .map(|s| {
            s.secrets
                .iter()
                .flat_map(|x| [x.name.as_str(), x.env_var()])
                .collect()
        })
        .unwrap_or_default();
    for (j, ev) in p.environment_variables.iter().enumerate() {
        let is_secret = ev.is_secret == Some(true) || secret_names.contains(ev.name.as_str());
        if !is_secret {
            continue;
        }
        for (field, v) in [("value", &ev.value), ("default", &ev.default)] {
            if v.as_deref()
                .is_some_and(|v| !v.is_empty() && !is_placeholder(v))
            {
                out.push(
                    Finding::error("secret-value-literal", format!("{path}/environmentVariables/{j}/{field}"), format!("secret `{}` has a literal {field}", ev.name))
                        .hint("never put a secret in a manifest: declare it under `secrets` and let the gateway supply it"),
                );
            }
        }
    }
}

/// `{name}`-style references the official format uses for user input are not literals.
fn is_placeholder(v: &str) -> bool {
    v.starts_with('{') && v.ends_with('}') && !v[1..v.len() - 1].contains(['{', '}'])
}

fn dangerous_runtime_argument(a: &Argument, next: Option<&Argument>) -> Option<String> {
    let text = |a: &Argument| -> String {
        let mut s = a.name.clone().unwrap_or_default();
        let v = a.value.clone().or_else(|| a.default.clone());
        if let Some(v) = v {
            if !s.is_empty() {
                s.push('=');
            }
            s.push_str(&v);
        }
        s
    };
    let mut joined = text(a);
    // `--network` + positional `host` given as two arguments.
    if !joined.contains('=')
        && let Some(n) = next
        && n.kind == "positional"
    {
        joined = format!("{joined}={}", text(n));
    }
    let (flag, value) = match joined.split_once(['=', ' ']) {
        Some((f, v)) => (f.trim(), v.trim()),
        None => (joined.trim(), ""),
    };
    let value_lc = value.to_ascii_lowercase();
    match flag {
        "--privileged" => {
            Some("give the container every capability and device (`--privileged`)".into())
        }
        "--network" | "--net" if value_lc == "host" => {
            Some("share the host's network namespace".into())
        }
        "--pid" | "--ipc" | "--uts" | "--userns" | "--cgroupns" if value_lc == "host" => {
            Some(format!("share the host's namespace (`{flag} host`)"))
        }
        "--cap-add" => Some(format!("add capability `{value}`")),
        "--device" => Some(format!("expose host device `{value}`")),
        "--security-opt"
            if ["unconfined", "label=disable", "label:disable"]
                .iter()
                .any(|s| value_lc.contains(s)) =>
        {
            Some(format!("disable a security profile (`{value}`)"))
        }
        "-u" | "--user" if ["0", "root", "0:0", "root:root"].contains(&value_lc.as_str()) => {
            Some("run as root".into())
        }
        "-v" | "--volume" | "--mount" => {
            let host = if flag == "--mount" {
                value
                    .split(',')
                    .find_map(|kv| {
                        kv.strip_prefix("source=")
                            .or_else(|| kv.strip_prefix("src="))
                    })
                    .unwrap_or("")
            } else {
                value.split(':').next().unwrap_or("")
            };
            is_sensitive_host_path(host).then(|| format!("mount host path `{host}`"))
        }
        _ => None,
    }
}

/// Why `c` may not appear in a manifest string that can reach a rendered
/// file, or `None`. Line and paragraph separators end a YAML comment or line
/// as `\n` does in libyaml, PyYAML and Go's YAML; bidi controls make text read
/// differently from how it parses; invisible characters make two names look
/// alike; control characters end lines or fields in one format or another.
pub fn refused_character(c: char, multiline: bool) -> Option<&'static str> {
    match c {
        '\t' => None,
        '\n' | '\r' if multiline => None,
        '\n' | '\r' => Some("a line break"),
        '\u{85}' | '\u{2028}' | '\u{2029}' => Some("a line or paragraph separator"),
        '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            Some("a bidirectional control")
        }
        '\u{ad}' | '\u{180e}' | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' => {
            Some("an invisible character")
        }
        '\u{e0000}'..='\u{e007f}' => Some("a tag character (invisible)"),
        c if c.is_control() => Some("a control character"),
        c if crate::tools::scan::chars::is_invisible(c) => Some("an invisible character"),
        _ => None,
    }
}

/// Fields whose text may span lines: descriptions and PEM keys. Everything
/// else is one line.
const MULTILINE_FIELDS: &[&str] = &["description", "publicKey"];

/// Every string value and object key of the manifest, except the tool
/// surface (scanned by the tool scanner, which reports hidden text there),
/// checked with [`refused_character`]: one finding per string.
pub fn check_characters(value: &serde_json::Value, ext: &str) -> Vec<Finding> {
    fn walk(
        v: &serde_json::Value,
        at: &mut String,
        key: &str,
        tools: &str,
        out: &mut Vec<Finding>,
    ) {
        if at == tools {
            return;
        }
        match v {
            serde_json::Value::String(s) => {
                check_one(s, at, MULTILINE_FIELDS.contains(&key), out);
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    walk(x, at, key, tools, out);
                    at.truncate(len);
                }
            }
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&crate::finding::pointer_token(k));
                    check_one(k, at, false, out);
                    walk(x, at, k, tools, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    fn check_one(s: &str, at: &str, multiline: bool, out: &mut Vec<Finding>) {
        if let Some((i, c, why)) = s
            .chars()
            .enumerate()
            .find_map(|(i, c)| refused_character(c, multiline).map(|why| (i, c, why)))
        {
            out.push(
                Finding::error(
                    "text-character-refused",
                    at.to_owned(),
                    format!(
                        "character {i} is U+{:04X}, {why}: it can change what a rendered profile does or what a reader sees",
                        c as u32
                    ),
                )
                .hint("remove it; names, paths, identities and values are plain text on one line"),
            );
        }
    }
    let mut out = Vec::new();
    walk(
        value,
        &mut String::new(),
        "",
        &format!("{ext}/tools"),
        &mut out,
    );
    out
}
