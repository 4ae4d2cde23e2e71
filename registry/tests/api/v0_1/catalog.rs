//! `/v0.1/catalog…` and `/v0.1/log/…`: what the registry signs and serves,
//! checked by the gateway's own verifying client over real HTTP, and the
//! signer's rules (re-sign when due, keys shared, never older keys).

use crate::support::{get, get_with, head_with, post_json};
use jiff::{SignedDuration, Timestamp};
use mcp_registry::config::CatalogOptions;
use mcp_registry::signer::{CatalogKeys, CatalogService};
use mcp_registry::store::{self, StoreConfig, StoreError};
use mcp_registry::testing::{ALLOWED_HOST, TestServer, acme_signer, digest, manifest};
use mcp_trust::catalog::client::{
    ChangeKind, Client, HttpFetcher, Options, StateDir, verify_manifest,
};
use mcp_trust::catalog::keys::verify_key_set;
use mcp_trust::keys::Role;
use mcp_trust::log::{Checkpoint, InclusionBody, LogRecord};
use serde_json::json;
use std::time::Duration;

const NAME: &str = "io.github.acme/weather";

fn publish(s: &TestServer, version: &str, tool: &str) {
    let d = digest(version);
    s.verifier.sign(&d, acme_signer());
    let mut m = manifest(NAME, version, ALLOWED_HOST, &d);
    m["_meta"]["dev.mcp-trust/security"]["tools"] = json!([{
        "name": tool,
        "description": "Returns the forecast for a city.",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
        "annotations": {"readOnlyHint": true}
    }]);
    let a = post_json(&format!("{}/v0.1/publish", s.base), Some(&s.acme_token), &m);
    assert_eq!(a.status, 201, "{}", a.text);
}

fn lifecycle(s: &TestServer, version: &str, action: &str) {
    let token = if action == "revoke" {
        &s.admin_token
    } else {
        &s.acme_token
    };
    let a = post_json(
        &format!(
            "{}/v0.1/servers/io.github.acme%2Fweather/versions/{version}/{action}",
            s.base
        ),
        Some(token),
        &json!({"reason": "tests"}),
    );
    assert_eq!(a.status, 200, "{}", a.text);
}

/// A gateway: the library client over HTTP, pinned to the registry's root key.
struct Gateway {
    client: Client<HttpFetcher>,
    state: StateDir,
    _dir: tempfile::TempDir,
}

impl Gateway {
    fn new(s: &TestServer) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        Gateway {
            client: Client::new(
                HttpFetcher::new(&s.base, Duration::from_secs(10)).unwrap(),
                *s.catalog.keys().root(),
                Options::default(),
            ),
            state: StateDir::open(dir.path()).unwrap(),
            _dir: dir,
        }
    }

    fn pull(&self) -> Vec<(ChangeKind, String, bool)> {
        let previous = self.state.load().unwrap();
        let pulled = self
            .client
            .pull(previous.as_ref(), &self.state)
            .unwrap_or_else(|e| panic!("pull refused: {e}"));
        self.state.commit(&pulled).unwrap();
        pulled
            .changes
            .into_iter()
            .map(|c| (c.change, c.version, c.reapproval_needed))
            .collect()
    }
}

