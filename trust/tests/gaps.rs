//! One test per gap between `sigstore-verify` and what this project
//! requires (see `trust/src/signature/consistency.rs`). Each takes a genuine
//! bundle, changes one field, shows that the crate alone still accepts the
//! result, and that `signature::verify` refuses it at the named stage.

#![allow(clippy::unwrap_used)] // helpers of this test crate
mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use mcp_trust::signature::Stage;
use serde_json::Value;
use support::*;

fn assert_gap(case: &Case, bundle: &Value, stage: Stage) {
    assert!(
        case.crate_alone_accepts(bundle),
        "{}: the crate alone no longer accepts this; the gap may be closed upstream",
        case.name
    );
    let err = case.verify_json(bundle).unwrap_err();
    assert_eq!(err.stage(), stage, "{}: {err}", case.name);
}

fn rekor_v2() -> Case {
    conformance_case("rekor2-happy-path")
}

const PROOF: &str = "/verificationMaterial/tlogEntries/0/inclusionProof";

#[test]
fn rekor_v1_proof_tree_size_must_equal_the_checkpoints() {
    // The audit path's shape does not change with the lowest bit of this tree
    // size, so the Merkle proof still verifies with the wrong size.
    let case = real_signature();
    let mut b = case.bundle_json();
    assert!(bump_int_string(
        b.pointer_mut(&format!("{PROOF}/treeSize")).unwrap()
    ));
    assert_gap(&case, &b, Stage::Checkpoint);
}

#[test]
fn rekor_v2_proof_root_hash_must_equal_the_checkpoints() {
    let case = rekor_v2();
    let mut b = case.bundle_json();
    assert!(flip_b64(
        b.pointer_mut(&format!("{PROOF}/rootHash")).unwrap()
    ));
    assert_gap(&case, &b, Stage::Checkpoint);
}

#[test]
fn rekor_v2_proof_tree_size_must_equal_the_checkpoints() {
    let case = rekor_v2();
    let mut b = case.bundle_json();
    assert!(bump_int_string(
        b.pointer_mut(&format!("{PROOF}/treeSize")).unwrap()
    ));
    assert_gap(&case, &b, Stage::Checkpoint);
}

#[test]
fn rekor_v2_proof_leaf_index_must_equal_the_entrys_log_index() {
    let case = rekor_v2();
    let mut b = case.bundle_json();
    assert!(bump_int_string(
        b.pointer_mut(&format!("{PROOF}/logIndex")).unwrap()
    ));
    assert_gap(&case, &b, Stage::TransparencyLog);
}

#[test]
fn rekor_v2_log_id_must_name_a_trusted_log() {
    let case = rekor_v2();
    let mut b = case.bundle_json();
    assert!(flip_b64(
        b.pointer_mut("/verificationMaterial/tlogEntries/0/logId/keyId")
            .unwrap()
    ));
    assert_gap(&case, &b, Stage::TransparencyLog);
}

#[test]
fn checkpoint_must_be_signed_by_the_log_the_entry_names() {
    // The trusted root lists two logs; the entry below names the other one,
    // while its checkpoint stays signed by the first.
    let case = rekor_v2();
    let root: Value = serde_json::from_slice(case.trust_root_json.as_ref().unwrap()).unwrap();
    let mut b = case.bundle_json();
    let current = b
        .pointer("/verificationMaterial/tlogEntries/0/logId/keyId")
        .unwrap()
        .clone();
    let other = root["tlogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["logId"]["keyId"].clone())
        .find(|id| *id != current)
        .unwrap();
    *b.pointer_mut("/verificationMaterial/tlogEntries/0/logId/keyId")
        .unwrap() = other;
    assert_gap(&case, &b, Stage::Checkpoint);
}

#[test]
fn checkpoint_signature_must_carry_the_logs_name() {
    for case in [real_signature(), rekor_v2()] {
        let mut b = case.bundle_json();
        let envelope = b
            .pointer_mut(&format!("{PROOF}/checkpoint/envelope"))
            .unwrap();
        let text = envelope.as_str().unwrap().to_owned();
        // "— rekor.sigstore.dev <sig>" becomes "— Rekor.sigstore.dev <sig>".
        let renamed =
            text.replacen("\u{2014} r", "\u{2014} R", 1)
                .replacen("\u{2014} l", "\u{2014} L", 1);
        assert_ne!(renamed, text);
        *envelope = Value::String(renamed);
        assert_gap(&case, &b, Stage::Checkpoint);
    }
}

#[test]
fn timestamp_tokens_may_embed_only_trusted_certificates() {
    // The crate never uses embedded certificates (rightly); a corrupted one
    // rode along unchecked, which sigstore-python refuses.
    let case = rekor_v2();
    let mut b = case.bundle_json();
    let token = b
        .pointer_mut(
            "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp",
        )
        .unwrap();
    assert!(flip_b64(token));
    assert_gap(&case, &b, Stage::Timestamp);
}

#[test]
fn a_repeated_timestamp_is_refused() {
    let case = rekor_v2();
    let mut b = case.bundle_json();
    let stamps = b
        .pointer_mut("/verificationMaterial/timestampVerificationData/rfc3161Timestamps")
        .unwrap()
        .as_array_mut()
        .unwrap();
    let first = stamps[0].clone();
    stamps.push(first);
    assert_gap(&case, &b, Stage::Timestamp);
}

#[test]
fn more_than_one_log_entry_is_refused() {
    let case = real_signature();
    let mut b = case.bundle_json();
    let entries = b
        .pointer_mut("/verificationMaterial/tlogEntries")
        .unwrap()
        .as_array_mut()
        .unwrap();
    let first = entries[0].clone();
    entries.push(first);
    assert_gap(&case, &b, Stage::Consistency);
}

#[test]
fn an_integrated_time_no_promise_signs_is_refused() {
    let case = rekor_v2();
    let mut b = case.bundle_json();
    entry(&mut b)["integratedTime"] = Value::String("1234567890".into());
    assert_gap(&case, &b, Stage::Consistency);
}

#[test]
fn corrupted_body_of_a_genuine_entry_is_caught_by_the_log_proof() {
    // The body checks in consistency.rs are defence in depth: a body the log
    // did not sign never reaches them. This pins that order.
    let case = rekor_v2();
    let mut b = case.bundle_json();
    let body = entry(&mut b)["canonicalizedBody"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut json: Value = serde_json::from_slice(&B64.decode(body).unwrap()).unwrap();
    json["kind"] = Value::String("rekord".into());
    entry(&mut b)["canonicalizedBody"] =
        Value::String(B64.encode(serde_json::to_vec(&json).unwrap()));
    let err = case.verify_json(&b).unwrap_err();
    assert_eq!(err.stage(), Stage::TransparencyLog, "{err}");
}
