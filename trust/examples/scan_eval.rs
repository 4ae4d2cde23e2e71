//! Prints recall on the labelled malicious set and the false-positive rate
//! on real tool lists, per severity, and how long scanning the real set took;
//! beside them, in the same run, a bare keyword rule as the baseline.
//!
//!     cargo run --release -p mcp-trust --example scan_eval -- THREATS_DIR CORPUS_DIR [-v]

use mcp_trust::tools::ScanPolicy;
use mcp_trust::tools::eval::{benign_files, evaluate_benign, evaluate_malicious, load_threats};
use mcp_trust::tools::listing::parse_tools_file;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (threats, corpus) = match args.as_slice() {
        [t, c, ..] => (PathBuf::from(t), PathBuf::from(c)),
        _ => return Err("usage: scan_eval THREATS_DIR CORPUS_DIR [-v]".into()),
    };
    let verbose = args.iter().any(|a| a == "-v");
    let policy = ScanPolicy::default();

    let (cases, catalog) = load_threats(&threats)?;
    let malicious = evaluate_malicious(&cases, &catalog, &policy)?;
    print!("{malicious}");

    let files = benign_files(&corpus)?;
    let start = Instant::now();
    let benign = evaluate_benign(&files, &policy)?;
    let elapsed = start.elapsed();
    if verbose {
        print!("{benign}");
    } else {
        let mut summary = benign.clone();
        summary.details.clear();
        print!("{summary}");
    }
    println!(
        "  time: scanning and cross-checking {} files ({} tools) took {:.1} ms (target ≤ 1000 ms)",
        benign.files,
        benign.tools,
        elapsed.as_secs_f64() * 1000.0
    );

    // Baseline in the same run: a bare keyword rule over descriptions.
    let keywords = [
        "token",
        "api key",
        "password",
        "secret",
        "credential",
        "ssh",
        ".env",
    ];
    let mut flagged = 0;
    let mut tools = 0;
    for f in &files {
        let bytes = std::fs::read(f).map_err(|e| e.to_string())?;
        let listing = parse_tools_file(&bytes).map_err(|e| e.to_string())?;
        for t in &listing.tools {
            tools += 1;
            let text = format!(
                "{} {}",
                t.description.as_deref().unwrap_or(""),
                t.input_schema
            )
            .to_lowercase();
            if keywords.iter().any(|k| text.contains(k)) {
                flagged += 1;
            }
        }
    }
    println!(
        "baseline: bare keyword rule ({}) flags {flagged} of {tools} real tools ({:.1}%)",
        keywords.join(", "),
        100.0 * flagged as f64 / tools.max(1) as f64
    );
    println!(
        "targets: recall ≥ 95% -> {}; error FPs = 0 -> {}; warning FPs ≤ 2% -> {}",
        if malicious.total.warning_rate() >= 0.95 && malicious.total.error_rate() >= 0.95 {
            "met"
        } else {
            "MISSED"
        },
        if benign.tools_with_error == 0 {
            "met"
        } else {
            "MISSED"
        },
        if benign.warning_rate() <= 0.02 {
            "met"
        } else {
            "MISSED"
        },
    );
    Ok(())
}
