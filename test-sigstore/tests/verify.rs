//! Every fixture verifies with `sigstore-verify` against the test trusted
//! root, and every knob or corruption fails at the stage it targets.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sigstore_trust_root::TrustedRoot;
use sigstore_types::{Bundle, Sha256Hash};
use sigstore_verify::{
    CertificateError, Error, IdentityMatcher, PublicKeyVerificationPolicy, TimestampError,
    TransparencyLogError, VerificationPolicy, VerificationResult, Verifier,
};
use test_sigstore::{
    Authority, CertValidity, GITHUB_ACTIONS_ISSUER, GitHubWorkflow, Identity, IssuerEncoding,
    LegacySig, San, Sct, SlsaFacts, Tamper, TestKey, TestSigstore, TrustWindow, TrustWindows,
    claim, tamper,
};

const IMAGE_DIGEST: &str =
    "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";
const OTHER_DIGEST: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000001";
const BLOB: &[u8] = b"an MCP server release artifact\n";

fn workflow() -> GitHubWorkflow {
    GitHubWorkflow::new(
        "acme/weather-mcp",
        ".github/workflows/release.yml",
        "refs/tags/v1.2.0",
    )
}

fn github_identity() -> Identity {
    Identity::github(&workflow())
}

fn verifier(sigstore: &TestSigstore) -> Verifier {
    let root = TrustedRoot::from_json(&sigstore.trusted_root_json()).unwrap();
    Verifier::new(&root).unwrap()
}

fn github_policy() -> VerificationPolicy {
    VerificationPolicy::new(
        IdentityMatcher::Uri(workflow().workflow_uri()),
        GITHUB_ACTIONS_ISSUER,
    )
}

fn bundle(json: &str) -> Bundle {
    Bundle::from_json(json).unwrap()
}

fn digest(text: &str) -> Sha256Hash {
    Sha256Hash::from_hex(text.strip_prefix("sha256:").unwrap()).unwrap()
}

fn verify_blob(sigstore: &TestSigstore, json: &str) -> Result<VerificationResult, Error> {
    verifier(sigstore).verify(BLOB, &bundle(json), &github_policy())
}

fn verify_image(sigstore: &TestSigstore, json: &str) -> Result<VerificationResult, Error> {
    verifier(sigstore).verify(digest(IMAGE_DIGEST), &bundle(json), &github_policy())
}

/// The error a refused bundle must end in: its pattern as written, and a
/// test of it.
#[derive(Clone, Copy)]
struct Expected {
    pattern: &'static str,
    matches: fn(&Error) -> bool,
}

/// An [`Expected`] from a pattern over `&Error`, guard included.
macro_rules! refused_with {
    ($($pattern:tt)+) => {
        Expected {
            pattern: stringify!($($pattern)+),
            matches: |err| matches!(err, $($pattern)+),
        }
    };
}

/// Asserts that the bundle of `case` was refused with `expected`.
#[track_caller]
fn assert_refused(case: &str, result: Result<VerificationResult, Error>, expected: &Expected) {
    match result {
        Ok(_) => panic!("case {case}: verified, expected {}", expected.pattern),
        Err(err) => assert!(
            (expected.matches)(&err),
            "case {case}: got {err} ({err:?}), expected {}",
            expected.pattern
        ),
    }
}

/// A signed blob bundle whose identity has one knob turned.
fn blob_signed_by(identity: &Identity) -> (TestSigstore, String) {
    let mut sigstore = TestSigstore::new();
    let json = sigstore.sign_blob(BLOB, identity);
    (sigstore, json)
}