#[test]
fn a_gateway_verifies_every_change_the_registry_signs() {
    let s = TestServer::start(|_| {});
    publish(&s, "1.0.0", "get_forecast");
    publish(&s, "1.1.0", "get_forecast");
    s.wait_for_catalog(4);
    let gw = Gateway::new(&s);
    assert_eq!(gw.pull(), [], "a first pull reports no changes");
    let state = gw.state.load().unwrap().unwrap();
    assert_eq!(state.counts.active, 2);

    // Every listed entry pins the manifest the read API serves.
    for v in ["1.0.0", "1.1.0"] {
        let entry = gw
            .state
            .versions(
                NAME,
                jiff::Timestamp::now(),
                mcp_trust::catalog::client::DEFAULT_SKEW,
            )
            .unwrap()
            .into_iter()
            .find(|e| e.version == v)
            .unwrap();
        let served = get(
            &format!(
                "{}/v0.1/servers/io.github.acme%2Fweather/versions/{v}",
                s.base
            ),
            None,
        );
        verify_manifest(&entry, served.body["server"].to_string().as_bytes()).unwrap();
        let mut forged = served.body["server"].clone();
        forged["description"] = "changed in transit".into();
        assert!(verify_manifest(&entry, forged.to_string().as_bytes()).is_err());
    }

    // A yank and a publish whose tool surface changed.
    lifecycle(&s, "1.0.0", "yank");
    publish(&s, "2.0.0", "get_forecast_v2");
    s.wait_for_catalog(6);
    let mut changes = gw.pull();
    changes.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        changes,
        [
            (ChangeKind::Yanked, "1.0.0".to_owned(), false),
            (ChangeKind::Added, "2.0.0".to_owned(), true),
        ]
    );
    let v2 = gw
        .state
        .versions(
            NAME,
            jiff::Timestamp::now(),
            mcp_trust::catalog::client::DEFAULT_SKEW,
        )
        .unwrap()
        .into_iter()
        .find(|e| e.version == "2.0.0")
        .unwrap();
    assert!(
        v2.tools_changed,
        "the registry marks a changed tool surface"
    );
    assert_eq!(v2.log_index, 5);

    lifecycle(&s, "1.1.0", "revoke");
    s.wait_for_catalog(7);
    assert_eq!(
        gw.pull(),
        [(ChangeKind::Revoked, "1.1.0".to_owned(), false)]
    );
    // Nothing new: the pull verifies and reports nothing.
    assert_eq!(gw.pull(), []);
}

