//! Every key type of Sigstore's algorithm registry that `test-sigstore` can
//! sign with, as a keyless leaf key and as a managed key, over an image
//! digest (a DSSE cosign v3 statement) and over a blob (a message signature
//! with a `hashedrekord` entry hashed as the key signs): every one verifies,
//! as the table in docs/verification.md says, and each is refused with a
//! flipped signature bit and with the wrong key or identity.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

mod support;

use base64::Engine;
use mcp_trust::image::Digest;
use mcp_trust::signature::{Artifact, Matcher, Policy, Stage, TrustRoot, verify};
use sigstore_types::HashAlgorithm as H;
use test_sigstore::{
    GITHUB_ACTIONS_ISSUER, GitHubWorkflow, Identity, LoggedAs, PssSalt, SigningAlgorithm, TestKey,
    TestSigstore,
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
                    check(
                        &support::tamper_signature(&s.bundle),
                        kind,
                        &s.policy,
                        &root
                    ),
                    Outcome::Verified,
                    "{} {kind:?}: a flipped signature bit was accepted",
                    algorithm.name()
                );
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}\n{table:#?}");
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

// Near misses found by a hostile review of the algorithm work: a message
// digest under another hash than the key signs with, no message digest, P-521
// policy keys that are not the signing key's valid point, and entries logged
// with wrong lengths, spellings and algorithms.

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Replace (or, with `None`, remove) the bundle's messageDigest.
fn with_message_digest(bundle: &str, md: Option<(&str, &[u8])>) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(bundle).unwrap();
    let sig = doc
        .pointer_mut("/messageSignature")
        .unwrap()
        .as_object_mut()
        .unwrap();
    match md {
        Some((alg, digest)) => {
            sig.insert(
                "messageDigest".into(),
                serde_json::json!({ "algorithm": alg, "digest": B64.encode(digest) }),
            );
        }
        None => {
            sig.remove("messageDigest");
        }
    }
    doc.to_string()
}

/// messageDigest.algorithm picks the signing scheme (resolve_signing_scheme)
/// and the digests computed; the Rekor entry's algorithm is fixed by the log.
/// Every confusion below must be refused, for keyless and managed keys.
#[test]
fn message_digest_algorithm_confusion_is_refused() {
    let mut sigstore = TestSigstore::new();
    let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
    let sha256 = sigstore_crypto::sha256(BLOB);
    let sha384 = sigstore_crypto::sha384(BLOB);
    let sha512 = sigstore_crypto::sha512(BLOB);
    let cases: &[(SigningAlgorithm, &str, &[u8])] = &[
        // P-521 pairs with SHA-512 only (signing.rs:184).
        (
            SigningAlgorithm::EcdsaP521Sha512,
            "SHA2_256",
            sha256.as_bytes(),
        ),
        (
            SigningAlgorithm::EcdsaP521Sha512,
            "SHA2_384",
            sha384.as_bytes(),
        ),
        // P-384 signed SHA-384; read as P384Sha256 or an unsupported pair.
        (
            SigningAlgorithm::EcdsaP384Sha384,
            "SHA2_256",
            sha256.as_bytes(),
        ),
        (
            SigningAlgorithm::EcdsaP384Sha384,
            "SHA2_512",
            sha512.as_bytes(),
        ),
        // P-256 signed SHA-256; read as P256Sha384 (entry stays sha256).
        (
            SigningAlgorithm::EcdsaP256Sha256,
            "SHA2_384",
            sha384.as_bytes(),
        ),
        (
            SigningAlgorithm::EcdsaP256Sha256,
            "SHA2_512",
            sha512.as_bytes(),
        ),
        // RSA signed SHA-256; read as PKCS1-SHA512.
        (
            SigningAlgorithm::Rsa2048Pkcs1Sha256,
            "SHA2_512",
            sha512.as_bytes(),
        ),
        // RSA-PSS signed SHA-256; read as PKCS1 or PSS with SHA-384/512.
        (
            SigningAlgorithm::Rsa2048PssSha256,
            "SHA2_384",
            sha384.as_bytes(),
        ),
        (
            SigningAlgorithm::Rsa2048PssSha256,
            "SHA2_512",
            sha512.as_bytes(),
        ),
    ];
    for &(algorithm, md_alg, md) in cases {
        let identity = Identity::github(&workflow()).with_algorithm(algorithm);
        let key = TestKey::generate_with(algorithm);
        let keyless_bundle = sigstore.sign_blob(BLOB, &identity);
        let key_bundle = sigstore.sign_blob(BLOB, &key);
        let key_policy = Policy::public_key_pem(&key.public_key_pem()).unwrap();
        for (bundle, policy) in [
            (keyless_bundle, keyless(&workflow().workflow_uri())),
            (key_bundle, key_policy),
        ] {
            let edited = with_message_digest(&bundle, Some((md_alg, md)));
            assert!(
                verify(edited.as_bytes(), Artifact::Bytes(BLOB), &policy, &root).is_err(),
                "{} with messageDigest {md_alg} accepted",
                algorithm.name()
            );
        }
    }
}

