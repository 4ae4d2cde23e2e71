//! `docker run` arguments (podman takes the same ones). Docker has no
//! `--secret` for `docker run`, so a file secret is a read-only bind mount
//! of a host file the gateway prepares (owned by the server's uid, mode 0400);
//! `--mount` is used rather than `-v` because it refuses a missing source
//! instead of creating an empty root-owned directory in its place. Docker can
//! give a container no network or a full one, nothing in between: an egress
//! allowlist becomes an internal network whose only exit is the gateway's proxy.

use super::{
    EGRESS_NETWORK, Format, INTERNAL_NETWORK, MountSource, NetworkPolicy, OPEN_NETWORK,
    RuntimeProfile, SecretDelivery, codes, comment_header,
};
use crate::finding::Finding;
use crate::manifest::egress::HostPattern;
use serde_json::Value;

/// Quotes one word for a POSIX shell: unchanged when it holds only characters
/// no shell interprets, otherwise single-quoted with `'` written as `'\''`.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | '.' | '/' | '=' | ':' | ',' | '+' | '@' | '%')
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Network name for `--network`, and the warnings that go with it.
/// Bridge option that leaves the host without an address on the network: an
/// internal network otherwise still reaches every host service listening on
/// all addresses, and other containers' published ports, through the
/// bridge's own address.
pub(crate) const NO_HOST_ADDRESS: &str = "com.docker.network.bridge.inhibit_ipv4";

/// How a server's network is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetworkKind {
    /// The engine's own (`none`).
    Engine,
    /// An internal network of the server's own: no route out.
    Internal,
    /// A network of the server's own with a route out, inter-container traffic off.
    Open,
}

/// The network a server joins: `none`, or a network of its own (internal,
/// or open with inter-container traffic off when it may reach any host). One per server, never shared: servers on one
/// network could reach each other's ports and call each other's tools past
/// the gateway.
pub(crate) fn network_mode(
    p: &RuntimeProfile,
    target: &str,
    warnings: &mut Vec<Finding>,
) -> (String, NetworkKind) {
    let internal = format!("{INTERNAL_NETWORK}-{}", p.server.slug);
    let egress = format!("{EGRESS_NETWORK}-{}", p.server.slug);
    let create = |name: &str| {
        if target == "Compose" {
            "declared `internal: true` in this file".to_owned()
        } else {
            format!("`docker network create --internal -o {NO_HOST_ADDRESS}=true {name}`")
        }
    };
    match &p.network {
        NetworkPolicy::None if p.transport.is_stdio() => ("none".to_owned(), NetworkKind::Engine),
        NetworkPolicy::None => {
            warnings.push(Finding::info(
                codes::HOST_SETUP,
                RuntimeProfile::ext_pointer("/network"),
                format!(
                    "{target}: a {} server without egress still needs the gateway to reach it; it is attached to `{internal}`, an internal network of its own with no route out and no address of the host ({}) that the gateway joins",
                    match p.transport {
                        super::TransportKind::Sse => "sse",
                        _ => "streamable-http",
                    },
                    create(&internal)
                ),
            ));
            (internal, NetworkKind::Internal)
        }
        NetworkPolicy::Egress { allow }
            if allow
                .iter()
                .any(|a| a.parsed.host == HostPattern::Any && a.parsed.port.is_none()) =>
        {
            // Not the engine's default bridge, where every container reaches
            // every other: a network of its own, containers isolated (ICC off).
            let open = format!("{OPEN_NETWORK}-{}", p.server.slug);
            warnings.push(Finding::info(
                codes::HOST_SETUP,
                RuntimeProfile::ext_pointer("/network"),
                format!(
                    "{target}: the server may reach any host; it is attached to `{open}`, a network of its own with inter-container traffic off ({}), not to the shared default bridge",
                    if target == "Compose" {
                        "declared in this file".to_owned()
                    } else {
                        format!("`docker network create -o com.docker.network.bridge.enable_icc=false {open}`")
                    }
                ),
            ));
            (open, NetworkKind::Open)
        }
        NetworkPolicy::Egress { allow } => {
            let list: Vec<&str> = allow.iter().map(|a| a.rule.as_str()).collect();
            warnings.push(super::cannot_express(
                target,
                RuntimeProfile::ext_pointer("/network/egress"),
                "an egress allowlist (a container gets no network or a full one)",
                &format!(
                    "the server is attached to `{egress}`, an internal network of its own with no route out and no address of the host ({}); the gateway must run an egress proxy on it admitting only {} and point the server at it (HTTPS_PROXY/HTTP_PROXY), or the server has no network at all",
                    create(&egress),
                    list.join(", ")
                ),
            ));
            (egress, NetworkKind::Internal)
        }
    }
}

