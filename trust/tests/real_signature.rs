//! The production cosign v3 signature of ghcr.io/kubewarden/kubewarden-controller:v1.34.0
//! (testdata/signatures): verified by digest against the embedded public-good
//! root, offline, at the log's and the timestamp authority's time: its
//! certificate was valid for ten minutes in April 2026.

#![allow(clippy::unwrap_used)] // helpers of this test crate
mod support;

use mcp_trust::image::Digest;
use mcp_trust::signature::{
    Artifact, Matcher, Policy, SignedContent, Stage, TimeSource, TrustRoot, verify,
};
use support::*;

fn bundle() -> Vec<u8> {
    real_signature().bundle
}

fn digest() -> Digest {
    Digest::parse(REAL_DIGEST).unwrap()
}

fn policy(identity: Matcher, issuer: Matcher) -> Policy {
    Policy::keyless(identity, issuer)
}

fn exact(v: &str) -> Matcher {
    Matcher::exact(v, "value").unwrap()
}

fn refused_with(policy: &Policy, digest: &Digest) -> Stage {
    verify(
        &bundle(),
        Artifact::Digest(digest),
        policy,
        &TrustRoot::public_good().unwrap(),
    )
    .unwrap_err()
    .stage()
}

#[test]
fn verifies_by_digest_with_the_embedded_root_and_reports_what_it_proved() {
    let v = verify(
        &bundle(),
        Artifact::Digest(&digest()),
        &policy(exact(REAL_IDENTITY), exact(REAL_ISSUER)),
        &TrustRoot::public_good().unwrap(),
    )
    .unwrap();
    let cert = v.certificate().unwrap();
    assert_eq!(cert.identity, REAL_IDENTITY);
    assert_eq!(cert.issuer, REAL_ISSUER);
    let c = &cert.claims;
    assert_eq!(
        c.source_repository_uri.as_deref(),
        Some("https://github.com/kubewarden/kubewarden-controller")
    );
    assert_eq!(
        c.source_repository_ref.as_deref(),
        Some("refs/tags/v1.34.0")
    );
    assert_eq!(
        c.source_repository_digest.as_deref(),
        Some("2a6b879b7a5ef59d7fb348d0b5d14314538ac0a6")
    );
    assert_eq!(c.source_repository_identifier.as_deref(), Some("318490971"));
    assert_eq!(
        c.source_repository_owner_identifier.as_deref(),
        Some("80915497")
    );
    assert_eq!(c.build_signer_uri.as_deref(), Some(REAL_IDENTITY));
    assert_eq!(v.artifact.as_str(), REAL_DIGEST);
    assert_eq!(v.log.kind, "dsse/0.0.1");
    assert_eq!(v.log.log_index, Some(1_261_105_807));
    assert_eq!(v.log.log_id, "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=");
    let cp = v.log.checkpoint.as_ref().unwrap();
    assert_eq!(
        (cp.tree_size, cp.leaf_index),
        (1_139_201_557, 1_139_201_545)
    );
    let SignedContent::Dsse { predicate_type, .. } = &v.content else {
        panic!("expected a DSSE bundle")
    };
    assert_eq!(
        predicate_type.as_deref(),
        Some("https://sigstore.dev/cosign/sign/v1")
    );
    let sources: Vec<_> = v.times.iter().map(|t| t.source).collect();
    assert!(sources.contains(&TimeSource::IntegratedTime));
    assert!(sources.contains(&TimeSource::Rfc3161Timestamp));
    let signed = v.signed_at().unwrap().time;
    assert_eq!(signed.as_second(), 1_775_719_409); // 2026-04-09T07:23:29Z
    assert!(cert.not_before <= signed && signed <= cert.not_after);
}

