//! A runtime profile for a catalog entry: only from the manifest the entry
//! pins, and only while the version is installable.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::catalog::model::KeylessSigner;
use mcp_trust::catalog::{Entry, Signer, Status};
use mcp_trust::manifest::{ValidateOptions, validate};
use mcp_trust::profile::{ProfileError, ProfileOptions, RuntimeProfile};
use std::path::Path;

fn manifest_bytes() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/manifests/valid/weather.server.json"),
    )
    .unwrap()
}

fn entry(bytes: &[u8]) -> Entry {
    let manifest = validate(
        bytes,
        ValidateOptions {
            require_extension: true,
        },
    )
    .manifest
    .unwrap();
    let signer = Signer::Keyless(KeylessSigner {
        identity: "https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1.4.2"
            .into(),
        issuer: "https://token.actions.githubusercontent.com".into(),
    });
    Entry::from_manifest(&manifest, signer, false, jiff::Timestamp::UNIX_EPOCH, 0).unwrap()
}

fn refused(r: Result<RuntimeProfile, ProfileError>) -> String {
    match r {
        Err(ProfileError::CatalogEntry { reason, .. }) => reason,
        other => panic!("expected a catalog-entry refusal, got {other:?}"),
    }
}

#[test]
fn profile_of_an_active_entry_comes_from_its_manifest() {
    let bytes = manifest_bytes();
    let options = ProfileOptions {
        catalog_version: Some(7),
        ..Default::default()
    };
    let p = RuntimeProfile::from_catalog_entry(&entry(&bytes), &bytes, &options).unwrap();
    assert_eq!(
        p,
        RuntimeProfile::from_manifest_bytes(&bytes, &options).unwrap()
    );
}

#[test]
fn a_manifest_the_entry_does_not_pin_is_refused() {
    let bytes = manifest_bytes();
    let e = entry(&bytes);
    let mut other: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    other["_meta"]["dev.mcp-trust/security"]["network"] = serde_json::json!({"egress": ["*"]});
    let reason = refused(RuntimeProfile::from_catalog_entry(
        &e,
        &serde_json::to_vec(&other).unwrap(),
        &ProfileOptions::default(),
    ));
    assert!(reason.contains("SHA-256"), "{reason}");
}

#[test]
fn key_order_and_whitespace_do_not_change_the_pin() {
    let bytes = manifest_bytes();
    let e = entry(&bytes);
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let compact = serde_json::to_vec(&value).unwrap();
    assert!(RuntimeProfile::from_catalog_entry(&e, &compact, &ProfileOptions::default()).is_ok());
}

#[test]
fn yanked_and_revoked_entries_get_no_profile() {
    let bytes = manifest_bytes();
    for status in [Status::Yanked, Status::Revoked] {
        let mut e = entry(&bytes);
        e.status = status;
        let reason = refused(RuntimeProfile::from_catalog_entry(
            &e,
            &bytes,
            &ProfileOptions::default(),
        ));
        assert!(reason.contains("only active versions"), "{reason}");
    }
}

#[test]
fn an_entry_for_another_image_is_refused() {
    let bytes = manifest_bytes();
    let mut e = entry(&bytes);
    e.image = format!("ghcr.io/evil/weather@sha256:{}", "0".repeat(64));
    let reason = refused(RuntimeProfile::from_catalog_entry(
        &e,
        &bytes,
        &ProfileOptions::default(),
    ));
    assert!(reason.contains("not the entry's"), "{reason}");
}
