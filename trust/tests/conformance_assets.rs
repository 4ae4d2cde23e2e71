//! Every sigstore-conformance bundle-verification case, in process, by
//! artifact bytes and by digest: the 21 happy paths verify, the 49 `_fail`
//! cases are refused, each at the stage listed here. (The suite itself runs
//! against the CLI from `scripts/test`.)

#![allow(clippy::unwrap_used)] // helpers of this test crate
mod support;

use mcp_trust::image::Digest;
use mcp_trust::signature::{self, Artifact, Policy, Stage, TrustRoot};
use support::*;

/// The stage that refuses each `_fail` case. A key or trust root that cannot
/// be used is refused before any bundle is read (stage `trust-root`).
const EXPECTED: &[(&str, Stage)] = &[
    ("bundle-empty-certificate-chain_fail", Stage::Checkpoint),
    ("bundle-from-wrong-instance_fail", Stage::TransparencyLog),
    ("bundle-invalid-base64-signature_fail", Stage::Parse),
    ("bundle-malformed-json_fail", Stage::Parse),
    ("bundle-negative-log-index_fail", Stage::Parse),
    ("bundle-unknown-version_fail", Stage::Parse),
    ("bundle-with-root-cert_fail", Stage::Checkpoint),
    ("checkpoint-bad-keyhint_fail", Stage::Checkpoint),
    ("checkpoint-wrong-roothash_fail", Stage::Checkpoint),
    ("dsse-invalid-sig_fail", Stage::Signature),
    ("dsse-mismatch-envelope_fail", Stage::Consistency),
    ("dsse-mismatch-sig_fail", Stage::Consistency),
    (
        "inclusion-proof-corrupted-hash_fail",
        Stage::TransparencyLog,
    ),
    ("incorrect-public-key_fail", Stage::TransparencyLog),
    ("integrated-time-in-future_fail", Stage::CertificateChain),
    ("intoto-expired-certificate_fail", Stage::CertificateChain),
    ("intoto-log-entry-mismatch_fail", Stage::TransparencyLog),
    (
        "intoto-missing-inclusion-proof_fail",
        Stage::TransparencyLog,
    ),
    (
        "intoto-set-outside-signing-cert-validity_fail",
        Stage::CertificateChain,
    ),
    (
        "intoto-tsa-timestamp-outside-cert-validity_fail",
        Stage::CertificateChain,
    ),
    ("invalid-checkpoint-signature_fail", Stage::Checkpoint),
    ("invalid-ct-key_fail", Stage::Sct),
    ("invalid-inclusion-proof_fail", Stage::Checkpoint),
    ("managed-key-no-key_fail", Stage::IdentityPolicy),
    ("managed-key-wrong-key_fail", Stage::TrustRoot),
    ("message-digest-mismatch_fail", Stage::Artifact),
    ("rekor2-checkpoint-missing-log-signature_fail", Stage::Parse),
    ("rekor2-checkpoint-missing-origin_fail", Stage::Parse),
    ("rekor2-checkpoint-missing-root-hash_fail", Stage::Parse),
    ("rekor2-checkpoint-missing-size_fail", Stage::Parse),
    (
        "rekor2-checkpoint-no-matching-signature_fail",
        Stage::Checkpoint,
    ),
    ("rekor2-dsse-invalid-sig_fail", Stage::Signature),
    ("rekor2-dsse-mismatch-envelope_fail", Stage::Artifact),
    ("rekor2-dsse-mismatch-sig_fail", Stage::Consistency),
    ("rekor2-no-inclusion-proof_fail", Stage::TransparencyLog),
    ("rekor2-no-timestamp_fail", Stage::Timestamp),
    (
        "rekor2-timestamp-outside-trust-root-tsa-validity_fail",
        Stage::Timestamp,
    ),
    (
        "rekor2-timestamp-outside-tsa-cert-validity_fail",
        Stage::Timestamp,
    ),
    ("rekor2-timestamp-payload-mismatch_fail", Stage::Timestamp),
    (
        "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
        Stage::Timestamp,
    ),
    (
        "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail",
        Stage::Timestamp,
    ),
    ("rekor2-timestamp-with-incorrect-time_fail", Stage::Parse),
    ("set-invalid-signature_fail", Stage::TransparencyLog),
    ("signature-mismatch_fail", Stage::Signature),
    (
        "trust-root-tlog-missing-validity-start_fail",
        Stage::TrustRoot,
    ),
    ("wrong-hashedrekord-artifact_fail", Stage::Artifact),
    ("wrong-hashedrekord-cert-and-sig_fail", Stage::Consistency),
    ("wrong-hashedrekord-entry_fail", Stage::Artifact),
    ("wrong-material_fail", Stage::Artifact),
];

