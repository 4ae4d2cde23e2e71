//! A ToolHive permission profile (`thv run --permission-profile FILE`):
//! `read`/`write` mounts, outbound network, `privileged: false`. ToolHive
//! enforces the outbound allowlist only with `--isolate-network` (its egress
//! proxy), and matches hosts and ports independently, so `a:443` plus `b:80`
//! also admits `a:80`; the renderer reports every such widening. A permission
//! profile has no field for the user, limits or read-only root: those are
//! reported for the gateway to set. The output is JSON, which has no comments:
//! everything a comment would say is in the warnings on stderr.

use super::docker::secret_file_setup;
use super::{
    Format, MountSource, NetworkPolicy, ProfileError, RuntimeProfile, SecretDelivery, codes,
};
use crate::finding::Finding;
use crate::manifest::egress::HostPattern;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn host_text(h: &HostPattern) -> Option<String> {
    match h {
        HostPattern::Name(n) => Some(n.clone()),
        HostPattern::Subdomains(d) => Some(format!("*.{d}")),
        HostPattern::Ip(ip) => Some(ip.clone()),
        HostPattern::Any => None,
    }
}

fn outbound(p: &RuntimeProfile, warnings: &mut Vec<Finding>) -> Value {
    let NetworkPolicy::Egress { allow } = &p.network else {
        return json!({ "insecure_allow_all": false, "allow_host": [], "allow_port": [] });
    };
    if allow
        .iter()
        .any(|a| a.parsed.host == HostPattern::Any && a.parsed.port.is_none())
    {
        return json!({ "insecure_allow_all": true });
    }
    let path = RuntimeProfile::ext_pointer("/network/egress");
    let mut hosts: Vec<String> = Vec::new();
    let mut ports: BTreeSet<u16> = BTreeSet::new();
    let mut pairs: BTreeSet<(String, Option<u16>)> = BTreeSet::new();
    let mut any_host_rules = Vec::new();
    for a in allow {
        match host_text(&a.parsed.host) {
            Some(h) => {
                if !hosts.contains(&h) {
                    hosts.push(h.clone());
                }
                if let Some(port) = a.parsed.port {
                    ports.insert(port);
                }
                pairs.insert((h, a.parsed.port));
            }
            None => any_host_rules.push(a.rule.clone()),
        }
    }
    if !any_host_rules.is_empty() {
        warnings.push(super::cannot_express(
            "a ToolHive permission profile",
            path.clone(),
            &format!("any-host rules ({})", any_host_rules.join(", ")),
            "they are left out, so only the listed hosts are admitted; name the hosts in the manifest, or have the gateway's egress proxy admit them",
        ));
    }
    let mut widened = Vec::new();
    let mut narrowed = Vec::new();
    for h in &hosts {
        if ports.is_empty() {
            continue;
        }
        if pairs.contains(&(h.clone(), None)) {
            narrowed.push(h.clone());
            continue;
        }
        for port in &ports {
            if !pairs.contains(&(h.clone(), Some(*port))) {
                widened.push(format!("{h}:{port}"));
            }
        }
    }
    if !widened.is_empty() {
        warnings.push(super::cannot_express(
            "a ToolHive permission profile",
            path.clone(),
            "a port per host (hosts and ports are matched independently)",
            &format!(
                "it also admits {}; the gateway's egress proxy must enforce the exact pairs",
                widened.join(", ")
            ),
        ));
    }
    if !narrowed.is_empty() {
        warnings.push(super::cannot_express(
            "a ToolHive permission profile",
            path,
            "a host on any port beside hosts with ports",
            &format!(
                "{} are admitted on ports {} only",
                narrowed.join(", "),
                ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    json!({
        "insecure_allow_all": false,
        "allow_host": hosts,
        "allow_port": ports,
    })
}

pub(super) fn render(
    p: &RuntimeProfile,
    warnings: &mut Vec<Finding>,
) -> Result<(String, Value), ProfileError> {
    let mut read = Vec::new();
    let mut write = Vec::new();
    for m in &p.mounts {
        let source = match &m.source {
            MountSource::HostPath(h) => h.clone(),
            MountSource::Volume(v) => format!("volume://{v}"),
        };
        let decl = format!("{source}:{}", m.container_path);
        if m.read_only {
            read.push(decl);
        } else {
            write.push(decl);
        }
    }
    let mut env_secrets = Vec::new();
    for s in &p.secrets {
        match &s.delivery {
            SecretDelivery::File {
                path, host_file, ..
            } => read.push(format!("{host_file}:{path}")),
            SecretDelivery::Env { variable, .. } => {
                // ToolHive's secret store is global: the entry is named by this
                // server's identifier, so another server declaring the same
                // name cannot be handed this one's value.
                env_secrets.push(format!(
                    "--secret {},target={variable}",
                    super::derive::identifier(&[&p.server.name, &s.name])
                ));
            }
        }
    }
    secret_file_setup(p, "ToolHive", warnings);
    let mut network = json!({ "outbound": outbound(p, warnings) });
    if p.network == NetworkPolicy::None {
        network["mode"] = json!("none");
    }
    let doc = json!({
        "name": p.server.slug,
        "read": read,
        "write": write,
        "network": network,
        "privileged": false,
    });

    warnings.push(super::cannot_express(
        "a ToolHive permission profile",
        String::new(),
        &format!(
            "the user ({}), the read-only root filesystem with its tmpfs /tmp, or the limits (cpus {}, memory {} bytes, pids {})",
            p.user_string(),
            super::docker::format_cpus(p.resources.cpus),
            p.resources.memory_bytes,
            p.resources.pids
        ),
        "the gateway must set them on the container it creates; ToolHive drops all capabilities and sets no-new-privileges by default",
    ));
    let mut cmd = vec!["thv run".to_owned()];
    if let NetworkPolicy::Egress { .. } = p.network {
        cmd.push("--isolate-network".into());
    }
    cmd.push(format!("--permission-profile {}.json", p.server.slug));
    cmd.extend(env_secrets);
    for e in &p.env {
        cmd.push(format!(
            "-e {}",
            super::shell_quote(&format!("{}={}", e.name, e.value))
        ));
    }
    cmd.push(p.image.to_string());
    if !p.args.is_empty() {
        cmd.push("--".into());
        cmd.extend(p.args.iter().map(|a| super::shell_quote(a)));
    }
    warnings.push(Finding::info(
        codes::HOST_SETUP,
        String::new(),
        format!(
            "ToolHive: save this profile as {}.json and run `{}`{}",
            p.server.slug,
            cmd.join(" "),
            if matches!(p.network, NetworkPolicy::Egress { .. }) {
                "; without --isolate-network the outbound allowlist is not enforced"
            } else {
                ""
            }
        ),
    ));
    let text = serde_json::to_string_pretty(&doc).map_err(|e| ProfileError::Serialize {
        format: Format::Toolhive,
        reason: e.to_string(),
    })? + "\n";
    Ok((text, doc))
}
