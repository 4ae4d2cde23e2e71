//! The tool scan scored on cases written by other people
//! (`testdata/detection/`, see its README): the figures may only get better.
//! Each floor below is the figure `bench/detection-eval.sh` printed when it
//! was last raised (docs/detection.md); a change that loses a case or adds
//! a false error fails here.

use mcp_trust::tools::ScanPolicy;
use mcp_trust::tools::eval_set::{Split, evaluate, load};
use std::path::Path;

#[test]
fn recall_and_false_findings_do_not_regress() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/detection");
    let (cases, servers) = load(&dir).unwrap();
    assert!(cases.len() >= 595, "{} cases", cases.len());
    assert!(servers.iter().map(|s| s.tools.len()).sum::<usize>() >= 1692);
    let r = evaluate(&cases, &servers, &ScanPolicy::default()).unwrap();
    let dev = r.recall[&Split::Dev];
    let held = r.recall[&Split::HeldOut];
    // Floors: caught at error, and at any severity, per part.
    assert!(
        dev.at_error >= 372,
        "dev at error: {dev:?}\n{}",
        r.details()
    );
    assert!(
        held.at_error >= 166,
        "held-out at error: {held:?}\n{}",
        r.details()
    );
    assert!(dev.at_any >= 376, "dev at any: {dev:?}\n{}", r.details());
    assert!(
        held.at_any >= 172,
        "held-out at any: {held:?}\n{}",
        r.details()
    );
    // Ceilings: real tools with an error finding, per part (none on the
    // development part: Auth0, Dynatrace, MongoDB and Neon included).
    assert_eq!(
        r.benign[&Split::Dev].at_error,
        0,
        "real tools with an error\n{}",
        r.details()
    );
    assert!(
        r.benign[&Split::HeldOut].at_error <= 4,
        "real held-out tools with an error\n{}",
        r.details()
    );
}

/// The paraphrase set (`testdata/paraphrase/`): attacks written for this
/// project in their own words, without reading the scan's rules, and honest
/// tools of the kinds vendors ship, written the same way; a reviewer's
/// attacks on the rules' exemptions, with the honest tools they could hurt;
/// and attacks written to avoid the words keyword scanners look for, with
/// honest payment, IAM, sudo and secrets tools that tempt a scanner; and
/// orders of acts no tool needs (secrets gathered, the system prompt asked
/// for, the user phished, harm to the host), with honest tools that name
/// them; and code in general run by a tool not named for it (arbitrary
/// commands, the user's scripts, files downloaded and run), with honest
/// tools of places where code runs; a third unseen author's attacks in
/// business-like prose and hard honest tools; sibling tools named with
/// their calls changed, and the hostile review of that reading. Raised
/// 2026-12-06 with the eighth change (other tools named by name and
/// changed, other tools' outputs harvested, acts left out of the answer).
#[test]
fn paraphrased_attacks_and_honest_tools_do_not_regress() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/paraphrase");
    let (cases, servers) = load(&dir).unwrap();
    assert_eq!(cases.len(), 1302);
    let r = evaluate(&cases, &servers, &ScanPolicy::default()).unwrap();
    let all = r.recall[&Split::Dev];
    assert!(all.at_error >= 782, "at error: {all:?}\n{}", r.details());
    assert!(all.at_any >= 964, "at any: {all:?}\n{}", r.details());
    let errors: usize = r.benign.values().map(|c| c.at_error).sum();
    // 5; 6 of the ninth part's honest tools that older rules flag ("your
    // previous configuration is replaced", "rules no longer apply"); 5 of
    // the tenth and eleventh parts' (a step "before any other tool", a
    // tool named outside the listing, a prompt-injection detector quoting
    // "ignore previous instructions", "grant admin rights", a required bcc);
    // 25 of the three parts added with the eighth change, all from rules
    // older than it (3 of the unseen author's honest tools, 6 of the
    // sibling-tool texts: "override user", "auto-approve on", read-only
    // plans and queries that run; 16 of its review's: "regardless of the
    // user's" in five tools' limits, "instead of the filesystem server's",
    // "approval prompts are disabled", "without asking for confirmation",
    // read-only tools that say remove, delete, shred or execute, a token
    // moved to the vendor's upload host, a `conversation` parameter).
    assert!(
        errors <= 41,
        "{errors} honest tools with an error\n{}",
        r.details()
    );
}

/// The blind set (`testdata/blind/`): written by an author who read neither
/// the rules nor any other set, and never read when rules are written.
#[test]
fn the_blind_set_does_not_regress() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/blind");
    let (cases, servers) = load(&dir).unwrap();
    assert_eq!(cases.len(), 160);
    let r = evaluate(&cases, &servers, &ScanPolicy::default()).unwrap();
    let held = r.recall[&Split::HeldOut];
    assert!(held.at_error >= 84, "at error: {held:?}");
    assert!(held.at_any >= 87, "at any: {held:?}");
    let errors: usize = r.benign.values().map(|c| c.at_error).sum();
    assert!(errors <= 7, "{errors} honest tools with an error");
}
