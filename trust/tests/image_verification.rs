//! `image@sha256:` verification end to end: images and signatures made by
//! a private Sigstore (`test-sigstore`) are pushed to a real loopback
//! registry (`test-oci`) and verified through both discovery paths. Every
//! negative case asserts the stage that refused it.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::image::PinnedImage;
use mcp_trust::oci::{ClientConfig, OciClient, OciError};
use mcp_trust::provenance::SlsaRequirements;
use mcp_trust::signature::{Matcher, Policy, Stage, TrustRoot};
use mcp_trust::verification::{ImageError, ImagePolicy, ImageReport, ItemStage, verify_image};
use serde_json::Value;
use test_oci::{Misbehaviour, Pushed, TestRegistry};
use test_sigstore::{
    Authority, CertValidity, GitHubWorkflow, Identity, SlsaFacts, TestKey, TestSigstore,
};
use test_sigstore::{Tamper, tamper};

const REPO: &str = "acme/weather";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

struct World {
    reg: TestRegistry,
    sigstore: TestSigstore,
    root: TrustRoot,
    image: Pushed,
    workflow: GitHubWorkflow,
}

impl World {
    async fn new() -> World {
        let reg = TestRegistry::start().await;
        let image = reg.pusher().image(REPO, "1.0.0", "weather-1").await;
        let sigstore = TestSigstore::new();
        let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
        let workflow = GitHubWorkflow::new(
            "acme/weather",
            ".github/workflows/release.yml",
            "refs/tags/v1.0.0",
        );
        World {
            reg,
            sigstore,
            root,
            image,
            workflow,
        }
    }

    fn identity(&self) -> Identity {
        Identity::github(&self.workflow)
    }

    fn policy(&self) -> ImagePolicy {
        ImagePolicy {
            signer: Policy::keyless(
                Matcher::exact(&self.workflow.workflow_uri(), "identity").unwrap(),
                Matcher::exact(ISSUER, "identity").unwrap(),
            ),
            provenance: None,
        }
    }

    fn pinned(&self, host: &str) -> PinnedImage {
        PinnedImage::parse(&format!("{host}/{REPO}@{}", self.image.digest)).unwrap()
    }

    fn client(&self) -> OciClient {
        OciClient::new(ClientConfig {
            insecure_hosts: [self.reg.with_referrers(), self.reg.without_referrers()].into(),
            ..Default::default()
        })
        .unwrap()
    }

    async fn push_bundle(&self, bundle: &str) {
        self.reg
            .pusher()
            .bundle_referrer(REPO, &self.image, bundle.as_bytes())
            .await;
    }

    async fn push_legacy(&self, sig: &test_sigstore::LegacySig) {
        let annotations: serde_json::Map<String, Value> = sig
            .annotations()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        self.reg
            .pusher()
            .legacy_signature(
                REPO,
                &self.image.digest,
                &[(sig.payload.clone(), Value::Object(annotations))],
            )
            .await;
    }

    async fn verify(&self, policy: &ImagePolicy) -> Result<ImageReport, ImageError> {
        verify_image(
            &self.client(),
            &self.pinned(&self.reg.with_referrers()),
            policy,
            &self.root,
        )
        .await
    }

    async fn signed(&mut self) {
        let identity = self.identity();
        let bundle = self
            .sigstore
            .sign_image_dsse(&self.image.digest.clone(), &identity);
        self.push_bundle(&bundle).await;
    }
}

/// The stages of everything refused, in order.
fn refused_stages(err: &ImageError) -> Vec<ItemStage> {
    err.report()
        .unwrap()
        .refused
        .iter()
        .map(|r| r.stage.clone())
        .collect()
}

