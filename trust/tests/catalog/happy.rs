//! What a well-behaved registry and a gateway see: first pull, incremental
//! pulls after each kind of change, key rotation, refresh.

use super::support::*;
use mcp_trust::catalog::Status;
use mcp_trust::catalog::client::ChangeKind;
use mcp_trust::catalog::memory::MemoryRegistry;
use mcp_trust::keys::Role;

#[test]
fn first_pull_verifies_every_shard_and_the_whole_log() {
    let reg = registry(500);
    let gw = Gateway::new();
    let pulled = gw.pull_registry(&reg, t0()).unwrap();
    assert!(pulled.initial);
    assert_eq!(pulled.summary.entries, 500);
    assert_eq!(pulled.summary.shards_fetched, 256);
    assert_eq!(pulled.summary.log_records_fetched, 500);
    assert_eq!(pulled.summary.catalog_version, 1);
    assert!(pulled.changes.is_empty());
    let state = gw.last().unwrap();
    assert_eq!(state.catalog_version, 1);
    assert_eq!(state.log.tree_size, 500);
}

#[test]
fn incremental_pull_after_one_publish_fetches_one_shard_and_reports_it() {
    let mut reg = registry(300);
    let gw = Gateway::accepted(&reg);
    let new = entry(1_000);
    reg.publish(new.clone(), at(1)).unwrap();
    let pulled = gw.pull_registry(&reg, at(2)).unwrap();
    assert_eq!(pulled.summary.shards_fetched, 1);
    assert_eq!(pulled.summary.log_records_fetched, 1);
    assert_eq!(pulled.summary.previous_version, Some(1));
    assert_eq!(pulled.summary.catalog_version, 2);
    assert_eq!(pulled.changes.len(), 1);
    let c = &pulled.changes[0];
    assert_eq!(
        (c.change, c.name.as_str(), c.reapproval_needed),
        (ChangeKind::Added, new.name.as_str(), false)
    );
    assert_eq!(
        gw.state
            .versions(&new.name, at(2), jiff::SignedDuration::from_mins(5))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn changed_tools_ask_for_reapproval_of_each_version_that_brings_them() {
    // (case, the versions of server 3 published between two pulls, each with
    // the registry's `tools_changed` and its tool surface (`None`: 1.0.0's),
    // and the reapproval flag the gateway then reports for each)
    type Published = &'static [(&'static str, bool, Option<&'static [u8]>)];
    type Flags = &'static [(&'static str, bool)];
    let cases: [(&str, Published, Flags); 3] = [
        (
            "a publish with changed tools",
            &[("1.1.0", true, Some(b"new tools"))],
            &[("1.1.0", true)],
        ),
        (
            "changed tools the registry does not flag",
            &[
                ("1.0.1", false, None),
                ("1.1.0", false, Some(b"quietly new tools")),
            ],
            &[("1.0.1", false), ("1.1.0", true)],
        ),
        (
            // Against 2.0.0 nothing changed in 2.0.1, but a gateway that
            // approved 1.0.0 never saw the new tools.
            "a tool change kept by a later version, both brought by one pull",
            &[
                ("2.0.0", true, Some(b"new tools")),
                ("2.0.1", false, Some(b"new tools")),
            ],
            &[("2.0.0", true), ("2.0.1", true)],
        ),
    ];
    for (case, published, want) in cases {
        let mut reg = registry(10);
        let gw = Gateway::accepted(&reg);
        for &(version, tools_changed, surface) in published {
            let mut next = entry(3);
            next.version = version.into();
            next.tools_changed = tools_changed;
            if let Some(surface) = surface {
                next.tool_surface = mcp_trust::image::Digest::of(surface);
            }
            reg.publish(next, at(1)).unwrap();
        }
        let pulled = gw.pull_registry(&reg, at(2)).unwrap();
        let flags: Vec<(&str, bool)> = pulled
            .changes
            .iter()
            .map(|c| (c.version.as_str(), c.reapproval_needed))
            .collect();
        assert_eq!(flags, want, "case {case}");
    }
}

