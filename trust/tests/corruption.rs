//! Differential corruption tests: every happy-path bundle of the
//! sigstore-conformance assets and the real image signature, with one
//! security-relevant field corrupted at a time (a flipped bit, an index off
//! by one), plus the wrong artifact, identity, issuer or key. Nothing may be
//! accepted, and each refusal must name the stage that caught it.
//! (`scripts/differential-sigstore-python` runs the same kind of corruptions
//! through sigstore-python and checks we never accept what it rejects.)

#![allow(clippy::unwrap_used)] // helpers of this test crate
mod support;

use mcp_trust::image::Digest;
use mcp_trust::signature::{Matcher, Policy, Stage};
use serde_json::Value;
use std::collections::BTreeSet;
use support::*;

fn all_cases() -> Vec<Case> {
    let mut cases = happy_cases();
    cases.push(real_signature());
    cases
}

fn has_timestamps(b: &Value) -> bool {
    b.pointer("/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0")
        .is_some()
}

/// The stage that must refuse `field` corrupted in `original` (giving `corrupted`).
fn expected_stage(field: &str, original: &Value, corrupted: &Value) -> Stage {
    match field {
        // An RFC 3161 timestamp signs the signature, so it is the first to notice.
        "message signature" | "dsse signature" if has_timestamps(original) => Stage::Timestamp,
        "message signature" | "dsse signature" => Stage::Signature,
        "message digest" => Stage::Artifact,
        "certificate" | "certificate signature" => Stage::CertificateChain,
        // The in-toto statement is read before its signature is checked.
        "dsse payload" => {
            let payload = corrupted["dsseEnvelope"]["payload"].as_str().unwrap();
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, payload)
                .unwrap();
            if serde_json::from_slice::<Value>(&bytes).is_ok() {
                Stage::Signature
            } else {
                Stage::Parse
            }
        }
        "dsse payload type" | "media type" => Stage::Parse,
        "kind version" => {
            let kv = &corrupted["verificationMaterial"]["tlogEntries"][0]["kindVersion"];
            let dsse = corrupted.get("dsseEnvelope").is_some();
            match (
                kv["kind"].as_str().unwrap(),
                kv["version"].as_str().unwrap(),
            ) {
                ("hashedrekord", "0.0.1") if dsse => Stage::Parse,
                ("hashedrekord", _) => Stage::TransparencyLog,
                _ => Stage::Parse,
            }
        }
        "inclusion promise (SET)"
        | "integrated time"
        | "log index"
        | "log id"
        | "canonicalized body"
        | "inclusion proof first hash"
        | "inclusion proof last hash"
        | "inclusion proof log index" => Stage::TransparencyLog,
        "inclusion proof root hash"
        | "inclusion proof tree size"
        | "checkpoint origin"
        | "checkpoint tree size"
        | "checkpoint root hash"
        | "checkpoint signature"
        | "checkpoint key hint"
        | "checkpoint signer name" => Stage::Checkpoint,
        "rfc3161 timestamp signed time" | "rfc3161 timestamp middle byte" => Stage::Timestamp,
        other => panic!("no expected stage for {other}"),
    }
}

#[test]
fn every_genuine_bundle_verifies() {
    for case in all_cases() {
        if let Err(e) = case.verify() {
            panic!("{}: {e}", case.name);
        }
    }
}

