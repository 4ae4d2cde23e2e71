//! Rekor v2 (`hashedrekord` 0.0.2) entries for every key of Sigstore's
//! algorithm registry that Rekor v2 logs: the entry holds the digest the key
//! signs, under the hash its `keyDetails` names (SHA-384 for P-384, SHA-512
//! for P-521), of the message or of a DSSE envelope's PAE. Each verifies with
//! a managed key, image and blob; each near miss a log or client could write
//! is refused at a named stage with its reason.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

mod support;

use mcp_trust::image::Digest;
use mcp_trust::signature::{Artifact, Matcher, Policy, Stage, TrustRoot, verify};
use test_sigstore::{
    GITHUB_ACTIONS_ISSUER, GitHubWorkflow, Identity, LoggedAs, SigningAlgorithm, Stamp, TestKey,
    TestSigstore,
};

const BLOB: &[u8] = b"a release artifact";

fn image_digest() -> Digest {
    Digest::of(b"an image manifest")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Image,
    Blob,
}

struct Fixture {
    sigstore: TestSigstore,
    root: TrustRoot,
}

impl Fixture {
    fn new() -> Self {
        let sigstore = TestSigstore::new();
        let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
        Self { sigstore, root }
    }

    fn sign(&mut self, key: &TestKey, kind: Kind, logged: &LoggedAs) -> String {
        match kind {
            Kind::Image => {
                self.sigstore
                    .sign_image_dsse_v2(&image_digest().to_string(), key, logged)
            }
            Kind::Blob => self.sigstore.sign_blob_v2(BLOB, key, logged),
        }
    }

    /// `Ok(())` or the refusal's stage and full message.
    fn check(&self, bundle: &str, kind: Kind, key: &TestKey) -> Result<(), (Stage, String)> {
        let digest = image_digest();
        let artifact = match kind {
            Kind::Image => Artifact::Digest(&digest),
            Kind::Blob => Artifact::Bytes(BLOB),
        };
        let policy = Policy::public_key_pem(&key.public_key_pem()).unwrap();
        verify(bundle.as_bytes(), artifact, &policy, &self.root)
            .map(|_| ())
            .map_err(|e| (e.stage(), e.to_string()))
    }
}