/// Verifies like the CLI: an unusable key or trust root is refused at `trust-root`.
fn verify(case: &Case, artifact: Artifact<'_>) -> Result<(), Stage> {
    let root = match &case.trust_root_json {
        Some(json) => TrustRoot::from_json(json).map_err(|e| e.stage())?,
        None => TrustRoot::public_good().map_err(|e| e.stage())?,
    };
    let policy = match &case.key_pem {
        Some(pem) => Policy::public_key_pem(pem).map_err(|_| Stage::TrustRoot)?,
        None => case.policy(),
    };
    signature::verify(&case.bundle, artifact, &policy, &root)
        .map(|_| ())
        .map_err(|e| e.stage())
}

#[test]
fn happy_paths_verify_by_bytes_and_by_digest() {
    let cases = happy_cases();
    assert_eq!(cases.len(), 21);
    for case in cases {
        let Subject::Bytes(bytes) = &case.subject else {
            unreachable!()
        };
        let digest = Digest::of(bytes);
        assert_eq!(
            verify(&case, Artifact::Bytes(bytes)),
            Ok(()),
            "{}",
            case.name
        );
        assert_eq!(
            verify(&case, Artifact::Digest(&digest)),
            Ok(()),
            "{}",
            case.name
        );
    }
}

#[test]
fn failing_cases_are_refused_at_their_stage_by_bytes_and_by_digest() {
    let cases: Vec<Case> = conformance_cases()
        .into_iter()
        .filter(|c| !c.should_pass())
        .collect();
    assert_eq!(cases.len(), 49);
    assert_eq!(EXPECTED.len(), 49);
    for case in cases {
        let expected = EXPECTED
            .iter()
            .find(|(name, _)| *name == case.name)
            .unwrap_or_else(|| panic!("no expected stage for {}", case.name))
            .1;
        let Subject::Bytes(bytes) = &case.subject else {
            unreachable!()
        };
        let digest = Digest::of(bytes);
        assert_eq!(
            verify(&case, Artifact::Bytes(bytes)),
            Err(expected),
            "{}",
            case.name
        );
        assert_eq!(
            verify(&case, Artifact::Digest(&digest)),
            Err(expected),
            "{}",
            case.name
        );
    }
}

#[test]
fn v0_1_bundle_with_only_an_inclusion_promise_verifies() {
    // Legacy cosign signatures carry a SET and no inclusion proof; converted
    // to v0.1 bundles they must verify on the promise alone.
    let case = conformance_case("happy-path-v0.1");
    let mut b = case.bundle_json();
    let entry = b
        .pointer_mut("/verificationMaterial/tlogEntries/0")
        .unwrap()
        .as_object_mut()
        .unwrap();
    entry.remove("inclusionProof");
    let v = case.verify_json(&b).unwrap();
    assert!(v.log.checkpoint.is_none());
    assert_eq!(v.log.log_index, Some(27_246_492));
    // Not so for v0.2 and later, which must carry the proof.
    let case = conformance_case("happy-path-v0.2");
    let mut b = case.bundle_json();
    b.pointer_mut("/verificationMaterial/tlogEntries/0")
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("inclusionProof");
    assert_eq!(
        case.verify_json(&b).unwrap_err().stage(),
        Stage::TransparencyLog
    );
}