/// Without messageDigest the key's default scheme applies (P-384 -> SHA-384,
/// P-521 -> SHA-512) and the entry's hash is still computed from the bytes:
/// accepted from the bytes, refused from a SHA-256 digest alone. Pins both.
/// (If mcp-trust decides to require messageDigest, flip the first assert.)
#[test]
fn an_absent_message_digest_still_binds_the_sha384_or_sha512_entry_to_the_bytes() {
    let mut sigstore = TestSigstore::new();
    let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
    for algorithm in [
        SigningAlgorithm::EcdsaP384Sha384,
        SigningAlgorithm::EcdsaP521Sha512,
    ] {
        let identity = Identity::github(&workflow()).with_algorithm(algorithm);
        let bundle = with_message_digest(&sigstore.sign_blob(BLOB, &identity), None);
        let policy = keyless(&workflow().workflow_uri());
        assert!(verify(bundle.as_bytes(), Artifact::Bytes(BLOB), &policy, &root).is_ok());
        let other = verify(bundle.as_bytes(), Artifact::Bytes(b"other"), &policy, &root);
        assert!(other.is_err(), "{}", algorithm.name());
        let digest = Digest::of(BLOB);
        let by_digest = verify(bundle.as_bytes(), Artifact::Digest(&digest), &policy, &root);
        assert!(
            by_digest.is_err(),
            "{}: accepted from SHA-256 alone",
            algorithm.name()
        );
    }
}

/// P-521 policy keys that are not the signing key's valid uncompressed point
/// on secp521r1 must never verify the genuine signature (blob and image).
/// Policy creation may accept some of them (from_spki checks only the OID),
/// verification must not.
#[test]
fn malformed_p521_policy_keys_never_verify() {
    let mut sigstore = TestSigstore::new();
    let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
    let key = TestKey::generate_with(SigningAlgorithm::EcdsaP521Sha512);
    let blob_bundle = sigstore.sign_blob(BLOB, &key);
    let image = Digest::of(b"an image manifest");
    let image_bundle = sigstore.sign_image_dsse(&image.to_string(), &key);
    // Sanity: the genuine key verifies both.
    let genuine = Policy::public_key_pem(&key.public_key_pem()).unwrap();
    assert!(
        verify(
            blob_bundle.as_bytes(),
            Artifact::Bytes(BLOB),
            &genuine,
            &root
        )
        .is_ok()
    );
    assert!(
        verify(
            image_bundle.as_bytes(),
            Artifact::Digest(&image),
            &genuine,
            &root
        )
        .is_ok()
    );

    let spki = key.public_key_der().as_bytes().to_vec();
    let point = &spki[spki.len() - 133..];
    assert_eq!(point[0], 0x04, "uncompressed P-521 point expected");
    let (x, y) = (&point[1..67], &point[67..133]);
    const EC_ALG_P521: [u8; 18] = [
        0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81,
        0x04, 0x00, 0x23,
    ];
    let spki_of = |alg: &[u8], key_bits: &[u8]| -> Vec<u8> {
        // BIT STRING with 0 unused bits; short/long DER lengths as needed.
        let mut bits = vec![0x00];
        bits.extend_from_slice(key_bits);
        let tlv = |tag: u8, body: &[u8]| -> Vec<u8> {
            let mut out = vec![tag];
            if body.len() < 0x80 {
                out.push(body.len() as u8);
            } else {
                out.extend_from_slice(&[0x81, body.len() as u8]);
            }
            out.extend_from_slice(body);
            out
        };
        let mut inner = alg.to_vec();
        inner.extend(tlv(0x03, &bits));
        tlv(0x30, &inner)
    };
    let odd = y[65] & 1;
    let mut compressed = vec![0x02 | odd];
    compressed.extend_from_slice(x);
    let mut hybrid = vec![0x06 | odd];
    hybrid.extend_from_slice(x);
    hybrid.extend_from_slice(y);
    let mut p384_oid = EC_ALG_P521;
    p384_oid[17] = 0x22; // secp384r1, same P-521 point
    let null_params: Vec<u8> = vec![
        0x30, 0x0b, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x05, 0x00,
    ];
    let mut off_curve = point.to_vec();
    off_curve[132] ^= 0x01;
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("compressed", spki_of(&EC_ALG_P521, &compressed)),
        ("hybrid", spki_of(&EC_ALG_P521, &hybrid)),
        ("infinity", spki_of(&EC_ALG_P521, &[0x00])),
        ("off-curve", spki_of(&EC_ALG_P521, &off_curve)),
        ("secp384r1 OID", spki_of(&p384_oid, point)),
        ("NULL parameters", spki_of(&null_params, point)),
    ];
    for (name, der) in variants {
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            B64.encode(&der)
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        );
        let Ok(policy) = Policy::public_key_pem(&pem) else {
            continue; // refused at policy creation: fine
        };
        // The Rekor entry names the genuine key, so step 8 would refuse any
        // other SPKI anyway; pin that the signature check (step 7, run
        // first) is what refuses it, i.e. the point really is validated.
        let blob = verify(
            blob_bundle.as_bytes(),
            Artifact::Bytes(BLOB),
            &policy,
            &root,
        );
        assert_eq!(
            blob.map(|_| ()).map_err(|e| e.stage()),
            Err(mcp_trust::signature::Stage::Signature),
            "blob with a {name} P-521 key"
        );
        assert!(
            verify(
                image_bundle.as_bytes(),
                Artifact::Digest(&image),
                &policy,
                &root
            )
            .is_err(),
            "image verified with a {name} P-521 key"
        );
    }
}