/// The v0.1 bundle a verifier builds from a legacy cosign `.sig` layer:
/// certificate, the SET-only log entry from the Rekor bundle annotation, and
/// a message signature over the simple-signing payload.
fn legacy_as_v01_bundle(sig: &LegacySig) -> Bundle {
    let rekor: serde_json::Value = serde_json::from_str(&sig.rekor_bundle).unwrap();
    let payload = &rekor["Payload"];
    let log_id = hex::decode(payload["logID"].as_str().unwrap()).unwrap();
    let body = STANDARD.decode(payload["body"].as_str().unwrap()).unwrap();
    let kind: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let certificate =
        sigstore_types::DerCertificate::from_pem(sig.certificate_pem.as_deref().unwrap()).unwrap();
    let json = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": {
            "x509CertificateChain": {"certificates": [{"rawBytes": certificate.to_base64()}]},
            "tlogEntries": [{
                "logIndex": payload["logIndex"].as_u64().unwrap().to_string(),
                "logId": {"keyId": STANDARD.encode(log_id)},
                "kindVersion": {"kind": kind["kind"], "version": kind["apiVersion"]},
                "integratedTime": payload["integratedTime"].as_i64().unwrap().to_string(),
                "inclusionPromise": {"signedEntryTimestamp": rekor["SignedEntryTimestamp"]},
                "canonicalizedBody": payload["body"],
            }],
        },
        "messageSignature": {
            "messageDigest": {
                "algorithm": "SHA2_256",
                "digest": sigstore_crypto::sha256(&sig.payload).to_base64(),
            },
            "signature": sig.signature,
        },
    });
    Bundle::from_json(&json.to_string()).unwrap()
}

mod trusted_root {
    use super::*;

    #[test]
    fn loads_with_sigstore_trust_root_and_names_each_authority_once() {
        let sigstore = TestSigstore::new();
        let root = TrustedRoot::from_json(&sigstore.trusted_root_json()).unwrap();
        assert_eq!(root.media_type, test_sigstore::TRUSTED_ROOT_MEDIA_TYPE);
        assert_eq!(root.tlogs.len(), 1);
        assert_eq!(root.ctlogs.len(), 1);
        assert_eq!(root.certificate_authorities.len(), 1);
        assert_eq!(
            root.certificate_authorities[0]
                .cert_chain
                .certificates
                .len(),
            2
        );
        assert_eq!(root.timestamp_authorities.len(), 1);
        assert_eq!(
            root.timestamp_authorities[0].cert_chain.certificates.len(),
            2
        );
    }

    #[test]
    fn log_ids_are_sha256_of_the_der_public_keys() {
        let sigstore = TestSigstore::new();
        let root = TrustedRoot::from_json(&sigstore.trusted_root_json()).unwrap();
        for (key, id) in [
            (
                &root.tlogs[0].public_key.raw_bytes,
                &root.tlogs[0].log_id.key_id,
            ),
            (
                &root.ctlogs[0].public_key.raw_bytes,
                &root.ctlogs[0].log_id.key_id,
            ),
        ] {
            assert_eq!(
                sigstore_crypto::sha256(key.as_bytes()).as_bytes(),
                id.as_bytes()
            );
        }
        assert_eq!(
            hex::encode(root.tlogs[0].log_id.key_id.as_bytes()),
            sigstore.log_id_hex()
        );
    }

    #[test]
    fn written_to_a_directory_loads_from_the_file() {
        let sigstore = TestSigstore::new();
        let dir = tempfile::tempdir().unwrap();
        let path = sigstore.write_trusted_root(dir.path());
        let root = TrustedRoot::from_file(&path).unwrap();
        assert_eq!(root.tlogs.len(), 1);
    }

    #[test]
    fn authority_window_excluding_the_signing_time_refuses_at_that_authority() {
        let cases = [
            (
                "CA window ending before the signing time rejects the certificate",
                TrustWindows {
                    ca: TrustWindow::new("2025-01-01T00:00:00Z", Some("2025-12-31T23:59:59Z")),
                    ..TrustWindows::default()
                },
                refused_with!(Error::Certificate(
                    CertificateError::NoValidAuthority { .. }
                )),
            ),
            (
                "log key window starting after integration rejects the SET",
                TrustWindows {
                    tlog: TrustWindow::new("2026-06-01T00:00:00Z", None),
                    ..TrustWindows::default()
                },
                refused_with!(Error::TransparencyLog(
                    TransparencyLogError::InclusionPromise(_)
                )),
            ),
        ];
        for (case, windows, expected) in cases {
            let (sigstore, json) = blob_signed_by(&github_identity());
            let root = TrustedRoot::from_json(&sigstore.trusted_root_json_with(&windows)).unwrap();
            let verifier = Verifier::new(&root).unwrap();
            let result = verifier.verify(BLOB, &bundle(&json), &github_policy());
            assert_refused(case, result, &expected);
        }
    }
}

