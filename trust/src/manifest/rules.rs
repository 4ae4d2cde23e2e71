//! Semantic rules: what the JSON Schema cannot say. Each rule adds findings
//! with a stable code (listed in `docs/findings.md`); MCP annotation defaults
//! are applied before any rule looks at a tool.

use super::egress::EgressRule;
use super::validate::ValidateOptions;
use super::{
    Access, Argument, EXTENSION_KEY, Manifest, Network, Package, SecretMode, SecurityExtension,
    parse_memory,
};
use crate::finding::Finding;
use crate::image::{ImageRef, ImageRefError, PinnedImage};
use std::collections::{BTreeMap, BTreeSet};

/// Runs every semantic rule over a parsed manifest.
pub fn check(m: &Manifest, ext: &str, options: ValidateOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    check_name(&m.server.name, &mut out);
    check_version("/version", &m.server.version, &mut out);
    let pinned = match &m.security {
        Some(sec) => check_extension(sec, ext, &mut out),
        None => {
            let f = Finding::new(
                "extension-missing",
                if options.require_extension {
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

const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/home",
    "/var",
    "/var/run",
    "/run",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/var/lib/docker",
    "/var/lib/containers",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd",
    "/run/podman",
    "/var/run/crio",
];

/// True when `host` is `/`, a system directory, or a container-engine socket or state directory.
pub fn is_sensitive_host_path(host: &str) -> bool {
    let norm = normalize_abs(host);
    let norm = norm.as_deref().unwrap_or(host);
    SENSITIVE_HOST_PATHS.contains(&norm)
        || norm.ends_with("docker.sock")
        || norm.ends_with("containerd.sock")
        || norm.ends_with("podman.sock")
        || norm.starts_with("/etc/")
        || norm.starts_with("/proc/")
        || norm.starts_with("/sys/")
        || norm.starts_with("/dev/")
        || norm.starts_with("/boot/")
        || norm.starts_with("/root/")
        || norm.contains("/.ssh")
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

fn check_container_path(p: &str) -> Option<&'static str> {
    if !p.starts_with('/') {
        return Some("it is not absolute");
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
            if host.split('/').any(|s| s == "..") {
                out.push(
                    Finding::error(
                        "mount-path-invalid",
                        format!("{path}/hostPath"),
                        format!("host path `{host}` contains `..`"),
                    )
                    .hint("give the real path"),
                );
            } else if is_sensitive_host_path(host) {
                out.push(
                    Finding::error("mount-host-sensitive", format!("{path}/hostPath"), format!("host path `{host}` exposes the host system or the container engine"))
                        .hint("mount a directory made for the server; never `/`, `/etc`, `/proc`, home directories or an engine socket"),
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
                        "secret name `{}` is not [A-Za-z_][A-Za-z0-9_.-]*",
                        s.name.escape_debug()
                    ),
                )
                .hint("secret names become file names and variable names; keep them plain"),
            );
        }
        if let Some(first) = seen.insert(s.name.as_str(), i) {
            out.push(Finding::error(
                "secret-duplicate",
                format!("{path}/name"),
                format!(
                    "secret `{}` is declared again (first at index {first})",
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
                .hint("bytes, or a number with k, m, g, Ki, Mi or Gi, e.g. `256Mi`"),
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
