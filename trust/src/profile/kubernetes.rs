//! A Pod with a hardened `securityContext` and a NetworkPolicy. Secrets are a
//! `secret` volume (`fsGroup`, `defaultMode: 0440`) or, for env-mode secrets,
//! a `secretKeyRef` the kubelet fills at start. NetworkPolicy speaks IPs and
//! ports only: host names are left blocked by it and listed in the
//! `dev.mcp-trust/egress-fqdn` annotation (a JSON array in the egress grammar)
//! for an FQDN-aware engine or the gateway's egress proxy. Kubernetes has no
//! per-Pod pids limit (the kubelet's `podPidsLimit` is node-wide).

use super::derive::mount_identifier;
use super::{
    Format, KUBERNETES_SECRET_MODE, MountSource, NetworkPolicy, ProfileError, RuntimeProfile,
    SecretDelivery, codes, comment_header,
};
use crate::finding::Finding;
use crate::manifest::egress::HostPattern;
use serde_json::{Map, Value, json};

/// Annotation listing host-name egress rules NetworkPolicy cannot express.
pub const FQDN_ANNOTATION: &str = "dev.mcp-trust/egress-fqdn";
/// Annotation carrying the pids limit Kubernetes cannot set per Pod.
pub const PIDS_ANNOTATION: &str = "dev.mcp-trust/pids-limit";
/// IPv4 ranges an any-host rule never admits: link-local (every cloud's
/// metadata and credential endpoints) and the other metadata addresses.
const METADATA_V4: [&str; 3] = ["169.254.0.0/16", "100.100.100.200/32", "168.63.129.16/32"];
/// IPv6 ranges an any-host rule never admits: link-local, and the metadata
/// services of EC2/EKS, Google Cloud, Akamai/Linode and Scaleway.
const METADATA_V6: [&str; 5] = [
    "fe80::/10",
    "fd00:ec2::/32",
    "fd20:ce::/32",
    "fd00:a9fe:a9fe::/48",
    "fd00:42::42/128",
];
/// Label of the gateway's pods: the only ones an HTTP server's NetworkPolicy
/// admits connections from.
pub const GATEWAY_LABEL: &str = "dev.mcp-trust/gateway";
/// Label selecting the server's Pod.
const NAME_LABEL: &str = "app.kubernetes.io/name";

/// Memory as a Kubernetes quantity: `128Mi`, `1Gi`, or bytes.
fn memory_quantity(bytes: u64) -> String {
    const GI: u64 = 1 << 30;
    const MI: u64 = 1 << 20;
    const KI: u64 = 1 << 10;
    if bytes.is_multiple_of(GI) {
        format!("{}Gi", bytes / GI)
    } else if bytes.is_multiple_of(MI) {
        format!("{}Mi", bytes / MI)
    } else if bytes.is_multiple_of(KI) {
        format!("{}Ki", bytes / KI)
    } else {
        bytes.to_string()
    }
}

fn cpu_quantity(cpus: f64) -> String {
    let m = super::cpu_millis(cpus);
    if m.is_multiple_of(1000) {
        (m / 1000).to_string()
    } else {
        format!("{m}m")
    }
}

/// The kubelet expands `$(VAR)` in a container's `command`, `args` and env
/// `value`s from its other variables (a secret's included), and reads `$$`
/// as `$`: every `$` is doubled so the server gets exactly the declared text.
fn literal(s: &str) -> String {
    s.replace('$', "$$")
}

fn secret_object(p: &RuntimeProfile) -> String {
    format!("{}-secrets", p.server.slug)
}

pub(super) fn render(
    p: &RuntimeProfile,
    warnings: &mut Vec<Finding>,
) -> Result<(String, Value), ProfileError> {
    let pod = pod(p, warnings);
    let policy = network_policy(p, warnings);
    let docs = vec![pod, policy];
    let mut text = comment_header(p, Format::Kubernetes.name(), warnings);
    for d in &docs {
        text.push_str("---\n");
        text.push_str(&super::yaml::to_string(d));
    }
    Ok((text, Value::Array(docs)))
}