#[test]
fn catalog_routes_serve_precompressed_bodies_etags_and_precise_errors() {
    let s = TestServer::start(|_| {});
    publish(&s, "1.0.0", "get_forecast");
    let snap = s.wait_for_catalog(3);
    let base = &s.base;
    // Gzip bodies are made in the background after a load (identity is
    // served until then): under a loaded test run that takes a moment.
    let started = std::time::Instant::now();
    while snap.index.gzip().is_none() {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }

    let plain = get(&format!("{base}/v0.1/catalog"), None);
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("cache-control"), Some("no-cache"));
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    let etag = plain.header("etag").unwrap().to_owned();
    assert_eq!(plain.text.as_bytes(), &snap.index.identity[..]);
    let again = get_with(&format!("{base}/v0.1/catalog"), &[("if-none-match", &etag)]);
    assert_eq!((again.status, again.text.as_str()), (304, ""));
    let gz = get_with(
        &format!("{base}/v0.1/catalog"),
        &[("accept-encoding", "gzip, br")],
    );
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(
        gz.header("etag"),
        Some(snap.index.gzip_etag.to_str().unwrap())
    );
    let refused = get_with(
        &format!("{base}/v0.1/catalog"),
        &[("accept-encoding", "gzip;q=0")],
    );
    assert_eq!(refused.header("content-encoding"), None);

    // Shards: immutable, by content hash; the index names them.
    let envelope = mcp_trust::dsse::Envelope::from_bytes(plain.text.as_bytes()).unwrap();
    let keys = verify_key_set(
        s.catalog.keys().root(),
        get(&format!("{base}/v0.1/catalog/keys"), None)
            .text
            .as_bytes(),
        Timestamp::now(),
        SignedDuration::ZERO,
    )
    .unwrap();
    let payload = mcp_trust::dsse::open(
        &envelope,
        mcp_trust::catalog::INDEX_PAYLOAD_TYPE,
        &keys.get(Role::Catalog).key,
    )
    .unwrap();
    let index = mcp_trust::catalog::IndexPayload::parse(&payload).unwrap();
    assert_eq!(
        (index.catalog_version, index.log.tree_size),
        (snap.version, 3)
    );
    let bin = mcp_trust::catalog::shard_of(NAME) as usize;
    let hex = index.shards[bin].sha256.hex().to_owned();
    let shard = get(&format!("{base}/v0.1/catalog/shards/{hex}"), None);
    assert_eq!(shard.status, 200);
    assert_eq!(
        shard.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        mcp_trust::image::Digest::of(shard.text.as_bytes()).hex(),
        hex
    );
    get(
        &format!("{base}/v0.1/catalog/shards/{}", "0".repeat(64)),
        None,
    )
    .assert_problem(404, "not-found");
    get(&format!("{base}/v0.1/catalog/shards/ABC"), None).assert_problem(400, "shard-hash-invalid");

    // The log: entries, and proofs that check against the signed checkpoint.
    let note = get(&format!("{base}/v0.1/log/checkpoint"), None);
    assert_eq!(
        note.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let checkpoint: Checkpoint = mcp_trust::log::note::open(
        note.text.as_bytes(),
        s.catalog.keys().origin(),
        &keys.get(Role::Checkpoint).key,
    )
    .unwrap();
    assert_eq!(checkpoint.size, 3);
    assert_eq!(checkpoint.root.to_base64(), index.log.root_hash);
    let page = get(&format!("{base}/v0.1/log/entries?start=0&end=100"), None);
    let records: Vec<LogRecord> = serde_json::from_value(page.body["entries"].clone()).unwrap();
    assert!(matches!(
        records[0],
        LogRecord::Key {
            role: Role::Catalog,
            serial: 1,
            ..
        }
    ));
    assert!(matches!(&records[2], LogRecord::Publish { version, .. } if version == "1.0.0"));
    let leaf = mcp_trust::log::leaf_hash(&records[2].canonical_bytes().unwrap());
    let by_leaf: InclusionBody = serde_json::from_value(
        get(
            &format!(
                "{base}/v0.1/log/proof/inclusion?leaf={}&size=3",
                leaf.to_base64()
                    .replace('+', "%2B")
                    .replace('/', "%2F")
                    .replace('=', "%3D")
            ),
            None,
        )
        .body,
    )
    .unwrap();
    assert_eq!(by_leaf.index, 2);
    assert_eq!(by_leaf.verify(&checkpoint.root).unwrap(), leaf);
    let consistency = get(
        &format!("{base}/v0.1/log/proof/consistency?from=1&to=3"),
        None,
    );
    assert_eq!(consistency.status, 200, "{}", consistency.text);

    get(&format!("{base}/v0.1/log/entries?start=3&end=9"), None).assert_problem(404, "not-found");
    get(&format!("{base}/v0.1/log/entries?start=2&end=2"), None)
        .assert_problem(400, "log-range-invalid");
    get(&format!("{base}/v0.1/log/entries?start=x&end=2"), None)
        .assert_problem(400, "query-invalid");
    get(
        &format!("{base}/v0.1/log/proof/consistency?from=0&to=3"),
        None,
    )
    .assert_problem(400, "log-range-invalid");
    get(
        &format!("{base}/v0.1/log/proof/consistency?from=1&to=4"),
        None,
    )
    .assert_problem(404, "not-found");
    get(
        &format!("{base}/v0.1/log/proof/inclusion?index=3&size=3"),
        None,
    )
    .assert_problem(404, "not-found");
    get(
        &format!("{base}/v0.1/log/proof/inclusion?index=0&leaf=AA&size=3"),
        None,
    )
    .assert_problem(400, "query-invalid");
    // A publish rewrites the shard; a client mid-pull still gets the old one.
    publish(&s, "1.1.0", "get_forecast");
    let newer = s.wait_for_catalog(4);
    let new_index = mcp_trust::dsse::Envelope::from_bytes(&newer.index.identity).unwrap();
    let new_payload =
        mcp_trust::catalog::IndexPayload::parse(&new_index.payload_bytes().unwrap()).unwrap();
    assert_ne!(
        new_payload.shards[bin].sha256.hex(),
        hex,
        "the shard was rewritten"
    );
    assert_eq!(
        get(&format!("{base}/v0.1/catalog/shards/{hex}"), None).status,
        200
    );
}