fn expect_refused(result: Result<ImageReport, ImageError>, stage: ItemStage) {
    match result {
        Ok(r) => panic!("verified when it must not: {r:#?}"),
        Err(e @ ImageError::NoValidSignature { .. }) => {
            assert_eq!(refused_stages(&e), vec![stage], "{e}")
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

// ---- what must pass ----

#[tokio::test(flavor = "multi_thread")]
async fn cosign_v3_signature_verifies_through_the_referrers_api() {
    let mut w = World::new().await;
    w.signed().await;
    let report = w.verify(&w.policy()).await.unwrap();
    assert!(report.referrers_api);
    assert_eq!(report.signatures.len(), 1);
    let cert = report.signatures[0].verified.certificate().unwrap();
    assert_eq!(cert.identity, w.workflow.workflow_uri());
    assert_eq!(cert.issuer, ISSUER);
    assert_eq!(
        cert.claims.source_repository_identifier.as_deref(),
        Some(w.workflow.repository_id.as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cosign_v3_signature_verifies_through_the_tag_schema() {
    let mut w = World::new().await;
    let identity = w.identity();
    let bundle = w
        .sigstore
        .sign_image_dsse(&w.image.digest.clone(), &identity);
    let direct = test_oci::Pusher::new(&w.reg.without_referrers());
    let referrer = direct
        .bundle_referrer(REPO, &w.image, bundle.as_bytes())
        .await;
    direct
        .referrers_tag(REPO, &w.image.digest, &[referrer])
        .await;
    let report = verify_image(
        &w.client(),
        &w.pinned(&w.reg.without_referrers()),
        &w.policy(),
        &w.root,
    )
    .await
    .unwrap();
    assert!(!report.referrers_api);
    assert_eq!(report.signatures.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_cosign_signature_verifies() {
    let mut w = World::new().await;
    let identity = w.identity();
    let sig = w.sigstore.legacy_cosign_sig(
        &format!("registry.test/{REPO}"),
        &w.image.digest.clone(),
        &identity,
    );
    w.push_legacy(&sig).await;
    let report = w.verify(&w.policy()).await.unwrap();
    assert_eq!(report.signatures.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_regexp_matches_whole_identity() {
    let mut w = World::new().await;
    w.signed().await;
    let policy = ImagePolicy {
        signer: Policy::keyless(
            Matcher::regex(r"https://github\.com/acme/weather/\.github/workflows/.+").unwrap(),
            Matcher::exact(ISSUER, "identity").unwrap(),
        ),
        provenance: None,
    };
    assert!(w.verify(&policy).await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn key_signed_image_verifies_with_its_key() {
    let mut w = World::new().await;
    let key = TestKey::generate();
    let bundle = w.sigstore.sign_image_dsse(&w.image.digest.clone(), &key);
    w.push_bundle(&bundle).await;
    let policy = ImagePolicy {
        signer: Policy::public_key_pem(&key.public_key_pem()).unwrap(),
        provenance: None,
    };
    assert_eq!(w.verify(&policy).await.unwrap().signatures.len(), 1);
    let other = TestKey::generate();
    let policy = ImagePolicy {
        signer: Policy::public_key_pem(&other.public_key_pem()).unwrap(),
        provenance: None,
    };
    expect_refused(w.verify(&policy).await, ItemStage::Bundle(Stage::Signature));
}

#[tokio::test(flavor = "multi_thread")]
async fn required_provenance_verifies_and_is_cross_checked() {
    let mut w = World::new().await;
    w.signed().await;
    let identity = w.identity();
    let facts = SlsaFacts::github(&format!("registry.test/{REPO}"), &w.workflow);
    let att = w
        .sigstore
        .sign_provenance(&w.image.digest.clone(), &identity, &facts);
    w.push_bundle(&att).await;
    let mut policy = w.policy();
    policy.provenance = Some(SlsaRequirements {
        source_repository: Some("https://github.com/acme/weather".into()),
        source_ref: Some("refs/tags/v1.0.0".into()),
        builder_id: None,
    });
    let report = w.verify(&policy).await.unwrap();
    assert_eq!(report.provenance.len(), 1);
    assert_eq!(
        report.provenance[0].facts.source_commit.as_deref(),
        Some(w.workflow.commit.as_str())
    );
}

// ---- what must not ----

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_image_is_refused() {
    let w = World::new().await;
    let err = w.verify(&w.policy()).await.unwrap_err();
    assert!(matches!(err, ImageError::NoValidSignature { .. }));
    assert!(refused_stages(&err).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn provenance_without_a_signature_is_unsigned() {
    let mut w = World::new().await;
    let identity = w.identity();
    let facts = SlsaFacts::github(&format!("registry.test/{REPO}"), &w.workflow);
    let att = w
        .sigstore
        .sign_provenance(&w.image.digest.clone(), &identity, &facts);
    w.push_bundle(&att).await;
    expect_refused(w.verify(&w.policy()).await, ItemStage::NotASignature);
}

#[tokio::test(flavor = "multi_thread")]
async fn message_signature_over_the_digest_is_not_an_image_signature() {
    let mut w = World::new().await;
    let identity = w.identity();
    // A blob signature whose artifact happens to be the digest string: not a cosign statement.
    let bundle = w
        .sigstore
        .sign_blob(w.image.bytes.clone().as_slice(), &identity);
    w.push_bundle(&bundle).await;
    expect_refused(w.verify(&w.policy()).await, ItemStage::NotASignature);
}

#[tokio::test(flavor = "multi_thread")]
async fn signature_for_another_digest_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity();
    let other = w.reg.pusher().image(REPO, "2.0.0", "weather-2").await;
    let bundle = w.sigstore.sign_image_dsse(&other.digest, &identity);
    w.push_bundle(&bundle).await; // attached to our image, signs the other one
    expect_refused(
        w.verify(&w.policy()).await,
        ItemStage::Bundle(Stage::Artifact),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_moved_after_signing_is_refused() {
    let mut w = World::new().await;
    w.signed().await;
    // The tag now names other bytes: resolving it yields a digest nobody signed.
    let moved = w.reg.pusher().image(REPO, "1.0.0", "weather-evil").await;
    let client = w.client();
    let host = w.reg.with_referrers();
    let resolved = client.resolve_tag(&host, REPO, "1.0.0").await.unwrap();
    assert_eq!(resolved.to_string(), moved.digest);
    let image = PinnedImage::parse(&format!("{host}/{REPO}@{resolved}")).unwrap();
    let err = verify_image(&client, &image, &w.policy(), &w.root)
        .await
        .unwrap_err();
    assert!(matches!(err, ImageError::NoValidSignature { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn registry_serving_other_bytes_for_the_digest_is_refused() {
    let mut w = World::new().await;
    w.signed().await;
    w.reg.proxy.misbehave(
        &format!("/manifests/{}", w.image.digest),
        Misbehaviour::Replace(b"{\"schemaVersion\":2,\"layers\":[]}".to_vec()),
    );
    let err = w.verify(&w.policy()).await.unwrap_err();
    assert!(
        matches!(err, ImageError::Registry(OciError::DigestMismatch { .. })),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_identity_is_refused() {
    let mut w = World::new().await;
    w.signed().await;
    let policy = ImagePolicy {
        signer: Policy::keyless(
            Matcher::exact(
                "https://github.com/acme/other/.github/workflows/release.yml@refs/tags/v1.0.0",
                "identity",
            )
            .unwrap(),
            Matcher::exact(ISSUER, "identity").unwrap(),
        ),
        provenance: None,
    };
    expect_refused(
        w.verify(&policy).await,
        ItemStage::Bundle(Stage::IdentityPolicy),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_regexp_that_only_matches_unanchored_is_refused() {
    let mut w = World::new().await;
    // Signed by acme/weather-evil; the policy names acme/weather.
    w.workflow = GitHubWorkflow::new(
        "acme/weather-evil",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    );
    w.signed().await;
    for re in [
        r"https://github\.com/acme/weather",
        r"https://github\.com/acme/weather/.*|nothing",
        r"nothing|https://github\.com/acme/weather",
    ] {
        let policy = ImagePolicy {
            signer: Policy::keyless(
                Matcher::regex(re).unwrap(),
                Matcher::exact(ISSUER, "identity").unwrap(),
            ),
            provenance: None,
        };
        expect_refused(
            w.verify(&policy).await,
            ItemStage::Bundle(Stage::IdentityPolicy),
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_issuer_is_refused() {
    let mut w = World::new().await;
    w.signed().await;
    let policy = ImagePolicy {
        signer: Policy::keyless(
            Matcher::exact(&w.workflow.workflow_uri(), "identity").unwrap(),
            Matcher::exact(
                "https://token.actions.githubusercontent.com.evil",
                "identity",
            )
            .unwrap(),
        ),
        provenance: None,
    };
    expect_refused(
        w.verify(&policy).await,
        ItemStage::Bundle(Stage::IdentityPolicy),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_expired_at_the_log_time_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity().with_validity(CertValidity::Expired);
    let bundle = w
        .sigstore
        .sign_image_dsse(&w.image.digest.clone(), &identity);
    w.push_bundle(&bundle).await;
    expect_refused(
        w.verify(&w.policy()).await,
        ItemStage::Bundle(Stage::CertificateChain),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn chain_to_an_untrusted_root_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity().issued_by(Authority::Untrusted);
    let bundle = w
        .sigstore
        .sign_image_dsse(&w.image.digest.clone(), &identity);
    w.push_bundle(&bundle).await;
    expect_refused(
        w.verify(&w.policy()).await,
        ItemStage::Bundle(Stage::CertificateChain),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn log_not_in_the_trusted_root_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity().logged_by(Authority::Untrusted);
    let bundle = w
        .sigstore
        .sign_image_dsse(&w.image.digest.clone(), &identity);
    w.push_bundle(&bundle).await;
    expect_refused(
        w.verify(&w.policy()).await,
        ItemStage::Bundle(Stage::TransparencyLog),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_flipped_bit_anywhere_is_refused_at_its_stage() {
    for (t, stage) in [
        (Tamper::Signature, Stage::Signature),
        (Tamper::DssePayload, Stage::Signature),
        (Tamper::Certificate, Stage::CertificateChain),
        (Tamper::SignedEntryTimestamp, Stage::TransparencyLog),
        (Tamper::InclusionProofHash, Stage::TransparencyLog),
        (Tamper::CheckpointSignature, Stage::Checkpoint),
    ] {
        let mut w = World::new().await;
        let identity = w.identity();
        let bundle = w
            .sigstore
            .sign_image_dsse(&w.image.digest.clone(), &identity);
        w.push_bundle(&tamper(&bundle, t)).await;
        let result = w.verify(&w.policy()).await;
        match result {
            Err(e @ ImageError::NoValidSignature { .. }) => {
                let stages = refused_stages(&e);
                assert_eq!(stages.len(), 1, "{t:?}");
                assert!(
                    matches!(stages[0], ItemStage::Bundle(_)),
                    "{t:?}: {stages:?}"
                );
                assert_eq!(stages[0], ItemStage::Bundle(stage), "{t:?}");
            }
            other => panic!("{t:?}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_signature_naming_another_digest_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity();
    let other = format!("sha256:{}", "1".repeat(64));
    let sig = w
        .sigstore
        .legacy_cosign_sig(&format!("registry.test/{REPO}"), &other, &identity);
    w.push_legacy(&sig).await;
    expect_refused(w.verify(&w.policy()).await, ItemStage::Payload);
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_signature_with_a_flipped_bit_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity();
    let mut sig = w.sigstore.legacy_cosign_sig(
        &format!("registry.test/{REPO}"),
        &w.image.digest.clone(),
        &identity,
    );
    let mut raw = base64_decode(&sig.signature);
    let last = raw.len() - 5;
    raw[last] ^= 1;
    sig.signature = base64_encode(&raw);
    w.push_legacy(&sig).await;
    expect_refused(
        w.verify(&w.policy()).await,
        ItemStage::Bundle(Stage::Signature),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_signature_borrowing_another_artifacts_log_entry_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity();
    let genuine = w.sigstore.legacy_cosign_sig(
        &format!("registry.test/{REPO}"),
        &w.image.digest.clone(),
        &identity,
    );
    let other = w.sigstore.legacy_cosign_sig(
        "registry.test/acme/other",
        &format!("sha256:{}", "2".repeat(64)),
        &identity,
    );
    // Payload and signature for this digest, certificate and log entry of another artifact.
    let mut forged = genuine.clone();
    forged.rekor_bundle = other.rekor_bundle.clone();
    forged.certificate_pem = other.certificate_pem.clone();
    w.push_legacy(&forged).await;
    let err = w.verify(&w.policy()).await.unwrap_err();
    let stages = refused_stages(&err);
    assert_eq!(stages.len(), 1);
    assert!(
        matches!(
            stages[0],
            ItemStage::Bundle(Stage::Signature | Stage::TransparencyLog | Stage::Consistency)
        ),
        "{stages:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_attestation_is_unsupported_never_verified() {
    let mut w = World::new().await;
    let att = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": w.reg.pusher().blob(REPO, "application/vnd.oci.image.config.v1+json", b"{}").await.to_json(None),
        "layers": [w.reg.pusher().blob(REPO, "application/vnd.dsse.envelope.v1+json", b"{}").await.to_json(None)]});
    w.reg
        .pusher()
        .manifest(
            REPO,
            &format!("{}.att", w.image.digest.replace(':', "-")),
            &att,
        )
        .await;
    expect_refused(w.verify(&w.policy()).await, ItemStage::Unsupported);
    w.signed().await;
    let report = w.verify(&w.policy()).await.unwrap();
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].stage, ItemStage::Unsupported);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_good_signature_among_forgeries_passes_and_the_rest_are_reported() {
    let mut w = World::new().await;
    let identity = w.identity();
    let bundle = w
        .sigstore
        .sign_image_dsse(&w.image.digest.clone(), &identity);
    w.push_bundle(&tamper(&bundle, Tamper::Signature)).await;
    w.signed().await;
    let report = w.verify(&w.policy()).await.unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].stage, ItemStage::Bundle(Stage::Signature));
}

async fn provenance_case(w: &mut World, facts: SlsaFacts, subject: &str) -> ImageError {
    w.signed().await;
    let identity = w.identity();
    let att = w.sigstore.sign_provenance(subject, &identity, &facts);
    w.push_bundle(&att).await;
    let mut policy = w.policy();
    policy.provenance = Some(SlsaRequirements {
        source_repository: Some("https://github.com/acme/weather".into()),
        source_ref: Some("refs/tags/v1.0.0".into()),
        builder_id: None,
    });
    w.verify(&policy).await.unwrap_err()
}

#[tokio::test(flavor = "multi_thread")]
async fn provenance_subject_mismatch_is_refused() {
    let mut w = World::new().await;
    let facts = SlsaFacts::github(&format!("registry.test/{REPO}"), &w.workflow);
    let err = provenance_case(&mut w, facts, &format!("sha256:{}", "3".repeat(64))).await;
    assert!(matches!(err, ImageError::NoValidProvenance { .. }), "{err}");
    assert_eq!(
        refused_stages(&err),
        vec![ItemStage::Bundle(Stage::Artifact)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn provenance_from_another_repository_is_refused() {
    let mut w = World::new().await;
    let mut facts = SlsaFacts::github(&format!("registry.test/{REPO}"), &w.workflow);
    facts.repository_uri = "https://github.com/acme/weather-fork".into();
    let digest = w.image.digest.clone();
    let err = provenance_case(&mut w, facts, &digest).await;
    assert!(matches!(err, ImageError::NoValidProvenance { .. }), "{err}");
    assert_eq!(refused_stages(&err), vec![ItemStage::Provenance]);
}

#[tokio::test(flavor = "multi_thread")]
async fn provenance_from_another_ref_is_refused() {
    let mut w = World::new().await;
    let mut facts = SlsaFacts::github(&format!("registry.test/{REPO}"), &w.workflow);
    facts.git_ref = "refs/heads/main".into();
    let digest = w.image.digest.clone();
    let err = provenance_case(&mut w, facts, &digest).await;
    assert_eq!(refused_stages(&err), vec![ItemStage::Provenance]);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_registry_is_never_a_pass() {
    let w = World::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("127.0.0.1:{port}");
    let client = OciClient::new(ClientConfig {
        insecure_hosts: [host.clone()].into(),
        ..Default::default()
    })
    .unwrap();
    let err = verify_image(&client, &w.pinned(&host), &w.policy(), &w.root)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ImageError::Registry(e) if e.is_unreachable()),
        "{err}"
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}