mod blob {
    use super::*;

    #[test]
    fn github_workflow_bundle_verifies_with_identity_and_issuer() {
        let (sigstore, json) = blob_signed_by(&github_identity());
        let result = verify_blob(&sigstore, &json).unwrap();
        assert!(result.certificate_verified());
        assert!(result.sct_verified());
        assert!(result.tlog_verified());
        assert_eq!(
            result.integrated_time(),
            Some(sigstore.integrated_time()),
            "verified time is the log's integrated time"
        );
    }

    #[test]
    fn bundle_is_v03_with_one_hashedrekord_entry_carrying_proof_and_set() {
        let (_, json) = blob_signed_by(&github_identity());
        let bundle = bundle(&json);
        assert_eq!(bundle.media_type(), sigstore_types::MediaType::Bundle0_3);
        let entries = &bundle.verification_material.tlog_entries;
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0].kind_version,
            sigstore_types::KindVersion::HashedRekordV001
        );
        assert!(entries[0].inclusion_promise.is_some());
        let proof = entries[0].inclusion_proof.as_ref().unwrap();
        assert!(!proof.hashes.is_empty(), "the log holds earlier entries");
        assert_eq!(proof.tree_size, entries[0].log_index.get() + 1);
    }

    #[test]
    fn certificate_carries_every_fulcio_claim_of_the_workflow() {
        let (sigstore, json) = blob_signed_by(&github_identity());
        let certificate = verify_blob(&sigstore, &json).unwrap();
        let info = certificate.certificate().unwrap();
        let claims = &info.ci_claims;
        let workflow = workflow();
        assert_eq!(info.issuer.as_deref(), Some(GITHUB_ACTIONS_ISSUER));
        assert_eq!(
            claims.build_signer_uri.as_deref(),
            Some(workflow.workflow_uri().as_str())
        );
        assert_eq!(
            claims.source_repository_uri.as_deref(),
            Some("https://github.com/acme/weather-mcp")
        );
        assert_eq!(
            claims.source_repository_digest.as_deref(),
            Some(workflow.commit.as_str())
        );
        assert_eq!(
            claims.source_repository_ref.as_deref(),
            Some("refs/tags/v1.2.0")
        );
        assert_eq!(
            claims.source_repository_identifier.as_deref(),
            Some(workflow.repository_id.as_str())
        );
        assert_eq!(
            claims.source_repository_owner_identifier.as_deref(),
            Some(workflow.owner_id.as_str())
        );
        assert_eq!(
            claims.build_config_uri.as_deref(),
            Some(workflow.workflow_uri().as_str())
        );
        assert_eq!(claims.runner_environment.as_deref(), Some("github-hosted"));
        assert_eq!(
            claims.deprecated_github.workflow_repository.as_deref(),
            Some("acme/weather-mcp")
        );
        assert_eq!(
            claims.deprecated_github.workflow_ref.as_deref(),
            Some("refs/tags/v1.2.0")
        );
    }

    #[test]
    fn email_identity_verifies_with_email_matcher() {
        let identity = Identity::email("alice@example.com", "https://accounts.example.com");
        let (sigstore, json) = blob_signed_by(&identity);
        let policy = VerificationPolicy::new(
            IdentityMatcher::Email("alice@example.com".into()),
            "https://accounts.example.com",
        );
        verifier(&sigstore)
            .verify(BLOB, &bundle(&json), &policy)
            .unwrap();
    }

    #[test]
    fn issuer_in_legacy_extension_only_is_still_read() {
        let identity = github_identity().with_issuer_encoding(IssuerEncoding::LegacyOnly);
        let (sigstore, json) = blob_signed_by(&identity);
        verify_blob(&sigstore, &json).unwrap();
    }

    #[test]
    fn many_bundles_from_one_log_each_verify_against_their_own_checkpoint() {
        let mut sigstore = TestSigstore::new();
        let bundles: Vec<String> = (0..9)
            .map(|_| sigstore.sign_blob(BLOB, &github_identity()))
            .collect();
        for json in &bundles {
            verify_blob(&sigstore, json).unwrap();
        }
    }

    #[test]
    fn other_artifact_is_an_artifact_mismatch() {
        let (sigstore, json) = blob_signed_by(&github_identity());
        let err = verifier(&sigstore)
            .verify(
                b"another artifact".as_slice(),
                &bundle(&json),
                &github_policy(),
            )
            .unwrap_err();
        assert!(matches!(err, Error::ArtifactMismatch(_)), "{err}");
    }
}

