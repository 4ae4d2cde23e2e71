//! `serde_json/arbitrary_precision` would keep number text verbatim instead of
//! f64, changing every canonical (RFC 8785) tool-surface hash. No crate in the
//! workspace may turn it on; this checks the resolved feature set of the
//! whole workspace, not just what this crate sees.

use std::process::Command;

#[test]
fn no_crate_in_the_workspace_enables_serde_json_arbitrary_precision() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The host platform only: other platforms' crates need not be downloaded.
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host");
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--locked",
            "--filter-platform",
            &host,
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = meta["resolve"]["nodes"].as_array().unwrap();
    let serde_json_nodes: Vec<&serde_json::Value> = nodes
        .iter()
        .filter(|n| {
            n["id"]
                .as_str()
                .is_some_and(|id| id.contains("serde_json@"))
        })
        .collect();
    assert!(
        !serde_json_nodes.is_empty(),
        "serde_json not found in cargo metadata"
    );
    for n in serde_json_nodes {
        let features: Vec<&str> = n["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str())
            .collect();
        assert!(
            !features.contains(&"arbitrary_precision"),
            "serde_json is built with arbitrary_precision: {features:?}"
        );
    }
}

#[test]
fn numbers_parse_as_f64() {
    let v: serde_json::Value =
        serde_json::from_str("[123456789012345678901234567890, 1.10]").unwrap();
    assert_eq!(
        serde_json_canonicalizer::to_string(&v).unwrap(),
        "[1.2345678901234568e+29,1.1]"
    );
    assert!(serde_json::from_str::<serde_json::Value>("1e400").is_err());
}
