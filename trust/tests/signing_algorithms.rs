//! Every key type of Sigstore's algorithm registry that `test-sigstore` can
//! sign with, as a keyless leaf key and as a managed key, over an image
//! digest (a DSSE cosign v3 statement) and over a blob (a message signature
//! with a `hashedrekord` entry hashed as the key signs): every one verifies,
//! as the table in docs/verification.md says, and each is refused with a
//! flipped signature bit and with the wrong key or identity.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use base64::Engine;
use mcp_trust::image::Digest;
use mcp_trust::signature::{Artifact, Matcher, Policy, Stage, TrustRoot, verify};
use test_sigstore::{
    GITHUB_ACTIONS_ISSUER, GitHubWorkflow, Identity, SigningAlgorithm, TestKey, TestSigstore,
};

const BLOB: &[u8] = b"a release artifact";

fn workflow() -> GitHubWorkflow {
    GitHubWorkflow::new(
        "acme/weather",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    )
}

fn keyless(identity: &str) -> Policy {
    Policy::keyless(
        Matcher::exact(identity, "identity").unwrap(),
        Matcher::exact(GITHUB_ACTIONS_ISSUER, "issuer").unwrap(),
    )
}

fn image_digest() -> Digest {
    Digest::of(b"an image manifest")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    KeylessImage,
    KeylessBlob,
    KeyImage,
    KeyBlob,
}

/// What happened to one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Verified,
    Refused(Stage),
    /// A `--key` policy cannot even be made from the public key.
    PolicyKeyRefused,
}

/// A signature made with `algorithm` as `kind` says, its policy, and a
/// policy for another signer; `None` when no policy takes the key.
struct Signed {
    bundle: String,
    policy: Policy,
    wrong: Policy,
}

fn signed(sigstore: &mut TestSigstore, algorithm: SigningAlgorithm, kind: Kind) -> Option<Signed> {
    let digest = image_digest().to_string();
    let identity = Identity::github(&workflow()).with_algorithm(algorithm);
    let other = "https://github.com/evil/x/.github/workflows/r.yml@refs/heads/main";
    match kind {
        Kind::KeylessImage | Kind::KeylessBlob => Some(Signed {
            bundle: if kind == Kind::KeylessImage {
                sigstore.sign_image_dsse(&digest, &identity)
            } else {
                sigstore.sign_blob(BLOB, &identity)
            },
            policy: keyless(&workflow().workflow_uri()),
            wrong: keyless(other),
        }),
        Kind::KeyImage | Kind::KeyBlob => {
            let key = TestKey::generate_with(algorithm);
            let other_key = TestKey::generate_with(algorithm);
            let bundle = if kind == Kind::KeyImage {
                sigstore.sign_image_dsse(&digest, &key)
            } else {
                sigstore.sign_blob(BLOB, &key)
            };
            Some(Signed {
                bundle,
                policy: Policy::public_key_pem(&key.public_key_pem()).ok()?,
                wrong: Policy::public_key_pem(&other_key.public_key_pem()).ok()?,
            })
        }
    }
}

fn check(bundle: &str, kind: Kind, policy: &Policy, root: &TrustRoot) -> Outcome {
    let digest = image_digest();
    let artifact = match kind {
        Kind::KeylessImage | Kind::KeyImage => Artifact::Digest(&digest),
        Kind::KeylessBlob | Kind::KeyBlob => Artifact::Bytes(BLOB),
    };
    match verify(bundle.as_bytes(), artifact, policy, root) {
        Ok(_) => Outcome::Verified,
        Err(e) => Outcome::Refused(e.stage()),
    }
}

/// The outcome the code gives today for each algorithm and kind: every one
/// verifies (P-521 keys and SHA-384/512 `hashedrekord` entries through the
/// fixes carried in patches/).
fn expected(_: SigningAlgorithm, _: Kind) -> Outcome {
    Outcome::Verified
}

#[test]
fn each_algorithm_verifies_or_is_refused_at_a_named_stage() {
    let mut sigstore = TestSigstore::new();
    let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
    let mut table = Vec::new();
    let mut mismatches = Vec::new();
    for algorithm in SigningAlgorithm::ALL {
        for kind in [
            Kind::KeylessImage,
            Kind::KeylessBlob,
            Kind::KeyImage,
            Kind::KeyBlob,
        ] {
            let made = signed(&mut sigstore, algorithm, kind);
            let got = made.as_ref().map_or(Outcome::PolicyKeyRefused, |s| {
                check(&s.bundle, kind, &s.policy, &root)
            });
            table.push(format!("{} {kind:?}: {got:?}", algorithm.name()));
            if got != expected(algorithm, kind) {
                mismatches.push(format!(
                    "{} {kind:?}: got {got:?}, expected {:?}",
                    algorithm.name(),
                    expected(algorithm, kind)
                ));
            }
            if let (Outcome::Verified, Some(s)) = (got, &made) {
                // Near misses of an accepted signature are refused.
                assert_ne!(
                    check(&s.bundle, kind, &s.wrong, &root),
                    Outcome::Verified,
                    "{} {kind:?}: another signer's policy accepted it",
                    algorithm.name()
                );
                assert_ne!(
                    check(&tamper_signature(&s.bundle), kind, &s.policy, &root),
                    Outcome::Verified,
                    "{} {kind:?}: a flipped signature bit was accepted",
                    algorithm.name()
                );
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}\n{table:#?}");
}

/// The bundle with one bit of its signature flipped (message signature or DSSE).
fn tamper_signature(bundle: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut doc: serde_json::Value = serde_json::from_str(bundle).unwrap();
    let pointer = if doc.pointer("/messageSignature").is_some() {
        "/messageSignature/signature"
    } else {
        "/dsseEnvelope/signatures/0/sig"
    };
    let mut sig = b64
        .decode(doc.pointer(pointer).unwrap().as_str().unwrap())
        .unwrap();
    let middle = sig.len() / 2;
    sig[middle] ^= 0x01;
    *doc.pointer_mut(pointer).unwrap() = serde_json::json!(b64.encode(sig));
    doc.to_string()
}

#[test]
fn an_entry_hashed_with_sha384_or_sha512_binds_only_the_bytes_it_names() {
    let mut sigstore = TestSigstore::new();
    let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
    for algorithm in [
        SigningAlgorithm::EcdsaP384Sha384,
        SigningAlgorithm::EcdsaP521Sha512,
    ] {
        let identity = Identity::github(&workflow()).with_algorithm(algorithm);
        let bundle = sigstore.sign_blob(BLOB, &identity);
        let policy = keyless(&workflow().workflow_uri());
        assert!(verify(bundle.as_bytes(), Artifact::Bytes(BLOB), &policy, &root).is_ok());
        // Other bytes: refused.
        let other = verify(
            bundle.as_bytes(),
            Artifact::Bytes(b"another artifact"),
            &policy,
            &root,
        );
        assert!(other.is_err(), "{}", algorithm.name());
        // Only the SHA-256 of the right bytes: the SHA-384/512 entry cannot be
        // checked against it, so it is refused, not taken on trust.
        let digest = Digest::of(BLOB);
        let by_digest = verify(bundle.as_bytes(), Artifact::Digest(&digest), &policy, &root);
        assert!(
            by_digest.is_err(),
            "{}: verified from a SHA-256 digest alone",
            algorithm.name()
        );
    }
}