/// A bundle's message digest: its algorithm and bytes, or none.
type MessageDigestOf = Option<(H, Vec<u8>)>;

#[test]
fn hashedrekord_entry_near_misses_are_refused() {
    let mut sigstore = TestSigstore::new();
    let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
    let h256 = hex::encode(sigstore_crypto::sha256(BLOB).as_bytes());
    let h384 = hex::encode(sigstore_crypto::sha384(BLOB).as_bytes());
    let h512 = hex::encode(sigstore_crypto::sha512(BLOB).as_bytes());
    let md = |alg: H| -> Option<(H, Vec<u8>)> {
        let d = match alg {
            H::Sha2256 => sigstore_crypto::sha256(BLOB).as_bytes().to_vec(),
            H::Sha2384 => sigstore_crypto::sha384(BLOB).as_bytes().to_vec(),
            _ => sigstore_crypto::sha512(BLOB).as_bytes().to_vec(),
        };
        Some((alg, d))
    };
    use SigningAlgorithm::*;
    let refused: Vec<(&str, SigningAlgorithm, &str, String, MessageDigestOf)> = vec![
        (
            "48-byte value labelled sha512",
            EcdsaP521Sha512,
            "sha512",
            h384.clone(),
            md(H::Sha2512),
        ),
        (
            "64-byte value labelled sha384",
            EcdsaP384Sha384,
            "sha384",
            h512.clone(),
            md(H::Sha2384),
        ),
        (
            "empty value",
            EcdsaP521Sha512,
            "sha512",
            String::new(),
            md(H::Sha2512),
        ),
        // sigstore-verify accepts these spellings (case-insensitive
        // HashAlgorithm, hex::decode); mcp-trust's check_body must not.
        (
            "uppercase hex",
            EcdsaP521Sha512,
            "sha512",
            h512.to_uppercase(),
            md(H::Sha2512),
        ),
        (
            "SHA512",
            EcdsaP521Sha512,
            "SHA512",
            h512.clone(),
            md(H::Sha2512),
        ),
        (
            "sha-512",
            EcdsaP521Sha512,
            "sha-512",
            h512.clone(),
            md(H::Sha2512),
        ),
        (
            "SHA2_384",
            EcdsaP384Sha384,
            "SHA2_384",
            h384.clone(),
            md(H::Sha2384),
        ),
        // Entry algorithm unrelated to the scheme / messageDigest.
        (
            "P-384, sha512 entry",
            EcdsaP384Sha384,
            "sha512",
            h512.clone(),
            md(H::Sha2384),
        ),
        (
            "P-256, sha384 entry",
            EcdsaP256Sha256,
            "sha384",
            h384.clone(),
            md(H::Sha2256),
        ),
        (
            "Ed25519, sha512 entry, sha256 md",
            Ed25519,
            "sha512",
            h512.clone(),
            md(H::Sha2256),
        ),
        (
            "RSA, sha512 entry",
            Rsa2048Pkcs1Sha256,
            "sha512",
            h512.clone(),
            md(H::Sha2256),
        ),
        // Entry for other bytes.
        (
            "sha384 of other bytes",
            EcdsaP384Sha384,
            "sha384",
            hex::encode(sigstore_crypto::sha384(b"other").as_bytes()),
            md(H::Sha2384),
        ),
    ];
    for (name, algorithm, alg, value, message_digest) in refused {
        let identity = Identity::github(&workflow()).with_algorithm(algorithm);
        let bundle = sigstore.sign_blob_logged_as(BLOB, &identity, alg, &value, message_digest);
        let policy = keyless(&workflow().workflow_uri());
        assert!(
            verify(bundle.as_bytes(), Artifact::Bytes(BLOB), &policy, &root).is_err(),
            "{name}: accepted"
        );
    }
    // Accepted, and pinned as deliberate: a P-521/P-384 signature logged
    // with a sha256 entry (clients may), and Ed25519 with md+entry sha512.
    for (algorithm, alg, value, message_digest) in [
        (EcdsaP521Sha512, "sha256", h256.clone(), md(H::Sha2512)),
        (EcdsaP384Sha384, "sha256", h256.clone(), md(H::Sha2384)),
        (Ed25519, "sha512", h512.clone(), md(H::Sha2512)),
    ] {
        let identity = Identity::github(&workflow()).with_algorithm(algorithm);
        let bundle = sigstore.sign_blob_logged_as(BLOB, &identity, alg, &value, message_digest);
        let policy = keyless(&workflow().workflow_uri());
        assert!(verify(bundle.as_bytes(), Artifact::Bytes(BLOB), &policy, &root).is_ok());
    }
}