/// A `GET` of a snapshot route is answered by the middleware, a `HEAD` by
/// the router's handler: both must answer alike, errors included.
#[test]
fn get_and_head_of_the_snapshot_routes_answer_alike() {
    let s = TestServer::start(|_| {});
    publish(&s, "1.0.0", "get_forecast");
    let snap = s.wait_for_catalog(3);
    let base = &s.base;
    let shard = snap
        .current_shards()
        .next()
        .expect("a signed catalog names its shards")
        .to_owned();
    let mut paths: Vec<String> = [
        "/v0.1/catalog",
        "/v0.1/catalog/keys",
        "/v0.1/log/checkpoint",
        "/v0.1/catalog/shards/not-a-hash",
    ]
    .map(str::to_owned)
    .to_vec();
    paths.push(format!("/v0.1/catalog/shards/{shard}"));
    paths.push(format!("/v0.1/catalog/shards/{}", "0".repeat(64)));
    for path in &paths {
        for encoding in ["identity", "gzip"] {
            let headers = [("accept-encoding", encoding)];
            let got = get_with(&format!("{base}{path}"), &headers);
            let head = head_with(&format!("{base}{path}"), &headers);
            let seen = |a: &crate::support::Answer| {
                [
                    "content-type",
                    "content-encoding",
                    "etag",
                    "cache-control",
                    "vary",
                ]
                .map(|h| a.header(h).map(str::to_owned))
            };
            assert_eq!(
                (got.status, seen(&got)),
                (head.status, seen(&head)),
                "GET and HEAD {path} ({encoding}) differ"
            );
            assert!(head.text.is_empty(), "HEAD {path} sent a body");
        }
    }
    assert_eq!(
        get(&format!("{base}/v0.1/catalog/shards/not-a-hash"), None).code(),
        "shard-hash-invalid"
    );
}

#[test]
fn the_index_is_re_signed_when_a_refresh_is_due_and_only_then() {
    let s = TestServer::start(|_| {});
    let before = s.catalog.snapshot().unwrap();
    let now = Timestamp::now();
    s.block_on(s.catalog.tick(now)).unwrap();
    assert_eq!(
        s.catalog.snapshot().unwrap().version,
        before.version,
        "nothing due"
    );
    let later = now + SignedDuration::from_mins(61);
    s.block_on(s.catalog.tick(later)).unwrap();
    let after = s.catalog.snapshot().unwrap();
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after.tree_size, before.tree_size, "a refresh logs nothing");
    assert_eq!(
        after.expires,
        after.issued_at + SignedDuration::from_hours(24)
    );
    assert!(
        after.issued_at >= later.round(jiff::Unit::Second).unwrap() - SignedDuration::from_secs(1)
    );
    // The same signing is not repeated for the same instant.
    s.block_on(s.catalog.tick(later)).unwrap();
    assert_eq!(s.catalog.snapshot().unwrap().version, after.version);
}

