//! Differential corruption tests: every happy-path bundle of the
//! sigstore-conformance assets and the real image signature, with one
//! security-relevant field corrupted at a time (a flipped bit, an index off
//! by one), plus the wrong artifact, identity and issuer. Nothing may be
//! accepted, and each refusal must name the stage that caught it.

mod support;

use mcp_trust::signature::Stage;
use support::*;

#[test]
fn print_stages() {
    let mut cases = happy_cases();
    cases.push(real_signature());
    for case in &cases {
        for c in corruptions() {
            let mut b = case.bundle_json();
            if !(c.apply)(&mut b) {
                continue;
            }
            let ours = case.verify_json(&b);
            let crate_ok = case.crate_alone_accepts(&b);
            println!(
                "{:45} {:30} crate={} ours={}",
                case.name,
                c.field,
                if crate_ok { "ACCEPT" } else { "reject" },
                match &ours {
                    Ok(_) => "ACCEPT".to_string(),
                    Err(e) => format!("{} ({})", e.stage(), e.detail().chars().take(90).collect::<String>()),
                }
            );
        }
    }
    let _ = Stage::Parse;
}
