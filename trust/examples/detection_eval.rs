//! Scores the tool scan on the evaluation set written by other people
//! (`testdata/detection/`): recall per part (development, held-out), class
//! and source, false findings on real tools, and, with `-v`, every miss.
//!
//!     cargo run --release -p mcp-trust --example detection_eval -- testdata/detection [-v]

use mcp_trust::tools::ScanPolicy;
use mcp_trust::tools::eval_set::{evaluate, load};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.iter()
            .find(|a| !a.starts_with('-'))
            .ok_or("usage: detection_eval DIR [-v]")?,
    );
    let (cases, servers) = load(&dir)?;
    let start = Instant::now();
    let report = evaluate(&cases, &servers, &ScanPolicy::default())?;
    let elapsed = start.elapsed();
    print!("{report}");
    let tools = cases.len() + servers.iter().map(|s| s.tools.len()).sum::<usize>();
    println!(
        "time: {tools} tools scanned in {:.1} ms ({:.3} ms per tool; target ≤ 2 ms)",
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1000.0 / tools.max(1) as f64
    );
    if args.iter().any(|a| a == "-v") {
        print!("{}", report.details());
    }
    Ok(())
}