#[test]
fn no_single_field_corruption_is_accepted_and_each_names_its_stage() {
    let mut applied = BTreeSet::new();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in all_cases() {
        let original = case.bundle_json();
        for corruption in corruptions() {
            let mut corrupted = original.clone();
            if !(corruption.apply)(&mut corrupted) {
                continue;
            }
            count += 1;
            applied.insert(corruption.field);
            let expected = expected_stage(corruption.field, &original, &corrupted);
            match case.verify_json(&corrupted) {
                Ok(_) => failures.push(format!("{}: {} ACCEPTED", case.name, corruption.field)),
                Err(e) if e.stage() != expected => failures.push(format!(
                    "{}: {} refused at {} (expected {expected}): {e}",
                    case.name,
                    corruption.field,
                    e.stage()
                )),
                Err(_) => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every corruption found a bundle carrying its field.
    let all: BTreeSet<_> = corruptions().iter().map(|c| c.field).collect();
    assert_eq!(applied, all);
    assert!(count > 400, "only {count} corruptions applied");
}

/// One bit of the artifact (or its digest) changed.
fn other_subject(case: &Case) -> Subject {
    match &case.subject {
        Subject::Bytes(b) => {
            let mut b = b.clone();
            b[0] ^= 1;
            Subject::Bytes(b)
        }
        Subject::Digest(d) => {
            let mut hex = d.hex().to_owned();
            let last = if hex.ends_with('0') { "1" } else { "0" };
            hex.replace_range(63.., last);
            Subject::Digest(Digest::parse(&format!("sha256:{hex}")).unwrap())
        }
    }
}

#[test]
fn wrong_artifact_is_refused_at_artifact_stage() {
    for case in all_cases() {
        let other = other_subject(&case);
        let err = case
            .verify_with(&case.bundle, other.artifact(), &case.policy())
            .unwrap_err();
        assert_eq!(err.stage(), Stage::Artifact, "{}: {err}", case.name);
    }
}

fn keyless(identity: &str, issuer: &str) -> Policy {
    Policy::keyless(
        Matcher::exact(identity, "identity").unwrap(),
        Matcher::exact(issuer, "issuer").unwrap(),
    )
}

#[test]
fn wrong_identity_or_issuer_is_refused_at_identity_policy_stage() {
    for case in all_cases() {
        let Some((identity, issuer)) = &case.identity else {
            continue;
        };
        let prefix = &identity[..identity.len() - 1];
        for policy in [
            keyless(
                "https://github.com/someone-else/repo/.github/workflows/release.yml@refs/heads/main",
                issuer,
            ),
            keyless(prefix, issuer),
            keyless(&format!("{identity}x"), issuer),
            keyless(identity, &format!("{issuer}.evil.example")),
            keyless(identity, "https://accounts.google.com"),
        ] {
            let err = case
                .verify_with(&case.bundle, case.subject.artifact(), &policy)
                .unwrap_err();
            assert_eq!(err.stage(), Stage::IdentityPolicy, "{}: {err}", case.name);
        }
    }
}

#[test]
fn wrong_key_is_refused_at_signature_stage() {
    let other = sigstore_crypto::KeyPair::generate_ecdsa_p256().unwrap();
    let policy = Policy::public_key_pem(&other.public_key_der().unwrap().to_pem()).unwrap();
    let cases: Vec<Case> = happy_cases()
        .into_iter()
        .filter(|c| c.key_pem.is_some())
        .collect();
    assert!(!cases.is_empty());
    for case in cases {
        let err = case
            .verify_with(&case.bundle, case.subject.artifact(), &policy)
            .unwrap_err();
        assert_eq!(err.stage(), Stage::Signature, "{}: {err}", case.name);
    }
}

#[test]
fn keyless_bundle_under_key_policy_and_key_bundle_under_keyless_policy_are_refused() {
    let keyed = happy_cases()
        .into_iter()
        .find(|c| c.key_pem.is_some())
        .unwrap();
    let err = keyed
        .verify_with(
            &keyed.bundle,
            keyed.subject.artifact(),
            &keyless(CONFORMANCE_IDENTITY, CONFORMANCE_ISSUER),
        )
        .unwrap_err();
    assert_eq!(err.stage(), Stage::IdentityPolicy, "{err}");
    let real = real_signature();
    let err = real
        .verify_with(
            &real.bundle,
            real.subject.artifact(),
            &Policy::public_key_pem(keyed.key_pem.as_deref().unwrap()).unwrap(),
        )
        .unwrap_err();
    assert_eq!(err.stage(), Stage::IdentityPolicy, "{err}");
}
