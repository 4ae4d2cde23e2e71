//! The Docker catalog importer over all 328 real entries of Docker's MCP
//! catalog in `testdata/corpus/`: each converts or is rejected with
//! findings, nothing panics, and the counts by finding code published in
//! `docs/docker-catalog-import.md` are the ones the code produces.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::finding::{Severity, has_errors};
use mcp_trust::import::docker_catalog::{DEFAULT_NAMESPACE, Imported, import};
use mcp_trust::manifest::EXTENSION_KEY;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus/docker-mcp-registry")
}

fn import_entry(dir: &Path) -> Imported {
    let yaml = std::fs::read(dir.join("server.yaml")).unwrap();
    let tools = std::fs::read(dir.join("tools.json")).ok();
    import(&yaml, tools.as_deref(), DEFAULT_NAMESPACE)
}

fn all_entries() -> Vec<(String, Imported)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("server.yaml").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| {
            (
                d.file_name().unwrap().to_string_lossy().into_owned(),
                import_entry(d),
            )
        })
        .collect()
}

fn ext(i: &Imported) -> &Value {
    &i.manifest.as_ref().unwrap()["_meta"][EXTENSION_KEY]
}

#[test]
fn every_real_entry_converts_or_is_rejected_with_findings() {
    let entries = all_entries();
    assert_eq!(entries.len(), 328);
    for (name, i) in &entries {
        match &i.manifest {
            None => assert!(
                has_errors(&i.import_findings),
                "{name} rejected without an error finding"
            ),
            Some(m) => {
                assert!(
                    m["name"].as_str().unwrap().starts_with(DEFAULT_NAMESPACE),
                    "{name}"
                );
                if let Some(image) = m.pointer(&format!(
                    "/_meta/{}/image",
                    EXTENSION_KEY.replace('/', "~1")
                )) {
                    // No entry of Docker's catalog is pinned: each must be reported, never accepted.
                    assert!(!image.as_str().unwrap().contains("@sha256:"), "{name}");
                    assert!(
                        i.manifest_findings
                            .iter()
                            .any(|f| f.severity == Severity::Error
                                && (f.code == "image-tag-only" || f.code == "image-latest")),
                        "{name}: unpinned image accepted"
                    );
                }
            }
        }
    }
}

#[test]
fn published_counts_match_the_code() {
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    let entries = all_entries();
    let converted = entries.iter().filter(|(_, i)| i.manifest.is_some()).count();
    for (_, i) in &entries {
        for f in i.import_findings.iter().chain(&i.manifest_findings) {
            *by_code.entry(f.code.clone()).or_default() += 1;
        }
    }
    let mut table = format!(
        "| entries | converted | rejected |\n|---|---|---|\n| {} | {} | {} |\n\n| finding code | count |\n|---|---|\n",
        entries.len(),
        converted,
        entries.len() - converted
    );
    for (code, n) in &by_code {
        table.push_str(&format!("| `{code}` | {n} |\n"));
    }
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/docker-catalog-import.md"),
    )
    .unwrap();
    assert!(
        doc.contains(&table),
        "docs/docker-catalog-import.md is out of date; the counts are:\n{table}"
    );
}

#[test]
fn allow_hosts_become_the_egress_allowlist() {
    let i = import_entry(&corpus().join("github-official"));
    assert_eq!(
        ext(&i)["network"],
        json!({"egress": ["api.github.com:443", "github.com:443", "raw.githubusercontent.com:443"]})
    );
}

#[test]
fn disable_network_becomes_none() {
    let i = import_entry(&corpus().join("ast-grep"));
    assert_eq!(ext(&i)["network"], json!("none"));
}

#[test]
fn no_network_setting_means_open_network_and_is_reported() {
    let i = import_entry(&corpus().join("zerodha-kite"));
    assert_eq!(ext(&i)["network"], json!({"egress": ["*"]}));
    assert!(
        i.manifest_findings
            .iter()
            .any(|f| f.code == "network-open" && f.severity == Severity::Warning)
    );
}

#[test]
fn secrets_import_in_env_mode_with_a_warning() {
    let i = import_entry(&corpus().join("github-official"));
    assert_eq!(
        ext(&i)["secrets"],
        json!([{"name": "github.personal_access_token", "mode": "env", "env": "GITHUB_PERSONAL_ACCESS_TOKEN",
                "description": "You can create a GitHub personal access token [on GitHub](https://github.com/settings/personal-access-tokens/new)"}])
    );
    assert!(
        i.manifest_findings
            .iter()
            .any(|f| f.code == "secret-env-mode")
    );
}

#[test]
fn volumes_become_mounts() {
    let i = import_entry(&corpus().join("arm-mcp"));
    let mounts = ext(&i)["filesystem"]["mounts"].as_array().unwrap();
    assert!(
        mounts.contains(&json!({"containerPath": "/run/keys/ssh-key.pem", "access": "read-only"})),
        "{mounts:?}"
    );
    assert!(
        mounts.contains(&json!({"containerPath": "/workspace", "access": "read-write"})),
        "{mounts:?}"
    );
}

#[test]
fn tools_json_becomes_the_pinned_tool_list() {
    let dir = corpus().join("alfresco");
    let i = import_entry(&dir);
    let raw: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir.join("tools.json")).unwrap()).unwrap();
    let tools = ext(&i)["tools"].as_array().unwrap();
    assert_eq!(tools.len(), raw.len());
    for t in tools {
        assert_eq!(t["inputSchema"]["type"], "object");
    }
}

#[test]
fn plain_oci_type_entries_are_rejected() {
    let entries = all_entries();
    let rejected: Vec<_> = entries
        .iter()
        .filter(|(_, i)| i.manifest.is_none())
        .collect();
    assert!(!rejected.is_empty());
    for (name, i) in rejected {
        assert_eq!(
            i.import_findings[0].code, "import-unsupported-type",
            "{name}"
        );
    }
}

#[test]
fn hostile_yaml_is_a_finding() {
    let bomb = b"a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    let i = import(bomb, None, DEFAULT_NAMESPACE);
    assert!(i.manifest.is_none());
    assert!(has_errors(&i.import_findings));
    let big = vec![b'#'; 1024 * 1024 + 1];
    assert_eq!(
        import(&big, None, DEFAULT_NAMESPACE).import_findings[0].code,
        "import-too-large"
    );
    assert_eq!(
        import(b": : :\n\t- [", None, DEFAULT_NAMESPACE).import_findings[0].code,
        "import-yaml-invalid"
    );
}
