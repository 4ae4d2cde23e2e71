//! Derivation and renderer rules, one test per rule. Whole rendered documents
//! are pinned by the snapshot tests in `trust/tests/profile_snapshots.rs`.

use super::*;
use crate::manifest::EXTENSION_KEY;
use serde_json::{Value, json};

const WEATHER: &str = include_str!("../../../testdata/manifests/valid/weather.server.json");
const DIGEST: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

fn weather() -> Value {
    serde_json::from_str(WEATHER).unwrap()
}

fn ext(doc: &mut Value) -> &mut Value {
    &mut doc["_meta"][EXTENSION_KEY]
}

/// The weather manifest reduced to its image: every privilege at its default.
fn minimal() -> Value {
    let mut doc = weather();
    let image = ext(&mut doc)["image"].clone();
    let prov = ext(&mut doc)["provenance"].clone();
    *ext(&mut doc) = json!({ "image": image, "provenance": prov });
    doc
}

fn profile_of(doc: &Value) -> Result<RuntimeProfile, ProfileError> {
    profile_with(doc, &ProfileOptions::default())
}

fn profile_with(doc: &Value, options: &ProfileOptions) -> Result<RuntimeProfile, ProfileError> {
    RuntimeProfile::from_manifest_bytes(&serde_json::to_vec(doc).unwrap(), options)
}