fn pod(p: &RuntimeProfile, warnings: &mut Vec<Finding>) -> Value {
    let uid = p.user.uid;
    let gid = p.user.gid;
    let mut annotations: Map<String, Value> = p
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    annotations.insert(PIDS_ANNOTATION.into(), json!(p.resources.pids.to_string()));
    warnings.push(super::cannot_express(
        "Kubernetes",
        RuntimeProfile::ext_pointer("/resources/pids"),
        &format!("a per-Pod pids limit ({})", p.resources.pids),
        &format!(
            "it is recorded in annotation `{PIDS_ANNOTATION}`; the node's kubelet `podPidsLimit` must be at most this, or the gateway's admission policy must enforce it"
        ),
    ));
    let tmp = &p.filesystem.tmpfs;
    if !tmp.is_empty() {
        warnings.push(Finding::info(
            codes::CANNOT_EXPRESS,
            "",
            "Kubernetes cannot express `noexec,nosuid,nodev` on the memory-backed emptyDir at /tmp; with all capabilities dropped and no privilege escalation, setuid files there grant nothing",
        ));
    }

    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for (i, t) in tmp.iter().enumerate() {
        let name = if i == 0 {
            "tmp".to_owned()
        } else {
            format!("tmp-{i}")
        };
        volumes.push(json!({
            "name": name,
            "emptyDir": { "medium": "Memory", "sizeLimit": memory_quantity(t.size_bytes) },
        }));
        mounts.push(json!({ "name": name, "mountPath": t.path }));
    }
    for (i, m) in p.mounts.iter().enumerate() {
        let name = format!("mount-{i}");
        let claim = match &m.source {
            MountSource::Volume(v) => v.clone(),
            MountSource::HostPath(h) => {
                let claim = mount_identifier(&p.server.name, &m.container_path);
                warnings.push(Finding::info(
                    codes::HOST_SETUP,
                    RuntimeProfile::ext_pointer(&format!("/filesystem/mounts/{i}")),
                    format!(
                        "Kubernetes: host path `{h}` is not mounted (a hostPath volume exposes the node and Pod Security `baseline` refuses it); `{}` is the PersistentVolumeClaim `{claim}`, which must exist",
                        m.container_path
                    ),
                ));
                claim
            }
        };
        volumes.push(json!({
            "name": name,
            "persistentVolumeClaim": { "claimName": claim, "readOnly": m.read_only },
        }));
        mounts
            .push(json!({ "name": name, "mountPath": m.container_path, "readOnly": m.read_only }));
    }

    let secret_name = secret_object(p);
    let mut env = Vec::new();
    for e in &p.env {
        env.push(json!({ "name": e.name, "value": literal(&e.value) }));
    }
    for (i, s) in p.secrets.iter().enumerate() {
        match &s.delivery {
            SecretDelivery::File { path, .. } => {
                let name = format!("secret-{i}");
                let mut vol = json!({
                    "secretName": secret_name,
                    "defaultMode": KUBERNETES_SECRET_MODE,
                    "items": [{ "key": s.name, "path": s.name }],
                });
                if !s.required {
                    vol["optional"] = json!(true);
                }
                volumes.push(json!({ "name": name, "secret": vol }));
                mounts.push(json!({
                    "name": name,
                    "mountPath": path,
                    "subPath": s.name,
                    "readOnly": true,
                }));
            }
            SecretDelivery::Env { variable, .. } => {
                let mut key_ref = json!({ "name": secret_name, "key": s.name });
                if !s.required {
                    key_ref["optional"] = json!(true);
                }
                env.push(json!({ "name": variable, "valueFrom": { "secretKeyRef": key_ref } }));
            }
        }
    }
    if !p.secrets.is_empty() {
        let keys: Vec<String> = p
            .secrets
            .iter()
            .map(|s| match &s.delivery {
                SecretDelivery::File { host_file, .. } => {
                    format!("--from-file={}={host_file}", s.name)
                }
                SecretDelivery::Env { .. } => {
                    format!("--from-file={}=<file holding the value>", s.name)
                }
            })
            .collect();
        warnings.push(Finding::info(
            codes::HOST_SETUP,
            RuntimeProfile::ext_pointer("/secrets"),
            format!(
                "Kubernetes: the Secret `{secret_name}` must exist in the Pod's namespace: `kubectl create secret generic {secret_name} {}`",
                keys.join(" ")
            ),
        ));
    }

    let container_security = json!({
        "runAsNonRoot": true,
        "runAsUser": uid,
        "runAsGroup": gid,
        "readOnlyRootFilesystem": true,
        "allowPrivilegeEscalation": false,
        "privileged": false,
        "capabilities": { "drop": p.security.capabilities_drop },
        "seccompProfile": { "type": "RuntimeDefault" },
    });
    let quantities = json!({
        "cpu": cpu_quantity(p.resources.cpus),
        "memory": memory_quantity(p.resources.memory_bytes),
    });
    let mut container = Map::new();
    container.insert("name".into(), json!("server"));
    container.insert("image".into(), json!(p.image.to_string()));
    container.insert("imagePullPolicy".into(), json!("IfNotPresent"));
    if !p.args.is_empty() {
        let args: Vec<String> = p.args.iter().map(|a| literal(a)).collect();
        container.insert("args".into(), json!(args));
    }
    if p.transport.is_stdio() {
        container.insert("stdin".into(), json!(true));
        container.insert("stdinOnce".into(), json!(true));
    }
    if !env.is_empty() {
        container.insert("env".into(), Value::Array(env));
    }
    container.insert(
        "resources".into(),
        json!({ "limits": quantities, "requests": quantities }),
    );
    container.insert("securityContext".into(), container_security);
    container.insert("volumeMounts".into(), Value::Array(mounts));

    let mut spec = Map::new();
    spec.insert("automountServiceAccountToken".into(), json!(false));
    spec.insert("enableServiceLinks".into(), json!(false));
    if p.transport.is_stdio() {
        spec.insert("restartPolicy".into(), json!("Never"));
    }
    spec.insert(
        "securityContext".into(),
        json!({
            "runAsNonRoot": true,
            "runAsUser": uid,
            "runAsGroup": gid,
            "fsGroup": gid,
            "seccompProfile": { "type": "RuntimeDefault" },
        }),
    );
    spec.insert("containers".into(), json!([Value::Object(container)]));
    spec.insert("volumes".into(), Value::Array(volumes));

    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": p.server.slug,
            "labels": { NAME_LABEL: p.server.slug, "app.kubernetes.io/component": "mcp-server" },
            "annotations": annotations,
        },
        "spec": Value::Object(spec),
    })
}