mod identity_knobs {
    use super::*;

    #[test]
    fn each_knob_is_refused_at_the_stage_it_targets() {
        type Knob = fn(Identity) -> Identity;
        let cases: [(&str, Knob, Expected); 11] = [
            (
                "other SAN is an identity mismatch",
                |id| {
                    id.with_san(San::Uri(
                        "https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main"
                            .into(),
                    ))
                },
                refused_with!(Error::IdentityMismatch { .. }),
            ),
            (
                "other issuer is an issuer mismatch",
                |id| id.with_issuer("https://token.actions.evil.example"),
                refused_with!(Error::IssuerMismatch { .. }),
            ),
            (
                "absent issuer is an issuer mismatch",
                |id| id.with_issuer_encoding(IssuerEncoding::Absent),
                refused_with!(Error::IssuerMismatch { actual: None, .. }),
            ),
            (
                "expired certificate fails chain validation at integrated time",
                |id| id.with_validity(CertValidity::Expired),
                refused_with!(Error::Certificate(CertificateError::ChainInvalid(m)) if m.contains("Expired")),
            ),
            (
                "not yet valid certificate fails chain validation at integrated time",
                |id| id.with_validity(CertValidity::NotYetValid),
                refused_with!(Error::Certificate(CertificateError::ChainInvalid(m)) if m.contains("NotValidYet")),
            ),
            (
                "certificate from untrusted CA with same names fails the chain",
                |id| id.issued_by(Authority::Untrusted),
                refused_with!(Error::Certificate(CertificateError::ChainInvalid(_))),
            ),
            (
                "certificate without code signing EKU fails the chain",
                |id| id.without_code_signing(),
                refused_with!(Error::Certificate(CertificateError::ChainInvalid(_))),
            ),
            (
                "missing SCT fails SCT verification",
                |id| id.with_sct(Sct::Missing),
                refused_with!(Error::Certificate(CertificateError::Sct(m)) if m.contains("missing SCT")),
            ),
            (
                "SCT from unknown CT log fails SCT verification",
                |id| id.with_sct(Sct::UnknownLog),
                refused_with!(Error::Certificate(CertificateError::Sct(m)) if m.contains("key not found")),
            ),
            (
                "SCT over another precertificate fails SCT verification",
                |id| id.with_sct(Sct::BadSignature),
                refused_with!(Error::Certificate(CertificateError::Sct(m)) if m.contains("signature verification failed")),
            ),
            (
                "entry in untrusted log fails the inclusion promise",
                |id| id.logged_by(Authority::Untrusted),
                refused_with!(Error::TransparencyLog(TransparencyLogError::InclusionPromise(m)) if m.contains("No log key")),
            ),
        ];
        for (case, knob, expected) in cases {
            let (sigstore, json) = blob_signed_by(&knob(github_identity()));
            assert_refused(case, verify_blob(&sigstore, &json), &expected);
        }
    }

    #[test]
    fn each_sct_knob_still_passes_when_sct_checks_are_skipped() {
        for sct in [Sct::Missing, Sct::UnknownLog, Sct::BadSignature] {
            let (sigstore, json) = blob_signed_by(&github_identity().with_sct(sct));
            verifier(&sigstore)
                .verify(BLOB, &bundle(&json), &github_policy().skip_sct())
                .unwrap_or_else(|e| panic!("{sct:?}: {e}"));
        }
    }

    #[test]
    fn signing_time_in_the_future_fails_the_integrated_time_check() {
        let mut sigstore = TestSigstore::new();
        sigstore.set_signing_time("2099-01-01T00:00:00Z".parse().unwrap());
        let json = sigstore.sign_blob(BLOB, &github_identity());
        assert_refused(
            "signing time in the future",
            verify_blob(&sigstore, &json),
            &refused_with!(Error::TransparencyLog(TransparencyLogError::IntegratedTime(m)) if m.contains("future")),
        );
    }