fn argv(p: &RuntimeProfile) -> Vec<String> {
    let r = p.render(Format::Docker).unwrap();
    r.document
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn has_pair(argv: &[String], flag: &str, value: &str) -> bool {
    argv.windows(2).any(|w| w[0] == flag && w[1] == value)
}

fn tool(name: &str, read_only: Option<bool>) -> Value {
    let mut t = json!({ "name": name, "inputSchema": { "type": "object" } });
    if let Some(ro) = read_only {
        t["annotations"] = json!({ "readOnlyHint": ro });
    }
    t
}

#[test]
fn silent_manifest_gets_every_default() {
    let p = profile_of(&minimal()).unwrap();
    assert_eq!(
        p.user,
        UserSpec {
            uid: 65532,
            gid: 65532
        }
    );
    assert_eq!(p.resources.cpus, 1.0);
    assert_eq!(p.resources.memory_bytes, 512 << 20);
    assert_eq!(p.resources.pids, 128);
    assert_eq!(p.network, NetworkPolicy::None);
    assert!(p.filesystem.read_only);
    assert_eq!(p.filesystem.tmpfs[0].path, "/tmp");
    assert_eq!(p.filesystem.tmpfs[0].size_bytes, TMP_SIZE_BYTES);
    assert_eq!(p.security.capabilities_drop, ["ALL"]);
    assert!(p.security.no_new_privileges && !p.security.privileged);
    assert_eq!(p.transport, TransportKind::Stdio);
}

#[test]
fn image_is_rendered_by_digest_and_tag_is_dropped() {
    let p = profile_of(&weather()).unwrap();
    let image = format!("ghcr.io/acme/weather@{DIGEST}");
    assert_eq!(p.image.to_string(), image);
    let a = argv(&p);
    assert!(a.contains(&image));
    assert!(!a.iter().any(|w| w.contains(":1.4.2")));
}

#[test]
fn declared_user_and_limits_are_used() {
    let mut doc = weather();
    ext(&mut doc)["user"] = json!(61000);
    let p = profile_of(&doc).unwrap();
    let a = argv(&p);
    assert!(has_pair(&a, "--user", "61000:61000"));
    assert!(has_pair(&a, "--cpus", "0.5"));
    assert!(has_pair(&a, "--memory", &(128u64 << 20).to_string()));
    assert!(has_pair(&a, "--memory-swap", &(128u64 << 20).to_string()));
    assert!(has_pair(&a, "--pids-limit", "64"));
}

#[test]
fn docker_args_carry_every_fixed_hardening() {
    let a = argv(&profile_of(&minimal()).unwrap());
    assert_eq!(&a[..5], ["docker", "run", "--rm", "-i", "--read-only"]);
    assert!(has_pair(&a, "--cap-drop", "ALL"));
    assert!(has_pair(&a, "--security-opt", "no-new-privileges"));
    assert!(has_pair(&a, "--network", "none"));
    assert!(has_pair(
        &a,
        "--tmpfs",
        "/tmp:rw,noexec,nosuid,nodev,size=67108864"
    ));
    assert!(
        !a.iter()
            .any(|w| w.contains("seccomp") || w.contains("privileged"))
    );
}

#[test]
fn refuses_manifest_with_error_findings() {
    let mut doc = weather();
    ext(&mut doc)["image"] = json!("ghcr.io/acme/weather:1.4.2");
    match profile_of(&doc) {
        Err(ProfileError::ManifestInvalid { findings }) => {
            assert!(findings.iter().any(|f| f.code == "image-tag-only"));
        }
        other => panic!("expected ManifestInvalid, got {other:?}"),
    }
}

#[test]
fn refuses_manifest_without_extension() {
    let mut doc = weather();
    doc["_meta"] = json!({});
    // Without the extension only the identifier can pin the image.
    doc["packages"][0]["identifier"] = json!(format!("ghcr.io/acme/weather@{DIGEST}"));
    let bytes = serde_json::to_vec(&doc).unwrap();
    assert!(matches!(
        RuntimeProfile::from_manifest_bytes(&bytes, &ProfileOptions::default()),
        Err(ProfileError::ManifestInvalid { findings }) if findings.iter().any(|f| f.code == "extension-missing")
    ));
    // A lenient report (extension missing is only a warning there) is still refused.
    let report = crate::manifest::validate(&bytes, Default::default());
    assert!(report.is_ok());
    assert!(matches!(
        RuntimeProfile::from_report(&report, &ProfileOptions::default()),
        Err(ProfileError::ExtensionMissing)
    ));
}

#[test]
fn mounts_are_read_only_unless_declared_read_write() {
    let mut doc = minimal();
    ext(&mut doc)["tools"] = json!([tool("read", Some(true)), tool("write", None)]);
    ext(&mut doc)["filesystem"] = json!({ "mounts": [
        { "containerPath": "/data", "access": "read-write" },
        { "containerPath": "/config" },
    ]});
    let p = profile_of(&doc).unwrap();
    assert!(!p.mounts[0].read_only);
    assert!(p.mounts[1].read_only);
    let a = argv(&p);
    let volume = |path: &str| derive::mount_identifier("io.github.acme/weather", path);
    assert!(has_pair(
        &a,
        "-v",
        &format!("{}:/data:nocopy", volume("/data"))
    ));
    assert!(has_pair(
        &a,
        "-v",
        &format!("{}:/config:ro,nocopy", volume("/config"))
    ));
}

#[test]
fn every_mount_is_read_only_when_every_tool_is_read_only() {
    let mut doc = minimal();
    ext(&mut doc)["tools"] = json!([tool("a", Some(true)), tool("b", Some(true))]);
    ext(&mut doc)["filesystem"] =
        json!({ "mounts": [{ "containerPath": "/data", "access": "read-write" }] });
    let p = profile_of(&doc).unwrap();
    assert!(p.mounts[0].read_only);
    assert!(
        p.warnings
            .iter()
            .any(|f| f.code == codes::MOUNT_FORCED_READ_ONLY)
    );
}

#[test]
fn missing_read_only_hint_counts_as_a_writer() {
    let mut doc = minimal();
    ext(&mut doc)["tools"] = json!([tool("a", Some(true)), tool("b", None)]);
    ext(&mut doc)["filesystem"] =
        json!({ "mounts": [{ "containerPath": "/data", "access": "read-write" }] });
    assert!(!profile_of(&doc).unwrap().mounts[0].read_only);
}

#[test]
fn file_secret_is_a_read_only_file_owned_by_the_server_user() {
    let p = profile_of(&weather()).unwrap();
    let s = &p.secrets[0];
    assert_eq!(
        s.delivery,
        SecretDelivery::File {
            path: "/run/secrets/ACME_WEATHER_API_KEY".into(),
            host_file: format!(
                "/run/mcp-trust/secrets/{}/ACME_WEATHER_API_KEY",
                derive::slug("io.github.acme/weather")
            ),
            uid: 65532,
            gid: 65532,
            file_mode: 0o400,
        }
    );
    let a = argv(&p);
    assert!(a.contains(&format!("type=bind,source=/run/mcp-trust/secrets/{}/ACME_WEATHER_API_KEY,target=/run/secrets/ACME_WEATHER_API_KEY,readonly", derive::slug("io.github.acme/weather"))));
    assert!(!a.iter().any(|w| w.starts_with("ACME_WEATHER_API_KEY=")));
}

#[test]
fn secret_override_and_declared_path_are_used() {
    let mut doc = weather();
    ext(&mut doc)["secrets"][0]["path"] = json!("/config/weather/key");
    let options = ProfileOptions {
        secret_files: [("ACME_WEATHER_API_KEY".into(), "/srv/keys/weather".into())].into(),
        ..Default::default()
    };
    let p = profile_with(&doc, &options).unwrap();
    assert!(argv(&p).contains(
        &"type=bind,source=/srv/keys/weather,target=/config/weather/key,readonly".to_owned()
    ));
}

#[test]
fn env_mode_secret_is_a_reference_the_gateway_fills_never_a_value() {
    let mut doc = weather();
    ext(&mut doc)["secrets"][0] =
        json!({ "name": "ACME_WEATHER_API_KEY", "mode": "env", "env": "WEATHER_KEY" });
    let p = profile_of(&doc).unwrap();
    assert!(p.warnings.iter().any(|f| f.code == codes::SECRET_ENV));
    let a = argv(&p);
    assert!(has_pair(
        &a,
        "--env-file",
        &format!(
            "/run/mcp-trust/secrets/{}/ACME_WEATHER_API_KEY.env",
            derive::slug("io.github.acme/weather")
        )
    ));
    assert!(!a.iter().any(|w| w.contains("WEATHER_KEY")));
    let k = p.render(Format::Kubernetes).unwrap().document;
    let env = &k[0]["spec"]["containers"][0]["env"][0];
    assert_eq!(env["name"], "WEATHER_KEY");
    assert_eq!(
        env["valueFrom"]["secretKeyRef"],
        json!({ "name": format!("{}-secrets", derive::slug("io.github.acme/weather")), "key": "ACME_WEATHER_API_KEY" })
    );
    assert!(env.get("value").is_none());
}

#[test]
fn only_fixed_non_secret_package_variables_reach_the_environment() {
    let mut doc = weather();
    doc["packages"][0]["environmentVariables"] = json!([
        { "name": "LOG_LEVEL", "value": "info" },
        { "name": "REGION", "value": "{region}" },
        { "name": "TOKEN", "isSecret": true },
        { "name": "ACME_WEATHER_API_KEY", "value": "{key}" },
        { "name": "UNITS", "default": "metric" },
    ]);
    let p = profile_of(&doc).unwrap();
    assert_eq!(
        p.env,
        [EnvVar {
            name: "LOG_LEVEL".into(),
            value: "info".into()
        }]
    );
    let codes_at = |c: &str| p.warnings.iter().filter(|f| f.code == c).count();
    assert_eq!(codes_at(codes::INPUT_REQUIRED), 2);
    assert_eq!(codes_at(codes::SECRET_UNDECLARED), 1);
}

#[test]
fn publisher_runtime_arguments_are_never_rendered() {
    let mut doc = weather();
    doc["packages"][0]["runtimeArguments"] = json!([
        { "type": "named", "name": "--env", "value": "PUBLISHER_CHOSE=1" },
        { "type": "named", "name": "--tmpfs", "value": "/var/cache" },
    ]);
    doc["packages"][0]["packageArguments"] = json!([
        { "type": "named", "name": "--transport", "value": "stdio" },
        { "type": "positional", "value": "{path}" },
    ]);
    let p = profile_of(&doc).unwrap();
    let a = argv(&p);
    assert!(
        !a.iter()
            .any(|w| w.contains("PUBLISHER_CHOSE") || w == "/var/cache")
    );
    assert_eq!(p.args, ["--transport", "stdio"]);
    assert_eq!(&a[a.len() - 2..], ["--transport", "stdio"]);
}

#[test]
fn secret_package_argument_is_never_rendered() {
    let mut doc = weather();
    doc["packages"][0]["packageArguments"] =
        json!([{ "type": "named", "name": "--token", "value": "{token}", "isSecret": true }]);
    let p = profile_of(&doc).unwrap();
    assert!(p.args.is_empty());
    assert!(
        p.warnings
            .iter()
            .any(|f| f.code == codes::SECRET_UNDECLARED)
    );
}

#[test]
fn labels_carry_signer_digest_and_catalog_version() {
    let options = ProfileOptions {
        catalog_version: Some(42),
        ..Default::default()
    };
    let p = profile_with(&weather(), &options).unwrap();
    assert_eq!(p.labels["dev.mcp-trust/image-digest"], DIGEST);
    assert_eq!(
        p.labels["dev.mcp-trust/signer-identity"],
        "https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1.4.2"
    );
    assert_eq!(
        p.labels["dev.mcp-trust/signer-issuer"],
        "https://token.actions.githubusercontent.com"
    );
    assert_eq!(p.labels["dev.mcp-trust/catalog-version"], "42");
    assert!(has_pair(
        &argv(&p),
        "--label",
        "dev.mcp-trust/catalog-version=42"
    ));
    let without = profile_of(&weather()).unwrap();
    assert!(!without.labels.contains_key("dev.mcp-trust/catalog-version"));
}

#[test]
fn stdio_attaches_stdin_and_http_does_not() {
    let a = argv(&profile_of(&weather()).unwrap());
    assert!(a.contains(&"-i".to_owned()));
    let mut doc = weather();
    doc["packages"][0]["transport"] =
        json!({ "type": "streamable-http", "url": "http://localhost:8080/mcp" });
    *ext(&mut doc).get_mut("network").unwrap() = json!("none");
    let p = profile_of(&doc).unwrap();
    let a = argv(&p);
    assert!(!a.contains(&"-i".to_owned()));
    assert!(has_pair(
        &a,
        "--network",
        &format!("{INTERNAL_NETWORK}-{}", p.server.slug)
    ));
}

#[test]
fn docker_cannot_express_an_allowlist_and_says_so() {
    let r = profile_of(&weather())
        .unwrap()
        .render(Format::Docker)
        .unwrap();
    let w = r
        .warnings
        .iter()
        .find(|f| f.code == codes::CANNOT_EXPRESS)
        .unwrap();
    assert!(w.message.contains("api.acme-weather.example:443"));
    assert!(
        r.text
            .contains("# warning: docker cannot express an egress allowlist")
    );
    let a: Vec<&str> = r
        .document
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let own = format!(
        "{EGRESS_NETWORK}-{}",
        derive::slug("io.github.acme/weather")
    );
    assert!(a.windows(2).any(|w| w[0] == "--network" && w[1] == own));
}

#[test]
fn open_network_is_a_full_network_not_a_proxy() {
    let mut doc = weather();
    ext(&mut doc)["network"] = json!({ "egress": ["*"] });
    let p = profile_of(&doc).unwrap();
    // A full network, but of its own: not the shared default bridge.
    let own = format!("{OPEN_NETWORK}-{}", p.server.slug);
    assert!(has_pair(&argv(&p), "--network", &own));
    let c = p.render(Format::Compose).unwrap().document;
    assert_eq!(
        c["networks"][own.as_str()]["driver_opts"]["com.docker.network.bridge.enable_icc"],
        "false"
    );
    let t = p.render(Format::Toolhive).unwrap().document;
    assert_eq!(t["network"]["outbound"]["insecure_allow_all"], true);
}

#[test]
fn kubernetes_pod_is_hardened() {
    let docs = profile_of(&weather())
        .unwrap()
        .render(Format::Kubernetes)
        .unwrap()
        .document;
    let spec = &docs[0]["spec"];
    assert_eq!(spec["automountServiceAccountToken"], false);
    assert_eq!(spec["securityContext"]["fsGroup"], 65532);
    assert_eq!(spec["securityContext"]["runAsNonRoot"], true);
    let c = &spec["containers"][0]["securityContext"];
    assert_eq!(c["readOnlyRootFilesystem"], true);
    assert_eq!(c["allowPrivilegeEscalation"], false);
    assert_eq!(c["capabilities"]["drop"], json!(["ALL"]));
    assert_eq!(c["seccompProfile"]["type"], "RuntimeDefault");
    assert_eq!(c["runAsUser"], 65532);
    let vols = spec["volumes"].as_array().unwrap();
    assert!(vols.contains(
        &json!({ "name": "tmp", "emptyDir": { "medium": "Memory", "sizeLimit": "64Mi" } })
    ));
    let secret = vols.iter().find(|v| v.get("secret").is_some()).unwrap();
    assert_eq!(secret["secret"]["defaultMode"], 0o440);
    let limits = &spec["containers"][0]["resources"]["limits"];
    assert_eq!(limits, &json!({ "cpu": "500m", "memory": "128Mi" }));
}

#[test]
fn kubernetes_network_policy_denies_all_egress_without_network() {
    let docs = profile_of(&minimal())
        .unwrap()
        .render(Format::Kubernetes)
        .unwrap()
        .document;
    assert_eq!(docs[1]["kind"], "NetworkPolicy");
    assert_eq!(docs[1]["spec"]["egress"], json!([]));
    assert_eq!(docs[1]["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
}

#[test]
fn kubernetes_host_names_go_to_the_fqdn_annotation() {
    let mut doc = weather();
    ext(&mut doc)["network"] =
        json!({ "egress": ["api.example.com:443", "10.1.2.3:5432", "*:8081"] });
    let r = profile_of(&doc)
        .unwrap()
        .render(Format::Kubernetes)
        .unwrap();
    let policy = &r.document[1];
    assert_eq!(
        policy["metadata"]["annotations"][kubernetes::FQDN_ANNOTATION],
        r#"["api.example.com:443"]"#
    );
    let egress = policy["spec"]["egress"].as_array().unwrap();
    assert_eq!(egress[0]["ports"][0]["port"], 53);
    assert!(egress.contains(&json!({
        "to": [{ "ipBlock": { "cidr": "10.1.2.3/32" } }],
        "ports": [{ "protocol": "TCP", "port": 5432 }],
    })));
    // Any host on a port, but never the link-local and metadata ranges.
    assert!(egress.contains(&json!({
        "to": [
            { "ipBlock": { "cidr": "0.0.0.0/0", "except": ["169.254.0.0/16", "100.100.100.200/32", "168.63.129.16/32"] } },
            { "ipBlock": { "cidr": "::/0", "except": ["fe80::/10", "fd00:ec2::/32", "fd20:ce::/32", "fd00:a9fe:a9fe::/48", "fd00:42::42/128"] } },
        ],
        "ports": [{ "protocol": "TCP", "port": 8081 }],
    })));
    assert!(
        !serde_json::to_string(egress)
            .unwrap()
            .contains("api.example.com")
    );
    assert!(
        r.warnings
            .iter()
            .any(|f| f.code == codes::CANNOT_EXPRESS && f.message.contains("api.example.com:443"))
    );
}

#[test]
fn toolhive_reports_host_port_widening() {
    let mut doc = weather();
    ext(&mut doc)["network"] = json!({ "egress": ["a.example.com:443", "b.example.com:80"] });
    let r = profile_of(&doc).unwrap().render(Format::Toolhive).unwrap();
    assert_eq!(
        r.document["network"]["outbound"],
        json!({ "insecure_allow_all": false, "allow_host": ["a.example.com", "b.example.com"], "allow_port": [80, 443] })
    );
    assert!(
        r.warnings
            .iter()
            .any(|f| f.message.contains("a.example.com:80")
                && f.message.contains("b.example.com:443"))
    );
}

#[test]
fn compose_secret_has_uid_and_mode() {
    let d = profile_of(&weather())
        .unwrap()
        .render(Format::Compose)
        .unwrap()
        .document;
    let svc = &d["services"][derive::slug("io.github.acme/weather")];
    assert_eq!(
        svc["secrets"][0],
        json!({ "source": derive::identifier(&["io.github.acme/weather", "ACME_WEATHER_API_KEY"]), "target": "/run/secrets/ACME_WEATHER_API_KEY", "uid": "65532", "gid": "65532", "mode": 0o400 })
    );
    assert_eq!(svc["read_only"], true);
    let own = format!(
        "{EGRESS_NETWORK}-{}",
        derive::slug("io.github.acme/weather")
    );
    assert_eq!(svc["networks"], json!([own]));
    assert_eq!(d["networks"][own.as_str()]["internal"], true);
}

#[test]
fn docker_mcp_entry_is_pinned_and_env_secrets_only_by_name() {
    let mut doc = weather();
    ext(&mut doc)["secrets"][0]["mode"] = json!("env");
    let d = profile_of(&doc)
        .unwrap()
        .render(Format::DockerMcp)
        .unwrap()
        .document;
    assert_eq!(d["image"], format!("ghcr.io/acme/weather@{DIGEST}"));
    assert_eq!(
        d["config"]["secrets"][0],
        json!({ "name": format!("{}.acme_weather_api_key", derive::slug("io.github.acme/weather")), "env": "ACME_WEATHER_API_KEY", "example": "<ACME_WEATHER_API_KEY>" })
    );
    assert_eq!(
        d["run"]["allowHosts"],
        json!(["api.acme-weather.example:443"])
    );
}

#[test]
fn neutral_profile_validates_against_its_schema() {
    let doc = profile_of(&weather())
        .unwrap()
        .render(Format::Json)
        .unwrap()
        .document;
    let errors: Vec<String> = profile_validator()
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn schema_refuses_a_weakened_profile() {
    let good = profile_of(&weather())
        .unwrap()
        .render(Format::Json)
        .unwrap()
        .document;
    for (pointer, weak) in [
        ("/security/privileged", json!(true)),
        ("/security/capabilitiesDrop", json!([])),
        ("/security/noNewPrivileges", json!(false)),
        ("/security/seccomp", json!("unconfined")),
        ("/filesystem/readOnly", json!(false)),
        ("/user/uid", json!(0)),
        ("/image", json!("ghcr.io/acme/weather:1.4.2")),
        ("/secrets/0/fileMode", json!("0444")),
    ] {
        let mut bad = good.clone();
        *bad.pointer_mut(pointer).unwrap() = weak;
        assert!(!profile_validator().is_valid(&bad), "{pointer} accepted");
    }
}

#[test]
fn rejects_secret_override_for_undeclared_secret() {
    let options = ProfileOptions {
        secret_files: [("OTHER".into(), "/srv/x".into())].into(),
        ..Default::default()
    };
    assert!(matches!(
        profile_with(&weather(), &options),
        Err(ProfileError::SecretUnknown { name, declared }) if name == "OTHER" && declared == "ACME_WEATHER_API_KEY"
    ));
}

#[test]
fn rejects_mount_override_for_undeclared_path() {
    let options = ProfileOptions {
        mount_sources: [("/data".into(), "/srv/data".into())].into(),
        ..Default::default()
    };
    assert!(matches!(
        profile_with(&weather(), &options),
        Err(ProfileError::MountUnknown { container_path, .. }) if container_path == "/data"
    ));
}

#[test]
fn rejects_unusable_override_paths() {
    let mut doc = minimal();
    ext(&mut doc)["filesystem"] = json!({ "mounts": [{ "containerPath": "/data" }] });
    for (host, why) in [
        ("relative/dir", "absolute"),
        ("/srv/../etc", ".."),
        ("/srv/a,b", "separators"),
        ("/srv/a:b", "separators"),
        ("/srv/a\nb", "control"),
        ("/etc", "host system"),
        ("/var/run/docker.sock", "host system"),
    ] {
        let options = ProfileOptions {
            mount_sources: [("/data".into(), host.into())].into(),
            ..Default::default()
        };
        match profile_with(&doc, &options) {
            Err(ProfileError::OverrideInvalid { flag, reason, .. }) => {
                assert_eq!(flag, "--mount");
                assert!(reason.contains(why), "{host}: {reason}");
            }
            other => panic!("{host}: {other:?}"),
        }
    }
}

#[test]
fn rejects_manifest_paths_no_mount_spec_can_carry() {
    let mut doc = minimal();
    ext(&mut doc)["filesystem"] =
        json!({ "mounts": [{ "containerPath": "/data,readonly=false" }] });
    assert!(matches!(
        profile_of(&doc),
        Err(ProfileError::Unrenderable { path, .. }) if path.ends_with("/filesystem/mounts/0/containerPath")
    ));
}

#[test]
fn docker_text_runs_exactly_the_argv_even_with_hostile_values() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let mut doc = weather();
    // The manifest validator refuses line breaks and control characters in
    // every rendered field; the renderer must hold on its own, so the
    // payload is put into a derived profile directly.
    doc["packages"][0]["environmentVariables"] = json!([]);
    let mut p = profile_of(&doc).unwrap();
    p.env.push(EnvVar {
        name: "NOTE".into(),
        value: "$(touch x)'; `id` \\".into(),
    });
    p.env.push(EnvVar {
        name: "NOTE2".into(),
        value: format!("1.4.2\ntouch\t{}", marker.display()),
    });
    let r = p.render(Format::Docker).unwrap();
    let script = format!(
        "docker() {{ for a; do printf '%s\\0' \"$a\"; done; }}\n{}",
        r.text
    );
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .map(|w| String::from_utf8(w.to_vec()).unwrap())
        .collect();
    let want: Vec<&str> = r
        .document
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(&got[..got.len() - 1], &want[..]);
    assert!(!marker.exists());
    assert!(!dir.path().join("x").exists());
}

#[test]
fn shell_quote_round_trips_through_sh() {
    let words = [
        "plain",
        "",
        "with space",
        "it's",
        "$(touch /tmp/x)",
        "`id`",
        "a\nb",
        "*",
        "~root",
        "#comment",
        "x;y|z&w",
        "\"dq\"",
        "'''",
        "é ü",
        "--label=dev.mcp-trust/server=io.github.acme/weather",
    ];
    let script = format!(
        "for a in {}; do printf '%s\\0' \"$a\"; done",
        words
            .iter()
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(out.status.success());
    let got: Vec<&[u8]> = out.stdout.split(|b| *b == 0).collect();
    let want: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
    assert_eq!(&got[..got.len() - 1], &want[..]);
    assert_eq!(shell_quote("plain/path=1"), "plain/path=1");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
}

#[test]
fn slug_is_a_dns_label_with_a_readable_prefix_and_a_128_bit_hash() {
    let s = derive::slug("io.github.acme/weather");
    let (prefix, hash) = s.rsplit_once('-').unwrap();
    assert_eq!(prefix, "weather");
    assert_eq!(hash.len(), 32);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    let long = format!("io.github.acme/{}", "x".repeat(100));
    let s = derive::slug(&long);
    assert!(s.len() <= 63);
    assert_ne!(
        s,
        derive::slug(&format!("io.github.acme/{}", "x".repeat(101)))
    );
    assert!(!s.ends_with('-'));
    // Names a readable slug alone would fold together.
    assert_ne!(
        derive::slug("io.github.acme-weather/_"),
        derive::slug("io.github.acme/weather")
    );
    assert_ne!(
        derive::slug("io.github.acme/Weather"),
        derive::slug("io.github.acme/weather")
    );
    // Parts are length-prefixed: moving a character between them is another identifier.
    assert_ne!(
        derive::identifier(&["a/b", "c"]),
        derive::identifier(&["a/", "bc"])
    );
}

#[test]
fn empty_allowlist_is_no_network_and_duplicates_collapse() {
    let mut doc = minimal();
    ext(&mut doc)["network"] = json!({ "egress": [] });
    assert_eq!(profile_of(&doc).unwrap().network, NetworkPolicy::None);
    ext(&mut doc)["network"] = json!({ "egress": ["API.example.com:443", "api.example.com:443"] });
    match profile_of(&doc).unwrap().network {
        NetworkPolicy::Egress { allow } => assert_eq!(allow.len(), 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rejects_two_things_mounted_at_one_path() {
    for (filesystem, secrets) in [
        (
            json!({ "mounts": [{ "containerPath": "/tmp" }] }),
            json!([]),
        ),
        (
            json!({ "mounts": [{ "containerPath": "/run/secrets/KEY" }] }),
            json!([{ "name": "KEY" }]),
        ),
    ] {
        let mut doc = minimal();
        ext(&mut doc)["filesystem"] = filesystem;
        ext(&mut doc)["secrets"] = secrets;
        match profile_of(&doc) {
            Err(ProfileError::Unrenderable { reason, .. }) => {
                assert!(reason.contains("both mounted at"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_suggested_host_path_is_never_used_without_the_operator() {
    let mut doc = minimal();
    ext(&mut doc)["filesystem"] =
        json!({ "mounts": [{ "containerPath": "/data", "hostPath": "/srv/mcp/notes" }] });
    // Another server's directory, read from its public manifest: a volume of
    // this server's own instead, and the suggestion in a note.
    let p = profile_of(&doc).unwrap();
    assert!(matches!(&p.mounts[0].source, MountSource::Volume(_)));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.code == codes::HOST_SETUP && w.message.contains("/srv/mcp/notes"))
    );
    let options = ProfileOptions {
        mount_sources: [("/data".into(), "/srv/data".into())].into(),
        ..Default::default()
    };
    let p = profile_with(&doc, &options).unwrap();
    assert_eq!(
        p.mounts[0].source,
        MountSource::HostPath("/srv/data".into())
    );
}

#[test]
fn the_secrets_root_is_a_sensitive_host_path() {
    assert!(crate::manifest::rules::SENSITIVE_HOST_ROOTS.contains(&DEFAULT_SECRET_DIR));
    assert!(crate::manifest::rules::is_sensitive_host_path(&format!(
        "{DEFAULT_SECRET_DIR}/other-server/TOKEN"
    )));
}
