//! `image@sha256:` verification end to end: images and signatures made by
//! a private Sigstore (`test-sigstore`) are pushed to a real loopback
//! registry (`test-oci`) and verified through both discovery paths. Every
//! negative case asserts the stage that refused it.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::image::PinnedImage;
use mcp_trust::oci::SignatureSource;
use mcp_trust::oci::{ClientConfig, OciClient, OciError};
use mcp_trust::provenance::SlsaRequirements;
use mcp_trust::signature::{Matcher, Policy, Stage, TrustRoot};
use mcp_trust::verification::{
    ImageError, ImagePolicy, ImageReport, ItemStage, verify_image, verify_image_until,
};
use serde_json::Value;
use test_oci::{Misbehaviour, Pushed, TestRegistry};
use test_sigstore::{
    Authority, CertValidity, GitHubWorkflow, Identity, LegacySig, SlsaFacts, TestKey, TestSigstore,
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
        let workflow = release_workflow("acme/weather");
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

    /// What the release workflow's provenance states.
    fn provenance_facts(&self) -> SlsaFacts {
        SlsaFacts::github(&format!("registry.test/{REPO}"), &self.workflow)
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

    /// [`Self::policy`] that also requires provenance from the release tag.
    fn policy_with_provenance(&self) -> ImagePolicy {
        ImagePolicy {
            provenance: Some(SlsaRequirements {
                source_repository: Some("https://github.com/acme/weather".into()),
                source_ref: Some("refs/tags/v1.0.0".into()),
                builder_id: None,
            }),
            ..self.policy()
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

    /// A cosign v3 signature of the image by `identity`.
    fn dsse_by(&mut self, identity: &Identity) -> String {
        self.sigstore.sign_image_dsse(&self.image.digest, identity)
    }

    /// A cosign v3 signature of the image by the release workflow, with `what` corrupted.
    fn tampered(&mut self, what: Tamper) -> Attached {
        Attached::Bundle(tamper(&self.dsse_by(&self.identity()), what))
    }

    /// A legacy cosign signature of `digest` by the release workflow.
    fn legacy_for(&mut self, digest: &str) -> LegacySig {
        let identity = self.identity();
        self.sigstore
            .legacy_cosign_sig(&format!("registry.test/{REPO}"), digest, &identity)
    }

    async fn attach(&self, item: &Attached) {
        match item {
            Attached::Bundle(bundle) => self.push_bundle(bundle).await,
            Attached::Legacy(sig) => self.push_legacy(sig).await,
        }
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
        let bundle = self.dsse_by(&self.identity());
        self.push_bundle(&bundle).await;
    }
}

/// The release workflow's `v1.0.0` tag in `repo`.
fn release_workflow(repo: &str) -> GitHubWorkflow {
    GitHubWorkflow::new(repo, ".github/workflows/release.yml", "refs/tags/v1.0.0")
}

/// What a case attaches to the image as a signature.
enum Attached {
    /// A Sigstore bundle, pushed as a referrer.
    Bundle(String),
    /// A legacy cosign `.sig` layer.
    Legacy(LegacySig),
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

/// Asserts that `case` found no valid signature and refused one item, at `stage`.
#[track_caller]
fn expect_refused(case: &str, result: Result<ImageReport, ImageError>, stage: ItemStage) {
    match result {
        Ok(r) => panic!("case {case}: verified when it must not: {r:#?}"),
        Err(e @ ImageError::NoValidSignature { .. }) => {
            assert_eq!(refused_stages(&e), vec![stage], "case {case}: {e}")
        }
        Err(e) => panic!("case {case}: unexpected error {e}"),
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
    let sig = w.legacy_for(&w.image.digest.clone());
    w.push_legacy(&sig).await;
    let report = w.verify(&w.policy()).await.unwrap();
    assert_eq!(report.signatures.len(), 1);
}

/// Verifies `w`'s image under `policy` by the registry's rule: a passing
/// keyless signature (and the provenance, if required) decides.
async fn until_with(w: &World, policy: &ImagePolicy) -> Result<ImageReport, ImageError> {
    let image = w.pinned(&w.reg.with_referrers());
    let decided = |r: &ImageReport| policy.keyless_decided(r);
    verify_image_until(&w.client(), &image, policy, &w.root, decided).await
}

/// [`until_with`] under the release workflow's policy.
async fn until(w: &World) -> Result<ImageReport, ImageError> {
    until_with(w, &w.policy()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn required_provenance_keeps_the_answer_open_until_it_passes() {
    let mut w = World::new().await;
    w.signed().await;
    let proxy = w.reg.proxy.clone();
    proxy.count(".sig");
    proxy.count(".att");
    // A signature but no provenance: open, so the tags are read; then refused.
    let err = until_with(&w, &w.policy_with_provenance())
        .await
        .unwrap_err();
    assert!(matches!(err, ImageError::NoValidProvenance { .. }), "{err}");
    assert_eq!((proxy.requests(".sig"), proxy.requests(".att")), (1, 1));
    // With the provenance: decided by the referrers alone.
    let (identity, facts) = (w.identity(), w.provenance_facts());
    let att = w
        .sigstore
        .sign_provenance(&w.image.digest.clone(), &identity, &facts);
    w.push_bundle(&att).await;
    proxy.count(".sig");
    proxy.count(".att");
    let report = until_with(&w, &w.policy_with_provenance()).await.unwrap();
    assert_eq!(report.provenance.len(), 1);
    assert_eq!((proxy.requests(".sig"), proxy.requests(".att")), (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_legacy_tag_refuses_only_when_it_could_matter() {
    let mut w = World::new().await;
    w.reg.proxy.misbehave(".sig", Misbehaviour::Status(500));
    // Nothing in the referrers: the tag is needed, and its error refuses.
    let err = until(&w).await.unwrap_err();
    assert!(matches!(err, ImageError::Registry(_)), "{err}");
    // A passing keyless referrer decides: the tag is never read.
    w.signed().await;
    let report = until(&w).await.unwrap();
    assert_eq!(report.signatures.len(), 1);
    // The full report reads it, and fails closed.
    let err = w.verify(&w.policy()).await.unwrap_err();
    assert!(matches!(err, ImageError::Registry(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_tags_are_read_only_while_the_referrers_leave_the_answer_open() {
    let mut w = World::new().await;
    let legacy = w.legacy_for(&w.image.digest.clone());
    w.push_legacy(&legacy).await;
    let proxy = w.reg.proxy.clone();
    let tags = || (proxy.requests(".sig"), proxy.requests(".att"));
    let count = || {
        proxy.count(".sig");
        proxy.count(".att");
    };

    // Only a legacy signature: the tags are read, and it passes.
    count();
    let report = until(&w).await.unwrap();
    assert_eq!(tags(), (1, 1));
    assert_eq!(report.signatures.len(), 1);
    assert!(matches!(
        report.signatures[0].source,
        SignatureSource::LegacySignatureTag { .. }
    ));

    // A referrer signed by someone else leaves it open: still read, still passes.
    let mallory = Identity::github(&release_workflow("mallory/weather"));
    let foreign = w.dsse_by(&mallory);
    w.push_bundle(&foreign).await;
    count();
    let report = until(&w).await.unwrap();
    assert_eq!(tags(), (1, 1));
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.refused.len(), 1, "{report:#?}");

    // A passing keyless referrer decides: the tags are not read.
    w.signed().await;
    count();
    let report = until(&w).await.unwrap();
    assert_eq!(tags(), (0, 0));
    assert_eq!(report.signatures.len(), 1);
    assert!(matches!(
        report.signatures[0].source,
        SignatureSource::Referrer { .. }
    ));

    // The full report still reads everything.
    count();
    let full = w.verify(&w.policy()).await.unwrap();
    assert_eq!(tags(), (1, 1));
    assert_eq!(full.signatures.len(), 2);
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
    expect_refused(
        "image signed with another key",
        w.verify(&policy).await,
        ItemStage::Bundle(Stage::Signature),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn required_provenance_verifies_and_is_cross_checked() {
    let mut w = World::new().await;
    w.signed().await;
    let (identity, facts) = (w.identity(), w.provenance_facts());
    let att = w
        .sigstore
        .sign_provenance(&w.image.digest.clone(), &identity, &facts);
    w.push_bundle(&att).await;
    let report = w.verify(&w.policy_with_provenance()).await.unwrap();
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
async fn each_forged_or_foreign_signature_is_refused_at_its_stage() {
    type Signs = fn(&mut World) -> Attached;
    let cases: [(&str, Signs, ItemStage); 13] = [
        (
            "provenance without a signature is unsigned",
            |w| {
                let (identity, facts) = (w.identity(), w.provenance_facts());
                Attached::Bundle(
                    w.sigstore
                        .sign_provenance(&w.image.digest, &identity, &facts),
                )
            },
            ItemStage::NotASignature,
        ),
        (
            // A blob signature whose artifact happens to be the digest string: not a cosign statement.
            "message signature over the digest is not an image signature",
            |w| {
                let identity = w.identity();
                Attached::Bundle(w.sigstore.sign_blob(w.image.bytes.as_slice(), &identity))
            },
            ItemStage::NotASignature,
        ),
        (
            "certificate expired at the log time",
            |w| Attached::Bundle(w.dsse_by(&w.identity().with_validity(CertValidity::Expired))),
            ItemStage::Bundle(Stage::CertificateChain),
        ),
        (
            "chain to an untrusted root",
            |w| Attached::Bundle(w.dsse_by(&w.identity().issued_by(Authority::Untrusted))),
            ItemStage::Bundle(Stage::CertificateChain),
        ),
        (
            "log not in the trusted root",
            |w| Attached::Bundle(w.dsse_by(&w.identity().logged_by(Authority::Untrusted))),
            ItemStage::Bundle(Stage::TransparencyLog),
        ),
        (
            "flipped bit in the signature",
            |w| w.tampered(Tamper::Signature),
            ItemStage::Bundle(Stage::Signature),
        ),
        (
            "flipped bit in the DSSE payload",
            |w| w.tampered(Tamper::DssePayload),
            ItemStage::Bundle(Stage::Signature),
        ),
        (
            "flipped bit in the certificate",
            |w| w.tampered(Tamper::Certificate),
            ItemStage::Bundle(Stage::CertificateChain),
        ),
        (
            "flipped bit in the SET",
            |w| w.tampered(Tamper::SignedEntryTimestamp),
            ItemStage::Bundle(Stage::TransparencyLog),
        ),
        (
            "flipped bit in the inclusion proof",
            |w| w.tampered(Tamper::InclusionProofHash),
            ItemStage::Bundle(Stage::TransparencyLog),
        ),
        (
            "flipped bit in the checkpoint signature",
            |w| w.tampered(Tamper::CheckpointSignature),
            ItemStage::Bundle(Stage::Checkpoint),
        ),
        (
            "legacy signature naming another digest",
            |w| Attached::Legacy(w.legacy_for(&format!("sha256:{}", "1".repeat(64)))),
            ItemStage::Payload,
        ),
        (
            "legacy signature with a flipped bit",
            |w| {
                let mut sig = w.legacy_for(&w.image.digest.clone());
                let mut raw = base64_decode(&sig.signature);
                let last = raw.len() - 5;
                raw[last] ^= 1;
                sig.signature = base64_encode(&raw);
                Attached::Legacy(sig)
            },
            ItemStage::Bundle(Stage::Signature),
        ),
    ];
    for (case, attached, stage) in cases {
        let mut w = World::new().await;
        let item = attached(&mut w);
        w.attach(&item).await;
        expect_refused(case, w.verify(&w.policy()).await, stage);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_naming_another_signer_is_refused_at_the_identity_policy() {
    let exact = |value: &str| Matcher::exact(value, "identity").unwrap();
    let regex = |re: &str| Matcher::regex(re).unwrap();
    let ours = release_workflow("acme/weather").workflow_uri();
    // (case, repository whose release workflow signs, identity, issuer)
    let cases = [
        (
            "wrong identity",
            "acme/weather",
            exact("https://github.com/acme/other/.github/workflows/release.yml@refs/tags/v1.0.0"),
            exact(ISSUER),
        ),
        (
            "wrong issuer",
            "acme/weather",
            exact(&ours),
            exact("https://token.actions.githubusercontent.com.evil"),
        ),
        (
            "identity regexp matching only a prefix of acme/weather-evil",
            "acme/weather-evil",
            regex(r"https://github\.com/acme/weather"),
            exact(ISSUER),
        ),
        (
            "identity regexp whose first alternative matches only unanchored",
            "acme/weather-evil",
            regex(r"https://github\.com/acme/weather/.*|nothing"),
            exact(ISSUER),
        ),
        (
            "identity regexp whose last alternative matches only unanchored",
            "acme/weather-evil",
            regex(r"nothing|https://github\.com/acme/weather"),
            exact(ISSUER),
        ),
    ];
    for (case, signer, identity, issuer) in cases {
        let mut w = World::new().await;
        w.workflow = release_workflow(signer);
        w.signed().await;
        let policy = ImagePolicy {
            signer: Policy::keyless(identity, issuer),
            provenance: None,
        };
        expect_refused(
            case,
            w.verify(&policy).await,
            ItemStage::Bundle(Stage::IdentityPolicy),
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signature_for_another_digest_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity();
    let other = w.reg.pusher().image(REPO, "2.0.0", "weather-2").await;
    let bundle = w.sigstore.sign_image_dsse(&other.digest, &identity);
    w.push_bundle(&bundle).await; // attached to our image, signs the other one
    expect_refused(
        "signature for another digest",
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
async fn legacy_signature_borrowing_another_artifacts_log_entry_is_refused() {
    let mut w = World::new().await;
    let identity = w.identity();
    let genuine = w.legacy_for(&w.image.digest.clone());
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
    expect_refused(
        "legacy attestation alone",
        w.verify(&w.policy()).await,
        ItemStage::Unsupported,
    );
    w.signed().await;
    let report = w.verify(&w.policy()).await.unwrap();
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].stage, ItemStage::Unsupported);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_good_signature_among_forgeries_passes_and_the_rest_are_reported() {
    let mut w = World::new().await;
    let bundle = w.dsse_by(&w.identity());
    w.push_bundle(&tamper(&bundle, Tamper::Signature)).await;
    w.signed().await;
    let report = w.verify(&w.policy()).await.unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].stage, ItemStage::Bundle(Stage::Signature));
}

#[tokio::test(flavor = "multi_thread")]
async fn provenance_not_meeting_the_requirements_is_refused_at_its_stage() {
    // `None`: the provenance names the image's own digest.
    type Edit = fn(&mut SlsaFacts);
    let cases: [(&str, Edit, Option<&str>, ItemStage); 3] = [
        (
            "provenance subject mismatch",
            |_| {},
            Some("sha256:3333333333333333333333333333333333333333333333333333333333333333"),
            ItemStage::Bundle(Stage::Artifact),
        ),
        (
            "provenance from another repository",
            |facts| facts.repository_uri = "https://github.com/acme/weather-fork".into(),
            None,
            ItemStage::Provenance,
        ),
        (
            "provenance from another ref",
            |facts| facts.git_ref = "refs/heads/main".into(),
            None,
            ItemStage::Provenance,
        ),
    ];
    for (case, edit, subject, stage) in cases {
        let mut w = World::new().await;
        w.signed().await;
        let mut facts = w.provenance_facts();
        edit(&mut facts);
        let subject = subject.map_or_else(|| w.image.digest.clone(), str::to_owned);
        let identity = w.identity();
        let att = w.sigstore.sign_provenance(&subject, &identity, &facts);
        w.push_bundle(&att).await;
        let err = w.verify(&w.policy_with_provenance()).await.unwrap_err();
        assert!(
            matches!(err, ImageError::NoValidProvenance { .. }),
            "case {case}: {err}"
        );
        assert_eq!(refused_stages(&err), vec![stage], "case {case}");
    }
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