    #[test]
    fn recreated_repository_has_other_immutable_ids_and_still_verifies() {
        let mut recreated = workflow();
        recreated.repository_id = "999999999".into();
        let (sigstore, json) = blob_signed_by(&Identity::github(&recreated));
        let result = verify_blob(&sigstore, &json).unwrap();
        assert_eq!(
            result
                .certificate()
                .unwrap()
                .ci_claims
                .source_repository_identifier
                .as_deref(),
            Some("999999999"),
            "the crate matches SAN and issuer only; the id is ours to check"
        );
    }

    #[test]
    fn claims_can_be_removed_and_overridden() {
        let identity = github_identity()
            .without_claim(claim::SOURCE_REPOSITORY_OWNER_IDENTIFIER)
            .with_claim(claim::SOURCE_REPOSITORY_REF, "refs/heads/main");
        let (sigstore, json) = blob_signed_by(&identity);
        let result = verify_blob(&sigstore, &json).unwrap();
        let claims = &result.certificate().unwrap().ci_claims;
        assert_eq!(claims.source_repository_owner_identifier, None);
        assert_eq!(
            claims.source_repository_ref.as_deref(),
            Some("refs/heads/main")
        );
    }
}

mod dsse {
    use super::*;

    #[test]
    fn cosign_v3_image_signature_verifies_against_the_manifest_digest() {
        let mut sigstore = TestSigstore::new();
        let json = sigstore.sign_image_dsse(IMAGE_DIGEST, &github_identity());
        verify_image(&sigstore, &json).unwrap();
        let bundle = bundle(&json);
        assert_eq!(
            bundle.verification_material.tlog_entries[0].kind_version,
            sigstore_types::KindVersion::DsseV001
        );
    }

    #[test]
    fn cosign_v3_statement_has_the_sign_predicate_and_digest_only_subject() {
        let mut sigstore = TestSigstore::new();
        let json = sigstore.sign_image_dsse(IMAGE_DIGEST, &github_identity());
        let sigstore_types::SignatureContent::DsseEnvelope(envelope) = bundle(&json).content else {
            panic!("expected a DSSE bundle");
        };
        let statement: serde_json::Value =
            serde_json::from_slice(envelope.payload.as_bytes()).unwrap();
        assert_eq!(envelope.payload_type, test_sigstore::IN_TOTO_PAYLOAD_TYPE);
        assert_eq!(
            statement["predicateType"],
            test_sigstore::COSIGN_SIGN_PREDICATE_TYPE
        );
        assert_eq!(
            statement["subject"][0]["digest"]["sha256"],
            IMAGE_DIGEST.strip_prefix("sha256:").unwrap()
        );
        assert_eq!(statement["predicate"], serde_json::json!({}));
    }

    #[test]
    fn image_signature_for_another_digest_is_an_artifact_mismatch() {
        let mut sigstore = TestSigstore::new();
        let json = sigstore.sign_image_dsse(OTHER_DIGEST, &github_identity());
        let err = verify_image(&sigstore, &json).unwrap_err();
        assert!(matches!(err, Error::ArtifactMismatch(_)), "{err}");
    }

    #[test]
    fn slsa_provenance_verifies_and_states_the_workflow_source() {
        let mut sigstore = TestSigstore::new();
        let facts = SlsaFacts::github("registry.test/acme/weather-mcp", &workflow());
        let json = sigstore.sign_provenance(IMAGE_DIGEST, &github_identity(), &facts);
        verify_image(&sigstore, &json).unwrap();
        let sigstore_types::SignatureContent::DsseEnvelope(envelope) = bundle(&json).content else {
            panic!("expected a DSSE bundle");
        };
        let statement: serde_json::Value =
            serde_json::from_slice(envelope.payload.as_bytes()).unwrap();
        assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
        let predicate = &statement["predicate"];
        assert_eq!(
            predicate["buildDefinition"]["externalParameters"]["workflow"]["repository"],
            "https://github.com/acme/weather-mcp"
        );
        assert_eq!(
            predicate["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"],
            workflow().commit
        );
        assert_eq!(
            predicate["runDetails"]["builder"]["id"],
            "https://github.com/actions/runner/github-hosted"
        );
    }