#[test]
fn every_algorithm_rekor_v2_logs_verifies_and_its_near_misses_do_not() {
    let mut f = Fixture::new();
    let mut failures = Vec::new();
    for algorithm in SigningAlgorithm::ALL {
        for kind in [Kind::Image, Kind::Blob] {
            let key = TestKey::generate_with(algorithm);
            let bundle = f.sign(&key, kind, &LoggedAs::default());
            let got = f.check(&bundle, kind, &key);
            let name = algorithm.name();
            if algorithm == SigningAlgorithm::Ed25519 {
                // Rekor v2 logs an Ed25519 key as Ed25519ph, which is not
                // supported: refused by name, never checked as something else.
                let expected = "transparency log entry rejected: malformed log entry: \
                     Rekor v2 keyDetails PKIX_ED25519_PH: Ed25519ph signatures are not supported";
                if got != Err((Stage::TransparencyLog, expected.into())) {
                    failures.push(format!("{name} {kind:?}: {got:?}"));
                }
                continue;
            }
            if let Err(e) = got {
                failures.push(format!("{name} {kind:?}: {e:?}"));
                continue;
            }
            let other = TestKey::generate_with(algorithm);
            if f.check(&bundle, kind, &other).is_ok() {
                failures.push(format!("{name} {kind:?}: another key's policy accepted it"));
            }
            if f.check(&support::tamper_signature(&bundle), kind, &key)
                .is_ok()
            {
                failures.push(format!("{name} {kind:?}: a flipped signature bit verified"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_logged_digest_must_be_the_key_details_hash_of_what_was_signed() {
    let mut f = Fixture::new();
    let p256 = TestKey::generate_with(SigningAlgorithm::EcdsaP256Sha256);
    let p384 = TestKey::generate_with(SigningAlgorithm::EcdsaP384Sha384);
    let p521 = TestKey::generate_with(SigningAlgorithm::EcdsaP521Sha512);
    let sha256 = |d: &[u8]| sigstore_crypto::sha256(d).as_bytes().to_vec();
    let sha384 = |d: &[u8]| sigstore_crypto::sha384(d).as_bytes().to_vec();
    let parse_refusal = |what: &str| {
        (
            Stage::TransparencyLog,
            format!("transparency log entry rejected: malformed log entry: {what}"),
        )
    };
    type Case<'a> = (&'a str, &'a TestKey, Kind, LoggedAs, (Stage, String));
    let cases: Vec<Case<'_>> = vec![
        (
            "a P-384 entry logging the SHA-256 of the blob",
            &p384,
            Kind::Blob,
            LoggedAs {
                algorithm: Some("SHA2_256"),
                digest: Some(sha256(BLOB)),
                ..LoggedAs::default()
            },
            parse_refusal(
                "the Rekor v2 entry's digest is SHA2_256, but PKIX_ECDSA_P384_SHA_384 signs with SHA2_384",
            ),
        ),
        (
            "a P-256 entry logging the SHA-384 of the blob",
            &p256,
            Kind::Blob,
            LoggedAs {
                algorithm: Some("SHA2_384"),
                digest: Some(sha384(BLOB)),
                ..LoggedAs::default()
            },
            parse_refusal(
                "the Rekor v2 entry's digest is SHA2_384, but PKIX_ECDSA_P256_SHA_256 signs with SHA2_256",
            ),
        ),
        (
            "a P-521 entry whose SHA2_512 digest is 48 bytes",
            &p521,
            Kind::Blob,
            LoggedAs {
                digest: Some(sha384(BLOB)),
                ..LoggedAs::default()
            },
            parse_refusal("the Rekor v2 entry's SHA2_512 digest is 48 bytes"),
        ),
        (
            "a P-384 entry of other bytes",
            &p384,
            Kind::Blob,
            LoggedAs {
                digest: Some(sha384(b"other bytes")),
                ..LoggedAs::default()
            },
            (
                Stage::Artifact,
                "bundle does not sign this artifact: artifact mismatch: artifact hash mismatch for hashedrekord entry"
                    .into(),
            ),
        ),
        (
            "a P-384 DSSE entry of the PAE's SHA-256 labelled SHA2_384",
            &p384,
            Kind::Image,
            LoggedAs {
                digest: Some(sha256(&sigstore_types::pae(
                    test_sigstore::IN_TOTO_PAYLOAD_TYPE,
                    &test_sigstore::cosign_sign_statement(&image_digest().to_string()),
                ))),
                ..LoggedAs::default()
            },
            parse_refusal("the Rekor v2 entry's SHA2_384 digest is 32 bytes"),
        ),
        (
            "a P-384 DSSE entry of the payload instead of the PAE",
            &p384,
            Kind::Image,
            LoggedAs {
                digest: Some(sha384(
                    &test_sigstore::cosign_sign_statement(&image_digest().to_string()),
                )),
                ..LoggedAs::default()
            },
            (
                Stage::Artifact,
                "bundle does not sign this artifact: artifact mismatch: artifact hash mismatch for hashedrekord entry"
                    .into(),
            ),
        ),
    ];
    for (what, key, kind, logged, expected) in cases {
        let bundle = f.sign(key, kind, &logged);
        assert_eq!(f.check(&bundle, kind, key), Err(expected), "{what}");
    }
}

#[test]
fn key_details_must_name_the_signing_key_and_scheme_exactly() {
    let mut f = Fixture::new();
    let p384 = TestKey::generate_with(SigningAlgorithm::EcdsaP384Sha384);
    let rsa2048 = TestKey::generate_with(SigningAlgorithm::Rsa2048Pkcs1Sha256);
    let p256 = TestKey::generate_with(SigningAlgorithm::EcdsaP256Sha256);
    let rsa2048_pss = TestKey::generate_with(SigningAlgorithm::Rsa2048PssSha256);
    let body = "bundle is inconsistent: log entry body: ";
    let cases: Vec<(&TestKey, LoggedAs, String)> = vec![
        (
            &p384,
            // The P-256 name with the P-256 hash over the same bytes.
            LoggedAs {
                key_details: Some("PKIX_ECDSA_P256_SHA_256"),
                algorithm: Some("SHA2_256"),
                digest: Some(sigstore_crypto::sha256(BLOB).as_bytes().to_vec()),
                ..LoggedAs::default()
            },
            format!(
                "{body}signature.verifier.keyDetails names a EcdsaP256 key; the signing key is EcdsaP384"
            ),
        ),
        (
            &rsa2048,
            LoggedAs {
                key_details: Some("PKIX_RSA_PKCS1V15_4096_SHA256"),
                ..LoggedAs::default()
            },
            format!(
                "{body}signature.verifier.keyDetails names a 4096-bit RSA key; the signing key has 2048 bits"
            ),
        ),
        (
            &rsa2048,
            // A PKCS#1 v1.5 signature logged as PSS.
            LoggedAs {
                key_details: Some("PKIX_RSA_PSS_2048_SHA256"),
                ..LoggedAs::default()
            },
            format!(
                "{body}the signature does not verify as PKIX_RSA_PSS_2048_SHA256: \
                 Verification error: RSA_PSS_SHA256 signature invalid"
            ),
        ),
        (
            &rsa2048_pss,
            // A PSS signature logged as PKCS#1 v1.5.
            LoggedAs {
                key_details: Some("PKIX_RSA_PKCS1V15_2048_SHA256"),
                ..LoggedAs::default()
            },
            format!(
                "{body}the signature does not verify as PKIX_RSA_PKCS1V15_2048_SHA256: \
                 Verification error: RSA_PKCS1_SHA256 signature invalid"
            ),
        ),
        (
            &p256,
            LoggedAs {
                key_details: Some("PKIX_ED25519"),
                algorithm: Some("SHA2_256"),
                ..LoggedAs::default()
            },
            "transparency log entry rejected: malformed log entry: Rekor v2 keyDetails \
             PKIX_ED25519 names no digest algorithm"
                .into(),
        ),
    ];
    for (key, logged, expected) in cases {
        let what = format!("{:?}", logged.key_details);
        let bundle = f.sign(key, Kind::Blob, &logged);
        let (_, message) = f.check(&bundle, Kind::Blob, key).unwrap_err();
        assert_eq!(message, expected, "{what}");
    }
}

#[test]
fn a_sha384_or_sha512_entry_is_refused_from_a_sha256_digest_alone() {
    let mut f = Fixture::new();
    for algorithm in [
        SigningAlgorithm::EcdsaP384Sha384,
        SigningAlgorithm::EcdsaP521Sha512,
    ] {
        let key = TestKey::generate_with(algorithm);
        let bundle = f.sigstore.sign_blob_v2(BLOB, &key, &LoggedAs::default());
        let sha256 = Digest::of(BLOB);
        let policy = Policy::public_key_pem(&key.public_key_pem()).unwrap();
        let e = verify(
            bundle.as_bytes(),
            Artifact::Digest(&sha256),
            &policy,
            &f.root,
        )
        .unwrap_err();
        assert_ne!(
            e.stage(),
            Stage::Consistency,
            "refused before the body check"
        );
        assert!(
            e.to_string().contains("artifact"),
            "{}: {e}",
            algorithm.name()
        );
    }
}

fn workflow() -> GitHubWorkflow {
    GitHubWorkflow::new(
        "acme/weather",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    )
}

fn keyless_policy() -> Policy {
    Policy::keyless(
        Matcher::exact(&workflow().workflow_uri(), "identity").unwrap(),
        Matcher::exact(GITHUB_ACTIONS_ISSUER, "issuer").unwrap(),
    )
}

/// A keyless Rekor v2 bundle of `algorithm`, image or blob, as `logged` says.
fn keyless(
    sigstore: &mut TestSigstore,
    algorithm: SigningAlgorithm,
    kind: Kind,
    logged: &LoggedAs,
) -> String {
    let identity = Identity::github(&workflow()).with_algorithm(algorithm);
    match kind {
        Kind::Image => sigstore.sign_image_dsse_v2(&image_digest().to_string(), &identity, logged),
        Kind::Blob => sigstore.sign_blob_v2(BLOB, &identity, logged),
    }
}

fn check_keyless(bundle: &str, kind: Kind, root: &TrustRoot) -> Result<(), (Stage, String)> {
    let digest = image_digest();
    let artifact = match kind {
        Kind::Image => Artifact::Digest(&digest),
        Kind::Blob => Artifact::Bytes(BLOB),
    };
    verify(bundle.as_bytes(), artifact, &keyless_policy(), root)
        .map(|_| ())
        .map_err(|e| (e.stage(), e.to_string()))
}

/// The bundle with the last byte of its RFC 3161 token flipped: the end of
/// the CMS signer's signature.
fn tamper_timestamp(bundle: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut doc: serde_json::Value = serde_json::from_str(bundle).unwrap();
    let pointer =
        "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp";
    let mut token = b64
        .decode(doc.pointer(pointer).unwrap().as_str().unwrap())
        .unwrap();
    *token.last_mut().unwrap() ^= 0x01;
    *doc.pointer_mut(pointer).unwrap() = serde_json::json!(b64.encode(token));
    doc.to_string()
}

/// Keyless Rekor v2 bundles, dated by an RFC 3161 timestamp as a v2 entry
/// has no integrated time, verify for every leaf algorithm Rekor v2 logs;
/// a stamp missing, from a look-alike authority or with a flipped byte is
/// refused at the timestamp.
#[test]
fn keyless_rekor_v2_bundles_verify_by_their_timestamp() {
    let mut f = Fixture::new();
    let mut failures = Vec::new();
    for algorithm in SigningAlgorithm::ALL {
        if algorithm == SigningAlgorithm::Ed25519 {
            continue; // Ed25519ph, refused above
        }
        for kind in [Kind::Image, Kind::Blob] {
            let bundle = keyless(&mut f.sigstore, algorithm, kind, &LoggedAs::default());
            if let Err(e) = check_keyless(&bundle, kind, &f.root) {
                failures.push(format!("{} {kind:?}: {e:?}", algorithm.name()));
            }
            match check_keyless(&tamper_timestamp(&bundle), kind, &f.root) {
                Err((Stage::Timestamp, e)) if e.contains("signature invalid") => {}
                other => failures.push(format!(
                    "{} {kind:?} flipped stamp: {other:?}",
                    algorithm.name()
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    for (stamp, detail) in [
        (
            Stamp::None,
            "no verified timestamp: V2 bundle requires RFC3161 timestamp but none could be verified",
        ),
        // The look-alike authority names the trusted leaf's issuer and
        // serial with another key: its signature does not verify.
        (Stamp::Untrusted, "signature invalid"),
    ] {
        let logged = LoggedAs {
            stamp,
            ..LoggedAs::default()
        };
        let bundle = keyless(
            &mut f.sigstore,
            SigningAlgorithm::EcdsaP256Sha256,
            Kind::Blob,
            &logged,
        );
        let (stage, message) = check_keyless(&bundle, Kind::Blob, &f.root).unwrap_err();
        assert_eq!(stage, Stage::Timestamp, "{stamp:?}: {message}");
        assert!(message.contains(detail), "{stamp:?}: {message}");
    }
}

/// A timestamp authority whose signing key is ECDSA (P-521 too, through
/// the fix carried on `sigstore-tsa`), Ed25519 or RSA PKCS#1 v1.5 dates a
/// keyless Rekor v2 bundle, and its signature with a flipped byte does not;
/// an RSA-PSS signer is refused by name.
#[test]
fn each_timestamp_authority_key_algorithm_verifies() {
    let mut failures = Vec::new();
    for algorithm in SigningAlgorithm::ALL {
        let mut sigstore = TestSigstore::new();
        sigstore.set_tsa_algorithm(algorithm);
        let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
        let bundle = keyless(
            &mut sigstore,
            SigningAlgorithm::EcdsaP256Sha256,
            Kind::Blob,
            &LoggedAs::default(),
        );
        let pss = algorithm.name().starts_with("PKIX_RSA_PSS");
        match (check_keyless(&bundle, Kind::Blob, &root), pss) {
            (Ok(()), false) => {}
            (Err((Stage::Timestamp, e)), true)
                if e.contains("RSA-PSS timestamp signatures are not supported") => {}
            (other, _) => failures.push(format!("TSA {}: {other:?}", algorithm.name())),
        }
        match check_keyless(&tamper_timestamp(&bundle), Kind::Blob, &root) {
            Err((Stage::Timestamp, e)) if pss || e.contains("signature invalid") => {}
            other => failures.push(format!("TSA {} flipped: {other:?}", algorithm.name())),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The CMS signer's signature algorithm must name the signer's key type and
/// the digest algorithm's hash (or be the key's own algorithm identifier):
/// a token mislabelled otherwise is refused though its signature is good.
#[test]
fn a_timestamp_signature_algorithm_must_name_the_signer_key() {
    const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
    const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
    const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
    const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
    const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
    const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
    const ECDSA_WITH_SHA512: &str = "1.2.840.10045.4.3.4";
    let names = "does not name a";
    let cases: [(SigningAlgorithm, &str, Option<&str>); 8] = [
        (SigningAlgorithm::EcdsaP256Sha256, EC_PUBLIC_KEY, None),
        (
            SigningAlgorithm::EcdsaP256Sha256,
            SHA256_WITH_RSA,
            Some(names),
        ),
        (
            SigningAlgorithm::EcdsaP256Sha256,
            ECDSA_WITH_SHA384,
            Some(names),
        ),
        (SigningAlgorithm::Rsa2048Pkcs1Sha256, RSA_ENCRYPTION, None),
        (
            SigningAlgorithm::Rsa2048Pkcs1Sha256,
            ECDSA_WITH_SHA256,
            Some(names),
        ),
        (
            SigningAlgorithm::Rsa2048Pkcs1Sha256,
            RSASSA_PSS,
            Some("RSA-PSS timestamp signatures are not supported"),
        ),
        (SigningAlgorithm::Ed25519, ECDSA_WITH_SHA512, Some(names)),
        (
            SigningAlgorithm::EcdsaP521Sha512,
            ECDSA_WITH_SHA256,
            Some(names),
        ),
    ];
    let mut failures = Vec::new();
    for (algorithm, oid, refusal) in cases {
        let mut sigstore = TestSigstore::new();
        sigstore.set_tsa_algorithm(algorithm);
        sigstore.set_tsa_signature_algorithm(Some(oid));
        let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
        let bundle = keyless(
            &mut sigstore,
            SigningAlgorithm::EcdsaP256Sha256,
            Kind::Blob,
            &LoggedAs::default(),
        );
        let got = check_keyless(&bundle, Kind::Blob, &root);
        let ok = match (&got, refusal) {
            (Ok(()), None) => true,
            (Err((Stage::Timestamp, e)), Some(expected)) => e.contains(expected),
            _ => false,
        };
        if !ok {
            failures.push(format!("{} as {oid}: {got:?}", algorithm.name()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
