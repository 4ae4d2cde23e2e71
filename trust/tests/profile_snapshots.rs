//! Every manifest in `testdata/manifests/profiles/` rendered in every format,
//! pinned as snapshots (`trust/tests/snapshots/`), and each rendering checked
//! against what its consumer accepts: the Compose Specification schema, the
//! runtime-profile schema, a POSIX shell for the docker command line, and the
//! Docker MCP catalog's known keys. `scripts/test` also validates the
//! Kubernetes snapshots with `kubernetes-validate`.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use mcp_trust::profile::{Format, ProfileOptions, Rendered, RuntimeProfile, profile_validator};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn manifests() -> Vec<(String, Vec<u8>)> {
    let dir = root().join("testdata/manifests/profiles");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".server.json"))
        .map(|p| {
            let stem = p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches(".server.json")
                .to_owned();
            (stem, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 10, "expected at least 10 manifests in {dir:?}");
    out
}

fn render_all() -> Vec<(String, Vec<Rendered>)> {
    manifests()
        .into_iter()
        .map(|(stem, bytes)| {
            // A declared uid in the host accounts' range is the operator's
            // call (`--allow-user`); the snapshots show it approved.
            let declared_user = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.pointer("/_meta/dev.mcp-trust~1security/user")?.as_u64())
                .and_then(|u| u32::try_from(u).ok());
            let options = ProfileOptions {
                catalog_version: Some(1024),
                allowed_user: declared_user,
                ..Default::default()
            };
            let profile = RuntimeProfile::from_manifest_bytes(&bytes, &options)
                .unwrap_or_else(|e| panic!("{stem}: {e}"));
            let rendered = Format::ALL
                .iter()
                .map(|f| {
                    profile
                        .render(*f)
                        .unwrap_or_else(|e| panic!("{stem} {f}: {e}"))
                })
                .collect();
            (stem, rendered)
        })
        .collect()
}

fn find(rendered: &[Rendered], format: Format) -> &Rendered {
    rendered.iter().find(|r| r.format == format).unwrap()
}

#[test]
fn rendered_profiles_match_snapshots() {
    for (stem, rendered) in render_all() {
        let mut warnings = String::new();
        for r in &rendered {
            insta::assert_snapshot!(format!("{stem}__{}", r.format), r.text);
            for w in &r.warnings {
                warnings.push_str(&format!(
                    "{:<10} {:<7} {} at {}: {}\n",
                    r.format.name(),
                    w.severity,
                    w.code,
                    if w.path.is_empty() {
                        "(profile)"
                    } else {
                        &w.path
                    },
                    w.message
                ));
            }
        }
        insta::assert_snapshot!(format!("{stem}__warnings"), warnings);
    }
}