#[test]
fn keys_are_shared_never_replaced_by_a_stranger_or_an_older_copy() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = StoreConfig::embedded(dir.path().join("registry.redb"));
    let keys_dir = dir.path().join("keys");
    let stale = dir.path().join("stale-keys");
    {
        let keys = keys_dir.clone();
        let s = TestServer::start_with(Some(cfg.clone()), |c| c.catalog_keys.dir = keys, None);
        publish(&s, "1.0.0", "get_forecast");
        s.wait_for_catalog(3);
    }
    std::fs::create_dir(&stale).unwrap();
    for f in ["root.pub", "keys.json", "catalog.key", "checkpoint.key"] {
        std::fs::copy(keys_dir.join(f), stale.join(f)).unwrap();
    }
    let now = Timestamp::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = store::open(&cfg).await.unwrap();
        let service = |dir: &std::path::Path| {
            CatalogService::new(
                store.clone(),
                CatalogKeys::load(dir, now).unwrap(),
                CatalogOptions::default(),
            )
        };
        // Keys made by another `admin keys init` (another root) cannot sign on.
        let other = dir.path().join("other-keys");
        mcp_registry::keys::init_dir(&other, "mcp-registry", 90, now).unwrap();
        let err = service(&other).sign(now).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Signing(m) if m.contains("not signed by this server's root key")),
            "{err}"
        );

        // A rotation: the new statement is logged and served, signed by the new key.
        mcp_registry::keys::run(
            mcp_registry::keys::KeysCommand::Rotate(mcp_registry::keys::RotateArgs {
                dir: keys_dir.clone(),
                role: mcp_registry::keys::RoleArg::Catalog,
                root_key: None,
                validity_days: 90,
            }),
            now,
        )
        .unwrap();
        let rotated = service(&keys_dir);
        let signed = rotated.sign(now).await.unwrap().unwrap();
        let leaf = store.log_entry(signed.tree_size - 1).await.unwrap().unwrap();
        let record: LogRecord = serde_json::from_slice(&leaf).unwrap();
        assert!(
            matches!(record, LogRecord::Key { role: Role::Catalog, serial: 2, .. }),
            "{record:?}"
        );
        let served = verify_key_set(
            rotated.keys().root(),
            signed.keys.as_bytes(),
            now,
            SignedDuration::ZERO,
        )
        .unwrap();
        assert_eq!(served.catalog.statement.serial, 2);

        // A replica still holding the old key files refuses to sign.
        let err = service(&stale).sign(now).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Signing(m) if m.contains("older than the catalog's")),
            "{err}"
        );
        assert_eq!(store.catalog_version().await.unwrap(), signed.version);
    });
}

fn rotate(keys_dir: &std::path::Path, role: mcp_registry::keys::RoleArg) {
    mcp_registry::keys::run(
        mcp_registry::keys::KeysCommand::Rotate(mcp_registry::keys::RotateArgs {
            dir: keys_dir.to_owned(),
            role,
            root_key: None,
            validity_days: 90,
        }),
        Timestamp::now(),
    )
    .unwrap();
}

#[test]
fn a_running_registry_takes_rotated_keys_on_reload_and_refuses_wrong_ones() {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    let stale = dir.path().join("stale-keys");
    let keys = keys_dir.clone();
    let s = TestServer::start_with(None, |c| c.catalog_keys.dir = keys, None);
    publish(&s, "1.0.0", "get_forecast");
    s.wait_for_catalog(3);
    let gw = Gateway::new(&s);
    gw.pull();
    std::fs::create_dir(&stale).unwrap();
    for f in ["root.pub", "keys.json", "catalog.key", "checkpoint.key"] {
        std::fs::copy(keys_dir.join(f), stale.join(f)).unwrap();
    }
    let now = Timestamp::now();
    assert_eq!(
        s.catalog.reload_keys(&keys_dir, now).unwrap(),
        "the keys are unchanged"
    );

    // Rotated on disk: nothing changes until the reload, then the next
    // signing logs the rotation and is signed by the new key.
    rotate(&keys_dir, mcp_registry::keys::RoleArg::Catalog);
    let before = s.catalog.snapshot().unwrap();
    assert_eq!(s.catalog.keys().serials(), [1, 1]);
    let changed = s.catalog.reload_keys(&keys_dir, now).unwrap();
    assert!(changed.starts_with("catalog key serial 1 → 2"), "{changed}");
    let after = s.wait_for_catalog(before.tree_size + 1);
    assert_eq!(after.version, before.version + 1);
    let leaf = s
        .block_on(s.store.log_entry(after.tree_size - 1))
        .unwrap()
        .unwrap();
    let record: LogRecord = serde_json::from_slice(&leaf).unwrap();
    assert!(
        matches!(
            record,
            LogRecord::Key {
                role: Role::Catalog,
                serial: 2,
                ..
            }
        ),
        "{record:?}"
    );
    let served = verify_key_set(
        s.catalog.keys().root(),
        &after.keys.identity,
        now,
        SignedDuration::ZERO,
    )
    .unwrap();
    assert_eq!(served.catalog.statement.serial, 2);
    let envelope = mcp_trust::dsse::Envelope::from_bytes(&after.index.identity).unwrap();
    mcp_trust::dsse::open(
        &envelope,
        mcp_trust::catalog::INDEX_PAYLOAD_TYPE,
        &served.catalog.key,
    )
    .expect("the index is signed by the rotated key");
    // A gateway that pinned only the root follows the rotation.
    assert_eq!(gw.pull(), []);

    // Keys of another root, and the old copy, are refused; the keys in use
    // stay and nothing is signed.
    let other = dir.path().join("other-keys");
    mcp_registry::keys::init_dir(&other, "mcp-registry", 90, now).unwrap();
    let err = s.catalog.reload_keys(&other, now).unwrap_err().to_string();
    assert!(err.contains("not the root key"), "{err}");
    let err = s.catalog.reload_keys(&stale, now).unwrap_err().to_string();
    assert!(
        err.contains("catalog key serial 1, older than serial 2 in use"),
        "{err}"
    );
    std::fs::write(keys_dir.join("keys.json"), b"{}").unwrap();
    let err = s
        .catalog
        .reload_keys(&keys_dir, now)
        .unwrap_err()
        .to_string();
    assert!(err.contains("keys.json does not verify"), "{err}");
    assert_eq!(s.catalog.keys().serials(), [2, 1]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.catalog.snapshot().unwrap().version, after.version);
}