    #[test]
    fn statement_signed_for_other_identity_is_an_identity_mismatch() {
        let mut sigstore = TestSigstore::new();
        let identity = Identity::email("mallory@example.com", GITHUB_ACTIONS_ISSUER);
        let json = sigstore.sign_image_dsse(IMAGE_DIGEST, &identity);
        let err = verify_image(&sigstore, &json).unwrap_err();
        assert!(matches!(err, Error::IdentityMismatch { .. }), "{err}");
    }
}

mod legacy {
    use super::*;

    #[test]
    fn simple_signing_payload_is_byte_for_byte_what_cosign_writes() {
        let payload =
            test_sigstore::simple_signing_payload("registry.test/acme/weather-mcp", IMAGE_DIGEST);
        assert_eq!(
            String::from_utf8(payload).unwrap(),
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"registry.test/acme/weather-mcp"}},"image":{{"docker-manifest-digest":"{IMAGE_DIGEST}"}},"type":"cosign container image signature"}},"optional":null}}"#
            )
        );
    }

    #[test]
    fn sig_layer_converted_to_a_v01_bundle_verifies_by_its_set() {
        let mut sigstore = TestSigstore::new();
        let sig = sigstore.legacy_cosign_sig(
            "registry.test/acme/weather-mcp",
            IMAGE_DIGEST,
            &github_identity(),
        );
        let bundle = legacy_as_v01_bundle(&sig);
        let result = verifier(&sigstore)
            .verify(sig.payload.as_slice(), &bundle, &github_policy())
            .unwrap();
        assert_eq!(result.integrated_time(), Some(sigstore.integrated_time()));
    }

    #[test]
    fn sig_layer_annotations_are_cosigns() {
        let mut sigstore = TestSigstore::new();
        let sig = sigstore.legacy_cosign_sig(
            "registry.test/acme/weather-mcp",
            IMAGE_DIGEST,
            &github_identity(),
        );
        let annotations = sig.annotations();
        assert_eq!(
            annotations.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "dev.cosignproject.cosign/signature",
                "dev.sigstore.cosign/bundle",
                "dev.sigstore.cosign/certificate",
                "dev.sigstore.cosign/chain",
            ]
        );
        assert_eq!(
            sig.chain_pem.as_deref(),
            Some(sigstore.ca_chain_pem().as_str())
        );
        let rekor: serde_json::Value = serde_json::from_str(&sig.rekor_bundle).unwrap();
        assert_eq!(rekor["Payload"]["logID"], sigstore.log_id_hex());
        assert_eq!(
            rekor["Payload"]["integratedTime"],
            sigstore.integrated_time().as_second()
        );
    }

    #[test]
    fn sig_layer_with_altered_payload_fails() {
        let mut sigstore = TestSigstore::new();
        let mut sig = sigstore.legacy_cosign_sig(
            "registry.test/acme/weather-mcp",
            IMAGE_DIGEST,
            &github_identity(),
        );
        let bundle = legacy_as_v01_bundle(&sig);
        sig.payload =
            test_sigstore::simple_signing_payload("registry.test/acme/weather-mcp", OTHER_DIGEST);
        let err = verifier(&sigstore)
            .verify(sig.payload.as_slice(), &bundle, &github_policy())
            .unwrap_err();
        assert!(matches!(err, Error::ArtifactMismatch(_)), "{err}");
    }
}

mod key {
    use super::*;

    fn key_policy(key: &TestKey) -> PublicKeyVerificationPolicy {
        PublicKeyVerificationPolicy::new(
            sigstore_types::DerPublicKey::from_pem(&key.public_key_pem()).unwrap(),
        )
    }

    #[test]
    fn blob_signed_with_key_verifies_with_its_pem_public_key() {
        let mut sigstore = TestSigstore::new();
        let key = TestKey::generate();
        let json = sigstore.sign_blob(BLOB, &key);
        let result = verifier(&sigstore)
            .verify(BLOB, &bundle(&json), &key_policy(&key))
            .unwrap();
        assert!(result.tlog_verified());
    }