fn network_policy(p: &RuntimeProfile, warnings: &mut Vec<Finding>) -> Value {
    let mut egress = Vec::new();
    let mut fqdn = Vec::new();
    if let NetworkPolicy::Egress { allow } = &p.network {
        let mut needs_dns = false;
        let mut rules = Vec::new();
        for a in allow {
            let ports = a
                .parsed
                .port
                .map(|port| json!([{ "protocol": "TCP", "port": port }]));
            match &a.parsed.host {
                HostPattern::Any => {
                    needs_dns = true;
                    // Any host, but not the link-local and metadata ranges
                    // that hand out the node's credentials (lint refuses
                    // them by name; `*` must not admit them either).
                    let mut r = json!({ "to": [
                        { "ipBlock": { "cidr": "0.0.0.0/0", "except": METADATA_V4 } },
                        { "ipBlock": { "cidr": "::/0", "except": METADATA_V6 } },
                    ] });
                    if let Some(ports) = ports {
                        r["ports"] = ports;
                    }
                    rules.push(r);
                }
                HostPattern::Ip(ip) => {
                    let cidr = if ip.contains(':') {
                        format!("{ip}/128")
                    } else {
                        format!("{ip}/32")
                    };
                    let mut r = json!({ "to": [{ "ipBlock": { "cidr": cidr } }] });
                    if let Some(ports) = ports {
                        r["ports"] = ports;
                    }
                    rules.push(r);
                }
                HostPattern::Name(_) | HostPattern::Subdomains(_) => {
                    needs_dns = true;
                    fqdn.push(a.rule.clone());
                }
            }
        }
        if needs_dns {
            egress.push(json!({
                "to": [{
                    "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": "kube-system" } },
                    "podSelector": { "matchLabels": { "k8s-app": "kube-dns" } },
                }],
                "ports": [{ "protocol": "UDP", "port": 53 }, { "protocol": "TCP", "port": 53 }],
            }));
        }
        egress.extend(rules);
    }
    let mut metadata = json!({ "name": p.server.slug });
    if !fqdn.is_empty() {
        warnings.push(super::cannot_express(
            "a Kubernetes NetworkPolicy",
            RuntimeProfile::ext_pointer("/network/egress"),
            &format!("host names ({})", fqdn.join(", ")),
            &format!(
                "this policy allows DNS but blocks them; they are listed in annotation `{FQDN_ANNOTATION}` for an FQDN-aware policy engine (Cilium `toFQDNs`, Calico domain rules) or the gateway's egress proxy to admit"
            ),
        ));
        metadata["annotations"] = json!({
            FQDN_ANNOTATION: serde_json::to_string(&fqdn).unwrap_or_default(),
        });
    }
    let mut spec = Map::new();
    spec.insert(
        "podSelector".into(),
        json!({ "matchLabels": { NAME_LABEL: p.server.slug } }),
    );
    spec.insert("policyTypes".into(), json!(["Ingress", "Egress"]));
    if p.transport.is_stdio() {
        spec.insert("ingress".into(), json!([]));
    } else {
        // Only the gateway may connect: other servers' pods (one of them
        // hostile) must not reach this server's tools past it.
        warnings.push(Finding::info(
            codes::HOST_SETUP,
            RuntimeProfile::ext_pointer("/network"),
            format!(
                "Kubernetes: only pods labelled `{GATEWAY_LABEL}: \"true\"` in this namespace may connect to the server; label the gateway's pods so"
            ),
        ));
        spec.insert(
            "ingress".into(),
            json!([{ "from": [{ "podSelector": { "matchLabels": { GATEWAY_LABEL: "true" } } }] }]),
        );
    }
    spec.insert("egress".into(), Value::Array(egress));
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata,
        "spec": Value::Object(spec),
    })
}