/// Warnings about host files docker mounts as they are.
pub(crate) fn secret_file_setup(p: &RuntimeProfile, target: &str, warnings: &mut Vec<Finding>) {
    for (i, s) in p.secrets.iter().enumerate() {
        if let SecretDelivery::File {
            host_file,
            uid,
            gid,
            file_mode,
            ..
        } = &s.delivery
        {
            let mut note = String::new();
            if target == "Compose" {
                note.push_str("; Docker Compose bind-mounts file secrets and applies `uid`, `gid` and `mode` only under Swarm");
            }
            if !s.required {
                note.push_str("; the secret is optional, but a bind mount needs its source: leave the file empty");
            }
            warnings.push(Finding::info(
                codes::HOST_SETUP,
                RuntimeProfile::ext_pointer(&format!("/secrets/{i}")),
                format!(
                    "{target}: secret `{}` is bind-mounted from `{host_file}`, which must be owned by {uid}:{gid} with mode {file_mode:04o} (`chown {uid}:{gid} {host_file} && chmod {file_mode:04o} {host_file}`){note}",
                    s.name
                ),
            ));
        }
    }
}

/// The argv, grouped one option (with its value) per group, for readable line breaks.
fn argv_groups(p: &RuntimeProfile, warnings: &mut Vec<Finding>) -> Vec<Vec<String>> {
    let mut g: Vec<Vec<String>> = Vec::new();
    let mut opt = |flag: &str, value: String| g.push(vec![flag.to_owned(), value]);
    opt("--user", p.user_string());
    for t in &p.filesystem.tmpfs {
        opt("--tmpfs", format!("{}:{}", t.path, t.option_string()));
    }
    for c in &p.security.capabilities_drop {
        opt("--cap-drop", c.clone());
    }
    opt("--security-opt", "no-new-privileges".into());
    opt("--cpus", format_cpus(p.resources.cpus));
    opt("--memory", p.resources.memory_bytes.to_string());
    opt("--memory-swap", p.resources.memory_bytes.to_string());
    opt("--pids-limit", p.resources.pids.to_string());
    opt("--network", network_mode(p, "docker", warnings).0);
    for m in &p.mounts {
        match &m.source {
            MountSource::HostPath(h) => {
                let mut spec = format!("type=bind,source={h},target={}", m.container_path);
                if m.read_only {
                    spec.push_str(",readonly");
                }
                opt("--mount", spec);
            }
            // `nocopy`: a new volume starts empty instead of a copy of the
            // image's directory, so it only ever holds what a server wrote.
            // `-v` because podman's `--mount type=volume` has no such option;
            // the name and path cannot hold `:` or `,`.
            MountSource::Volume(v) => opt(
                "-v",
                format!(
                    "{v}:{}:{}nocopy",
                    m.container_path,
                    if m.read_only { "ro," } else { "" }
                ),
            ),
        }
    }
    for s in &p.secrets {
        match &s.delivery {
            SecretDelivery::File {
                path, host_file, ..
            } => opt(
                "--mount",
                format!("type=bind,source={host_file},target={path},readonly"),
            ),
            SecretDelivery::Env { env_file, .. } => opt("--env-file", env_file.clone()),
        }
    }
    for e in &p.env {
        opt("--env", format!("{}={}", e.name, e.value));
    }
    for (k, v) in &p.labels {
        opt("--label", format!("{k}={v}"));
    }
    secret_file_setup(p, "docker", warnings);
    let mut head = vec!["docker".to_owned(), "run".to_owned(), "--rm".to_owned()];
    if p.transport.is_stdio() {
        head.push("-i".to_owned());
    }
    head.push("--read-only".to_owned());
    g.insert(0, head);
    g.push(vec![p.image.to_string()]);
    if !p.args.is_empty() {
        g.push(p.args.clone());
    }
    g
}

/// CPUs as docker prints them: `1`, `0.5`, `1.25`.
pub(crate) fn format_cpus(cpus: f64) -> String {
    let millis = super::cpu_millis(cpus);
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        let s = format!("{}.{:03}", millis / 1000, millis % 1000);
        s.trim_end_matches('0').to_owned()
    }
}

pub(super) fn render(p: &RuntimeProfile, warnings: &mut Vec<Finding>) -> (String, Value) {
    let groups = argv_groups(p, warnings);
    let argv: Vec<String> = groups.iter().flatten().cloned().collect();
    let mut text = comment_header(p, Format::Docker.name(), warnings);
    let lines: Vec<String> = groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|w| shell_quote(w))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    text.push_str(&lines.join(" \\\n  "));
    text.push('\n');
    (
        text,
        Value::Array(argv.into_iter().map(Value::String).collect()),
    )
}