    #[test]
    fn image_signed_with_key_verifies_with_its_pem_public_key() {
        let mut sigstore = TestSigstore::new();
        let key = TestKey::generate();
        let json = sigstore.sign_image_dsse(IMAGE_DIGEST, &key);
        verifier(&sigstore)
            .verify(digest(IMAGE_DIGEST), &bundle(&json), &key_policy(&key))
            .unwrap();
    }

    #[test]
    fn blob_signed_with_another_key_fails() {
        let mut sigstore = TestSigstore::new();
        let json = sigstore.sign_blob(BLOB, &TestKey::generate());
        let err = verifier(&sigstore)
            .verify(BLOB, &bundle(&json), &key_policy(&TestKey::generate()))
            .unwrap_err();
        assert!(matches!(err, Error::SignatureInvalid(_)), "{err}");
    }

    #[test]
    fn key_bundle_is_refused_by_a_keyless_policy() {
        let mut sigstore = TestSigstore::new();
        let json = sigstore.sign_blob(BLOB, &TestKey::generate());
        let err = verify_blob(&sigstore, &json).unwrap_err();
        assert!(matches!(err, Error::InvalidBundle(_)), "{err}");
    }

    #[test]
    fn legacy_key_signature_has_no_certificate_annotations() {
        let mut sigstore = TestSigstore::new();
        let sig = sigstore.legacy_cosign_sig(
            "registry.test/acme/weather-mcp",
            IMAGE_DIGEST,
            &TestKey::generate(),
        );
        assert_eq!(sig.certificate_pem, None);
        assert_eq!(sig.chain_pem, None);
        assert_eq!(sig.annotations().len(), 2);
    }
}

mod tampering {
    use super::*;

    /// What a bundle signs before it is tampered with.
    #[derive(Debug, Clone, Copy)]
    enum Signed {
        /// A message signature over [`BLOB`].
        Blob,
        /// A cosign v3 DSSE statement over [`IMAGE_DIGEST`].
        Image,
    }

    fn verify_tampered(signed: Signed, what: Tamper) -> Result<VerificationResult, Error> {
        let mut sigstore = TestSigstore::new();
        match signed {
            Signed::Blob => {
                let json = sigstore.sign_blob(BLOB, &github_identity());
                verify_blob(&sigstore, &tamper(&json, what))
            }
            Signed::Image => {
                let json = sigstore.sign_image_dsse(IMAGE_DIGEST, &github_identity());
                verify_image(&sigstore, &tamper(&json, what))
            }
        }
    }

    #[test]
    fn untampered_bundle_round_trips_through_tamper_parsing() {
        let (sigstore, json) = blob_signed_by(&github_identity());
        let reserialized =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&json).unwrap())
                .unwrap();
        verify_blob(&sigstore, &reserialized).unwrap();
    }

    #[test]
    fn each_corruption_fails_at_the_stage_it_targets() {
        use Signed::{Blob, Image};
        let inclusion_promise = refused_with!(Error::TransparencyLog(
            TransparencyLogError::InclusionPromise(_)
        ));
        let cases = [
            (
                "message signature fails signature verification",
                Blob,
                Tamper::Signature,
                refused_with!(Error::SignatureInvalid(_)),
            ),
            (
                "DSSE signature fails signature verification",
                Image,
                Tamper::Signature,
                refused_with!(Error::SignatureInvalid(_)),
            ),
            (
                "DSSE statement fails the DSSE signature",
                Image,
                Tamper::DssePayload,
                refused_with!(Error::SignatureInvalid(_)),
            ),
            (
                "message digest is an artifact mismatch",
                Blob,
                Tamper::MessageDigest,
                refused_with!(Error::ArtifactMismatch(_)),
            ),
            (
                "certificate fails the chain",
                Blob,
                Tamper::Certificate,
                refused_with!(Error::Certificate(CertificateError::ChainInvalid(_))),
            ),
            (
                "SET fails the inclusion promise",
                Blob,
                Tamper::SignedEntryTimestamp,
                inclusion_promise,
            ),
            (
                "integrated time fails the inclusion promise",
                Blob,
                Tamper::IntegratedTime,
                inclusion_promise,
            ),
            (
                "log index fails the inclusion promise",
                Blob,
                Tamper::LogIndex,
                inclusion_promise,
            ),
            (
                "canonicalized body fails the inclusion promise",
                Blob,
                Tamper::Body,
                inclusion_promise,
            ),
            (
                "proof hash fails the inclusion proof",
                Blob,
                Tamper::InclusionProofHash,
                refused_with!(Error::TransparencyLog(
                    TransparencyLogError::InclusionProof(_)
                )),
            ),
            (
                "proof root hash differing from the checkpoint fails bundle validation",
                Blob,
                Tamper::RootHash,
                refused_with!(Error::Bundle(e) if e.to_string().contains("checkpoint root hash")),
            ),
            (
                "checkpoint signature fails the checkpoint",
                Blob,
                Tamper::CheckpointSignature,
                refused_with!(Error::TransparencyLog(TransparencyLogError::Checkpoint(m)) if m.contains("No valid")),
            ),
            (
                "dropped inclusion proof fails bundle validation",
                Blob,
                Tamper::DropInclusionProof,
                refused_with!(Error::Bundle(_)),
            ),
            (
                "dropped log entries fail bundle validation",
                Blob,
                Tamper::DropTlogEntries,
                refused_with!(Error::Bundle(_)),
            ),
            (
                "dropped SET leaves no verified timestamp",
                Blob,
                Tamper::DropInclusionPromise,
                refused_with!(Error::Timestamp(TimestampError::NoVerifiedTimestamp(_))),
            ),
        ];
        for (case, signed, what, expected) in cases {
            assert_refused(case, verify_tampered(signed, what), &expected);
        }
    }
}

