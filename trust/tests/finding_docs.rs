//! Every finding code the library can emit is documented in
//! `docs/findings.md`, so users can look each one up.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_emitted_code_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(root.join("../docs/findings.md")).unwrap();
    let constructor = regex::Regex::new(
        r#"Finding::(?:error|warning|info|new)\(\s*"([a-z0-9]+(?:-[a-z0-9]+)*)""#,
    )
    .unwrap();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut missing = Vec::new();
    let mut seen = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for c in constructor.captures_iter(&text) {
            seen += 1;
            let code = &c[1];
            if !docs.contains(&format!("`{code}`")) {
                missing.push(format!("{code} ({})", f.display()));
            }
        }
    }
    assert!(
        seen > 40,
        "the scan found only {seen} codes: has the constructor changed?"
    );
    assert!(
        missing.is_empty(),
        "codes missing from docs/findings.md: {missing:#?}"
    );
}
