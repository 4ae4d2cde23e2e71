//! A Compose file with one service, valid against the Compose Specification.
//! Secrets use the top-level `secrets` section with `uid`, `gid` and `mode`;
//! Docker Compose implements file secrets as bind mounts and applies those
//! three only under Swarm, so the host file must already have them. Compose,
//! like docker, cannot express an egress allowlist: the service joins an
//! internal network whose only exit is the gateway's egress proxy.

use super::docker::{NO_HOST_ADDRESS, NetworkKind, format_cpus, network_mode, secret_file_setup};
use super::{Format, MountSource, ProfileError, RuntimeProfile, SecretDelivery, comment_header};
use crate::finding::Finding;
use serde_json::{Map, Value, json};

pub(super) fn render(
    p: &RuntimeProfile,
    warnings: &mut Vec<Finding>,
) -> Result<(String, Value), ProfileError> {
    let mut svc = Map::new();
    svc.insert("image".into(), json!(p.image.to_string()));
    svc.insert("user".into(), json!(p.user_string()));
    svc.insert("read_only".into(), json!(true));
    svc.insert(
        "tmpfs".into(),
        Value::Array(
            p.filesystem
                .tmpfs
                .iter()
                .map(|t| json!(format!("{}:{}", t.path, t.option_string())))
                .collect(),
        ),
    );
    svc.insert("cap_drop".into(), json!(p.security.capabilities_drop));
    svc.insert("security_opt".into(), json!(["no-new-privileges:true"]));
    if p.transport.is_stdio() {
        svc.insert("stdin_open".into(), json!(true));
    }
    let cpus: f64 = format_cpus(p.resources.cpus).parse().unwrap_or(1.0);
    svc.insert("cpus".into(), json!(cpus));
    svc.insert("mem_limit".into(), json!(p.resources.memory_bytes));
    svc.insert("memswap_limit".into(), json!(p.resources.memory_bytes));
    svc.insert("pids_limit".into(), json!(p.resources.pids));

    let mut top = Map::new();
    let (network, kind) = network_mode(p, "Compose", warnings);
    let mut networks = Map::new();
    if kind == NetworkKind::Internal {
        svc.insert("networks".into(), json!([network]));
        networks.insert(
            network.clone(),
            json!({ "internal": true, "driver_opts": { NO_HOST_ADDRESS: "true" } }),
        );
    } else if kind == NetworkKind::Open {
        svc.insert("networks".into(), json!([network]));
        networks.insert(
            network.clone(),
            json!({ "driver_opts": { "com.docker.network.bridge.enable_icc": "false" } }),
        );
    } else {
        svc.insert("network_mode".into(), json!(network));
    }

    let mut volumes = Vec::new();
    let mut named_volumes = Map::new();
    for m in &p.mounts {
        let v = match &m.source {
            MountSource::HostPath(h) => json!({
                "type": "bind",
                "source": h,
                "target": m.container_path,
                "read_only": m.read_only,
                "bind": { "create_host_path": false },
            }),
            MountSource::Volume(name) => {
                named_volumes.insert(name.clone(), json!({ "name": name }));
                json!({
                    "type": "volume",
                    "source": name,
                    "target": m.container_path,
                    "read_only": m.read_only,
                    "volume": { "nocopy": true },
                })
            }
        };
        volumes.push(v);
    }
    if !volumes.is_empty() {
        svc.insert("volumes".into(), Value::Array(volumes));
    }

    let mut svc_secrets = Vec::new();
    let mut top_secrets = Map::new();
    let mut env_files = Vec::new();
    for s in &p.secrets {
        match &s.delivery {
            SecretDelivery::File {
                path,
                host_file,
                uid,
                gid,
                file_mode,
            } => {
                // Top-level secrets are global to every file merged into
                // one project: named by this server's identifier, never by
                // the bare name another server could declare too.
                let key = super::derive::identifier(&[&p.server.name, &s.name]);
                svc_secrets.push(json!({
                    "source": key,
                    "target": path,
                    "uid": uid.to_string(),
                    "gid": gid.to_string(),
                    "mode": file_mode,
                }));
                top_secrets.insert(key, json!({ "file": host_file }));
            }
            SecretDelivery::Env { env_file, .. } => env_files.push(json!(env_file)),
        }
    }
    secret_file_setup(p, "Compose", warnings);
    if !svc_secrets.is_empty() {
        svc.insert("secrets".into(), Value::Array(svc_secrets));
    }
    if !env_files.is_empty() {
        svc.insert("env_file".into(), Value::Array(env_files));
    }
    if !p.env.is_empty() {
        svc.insert(
            "environment".into(),
            Value::Object(
                p.env
                    .iter()
                    .map(|e| (e.name.clone(), json!(e.value)))
                    .collect(),
            ),
        );
    }
    svc.insert("labels".into(), json!(p.labels));
    if !p.args.is_empty() {
        svc.insert("command".into(), json!(p.args));
    }

    top.insert(
        "services".into(),
        json!({ p.server.slug.clone(): Value::Object(svc) }),
    );
    if !top_secrets.is_empty() {
        top.insert("secrets".into(), Value::Object(top_secrets));
    }
    if !named_volumes.is_empty() {
        top.insert("volumes".into(), Value::Object(named_volumes));
    }
    if !networks.is_empty() {
        top.insert("networks".into(), Value::Object(networks));
    }
    let mut doc = Value::Object(top);
    escape_interpolation(&mut doc);
    let mut text = comment_header(p, Format::Compose.name(), warnings);
    text.push_str(&super::yaml::to_string(&doc));
    Ok((text, doc))
}

/// Compose substitutes `$VAR` and `${VAR…}` in every value from the
/// operator's shell environment and `.env` file: a publisher's `$GITHUB_TOKEN`
/// would become the operator's token, `/${HOME-}` the operator's home. `$$`
/// is Compose's literal `$`, so every `$` in a value is doubled and the
/// server gets exactly the text its manifest declares.
fn escape_interpolation(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Value::Array(a) => a.iter_mut().for_each(escape_interpolation),
        Value::Object(o) => o.values_mut().for_each(escape_interpolation),
        _ => {}
    }
}