#[test]
fn replicas_on_one_database_share_keys_and_serve_one_catalog() {
    let replicas = crate::support::postgres::Replicas::new();
    let replica = || replicas.start(|c| c.catalog.poll = Duration::from_millis(50));
    let (a, b) = (replica(), replica());
    assert_eq!(
        a.catalog.snapshot().unwrap().version,
        b.catalog.snapshot().unwrap().version,
        "the second replica serves the first one's signing"
    );
    publish(&a, "1.0.0", "get_forecast");
    let (sa, sb) = (a.wait_for_catalog(3), b.wait_for_catalog(3));
    assert_eq!(
        sa.index.identity, sb.index.identity,
        "same version, same bytes"
    );
    let gw = Gateway::new(&b);
    gw.pull();
    assert_eq!(gw.state.load().unwrap().unwrap().counts.active, 1);
}

#[test]
fn catalog_routes_answer_503_until_the_first_signing_then_serve_it() {
    use tower::ServiceExt as _;
    let dir = tempfile::tempdir().unwrap();
    let cfg = StoreConfig::embedded(dir.path().join("registry.redb"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = store::open(&cfg).await.unwrap();
        let keys = dir.path().join("keys");
        mcp_registry::keys::init_dir(&keys, "mcp-registry", 90, Timestamp::now()).unwrap();
        let catalog = CatalogService::new(
            store.clone(),
            CatalogKeys::load(&keys, Timestamp::now()).unwrap(),
            CatalogOptions::default(),
        );
        let config = mcp_registry::config::ServeConfig::new(cfg.clone(), dir.path());
        let state = mcp_registry::state::AppState::new(
            &config,
            store,
            std::sync::Arc::new(mcp_registry::testing::TestVerifier::default()),
            catalog.clone(),
        );
        let app = mcp_registry::router::router(state);
        let status = |path: &'static str| {
            let app = app.clone();
            async move {
                app.oneshot(
                    axum::http::Request::get(path)
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap()
                .status()
                .as_u16()
            }
        };
        for path in [
            "/v0.1/catalog",
            "/v0.1/catalog/keys",
            "/v0.1/log/checkpoint",
        ] {
            assert_eq!(status(path).await, 503, "{path} before the first signing");
        }
        catalog.sign(Timestamp::now()).await.unwrap().unwrap();
        for path in [
            "/v0.1/catalog",
            "/v0.1/catalog/keys",
            "/v0.1/log/checkpoint",
        ] {
            assert_eq!(status(path).await, 200, "{path} after it");
        }
    });
}