#[test]
fn compose_files_are_valid_compose_specification() {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(root().join("testdata/external/compose-spec/compose-spec.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    for (stem, rendered) in render_all() {
        let compose = find(&rendered, Format::Compose);
        // Validate what a user gets: the YAML text, parsed back.
        let parsed: Value = serde_norway::from_str(&compose.text).unwrap();
        assert_eq!(parsed, compose.document, "{stem}");
        let errors: Vec<String> = validator
            .iter_errors(&parsed)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{stem}: {errors:#?}");
    }
}

#[test]
fn compose_schema_check_is_not_vacuous() {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(root().join("testdata/external/compose-spec/compose-spec.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    let bad = serde_json::json!({ "services": { "x": { "read_only": [1], "no_such_key": true } } });
    assert!(!validator.is_valid(&bad));
}

#[test]
fn neutral_profiles_are_valid_runtime_profiles() {
    for (stem, rendered) in render_all() {
        let parsed: Value = serde_json::from_str(&find(&rendered, Format::Json).text).unwrap();
        let errors: Vec<String> = profile_validator()
            .iter_errors(&parsed)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{stem}: {errors:#?}");
    }
}

#[test]
fn kubernetes_documents_parse_back_to_pod_and_network_policy() {
    for (stem, rendered) in render_all() {
        let k = find(&rendered, Format::Kubernetes);
        let docs: Vec<Value> = k
            .text
            .split("---\n")
            .skip(1)
            .map(|d| serde_norway::from_str(d).unwrap())
            .collect();
        assert_eq!(Value::Array(docs.clone()), k.document, "{stem}");
        assert_eq!(docs[0]["kind"], "Pod", "{stem}");
        assert_eq!(docs[1]["kind"], "NetworkPolicy", "{stem}");
    }
}

#[test]
fn docker_command_lines_parse_to_their_argv() {
    for (stem, rendered) in render_all() {
        let d = find(&rendered, Format::Docker);
        let script = format!(
            "docker() {{ for a; do printf '%s\\0' \"$a\"; done; }}\n{}",
            d.text
        );
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        assert!(out.status.success(), "{stem}");
        let got: Vec<String> = out
            .stdout
            .split(|b| *b == 0)
            .map(|w| String::from_utf8(w.to_vec()).unwrap())
            .collect();
        let want: Vec<String> = d.document.as_array().unwrap()[1..]
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(&got[..got.len() - 1], &want[..], "{stem}");
    }
}

#[test]
fn docker_mcp_entries_use_only_catalog_keys_and_pin_the_digest() {
    const TOP: &[&str] = &["name", "image", "type", "about", "source", "run", "config"];
    const RUN: &[&str] = &["command", "volumes", "disableNetwork", "allowHosts", "user"];
    const CONFIG: &[&str] = &["description", "secrets", "env"];
    for (stem, rendered) in render_all() {
        let d = find(&rendered, Format::DockerMcp);
        let parsed: Value = serde_norway::from_str(&d.text).unwrap();
        assert_eq!(parsed, d.document, "{stem}");
        let keys = |v: &Value| -> Vec<String> {
            v.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        for (v, allowed) in [
            (&parsed, TOP),
            (&parsed["run"], RUN),
            (&parsed["config"], CONFIG),
        ] {
            for k in keys(v) {
                assert!(allowed.contains(&k.as_str()), "{stem}: unexpected key {k}");
            }
        }
        let image = parsed["image"].as_str().unwrap();
        assert!(
            image
                .split_once("@sha256:")
                .is_some_and(|(_, hex)| hex.len() == 64),
            "{stem}: {image}"
        );
        for s in parsed["config"]["secrets"].as_array().into_iter().flatten() {
            assert!(s.get("value").is_none(), "{stem}: a secret has a value");
        }
    }
}

#[test]
fn no_rendering_carries_a_secret_in_the_environment_literally() {
    for (stem, rendered) in render_all() {
        let profile = find(&rendered, Format::Json);
        let secret_vars: Vec<String> = profile.document["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["variable"].as_str().map(str::to_owned))
            .collect();
        let argv = find(&rendered, Format::Docker).document.as_array().unwrap();
        for v in &secret_vars {
            assert!(
                !argv
                    .iter()
                    .any(|a| a.as_str().unwrap().starts_with(&format!("{v}="))),
                "{stem}: {v} passed literally"
            );
        }
        let compose = &find(&rendered, Format::Compose).document;
        let svc = compose["services"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        for v in &secret_vars {
            assert!(
                svc["environment"].get(v).is_none(),
                "{stem}: {v} in compose env"
            );
        }
    }
}

#[test]
fn docs_show_the_exact_rendering_of_their_example() {
    let docs = std::fs::read_to_string(root().join("docs/profiles.md")).unwrap();
    let (_, rendered) = render_all()
        .into_iter()
        .find(|(stem, _)| stem == "cloud-run")
        .unwrap();
    for r in &rendered {
        let lang = match r.format {
            Format::Docker => "sh",
            Format::Compose | Format::Kubernetes | Format::DockerMcp => "yaml",
            Format::Toolhive | Format::Json => "json",
        };
        assert!(
            docs.contains(&format!("```{lang}\n{}```", r.text)),
            "docs/profiles.md does not show the current {} rendering of cloud-run.server.json; regenerate it",
            r.format
        );
        for w in &r.warnings {
            if r.format == Format::Toolhive {
                assert!(docs.contains(&w.message), "missing ToolHive warning {w:?}");
            }
        }
    }
}