/// An RSA-PSS signature verifies with a salt as long as the digest (OpenSSL,
/// FIPS) or as long as the key allows (Go, so cosign and sigstore-go), for
/// an image and a blob, in Rekor v1 and v2; no other salt length does, and
/// the refusal names both paddings that were tried.
#[test]
fn rsa_pss_verifies_with_the_digest_or_the_maximum_salt_only() {
    let mut sigstore = TestSigstore::new();
    let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
    let digest = image_digest();
    for salt in [PssSalt::Max, PssSalt::Digest, PssSalt::Zero] {
        let key = TestKey::generate_with(SigningAlgorithm::Rsa2048PssSha256).with_pss_salt(salt);
        let policy = Policy::public_key_pem(&key.public_key_pem()).unwrap();
        let logged = LoggedAs::default();
        let bundles = [
            (
                "v1 blob",
                sigstore.sign_blob(BLOB, &key),
                Artifact::Bytes(BLOB),
            ),
            (
                "v1 image",
                sigstore.sign_image_dsse(&digest.to_string(), &key),
                Artifact::Digest(&digest),
            ),
            (
                "v2 blob",
                sigstore.sign_blob_v2(BLOB, &key, &logged),
                Artifact::Bytes(BLOB),
            ),
            (
                "v2 image",
                sigstore.sign_image_dsse_v2(&digest.to_string(), &key, &logged),
                Artifact::Digest(&digest),
            ),
        ];
        for (what, bundle, artifact) in bundles {
            let got = verify(bundle.as_bytes(), artifact, &policy, &root);
            if salt == PssSalt::Zero {
                let e = got
                    .err()
                    .unwrap_or_else(|| panic!("{what}: salt 0 verified"));
                assert_eq!(e.stage(), Stage::Signature, "{what}: {e}");
                let expected = if what.ends_with("image") {
                    "signature rejected: invalid signature: DSSE signature verification failed: \
                     Verification error: RSA_PKCS1_SHA256 signature invalid; nor as RSA_PSS_SHA256"
                } else {
                    "signature rejected: invalid signature: signature verification failed: \
                     Verification error: RSA_PKCS1_SHA256 signature invalid; nor as RSA_PSS_SHA256"
                };
                assert_eq!(e.to_string(), expected, "{what}");
            } else {
                assert!(got.is_ok(), "{what} with {salt:?} salt: {:?}", got.err());
            }
        }
    }
}

