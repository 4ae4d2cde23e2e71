//! An entry of Docker's MCP catalog (`server.yaml`, as in docker/mcp-registry),
//! with the image pinned by digest. The format carries the image, user,
//! command, volumes, `disableNetwork` or `allowHosts`, env-only secrets and
//! fixed env; it has no field for limits, the read-only root filesystem or
//! dropped capabilities, and Docker's gateway delivers catalog secrets only
//! as environment variables, so a file secret becomes a read-only volume of a
//! host file the gateway prepares. `allowHosts` is enforced only when the
//! gateway runs with `--block-network`.

use super::docker::secret_file_setup;
use super::{
    Format, MountSource, NetworkPolicy, ProfileError, RuntimeProfile, SecretDelivery, codes,
    comment_header,
};
use crate::finding::Finding;
use crate::manifest::egress::HostPattern;
use serde_json::{Map, Value, json};

pub(super) fn render(
    p: &RuntimeProfile,
    warnings: &mut Vec<Finding>,
) -> Result<(String, Value), ProfileError> {
    let slug = &p.server.slug;
    let mut doc = Map::new();
    doc.insert("name".into(), json!(slug));
    doc.insert("image".into(), json!(p.image.to_string()));
    doc.insert("type".into(), json!("server"));
    doc.insert(
        "about".into(),
        json!({
            "title": p.server.title.clone().unwrap_or_else(|| p.server.name.clone()),
            "description": p.server.description,
        }),
    );
    if let Some(repo) = &p.server.repository {
        doc.insert("source".into(), json!({ "project": repo }));
    }

    let mut run = Map::new();
    if !p.args.is_empty() {
        run.insert("command".into(), json!(p.args));
    }
    let mut volumes = Vec::new();
    for m in &p.mounts {
        let spec = match &m.source {
            MountSource::HostPath(h) => {
                format!(
                    "{h}:{}{}",
                    m.container_path,
                    if m.read_only { ":ro" } else { "" }
                )
            }
            // A volume of the server's own starts empty, never a copy of the image's directory.
            MountSource::Volume(v) => format!(
                "{v}:{}:{}nocopy",
                m.container_path,
                if m.read_only { "ro," } else { "" }
            ),
        };
        volumes.push(spec);
    }
    let mut secrets = Vec::new();
    for (i, s) in p.secrets.iter().enumerate() {
        match &s.delivery {
            SecretDelivery::File {
                path, host_file, ..
            } => {
                volumes.push(format!("{host_file}:{path}:ro"));
                warnings.push(super::cannot_express(
                    "Docker's MCP catalog",
                    RuntimeProfile::ext_pointer(&format!("/secrets/{i}")),
                    &format!("a file secret (`{}`): its gateway delivers secrets only as environment variables", s.name),
                    &format!(
                        "it is a read-only volume of the host file `{host_file}` instead, outside `docker mcp secret`; the gateway writes that file"
                    ),
                ));
            }
            SecretDelivery::Env { variable, .. } => {
                secrets.push(json!({
                    "name": format!("{slug}.{}", s.name.to_ascii_lowercase()),
                    "env": variable,
                    "example": format!("<{variable}>"),
                }));
            }
        }
    }
    secret_file_setup(p, "Docker's MCP catalog", warnings);
    if !volumes.is_empty() {
        run.insert("volumes".into(), json!(volumes));
    }
    run.insert("user".into(), json!(p.user_string()));
    match &p.network {
        NetworkPolicy::None => {
            run.insert("disableNetwork".into(), json!(true));
        }
        NetworkPolicy::Egress { allow }
            if allow
                .iter()
                .any(|a| a.parsed.host == HostPattern::Any && a.parsed.port.is_none()) => {}
        NetworkPolicy::Egress { allow } => {
            run.insert(
                "allowHosts".into(),
                json!(allow.iter().map(|a| a.rule.clone()).collect::<Vec<_>>()),
            );
            warnings.push(Finding::info(
                codes::HOST_SETUP,
                RuntimeProfile::ext_pointer("/network/egress"),
                "Docker's MCP gateway enforces `allowHosts` only when it runs with `--block-network`",
            ));
        }
    }
    doc.insert("run".into(), Value::Object(run));

    let mut config = Map::new();
    if !secrets.is_empty() || !p.env.is_empty() {
        config.insert(
            "description".into(),
            json!(format!("Secrets and settings for {}", p.server.name)),
        );
    }
    if !secrets.is_empty() {
        config.insert("secrets".into(), Value::Array(secrets));
    }
    if !p.env.is_empty() {
        config.insert(
            "env".into(),
            Value::Array(
                p.env
                    .iter()
                    .map(|e| json!({ "name": e.name, "value": e.value }))
                    .collect(),
            ),
        );
    }
    if !config.is_empty() {
        doc.insert("config".into(), Value::Object(config));
    }

    warnings.push(super::cannot_express(
        "Docker's MCP catalog",
        String::new(),
        &format!(
            "the read-only root filesystem, the tmpfs /tmp, dropped capabilities, no-new-privileges or the limits (pids {}, memory {} bytes, cpus {})",
            p.resources.pids,
            p.resources.memory_bytes,
            super::docker::format_cpus(p.resources.cpus)
        ),
        "its gateway applies its own container flags (`docker mcp gateway run --cpus/--memory`); use the docker profile where these matter",
    ));
    if !p.transport.is_stdio() {
        warnings.push(super::cannot_express(
            "Docker's MCP catalog",
            "/packages".into(),
            "a containerized HTTP transport (`type: server` entries speak stdio)",
            "run the server with the docker or Compose profile and give the gateway its URL",
        ));
    }
    let doc = Value::Object(doc);
    let yaml = super::yaml::to_string(&doc);
    let mut text = comment_header(p, Format::DockerMcp.name(), warnings);
    for (k, v) in &p.labels {
        text.push_str(&format!(
            "# label {}: {}\n",
            super::comment_safe(k),
            super::comment_safe(v)
        ));
    }
    text.push_str(&yaml);
    Ok((text, doc))
}
