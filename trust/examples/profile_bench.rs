//! In-process timing of profile rendering against the baseline of validation
//! alone, over the manifests in `testdata/manifests/profiles/`. Run through
//! `bench/profile-render.sh`; prints microseconds per manifest.

use mcp_trust::manifest::{ValidateOptions, validate};
use mcp_trust::profile::{Format, ProfileOptions, RuntimeProfile};
use std::time::Instant;

fn main() {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/manifests/profiles");
    let mut manifests = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("testdata/manifests/profiles") {
        let path = entry.expect("directory entry").path();
        if path.to_string_lossy().ends_with(".server.json") {
            manifests.push(std::fs::read(&path).expect("manifest"));
        }
    }
    let n = f64::from(rounds) * manifests.len() as f64;
    let options = ValidateOptions {
        require_extension: true,
    };
    // Warm the schema validators and allocator.
    for m in &manifests {
        let _ = validate(m, options);
    }
    let start = Instant::now();
    for _ in 0..rounds {
        for m in &manifests {
            std::hint::black_box(validate(m, options));
        }
    }
    let base = start.elapsed().as_secs_f64() * 1e6 / n;
    println!("{} manifests x {rounds} rounds", manifests.len());
    println!("{:<40} {base:>9.1} us/manifest", "baseline: validate");
    for format in Format::ALL {
        let start = Instant::now();
        for _ in 0..rounds {
            for m in &manifests {
                let p = RuntimeProfile::from_manifest_bytes(m, &ProfileOptions::default())
                    .expect("test manifests are valid");
                std::hint::black_box(p.render(format).expect("renders"));
            }
        }
        let t = start.elapsed().as_secs_f64() * 1e6 / n;
        println!(
            "{:<40} {t:>9.1} us/manifest  (+{:.1} us, x{:.2} of baseline)",
            format!("validate + derive + render {format}"),
            t - base,
            t / base
        );
    }
}
