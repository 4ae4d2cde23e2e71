//! The measured precision of the tool-surface rules, asserted: recall on the
//! labelled malicious set in `testdata/threats/`, false positives on the real
//! `tools.json` files of Docker's MCP catalog (`testdata/corpus/`). A rule change
//! that loses recall or adds false positives fails here.

use mcp_trust::tools::ScanPolicy;
use mcp_trust::tools::eval::{benign_files, evaluate_benign, evaluate_malicious, load_threats};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The real catalog: Docker's MCP registry, vendored under `testdata/corpus/`.
fn corpus() -> PathBuf {
    workspace().join("testdata/corpus/docker-mcp-registry")
}

#[test]
fn malicious_set_recall_meets_targets() {
    let (cases, catalog) = load_threats(&workspace().join("testdata/threats")).unwrap();
    assert!(
        cases.len() >= 100,
        "the labelled set must hold at least 100 cases, has {}",
        cases.len()
    );
    let r = evaluate_malicious(&cases, &catalog, &ScanPolicy::default()).unwrap();
    println!("{r}");
    assert!(
        r.total.warning_rate() >= 0.95,
        "recall at warning or above fell below 95%:\n{r}"
    );
    assert!(
        r.total.error_rate() >= 0.95,
        "recall at error fell below 95%:\n{r}"
    );
    for kind in ["poisoning", "rugpull"] {
        assert!(
            r.by_kind[kind].error_rate() >= 0.95,
            "{kind} recall at error fell below 95%:\n{r}"
        );
    }
    assert_eq!(
        r.by_kind["rugpull"].at_error, r.by_kind["rugpull"].cases,
        "every rug pull must be an error:\n{r}"
    );
    let expected = r.total.expected_code as f64 / r.total.cases as f64;
    assert!(
        expected >= 0.98,
        "expected codes fired for only {:.1}% of cases:\n{r}",
        100.0 * expected
    );
}

#[test]
fn real_tool_lists_false_positives_meet_targets() {
    let files = benign_files(&corpus()).unwrap();
    assert_eq!(
        files.len(),
        82,
        "the benign set is Docker's 82 tools.json files"
    );
    let r = evaluate_benign(&files, &ScanPolicy::default()).unwrap();
    println!("{r}");
    assert_eq!(r.tools, 755);
    assert_eq!(
        r.tools_with_error, 0,
        "real tools flagged at error severity:\n{r}"
    );
    assert!(
        r.tools_with_warning <= 15,
        "more than 2% of real tools flagged at warning:\n{r}"
    );
    assert_eq!(
        r.shadow_tools_with_error, 0,
        "real tools flagged as shadowing at error severity:\n{r}"
    );
}

#[test]
fn threat_files_are_well_formed() {
    let (cases, _) = load_threats(&workspace().join("testdata/threats")).unwrap();
    let mut ids: Vec<&str> = cases.iter().map(|(_, c)| c.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "case ids must be unique");
    let known: Vec<&str> = mcp_trust::tools::scan::RULES
        .iter()
        .chain(mcp_trust::tools::shadow::SHADOW_RULES)
        .map(|r| r.code)
        .chain(mcp_trust::tools::diff::DIFF_CODES.iter().copied())
        .collect();
    for (_, c) in &cases {
        for code in &c.expect {
            assert!(
                known.contains(&code.as_str()),
                "{}: unknown expected code {code}",
                c.id
            );
        }
    }
    let readme = std::fs::read_to_string(workspace().join("testdata/threats/README.md")).unwrap();
    for (source, _) in &cases {
        let first = source.split([',', '(', ':', ';']).next().unwrap().trim();
        assert!(
            readme.contains(first),
            "source `{first}` is not cited in testdata/threats/README.md"
        );
    }
}
