//! The manifest validator against the files in `testdata/manifests/`:
//! every valid file passes, every invalid file fails with exactly the
//! expected error findings (code and JSON path).

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::finding::Severity;
use mcp_trust::manifest::{EXTENSION_KEY, ValidateOptions, validate};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/manifests")
}

fn files_in(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(testdata().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn weather() -> Value {
    serde_json::from_slice(&std::fs::read(testdata().join("valid/weather.server.json")).unwrap())
        .unwrap()
}

fn errors(bytes: &[u8]) -> Vec<(String, String)> {
    let mut v: Vec<_> = validate(bytes, ValidateOptions::default())
        .findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.code, f.path))
        .collect();
    v.sort();
    v
}

#[test]
fn every_valid_manifest_passes() {
    let files = files_in("valid");
    assert!(files.len() >= 5);
    for f in files {
        let report = validate(&std::fs::read(&f).unwrap(), ValidateOptions::default());
        assert!(report.is_ok(), "{}: {:#?}", f.display(), report.findings);
    }
}

#[test]
fn every_invalid_manifest_fails_with_exactly_the_expected_findings() {
    let expected: BTreeMap<String, Vec<BTreeMap<String, String>>> =
        serde_json::from_slice(&std::fs::read(testdata().join("invalid.expected.json")).unwrap())
            .unwrap();
    let files = files_in("invalid");
    assert!(
        files.len() >= 30,
        "at least 30 invalid cases, found {}",
        files.len()
    );
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        let want = expected
            .get(name)
            .unwrap_or_else(|| panic!("{name} has no entry in invalid.expected.json"));
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|w| (w["code"].clone(), w["path"].clone()))
            .collect();
        want.sort();
        assert_eq!(errors(&std::fs::read(f).unwrap()), want, "{name}");
    }
    assert_eq!(files.len(), expected.len(), "every expectation has a file");
}

#[test]
fn reports_every_problem_at_once() {
    let bytes = std::fs::read(testdata().join("invalid/many-problems.json")).unwrap();
    assert_eq!(errors(&bytes).len(), 5);
}

#[test]
fn rejects_oversized_manifest_before_parsing() {
    let mut bytes = b"{\"name\": \"".to_vec();
    bytes.resize(1024 * 1024 + 1, b'a');
    let report = validate(&bytes, ValidateOptions::default());
    assert!(report.manifest.is_none());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].code, "manifest-too-large");
}

#[test]
fn accepts_manifest_of_exactly_the_size_cap() {
    let base =
        std::fs::read_to_string(testdata().join("valid/official-minimal.server.json")).unwrap();
    let mut padded = base.trim_end().to_owned();
    padded.truncate(padded.len() - 1); // drop the closing brace
    let filler = 1024 * 1024 - padded.len() - ",\"x-pad\":\"\"}".len();
    padded.push_str(&format!(",\"x-pad\":\"{}\"}}", "p".repeat(filler)));
    assert_eq!(padded.len(), 1024 * 1024);
    assert!(
        validate(padded.as_bytes(), ValidateOptions::default())
            .manifest
            .is_some()
    );
}

#[test]
fn rejects_more_than_a_thousand_tools() {
    let mut v = weather();
    let tool = v["_meta"][EXTENSION_KEY]["tools"][0].clone();
    let tools: Vec<Value> = (0..1001)
        .map(|i| {
            let mut t = tool.clone();
            t["name"] = Value::String(format!("tool_{i}"));
            t
        })
        .collect();
    v["_meta"][EXTENSION_KEY]["tools"] = Value::Array(tools);
    let bytes = serde_json::to_vec(&v).unwrap();
    assert_eq!(
        errors(&bytes),
        vec![(
            "too-many-tools".to_owned(),
            "/_meta/dev.mcp-trust~1security/tools".to_owned()
        )]
    );
    assert!(
        validate(&bytes, ValidateOptions::default())
            .manifest
            .is_none()
    );
}

#[test]
fn missing_extension_is_an_error_when_required() {
    let bytes = std::fs::read(testdata().join("valid/official-minimal.server.json")).unwrap();
    let report = validate(
        &bytes,
        ValidateOptions {
            require_extension: true,
        },
    );
    let codes: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code.as_str())
        .collect();
    assert_eq!(codes, ["extension-missing"]);
}

#[test]
fn unknown_official_fields_survive_a_round_trip() {
    for name in [
        "official-with-package.server.json",
        "official-with-remote.server.json",
        "weather.server.json",
        "files-and-env-secret.server.json",
    ] {
        let bytes = std::fs::read(testdata().join("valid").join(name)).unwrap();
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        let report = validate(&bytes, ValidateOptions::default());
        let back = report.manifest.unwrap().to_value();
        assert_eq!(back, original, "{name}");
    }
}