/// A key with the `id-RSASSA-PSS` algorithm OID (RFC 4055) instead of
/// `rsaEncryption` is refused as a policy key: no Sigstore client writes one,
/// and its parameters would have to be checked against the signature.
#[test]
fn rsassa_pss_oid_policy_keys_are_refused() {
    let key = TestKey::generate_with(SigningAlgorithm::Rsa2048PssSha256);
    let spki = key.public_key_der().as_bytes();
    // rsaEncryption (1.2.840.113549.1.1.1) -> id-RSASSA-PSS (...1.1.10).
    let rsa_encryption = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let at = spki
        .windows(rsa_encryption.len())
        .position(|w| w == rsa_encryption)
        .unwrap();
    let mut pss = spki.to_vec();
    pss[at + rsa_encryption.len() - 1] = 0x0a;
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(&pss)
    );
    let e = Policy::public_key_pem(&pem).unwrap_err();
    assert!(
        e.to_string()
            .contains("unsupported key algorithm OID: 1.2.840.113549.1.1.10"),
        "{e}"
    );
}

/// The maximum-salt retry belongs to Sigstore signatures only: an X.509
/// signature algorithm identifier for RSA-PSS names a salt as long as the
/// digest, and a certificate chain is checked with exactly that.
#[test]
fn x509_rsa_pss_takes_only_the_salt_its_algorithm_identifier_names() {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{
        KeyPair, RSA_PSS_SHA256, RsaKeyPair, RsaPssSaltLength, RsaSignatureEncoding,
    };
    static MAX_SALT: RsaSignatureEncoding =
        RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Max);
    let key = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let message = b"a tbsCertificate";
    let sign = |encoding: &'static RsaSignatureEncoding| {
        let mut out = vec![0; key.public_modulus_len()];
        key.sign(encoding, &SystemRandom::new(), message, &mut out)
            .unwrap();
        out
    };
    let (digest_salt, max_salt) = (sign(&RSA_PSS_SHA256), sign(&MAX_SALT));
    let webpki = sigstore_crypto::webpki::RSA_PSS_2048_8192_SHA256;
    let raw = key.public_key().as_ref();
    assert!(webpki.verify_signature(raw, message, &digest_salt).is_ok());
    assert!(webpki.verify_signature(raw, message, &max_salt).is_err());
    let spki =
        sigstore_types::DerPublicKey::new(key.public_key().as_der().unwrap().as_ref().to_vec());
    for signature in [digest_salt, max_salt] {
        sigstore_crypto::verify_signature(
            &spki,
            message,
            &sigstore_types::SignatureBytes::new(signature),
            sigstore_crypto::SigningScheme::RsaPssSha256,
        )
        .unwrap();
    }
}

/// A Fulcio CA whose root and intermediate sign with ECDSA P-384/SHA-384,
/// P-521/SHA-512, Ed25519 or RSA PKCS#1 v1.5: its chain verifies (P-521
/// through the `webpki` entry carried in patches/), for an image and a blob;
/// a look-alike CA of the same algorithm is refused at the chain.
#[test]
fn each_ca_key_algorithm_verifies_its_chain() {
    let mut failures = Vec::new();
    for algorithm in [
        SigningAlgorithm::EcdsaP256Sha256,
        SigningAlgorithm::EcdsaP384Sha384,
        SigningAlgorithm::EcdsaP521Sha512,
        SigningAlgorithm::Ed25519,
        SigningAlgorithm::Rsa2048Pkcs1Sha256,
    ] {
        let mut sigstore = TestSigstore::with_ca_algorithm(algorithm);
        let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
        let identity = Identity::github(&workflow());
        let policy = keyless(&workflow().workflow_uri());
        let digest = image_digest();
        let image = sigstore.sign_image_dsse(&digest.to_string(), &identity);
        let blob = sigstore.sign_blob(BLOB, &identity);
        for (what, bundle, artifact) in [
            ("image", &image, Artifact::Digest(&digest)),
            ("blob", &blob, Artifact::Bytes(BLOB)),
        ] {
            if let Err(e) = verify(bundle.as_bytes(), artifact, &policy, &root) {
                failures.push(format!("{} {what}: {e}", algorithm.name()));
            }
        }
        let forged = sigstore.sign_blob(
            BLOB,
            &identity.issued_by(test_sigstore::Authority::Untrusted),
        );
        match verify(forged.as_bytes(), Artifact::Bytes(BLOB), &policy, &root) {
            Err(e) if e.stage() == Stage::CertificateChain => {}
            other => failures.push(format!(
                "{} look-alike CA: {:?}",
                algorithm.name(),
                other.map(|_| ())
            )),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