#[test]
fn yank_and_revoke_are_reported_and_revoked_versions_stay_listed() {
    let mut reg = registry(20);
    let gw = Gateway::accepted(&reg);
    let (a, b) = (entry(4), entry(5));
    reg.set_status(&a.name, &a.version, Status::Yanked, at(1))
        .unwrap();
    reg.set_status(&b.name, &b.version, Status::Revoked, at(1))
        .unwrap();
    let pulled = gw.pull_registry(&reg, at(2)).unwrap();
    let kinds: Vec<_> = pulled
        .changes
        .iter()
        .map(|c| (c.name.clone(), c.change))
        .collect();
    assert!(kinds.contains(&(a.name.clone(), ChangeKind::Yanked)));
    assert!(kinds.contains(&(b.name.clone(), ChangeKind::Revoked)));
    assert_eq!(pulled.summary.revoked, 1);
    assert_eq!(pulled.summary.yanked, 1);
    // Later: the yanked one is revoked too, and both stay listed.
    reg.set_status(&a.name, &a.version, Status::Revoked, at(3))
        .unwrap();
    let pulled = gw.pull_registry(&reg, at(4)).unwrap();
    assert_eq!(pulled.changes[0].change, ChangeKind::Revoked);
    assert_eq!(pulled.summary.entries, 20);
    assert_eq!(pulled.summary.revoked, 2);
}

#[test]
fn a_pull_that_brings_no_change_reports_nothing_and_fetches_no_shard() {
    // (case, what the registry does between two pulls, the version then served)
    type Between = fn(&mut MemoryRegistry);
    let cases: [(&str, Between, u64); 2] = [
        (
            "a refresh without changes",
            |reg| reg.refresh(at(60)).unwrap(),
            2,
        ),
        ("the same version again", |_| {}, 1),
    ];
    for (case, between, version) in cases {
        let mut reg = registry(50);
        let gw = Gateway::accepted(&reg);
        between(&mut reg);
        let pulled = gw.pull_registry(&reg, at(61)).unwrap();
        assert!(
            pulled.changes.is_empty(),
            "case {case}: {:?}",
            pulled.changes
        );
        assert_eq!(
            (
                pulled.summary.shards_fetched,
                pulled.summary.log_records_fetched,
                pulled.summary.catalog_version
            ),
            (0, 0, version),
            "case {case}: (shards, log records, version) fetched"
        );
    }
}

#[test]
fn many_publishes_between_pulls_verify_from_every_old_size() {
    // Old sizes that are and are not powers of two, new parts of every shape.
    let mut reg = registry(7);
    let gw = Gateway::accepted(&reg);
    let mut next = 100;
    for batch in [1u64, 1, 6, 3, 16, 5] {
        for _ in 0..batch {
            reg.publish(entry(next), at(1)).unwrap();
            next += 1;
        }
        let pulled = gw.pull_registry(&reg, at(2)).unwrap();
        assert_eq!(pulled.changes.len() as u64, batch);
        assert_eq!(pulled.summary.log_records_fetched, batch);
    }
}

#[test]
fn catalog_key_rotation_is_followed() {
    let mut reg = registry(30);
    let gw = Gateway::accepted(&reg);
    let before = gw.last().unwrap().catalog_key;
    reg.rotate(Role::Catalog, at(10)).unwrap();
    reg.rotate(Role::Checkpoint, at(10)).unwrap();
    let pulled = gw.pull_registry(&reg, at(11)).unwrap();
    assert!(pulled.changes.is_empty());
    let after = gw.last().unwrap();
    assert_eq!(after.catalog_key.serial, before.serial + 1);
    assert_ne!(after.catalog_key.keyid, before.keyid);
    assert_eq!(after.checkpoint_key.serial, 2);
}

#[test]
fn manifest_matching_its_entry_verifies() {
    let (entry, bytes) = weather_entry();
    let m = mcp_trust::catalog::client::verify_manifest(&entry, &bytes).unwrap();
    assert_eq!(m.server.name, entry.name);
}

/// The weather manifest from testdata and its catalog entry.
pub fn weather_entry() -> (mcp_trust::catalog::Entry, Vec<u8>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/manifests/valid/weather.server.json"
    );
    let bytes = std::fs::read(path).unwrap();
    let report = mcp_trust::manifest::validate(&bytes, Default::default());
    let manifest = report.manifest.unwrap();
    let entry = mcp_trust::catalog::Entry::from_manifest(
        &manifest,
        mcp_trust::catalog::Signer::Keyless(mcp_trust::catalog::model::KeylessSigner {
            identity:
                "https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1.2.0"
                    .into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
        }),
        false,
        t0(),
        0,
    )
    .unwrap();
    (entry, bytes)
}