#[test]
fn annotation_defaults_apply_before_rules() {
    // No annotations at all: readOnlyHint defaults to false, so a read-write mount is not flagged.
    let mut v = weather();
    let ext = &mut v["_meta"][EXTENSION_KEY];
    ext["filesystem"] =
        serde_json::json!({"mounts": [{"containerPath": "/data", "access": "read-write"}]});
    ext["tools"][0]
        .as_object_mut()
        .unwrap()
        .remove("annotations");
    let codes = |v: &Value| -> Vec<String> {
        validate(&serde_json::to_vec(v).unwrap(), ValidateOptions::default())
            .findings
            .into_iter()
            .map(|f| f.code)
            .collect()
    };
    assert!(!codes(&v).contains(&"mount-rw-readonly-server".to_owned()));
    // Every tool explicitly read-only: the read-write mount is flagged.
    v["_meta"][EXTENSION_KEY]["tools"][0]["annotations"] =
        serde_json::json!({"readOnlyHint": true});
    assert!(codes(&v).contains(&"mount-rw-readonly-server".to_owned()));
}

#[test]
fn contradicting_explicit_annotations_warn() {
    let mut v = weather();
    v["_meta"][EXTENSION_KEY]["tools"][0]["annotations"] =
        serde_json::json!({"readOnlyHint": true, "destructiveHint": true});
    let report = validate(&serde_json::to_vec(&v).unwrap(), ValidateOptions::default());
    let f = report
        .findings
        .iter()
        .find(|f| f.code == "annotations-contradict")
        .unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.path, "/_meta/dev.mcp-trust~1security/tools/0/annotations");
}

#[test]
fn any_host_egress_and_open_network_warn() {
    let mut v = weather();
    v["_meta"][EXTENSION_KEY]["network"] = serde_json::json!({"egress": ["*:443", "*"]});
    let report = validate(&serde_json::to_vec(&v).unwrap(), ValidateOptions::default());
    let got: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.severity))
        .collect();
    assert!(got.contains(&("egress-any-host", Severity::Warning)));
    assert!(got.contains(&("network-open", Severity::Warning)));
    assert!(report.is_ok());
}

#[test]
fn deeply_nested_json_is_refused_not_a_crash() {
    let s = "[".repeat(100_000);
    let report = validate(s.as_bytes(), ValidateOptions::default());
    assert_eq!(report.findings[0].code, "json-invalid");
}

#[test]
fn versions_with_path_or_invisible_characters_are_not_exact() {
    for bad in [
        "1.0.0/../x",
        "1.0%2F0",
        "1.0.0?x",
        "1.0.0#x",
        "1.0.0\u{202e}",
        "1.0.0\u{2060}",
        // Path segments every URL parser removes: the version's URL would
        // name the version list instead.
        ".",
        "..",
        "...",
    ] {
        let mut v = weather();
        v["version"] = Value::String(bad.into());
        let got = errors(&serde_json::to_vec(&v).unwrap());
        assert!(
            got.contains(&("version-not-exact".into(), "/version".into())),
            "{bad:?}: {got:?}"
        );
    }
    for good in ["1.0.0", "1.0.0-rc.1+build_7", "2025.11.23"] {
        let mut v = weather();
        v["version"] = Value::String(good.into());
        let got = errors(&serde_json::to_vec(&v).unwrap());
        assert!(
            !got.iter().any(|(c, _)| c == "version-not-exact"),
            "{good:?}: {got:?}"
        );
    }
}

#[test]
fn schema_error_in_extension_does_not_hide_official_findings() {
    let mut v = weather();
    v["version"] = Value::String("^2".into());
    v["_meta"][EXTENSION_KEY]["resources"]["cpus"] = Value::String("two".into());
    let got = errors(&serde_json::to_vec(&v).unwrap());
    assert!(
        got.contains(&(
            "schema-violation".into(),
            "/_meta/dev.mcp-trust~1security/resources/cpus".into()
        )),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(c, _)| c == "version-not-exact" || c == "schema-violation"),
        "{got:?}"
    );
}

#[test]
fn the_official_registrys_metadata_is_not_the_publishers_to_write() {
    let mut v = weather();
    v["_meta"]["io.modelcontextprotocol.registry/official"] =
        serde_json::json!({"status": "active", "isLatest": true});
    let got = errors(&serde_json::to_vec(&v).unwrap());
    assert!(
        got.contains(&(
            "meta-reserved".into(),
            "/_meta/io.modelcontextprotocol.registry~1official".into()
        )),
        "{got:?}"
    );
    let mut v = weather();
    v["_meta"]["io.modelcontextprotocol.registry/publisher-provided"] =
        serde_json::json!({"io.github.stacklok": {}});
    let got = errors(&serde_json::to_vec(&v).unwrap());
    assert!(!got.iter().any(|(c, _)| c == "meta-reserved"), "{got:?}");
}