/// Encodings strict verifiers insist on and `sigstore-verify` does not check
/// (sigstore-python rejected both before they were fixed).
mod strict_encoding {
    use super::*;
    use x509_cert::der::Decode;
    use x509_cert::time::Time;

    fn leaf(json: &str) -> x509_cert::Certificate {
        let bundle = bundle(json);
        x509_cert::Certificate::from_der(bundle.signing_certificate().unwrap().as_bytes()).unwrap()
    }

    #[test]
    fn certificate_times_are_utctime_through_2049() {
        let (_, json) = blob_signed_by(&github_identity());
        let validity = leaf(&json).tbs_certificate.validity;
        assert!(matches!(validity.not_before, Time::UtcTime(_)));
        assert!(matches!(validity.not_after, Time::UtcTime(_)));
    }

    #[test]
    fn certificate_times_are_generalized_time_from_2050() {
        let mut sigstore = TestSigstore::new();
        sigstore.set_signing_time("2051-01-01T00:00:00Z".parse().unwrap());
        let json = sigstore.sign_blob(BLOB, &github_identity());
        let validity = leaf(&json).tbs_certificate.validity;
        assert!(matches!(validity.not_before, Time::GeneralTime(_)));
    }

    #[test]
    fn rekor_bodies_hold_pem_with_lf_line_endings_as_rekor_stores_them() {
        let mut sigstore = TestSigstore::new();
        let blob = sigstore.sign_blob(BLOB, &github_identity());
        let dsse = sigstore.sign_image_dsse(IMAGE_DIGEST, &TestKey::generate());
        for json in [blob, dsse] {
            let body: serde_json::Value = serde_json::from_slice(
                bundle(&json).verification_material.tlog_entries[0]
                    .canonicalized_body
                    .as_bytes(),
            )
            .unwrap();
            let verifier = body["spec"]["signature"]["publicKey"]["content"]
                .as_str()
                .or(body["spec"]["signatures"][0]["verifier"].as_str())
                .unwrap();
            let pem = String::from_utf8(STANDARD.decode(verifier).unwrap()).unwrap();
            assert!(
                pem.starts_with("-----BEGIN ") && !pem.contains('\r'),
                "{pem:?}"
            );
        }
    }

    #[test]
    fn legacy_annotations_hold_pem_with_lf_line_endings() {
        let mut sigstore = TestSigstore::new();
        let sig = sigstore.legacy_cosign_sig(
            "registry.test/acme/weather-mcp",
            IMAGE_DIGEST,
            &github_identity(),
        );
        for pem in [sig.certificate_pem.unwrap(), sig.chain_pem.unwrap()] {
            assert!(!pem.contains('\r'));
        }
        assert!(!TestKey::generate().public_key_pem().contains('\r'));
    }
}