#[test]
fn verification_time_is_the_logs_not_the_clocks() {
    let v = verify(
        &bundle(),
        Artifact::Digest(&digest()),
        &policy(exact(REAL_IDENTITY), exact(REAL_ISSUER)),
        &TrustRoot::public_good().unwrap(),
    )
    .unwrap();
    let cert = v.certificate().unwrap();
    // Ten minutes of validity, long over at any time these tests run.
    assert_eq!(
        cert.not_after.as_second() - cert.not_before.as_second(),
        600
    );
    assert!(cert.not_after < jiff::Timestamp::now());
}

#[test]
fn refused_for_another_digest() {
    let other =
        Digest::parse("sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50173")
            .unwrap();
    let p = policy(exact(REAL_IDENTITY), exact(REAL_ISSUER));
    assert_eq!(refused_with(&p, &other), Stage::Artifact);
}

#[test]
fn refused_for_another_identity() {
    let other = REAL_IDENTITY.replace("v1.34.0", "v1.33.0");
    let p = policy(exact(&other), exact(REAL_ISSUER));
    assert_eq!(refused_with(&p, &digest()), Stage::IdentityPolicy);
}

#[test]
fn refused_for_a_prefix_of_the_identity() {
    for prefix in [
        "https://github.com/kubewarden/kubewarden-controller",
        "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml",
        &REAL_IDENTITY[..REAL_IDENTITY.len() - 1],
    ] {
        let p = policy(exact(prefix), exact(REAL_ISSUER));
        assert_eq!(
            refused_with(&p, &digest()),
            Stage::IdentityPolicy,
            "{prefix}"
        );
    }
}

#[test]
fn refused_for_an_issuer_with_a_suffix_or_another_issuer() {
    for issuer in [
        "https://token.actions.githubusercontent.com/",
        "https://token.actions.githubusercontent.com.evil.example",
        "https://accounts.google.com",
        "https://gitlab.com",
    ] {
        let p = policy(exact(REAL_IDENTITY), exact(issuer));
        assert_eq!(
            refused_with(&p, &digest()),
            Stage::IdentityPolicy,
            "{issuer}"
        );
    }
}

#[test]
fn identity_regexp_must_match_the_whole_identity() {
    let issuer = Matcher::regex(r"https://token\.actions\.githubusercontent\.com").unwrap();
    let whole = Matcher::regex(
        r"https://github\.com/kubewarden/[^/]+/\.github/workflows/release\.yml@refs/tags/v.*",
    )
    .unwrap();
    verify(
        &bundle(),
        Artifact::Digest(&digest()),
        &policy(whole, issuer.clone()),
        &TrustRoot::public_good().unwrap(),
    )
    .unwrap();
    // cosign's unanchored flag would accept these substrings; an anchored one must not.
    for part in [
        "kubewarden",
        r"https://github\.com/kubewarden/",
        r".*@refs/tags/v1\.3",
    ] {
        let p = policy(Matcher::regex(part).unwrap(), issuer.clone());
        assert_eq!(refused_with(&p, &digest()), Stage::IdentityPolicy, "{part}");
    }
    let p = policy(
        exact(REAL_IDENTITY),
        Matcher::regex("https://token").unwrap(),
    );
    assert_eq!(refused_with(&p, &digest()), Stage::IdentityPolicy);
}

#[test]
fn refused_against_a_trust_root_that_does_not_know_its_log_or_ca() {
    let other = conformance_case("rekor2-happy-path");
    let root = TrustRoot::from_json(other.trust_root_json.as_ref().unwrap()).unwrap();
    let err = verify(
        &bundle(),
        Artifact::Digest(&digest()),
        &policy(exact(REAL_IDENTITY), exact(REAL_ISSUER)),
        &root,
    )
    .unwrap_err();
    assert_ne!(err.stage(), Stage::IdentityPolicy, "{err}");
}

#[test]
fn public_good_root_copy_in_testdata_is_the_embedded_one() {
    let copy = std::fs::read_to_string(testdata().join("signatures/public-good-trusted-root.json"))
        .unwrap();
    assert_eq!(copy, sigstore_trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT);
}
