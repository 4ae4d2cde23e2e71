//! Signature discovery against a real registry (Debian's docker-registry on
//! loopback), through the referrers API and through its tag-schema fallback,
//! with the legacy cosign tags, and against a registry that misbehaves.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::image::PinnedImage;
use mcp_trust::oci::client::Limits;
use mcp_trust::oci::{
    ClientConfig, FoundSignature, OciClient, OciError, SignatureSource, discover,
};
use serde_json::json;
use std::time::Duration;
use test_oci::{Misbehaviour, TestRegistry};

fn client_for(hosts: &[&str], limits: Limits) -> OciClient {
    OciClient::new(ClientConfig {
        limits,
        insecure_hosts: hosts.iter().map(|h| h.to_string()).collect(),
        ..Default::default()
    })
    .unwrap()
}

fn pinned(host: &str, repo: &str, digest: &str) -> PinnedImage {
    PinnedImage::parse(&format!("{host}/{repo}@{digest}")).unwrap()
}

async fn setup() -> (TestRegistry, test_oci::Pushed) {
    let reg = TestRegistry::start().await;
    let image = reg
        .pusher()
        .image("acme/weather", "1.0.0", "weather-1")
        .await;
    (reg, image)
}

#[tokio::test(flavor = "multi_thread")]
async fn finds_bundle_through_the_referrers_api() {
    let (reg, image) = setup().await;
    reg.pusher()
        .bundle_referrer("acme/weather", &image, br#"{"bundle":"one"}"#)
        .await;
    let host = reg.with_referrers();
    let d = discover(
        &client_for(&[&host], Limits::default()),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap();
    assert!(d.referrers_api);
    assert_eq!(d.found.len(), 1);
    match &d.found[0] {
        FoundSignature::Bundle {
            source: SignatureSource::Referrer { via_api: true, .. },
            bundle,
        } => {
            assert_eq!(bundle, br#"{"bundle":"one"}"#)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn falls_back_to_the_referrers_tag_schema() {
    let (reg, image) = setup().await;
    let referrer = reg
        .pusher()
        .bundle_referrer("acme/weather", &image, br#"{"bundle":"two"}"#)
        .await;
    // The registry itself has no referrers API; publish the fallback index under sha256-<hex>.
    let direct = reg.without_referrers();
    test_oci::Pusher::new(&direct)
        .referrers_tag("acme/weather", &image.digest, &[referrer])
        .await;
    let d = discover(
        &client_for(&[&direct], Limits::default()),
        &pinned(&direct, "acme/weather", &image.digest),
    )
    .await
    .unwrap();
    assert!(!d.referrers_api);
    assert!(matches!(
        &d.found[..],
        [FoundSignature::Bundle {
            source: SignatureSource::Referrer { via_api: false, .. },
            ..
        }]
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn finds_legacy_signature_and_reports_legacy_attestation_as_unsupported() {
    let (reg, image) = setup().await;
    let annotations = json!({"dev.cosignproject.cosign/signature": "c2ln", "dev.sigstore.cosign/certificate": "CERT", "dev.sigstore.cosign/bundle": "{}"});
    reg.pusher()
        .legacy_signature(
            "acme/weather",
            &image.digest,
            &[(b"payload".to_vec(), annotations)],
        )
        .await;
    let att = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": reg.pusher().blob("acme/weather", "application/vnd.oci.image.config.v1+json", b"{}").await.to_json(None),
        "layers": [reg.pusher().blob("acme/weather", "application/vnd.dsse.envelope.v1+json", b"{}").await.to_json(None)]});
    reg.pusher()
        .manifest(
            "acme/weather",
            &format!("{}.att", image.digest.replace(':', "-")),
            &att,
        )
        .await;
    let host = reg.with_referrers();
    let d = discover(
        &client_for(&[&host], Limits::default()),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap();
    assert_eq!(d.found.len(), 2, "{:?}", d.found);
    match &d.found[0] {
        FoundSignature::LegacySignature {
            payload,
            signature_b64,
            certificate_pem,
            ..
        } => {
            assert_eq!(payload, b"payload");
            assert_eq!(signature_b64, "c2ln");
            assert_eq!(certificate_pem.as_deref(), Some("CERT"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &d.found[1],
        FoundSignature::Unsupported {
            source: SignatureSource::LegacyAttestationTag { .. },
            ..
        }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_image_has_nothing() {
    let (reg, image) = setup().await;
    let host = reg.with_referrers();
    let d = discover(
        &client_for(&[&host], Limits::default()),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap();
    assert!(d.found.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn referrer_about_another_image_is_not_counted() {
    let (reg, image) = setup().await;
    let other = reg
        .pusher()
        .image("acme/weather", "2.0.0", "weather-2")
        .await;
    let referrer = reg
        .pusher()
        .bundle_referrer("acme/weather", &other, b"{}")
        .await;
    // A tag-schema index for our image listing a referrer whose subject is the other image.
    let direct = reg.without_referrers();
    test_oci::Pusher::new(&direct)
        .referrers_tag("acme/weather", &image.digest, &[referrer])
        .await;
    let d = discover(
        &client_for(&[&direct], Limits::default()),
        &pinned(&direct, "acme/weather", &image.digest),
    )
    .await
    .unwrap();
    assert!(
        matches!(&d.found[..], [FoundSignature::Unsupported { reason, .. }] if reason.contains("subject")),
        "{:?}",
        d.found
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn manifest_with_another_digest_is_refused() {
    let (reg, image) = setup().await;
    reg.proxy.misbehave(
        &format!("/manifests/{}", image.digest),
        Misbehaviour::Replace(b"{\"schemaVersion\":2}".to_vec()),
    );
    let host = reg.with_referrers();
    let err = discover(
        &client_for(&[&host], Limits::default()),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, OciError::DigestMismatch { ref expected, .. } if *expected == image.digest),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_referrer_list_stops_at_its_cap() {
    let (reg, image) = setup().await;
    reg.proxy.misbehave("/referrers/", Misbehaviour::Endless);
    let host = reg.with_referrers();
    let err = discover(
        &client_for(&[&host], Limits::default()),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, OciError::TooLarge { limit, .. } if limit == 4 << 20),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_manifest_stops_at_its_cap() {
    let (reg, image) = setup().await;
    reg.proxy.misbehave("/manifests/", Misbehaviour::Endless);
    let host = reg.with_referrers();
    let err = discover(
        &client_for(&[&host], Limits::default()),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, OciError::TooLarge { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_layer_stops_at_its_cap() {
    let (reg, image) = setup().await;
    let big = vec![b'x'; 2 << 20];
    reg.pusher()
        .bundle_referrer("acme/weather", &image, &big)
        .await;
    let host = reg.with_referrers();
    let limits = Limits {
        blob_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = discover(
        &client_for(&[&host], limits),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, OciError::TooLarge { limit, .. } if limit == 1 << 20),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_refusal_does_not_wait_for_a_slow_referrers_answer() {
    let (reg, image) = setup().await;
    reg.proxy.misbehave(
        &format!("/manifests/{}", image.digest),
        Misbehaviour::Replace(b"{\"schemaVersion\":2}".to_vec()),
    );
    reg.proxy
        .misbehave("/referrers/", Misbehaviour::OneBytePerSecond);
    let host = reg.with_referrers();
    let started = std::time::Instant::now();
    let err = discover(
        &client_for(&[&host], Limits::default()),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, OciError::DigestMismatch { ref expected, .. } if *expected == image.digest),
        "{err}"
    );
    // The deadline is 30 s; the refusal comes with the manifest.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_byte_per_second_trips_the_deadline() {
    let (reg, image) = setup().await;
    reg.proxy
        .misbehave("/referrers/", Misbehaviour::OneBytePerSecond);
    let host = reg.with_referrers();
    let limits = Limits {
        operation_deadline: Duration::from_secs(2),
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let err = discover(
        &client_for(&[&host], limits),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, OciError::Deadline { seconds: 2, .. }),
        "{err}"
    );
    assert!(err.is_unreachable());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread")]
async fn more_signatures_than_the_limit_are_skipped_not_fetched() {
    let (reg, image) = setup().await;
    for i in 0..5 {
        reg.pusher()
            .bundle_referrer("acme/weather", &image, format!("{{\"n\":{i}}}").as_bytes())
            .await;
    }
    let host = reg.with_referrers();
    let limits = Limits {
        signatures: 3,
        ..Limits::default()
    };
    let d = discover(
        &client_for(&[&host], limits),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap();
    assert_eq!((d.found.len(), d.skipped), (3, 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_registry_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("127.0.0.1:{port}");
    let digest = format!("sha256:{}", "a".repeat(64));
    let err = discover(
        &client_for(&[&host], Limits::default()),
        &pinned(&host, "acme/weather", &digest),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, OciError::Unreachable { .. }), "{err}");
    assert!(err.is_unreachable());
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_refuses_loopback_and_hosts_off_the_allowlist() {
    let (reg, image) = setup().await;
    let host = reg.with_referrers();
    let mut cfg = ClientConfig {
        insecure_hosts: [host.clone()].into(),
        ..Default::default()
    };
    cfg.host_policy.public_addresses_only = true;
    let err = discover(
        &OciClient::new(cfg.clone()).unwrap(),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, OciError::HostRefused { .. }), "{err}");
    cfg.host_policy.allow_loopback = true;
    cfg.host_policy.allowed_hosts = Some(["ghcr.io".to_owned()].into());
    let err = discover(
        &OciClient::new(cfg.clone()).unwrap(),
        &pinned(&host, "acme/weather", &image.digest),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, OciError::HostRefused { ref reason, .. } if reason.contains("allowlist")),
        "{err}"
    );
    cfg.host_policy.allowed_hosts = Some([host.clone()].into());
    assert!(
        discover(
            &OciClient::new(cfg).unwrap(),
            &pinned(&host, "acme/weather", &image.digest)
        )
        .await
        .is_ok()
    );
}
