//! `mcp-verify import docker-catalog` against hostile `server.yaml` files:
//! nesting and alias bombs are refused at once, with their finding, and the
//! rest of the catalog is still imported.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use serde_json::Value;
use std::process::Command;

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir.join(name)).unwrap();
    std::fs::write(dir.join(name).join("server.yaml"), text).unwrap();
}

#[test]
fn nesting_and_alias_bombs_are_refused_and_the_rest_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    // Quadratic in the parser before the fix: minutes at the old 1 MiB cap.
    write(
        dir.path(),
        "deep",
        &format!("name: deep\nx: {}\n", "a: [".repeat(16_000)),
    );
    // Each line multiplies the one before by ten.
    let mut bomb = String::from("name: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = "a".to_owned();
    for i in 0..6 {
        let next = format!("b{i}");
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("{next}: &{next} [{refs}]\n"));
        prev = next;
    }
    write(dir.path(), "bomb", &bomb);
    write(
        dir.path(),
        "big",
        &format!("name: big\nx: \"{}\"\n", "y".repeat(70_000)),
    );
    let real = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/corpus/docker-mcp-registry/markitdown/server.yaml");
    write(
        dir.path(),
        "markitdown",
        &std::fs::read_to_string(real).unwrap(),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(["import", "docker-catalog"])
        .arg(dir.path())
        .args(["--output", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let code_of = |dir: &str| -> String {
        report["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["source"].as_str().unwrap().contains(&format!("/{dir}/")))
            .map(|e| {
                e["importFindings"][0]["code"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .unwrap()
    };
    assert_eq!(code_of("deep"), "import-yaml-too-deep");
    assert!(
        ["import-yaml-expansion", "import-yaml-invalid"].contains(&code_of("bomb").as_str()),
        "{}",
        code_of("bomb")
    );
    assert_eq!(code_of("big"), "import-too-large");
    assert_eq!(report["summary"]["entries"], 4);
    assert_eq!(report["summary"]["converted"], 1, "{report:#}");
}
