//! The `Store` contract, run unchanged on both backends: the embedded redb
//! store and PostgreSQL (a real server, see `support::postgres`).

use crate::support::postgres as pg;
use jiff::{Timestamp, ToSpan};
use mcp_registry::model::{
    AuditEvent, Lifecycle, Namespace, Outcome, Scope, Status, TokenRecord, VersionRecord,
};
use mcp_registry::store::{
    self, BudgetKind, Cursor, EntryBudget, EntryUsage, ListQuery, PublishOutcome, StatusChange,
    StatusOutcome, StoreConfig, StoreError, VersionFilter, publish_leaf, status_leaf,
};
use mcp_registry::testing::acme_signer;

fn t(secs: i64) -> Timestamp {
    Timestamp::UNIX_EPOCH + (1_750_000_000 + secs).seconds()
}

pub(crate) fn record(name: &str, version: &str, content: &str, at: i64) -> VersionRecord {
    let mut r = mcp_registry::testing::version_record(
        name,
        version,
        format!("{{\"name\":\"{name}\",\"version\":\"{version}\",\"c\":\"{content}\"}}"),
        format!(
            "127.0.0.1:5000/acme/weather@{}",
            mcp_registry::testing::digest(version)
        ),
        acme_signer(),
        "0123456789abcdef",
        t(at),
    );
    // Two records with the same content are identical republishes.
    r.manifest_bytes_sha256 = mcp_trust::image::Digest::of(content.as_bytes())
        .hex()
        .to_owned();
    r
}

pub(crate) fn event(action: &str, subject: &str) -> AuditEvent {
    AuditEvent {
        at: t(0),
        actor: "tests".into(),
        action: action.into(),
        subject: subject.into(),
        outcome: Outcome::Accepted,
        codes: vec![],
        detail: String::new(),
        client_ip: None,
    }
}

pub(crate) fn change(name: &str, version: &str, action: Lifecycle, at: i64) -> StatusChange {
    StatusChange {
        name: name.into(),
        version: version.into(),
        action,
        reason: format!("{} for tests", action.as_str()),
        at: t(at),
    }
}

pub(crate) async fn publish(s: &dyn store::Store, r: &VersionRecord) -> VersionRecord {
    match s
        .publish(r, &event("publish", &r.entry.name), &EntryBudget::default())
        .await
        .unwrap()
    {
        PublishOutcome::Created(r) => r,
        other => panic!("not created: {other:?}"),
    }
}

async fn publish_then_read_back(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    let stored = publish(
        s.as_ref(),
        &record("io.github.acme/weather", "1.0.0", "a", 0),
    )
    .await;
    assert!(stored.is_latest);
    assert_eq!(
        s.version("io.github.acme/weather", "1.0.0").await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(
        s.latest("io.github.acme/weather").await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(
        s.versions("io.github.acme/weather").await.unwrap(),
        vec![stored]
    );
    assert_eq!(
        s.version("io.github.acme/weather", "2.0.0").await.unwrap(),
        None
    );
    assert_eq!(s.latest("io.github.acme/other").await.unwrap(), None);
    assert!(s.versions("io.github.acme/other").await.unwrap().is_empty());
    s.ping().await.unwrap();
}

/// `toolsChanged` is decided in the transaction, against the version
/// logged last, whatever the caller set.
async fn tools_changed_compares_with_the_version_logged_last(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    let name = "io.github.acme/weather";
    let with_surface = |version: &str, at: i64, surface: &[u8], claimed: bool| {
        let mut r = record(name, version, version, at);
        r.entry.tool_surface = mcp_trust::image::Digest::of(surface);
        r.entry.tools_changed = claimed;
        r
    };
    let first = publish(s.as_ref(), &with_surface("1.0.0", 0, b"a", true)).await;
    assert!(!first.entry.tools_changed, "nothing before it");
    let changed = publish(s.as_ref(), &with_surface("2.0.0", 1, b"b", false)).await;
    assert!(changed.entry.tools_changed, "a -> b");
    // Back to the first surface: changed from the version logged last.
    let back = publish(s.as_ref(), &with_surface("3.0.0", 2, b"a", false)).await;
    assert!(back.entry.tools_changed, "b -> a");
    let same = publish(s.as_ref(), &with_surface("3.1.0", 3, b"a", true)).await;
    assert!(!same.entry.tools_changed, "a -> a");
}

async fn republish_is_unchanged_or_conflict_and_writes_nothing(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    let first = publish(
        s.as_ref(),
        &record("io.github.acme/weather", "1.0.0", "a", 0),
    )
    .await;
    let before = (
        s.log_size().await.unwrap(),
        s.catalog_version().await.unwrap(),
        s.audit(0, 100).await.unwrap().len(),
    );
    let same = s
        .publish(
            &record("io.github.acme/weather", "1.0.0", "a", 5),
            &event("publish", "x"),
            &EntryBudget::default(),
        )
        .await
        .unwrap();
    assert_eq!(same, PublishOutcome::Unchanged(first.clone()));
    let other = s
        .publish(
            &record("io.github.acme/weather", "1.0.0", "b", 5),
            &event("publish", "x"),
            &EntryBudget::default(),
        )
        .await
        .unwrap();
    assert_eq!(other, PublishOutcome::Conflict(first.clone()));
    // Build metadata does not order versions: `1.0.0+b` beside `1.0.0`
    // would be a second 1.0.0, refused in the transaction whatever was
    // checked before it.
    let twin = s
        .publish(
            &record("io.github.acme/weather", "1.0.0+build.2", "c", 5),
            &event("publish", "x"),
            &EntryBudget::default(),
        )
        .await
        .unwrap();
    assert_eq!(twin, PublishOutcome::Twin(first));
    let after = (
        s.log_size().await.unwrap(),
        s.catalog_version().await.unwrap(),
        s.audit(0, 100).await.unwrap().len(),
    );
    assert_eq!(before, after);
}

async fn publish_writes_version_leaf_and_audit(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    assert_eq!(
        (
            s.log_size().await.unwrap(),
            s.catalog_version().await.unwrap()
        ),
        (0, 0)
    );
    let a = publish(
        s.as_ref(),
        &record("io.github.acme/weather", "1.0.0", "a", 0),
    )
    .await;
    let b = publish(
        s.as_ref(),
        &record("io.github.acme/weather", "1.1.0", "b", 1),
    )
    .await;
    assert_eq!(s.log_size().await.unwrap(), 2);
    // The store gives each entry the index of its publish leaf.
    assert_eq!((a.entry.log_index, b.entry.log_index), (0, 1));
    assert_eq!(
        s.log_entry(0).await.unwrap(),
        Some(publish_leaf(&a.entry).unwrap())
    );
    assert_eq!(
        s.log_entry(1).await.unwrap(),
        Some(publish_leaf(&b.entry).unwrap())
    );
    assert_eq!(s.log_entry(2).await.unwrap(), None);
    assert_eq!(
        s.log_leaves(0, 10).await.unwrap(),
        [
            publish_leaf(&a.entry).unwrap(),
            publish_leaf(&b.entry).unwrap()
        ]
    );
    // Publishing does not sign: the catalog signer does, under the lock.
    assert_eq!(s.catalog_version().await.unwrap(), 0);
    let audit = s.audit(0, 100).await.unwrap();
    assert_eq!(audit.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(audit[0].event.action, "publish");
    // The leaf is the catalog's publish record in canonical JSON (RFC 8785).
    let leaf = String::from_utf8(s.log_entry(0).await.unwrap().unwrap()).unwrap();
    assert!(leaf.starts_with("{\"at\":"), "{leaf}");
    assert!(leaf.contains("\"kind\":\"publish\""));
    let parsed: mcp_trust::log::LogRecord = serde_json::from_str(&leaf).unwrap();
    assert_eq!(parsed.canonical_bytes().unwrap(), leaf.as_bytes());
}

async fn latest_follows_semver_and_status(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    let n = "io.github.acme/weather";
    publish(s.as_ref(), &record(n, "1.10.0", "a", 0)).await;
    publish(s.as_ref(), &record(n, "1.9.0", "b", 1)).await;
    publish(s.as_ref(), &record(n, "2.0.0-rc.1", "c", 2)).await;
    assert_eq!(
        s.latest(n).await.unwrap().unwrap().entry.version,
        "2.0.0-rc.1"
    );
    let StatusOutcome::Changed(yanked) = s
        .set_status(
            &change(n, "2.0.0-rc.1", Lifecycle::Yank, 10),
            &event("yank", n),
        )
        .await
        .unwrap()
    else {
        panic!("yank refused");
    };
    assert_eq!(
        (yanked.entry.status, yanked.is_latest),
        (Status::Yanked, false)
    );
    assert_eq!(yanked.status_reason.as_deref(), Some("yank for tests"));
    assert_eq!(yanked.updated_at, t(10));
    assert_eq!(s.latest(n).await.unwrap().unwrap().entry.version, "1.10.0");
    let latest_flags: Vec<(String, bool)> = s
        .versions(n)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.entry.version, r.is_latest))
        .collect();
    assert_eq!(
        latest_flags,
        [
            ("2.0.0-rc.1".into(), false),
            ("1.9.0".into(), false),
            ("1.10.0".into(), true)
        ]
    );
    // 1.10.0 became the latest by the yank: an incremental reader sees it.
    let since_yank: Vec<(String, bool)> = s
        .list(&ListQuery {
            limit: 100,
            updated_since: Some(t(10)),
            include_deleted: true,
            ..ListQuery::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| (r.entry.version, r.is_latest))
        .collect();
    assert_eq!(
        since_yank,
        [("1.10.0".into(), true), ("2.0.0-rc.1".into(), false)]
    );
    // A yank is final: the catalog only moves forward.
    assert!(matches!(
        s.set_status(
            &change(n, "2.0.0-rc.1", Lifecycle::Unyank, 11),
            &event("unyank", n),
        )
        .await
        .unwrap(),
        StatusOutcome::Refused { .. }
    ));
    assert_eq!(s.latest(n).await.unwrap().unwrap().entry.version, "1.10.0");
    assert_eq!(
        s.version(n, "2.0.0-rc.1")
            .await
            .unwrap()
            .unwrap()
            .entry
            .status,
        Status::Yanked
    );
}

async fn lifecycle_changes_are_checked_and_revocation_is_final(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    let n = "io.github.acme/weather";
    publish(s.as_ref(), &record(n, "1.0.0", "a", 0)).await;
    assert_eq!(
        s.set_status(&change(n, "9.9.9", Lifecycle::Yank, 1), &event("yank", n))
            .await
            .unwrap(),
        StatusOutcome::NotFound
    );
    let StatusOutcome::Refused { reason, .. } = s
        .set_status(
            &change(n, "1.0.0", Lifecycle::Unyank, 1),
            &event("unyank", n),
        )
        .await
        .unwrap()
    else {
        panic!("unyank of an active version accepted");
    };
    assert_eq!(reason, "the version is not yanked");
    let StatusOutcome::Changed(revoked) = s
        .set_status(
            &change(n, "1.0.0", Lifecycle::Revoke, 2),
            &event("revoke", n),
        )
        .await
        .unwrap()
    else {
        panic!("revoke refused");
    };
    assert_eq!(
        (revoked.entry.status, revoked.is_latest),
        (Status::Revoked, false)
    );
    for action in [Lifecycle::Yank, Lifecycle::Unyank, Lifecycle::Revoke] {
        assert!(matches!(
            s.set_status(&change(n, "1.0.0", action, 3), &event(action.as_str(), n))
                .await
                .unwrap(),
            StatusOutcome::Refused { .. }
        ));
    }
    // Still there, with its status; each accepted change wrote a leaf.
    assert_eq!(
        s.version(n, "1.0.0").await.unwrap().unwrap().entry.status,
        Status::Revoked
    );
    assert_eq!(s.latest(n).await.unwrap(), None);
    assert_eq!(s.log_size().await.unwrap(), 2);
    assert_eq!(
        s.log_entry(1).await.unwrap(),
        Some(status_leaf(&change(n, "1.0.0", Lifecycle::Revoke, 2), Status::Revoked).unwrap())
    );
    assert_eq!(revoked.entry.status, Status::Revoked);
    // Listed only when asked for: the official API's `include_deleted`.
    let yanked = publish(s.as_ref(), &record(n, "1.1.0", "b", 4)).await;
    s.set_status(
        &change(n, &yanked.entry.version, Lifecycle::Yank, 5),
        &event("yank", n),
    )
    .await
    .unwrap();
    let listed = |include_deleted| {
        let s = &s;
        async move {
            s.list(&ListQuery {
                limit: 100,
                include_deleted,
                ..ListQuery::default()
            })
            .await
            .unwrap()
            .items
            .iter()
            .map(|r| (r.entry.version.clone(), r.entry.status))
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(false).await, [("1.1.0".to_owned(), Status::Yanked)]);
    assert_eq!(
        listed(true).await,
        [
            ("1.0.0".to_owned(), Status::Revoked),
            ("1.1.0".to_owned(), Status::Yanked)
        ]
    );
}

async fn list_pages_with_cursor_and_filters(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    for i in 0..7 {
        for v in ["1.0.0", "1.1.0"] {
            publish(
                s.as_ref(),
                &record(
                    &format!("io.github.acme/server-{i}"),
                    v,
                    &format!("{i}{v}"),
                    i,
                ),
            )
            .await;
        }
    }
    publish(
        s.as_ref(),
        &record("io.github.other/Weather_x", "0.1.0", "w", 100),
    )
    .await;
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = s
            .list(&ListQuery {
                cursor: cursor.clone(),
                limit: 4,
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 4);
        seen.extend(
            page.items
                .iter()
                .map(|r| format!("{}@{}", r.entry.name, r.entry.version)),
        );
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 15);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "ordered by name then version");
    let latest = s
        .list(&ListQuery {
            limit: 100,
            version: VersionFilter::Latest,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(latest.items.len(), 8);
    assert!(latest.items.iter().all(|r| r.is_latest));
    let exact = s
        .list(&ListQuery {
            limit: 100,
            version: VersionFilter::Exact("1.0.0".into()),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(exact.items.len(), 7);
    let search = s
        .list(&ListQuery {
            limit: 100,
            search: Some("weather_".into()),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        search
            .items
            .iter()
            .map(|r| r.entry.name.as_str())
            .collect::<Vec<_>>(),
        ["io.github.other/Weather_x"]
    );
    let wildcard = s
        .list(&ListQuery {
            limit: 100,
            search: Some("%".into()),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert!(
        wildcard.items.is_empty(),
        "LIKE wildcards are matched literally"
    );
    let recent = s
        .list(&ListQuery {
            limit: 100,
            updated_since: Some(t(5)),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(recent.items.len(), 5);
    let latest_paged = s
        .list(&ListQuery {
            limit: 3,
            version: VersionFilter::Latest,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    let rest = s
        .list(&ListQuery {
            limit: 100,
            version: VersionFilter::Latest,
            cursor: latest_paged.next,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(latest_paged.items.len() + rest.items.len(), 8);
}

/// A catalog whose names exercise the search index: short and long names,
/// shared and rare trigrams, upper case, multi-byte characters, LIKE
/// wildcards; several versions each, some yanked or revoked later.
async fn search_catalog(s: &dyn store::Store) {
    let mut names: Vec<String> = (0..12)
        .map(|i| format!("io.github.acme/server-{i}"))
        .collect();
    names.extend(
        [
            "io.github.other/Weather_x",
            "io.github.x/z",
            "io.github.acme/cödé-ünit",
            "io.github.a%b/c_d",
            "IO.GITHUB.LOUD/SERVER",
            "ab",
        ]
        .map(String::from),
    );
    for (i, name) in names.iter().enumerate() {
        let at = i as i64;
        for (j, v) in ["1.0.0", "1.1.0", "2.0.0-rc.1"].iter().enumerate() {
            if (i + j) % 3 == 2 {
                continue;
            }
            publish(
                s,
                &record(name, v, &format!("{name}{v}"), at * 10 + j as i64),
            )
            .await;
        }
        let first = if i % 3 == 2 { "1.1.0" } else { "1.0.0" };
        let action = match i % 4 {
            1 => Lifecycle::Yank,
            3 => Lifecycle::Revoke,
            _ => continue,
        };
        let outcome = s
            .set_status(
                &change(name, first, action, 500 + at),
                &event("status", name),
            )
            .await
            .unwrap();
        assert!(matches!(outcome, StatusOutcome::Changed(_)), "{outcome:?}");
    }
}

/// Every listing with `search` and `updated_since`, paged with several
/// limits, returns what filtering the whole listing would, in its order.
async fn search_and_updated_since_agree_with_filtering_everything(s: &dyn store::Store) {
    let everything = s
        .list(&ListQuery {
            limit: 10_000,
            include_deleted: true,
            ..ListQuery::default()
        })
        .await
        .unwrap()
        .items;
    assert!(everything.len() > 30, "{}", everything.len());
    let needles = [
        "a",
        "z",
        "_",
        "%",
        "é",
        "ö",
        "/s",
        "er",
        "ab",
        "ser",
        "server-1",
        "SERVER",
        "weather_x",
        "o.g",
        "-ü",
        "ünit",
        "zzz",
        "io.github.acme/server-11",
        "b/c_d",
        "x/z",
        // Longer than the suffixes the embedded store keeps (24 bytes).
        "io.github.other/weather_x",
        "IO.GITHUB.ACME/CÖDÉ-ÜNIT",
        "io.github.acme/server-10x",
        "o.github.acme/server-1",
    ];
    let times = [
        None,
        Some(t(0)),
        Some(t(45)),
        Some(t(120)),
        Some(t(505)),
        Some(t(9_999)),
    ];
    let mut compared = 0;
    for search in needles.iter().map(|n| Some(n.to_string())).chain([None]) {
        for updated_since in times {
            for version in [VersionFilter::All, VersionFilter::Latest] {
                for include_deleted in [false, true] {
                    if search.is_none() && updated_since.is_none() {
                        continue;
                    }
                    let query = ListQuery {
                        search: search.clone(),
                        updated_since,
                        version: version.clone(),
                        include_deleted,
                        ..ListQuery::default()
                    };
                    let want: Vec<String> = everything
                        .iter()
                        .filter(|r| store::matches(&query, r))
                        .map(|r| format!("{}@{}", r.entry.name, r.entry.version))
                        .collect();
                    for limit in [1, 3, 100] {
                        let mut got = Vec::new();
                        let mut cursor = None;
                        loop {
                            let page = s
                                .list(&ListQuery {
                                    cursor,
                                    limit,
                                    ..query.clone()
                                })
                                .await
                                .unwrap();
                            assert!(page.items.len() <= limit);
                            got.extend(
                                page.items
                                    .iter()
                                    .map(|r| format!("{}@{}", r.entry.name, r.entry.version)),
                            );
                            cursor = page.next;
                            if cursor.is_none() {
                                break;
                            }
                            assert!(got.len() <= want.len(), "{query:?}: more than {want:?}");
                        }
                        assert_eq!(got, want, "{query:?}, limit {limit}");
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared > 1_000, "{compared}");
}

async fn search_and_updated_since_are_exact(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    search_catalog(s.as_ref()).await;
    search_and_updated_since_agree_with_filtering_everything(s.as_ref()).await;
}

/// With more versions changed than the embedded store reads from its
/// update index, a listing walks names instead, and with more names under a
/// search's rarest trigram than it reads in one pass, a search joins every
/// trigram instead, with the same answers.
#[test]
fn embedded_listings_past_their_read_limits_answer_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.redb");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        for limit in [1, 2, 7] {
            let path = dir.path().join(format!("registry-{limit}.redb"));
            let s = store::embedded::EmbeddedStore::open(&path)
                .unwrap()
                .with_updated_read_limit(limit);
            search_catalog(&s).await;
            search_and_updated_since_agree_with_filtering_everything(&s).await;
        }
        // A search reads its rarest trigram's names in one pass unless the
        // trigram files more than the scan limit; then it joins every
        // trigram. Each way, and the switch between them while paging,
        // answers the same.
        for limit in [0, 1, 2, 5] {
            let path = dir.path().join(format!("registry-scan-{limit}.redb"));
            let s = store::embedded::EmbeddedStore::open(&path)
                .unwrap()
                .with_search_scan_limit(limit);
            search_catalog(&s).await;
            search_and_updated_since_agree_with_filtering_everything(&s).await;
        }
        // A database written before the indexes gets them at open.
        {
            let s = store::open(&StoreConfig::embedded(&path)).await.unwrap();
            search_catalog(s.as_ref()).await;
        }
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            assert!(
                txn.delete_table(redb::TableDefinition::<(i64, &str, &str), ()>::new(
                    "versions_by_update"
                ))
                .unwrap()
            );
            assert!(
                txn.delete_table(redb::TableDefinition::<([u8; 3], &str), ()>::new(
                    "name_trigrams"
                ))
                .unwrap()
            );
            txn.commit().unwrap();
        }
        let s = store::open(&StoreConfig::embedded(&path)).await.unwrap();
        search_and_updated_since_agree_with_filtering_everything(s.as_ref()).await;
        drop(s);
        // A binary that does not keep the indexes (an older release after a
        // rollback) stores a version and revokes another: the next open
        // files both again.
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let versions: redb::TableDefinition<(&str, &str), &[u8]> =
                    redb::TableDefinition::new("versions");
                let audit: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("audit");
                use redb::ReadableTable;
                let mut table = txn.open_table(versions).unwrap();
                let added = record("io.github.late/newcomer", "1.0.0", "late", 9_000);
                table
                    .insert(
                        ("io.github.late/newcomer", "1.0.0"),
                        serde_json::to_vec(&added).unwrap().as_slice(),
                    )
                    .unwrap();
                let key = ("io.github.acme/server-0", "1.0.0");
                let mut revoked: VersionRecord =
                    serde_json::from_slice(table.get(key).unwrap().unwrap().value()).unwrap();
                revoked.entry.status = Status::Revoked;
                revoked.updated_at = t(9_001);
                table
                    .insert(key, serde_json::to_vec(&revoked).unwrap().as_slice())
                    .unwrap();
                let mut a = txn.open_table(audit).unwrap();
                let next = a.last().unwrap().unwrap().0.value() + 1;
                let event = serde_json::to_vec(&event("publish", "late")).unwrap();
                a.insert(next, event.as_slice()).unwrap();
            }
            txn.commit().unwrap();
        }
        let s = store::open(&StoreConfig::embedded(&path)).await.unwrap();
        let since = s
            .list(&ListQuery {
                limit: 10,
                updated_since: Some(t(9_000)),
                include_deleted: true,
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(
            since
                .items
                .iter()
                .map(|r| format!("{}@{}", r.entry.name, r.entry.version))
                .collect::<Vec<_>>(),
            [
                "io.github.acme/server-0@1.0.0",
                "io.github.late/newcomer@1.0.0"
            ]
        );
        let found = s
            .list(&ListQuery {
                limit: 10,
                search: Some("newcom".into()),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1);
        search_and_updated_since_agree_with_filtering_everything(s.as_ref()).await;
        drop(s);
        // A build cut short (a crash between its transactions) left part of
        // the indexes and no note of the audit record they are current at:
        // the next open builds them again.
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                use redb::ReadableTable;
                let state: redb::TableDefinition<&str, u64> =
                    redb::TableDefinition::new("listing_index_state");
                assert!(
                    txn.open_table(state)
                        .unwrap()
                        .remove("through-audit-3")
                        .unwrap()
                        .is_some()
                );
                let grams: redb::TableDefinition<([u8; 3], &str), ()> =
                    redb::TableDefinition::new("name_trigrams");
                let mut table = txn.open_table(grams).unwrap();
                let half: Vec<([u8; 3], String)> = table
                    .iter()
                    .unwrap()
                    .step_by(2)
                    .map(|e| {
                        let (key, _) = e.unwrap();
                        let (gram, name) = key.value();
                        (gram, name.to_owned())
                    })
                    .collect();
                assert!(!half.is_empty());
                for (gram, name) in &half {
                    table.remove((*gram, name.as_str())).unwrap();
                }
                let suffixes: redb::TableDefinition<(&[u8], &str), ()> =
                    redb::TableDefinition::new("name_suffixes");
                let mut table = txn.open_table(suffixes).unwrap();
                let half: Vec<(Vec<u8>, String)> = table
                    .iter()
                    .unwrap()
                    .step_by(2)
                    .map(|e| {
                        let (key, _) = e.unwrap();
                        let (suffix, name) = key.value();
                        (suffix.to_vec(), name.to_owned())
                    })
                    .collect();
                assert!(!half.is_empty());
                for (suffix, name) in &half {
                    table.remove((suffix.as_slice(), name.as_str())).unwrap();
                }
            }
            txn.commit().unwrap();
        }
        let s = store::open(&StoreConfig::embedded(&path)).await.unwrap();
        search_and_updated_since_agree_with_filtering_everything(s.as_ref()).await;
        drop(s);
        // Each way a search reads, after that build.
        let s = store::embedded::EmbeddedStore::open(&path)
            .unwrap()
            .with_search_scan_limit(1);
        search_and_updated_since_agree_with_filtering_everything(&s).await;
        drop(s);
        // Built a few versions a transaction: names span transactions, and
        // the last transaction only notes the audit record.
        for chunk in [1, 2, 7] {
            {
                let db = redb::Database::create(&path).unwrap();
                let txn = db.begin_write().unwrap();
                let state: redb::TableDefinition<&str, u64> =
                    redb::TableDefinition::new("listing_index_state");
                txn.open_table(state)
                    .unwrap()
                    .remove("through-audit-3")
                    .unwrap();
                txn.commit().unwrap();
            }
            let s = store::embedded::EmbeddedStore::open_building_in_chunks(
                &path,
                store::DEFAULT_EMBEDDED_CACHE_BYTES,
                chunk,
            )
            .unwrap();
            search_and_updated_since_agree_with_filtering_everything(&s).await;
        }
        gram_counts_agree(&path);
        suffixes_agree(&path);
        // A rollback: the release before the name suffixes stores a new
        // server. It moves `through-audit-2` and `through-audit` with its
        // audit record, files no suffix, and leaves this release's key
        // behind: the next open builds the indexes again, and the new name
        // is found by its suffixes.
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                use redb::ReadableTable;
                let versions: redb::TableDefinition<(&str, &str), &[u8]> =
                    redb::TableDefinition::new("versions");
                let audit: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("audit");
                let state: redb::TableDefinition<&str, u64> =
                    redb::TableDefinition::new("listing_index_state");
                let name = "io.github.late/rolled-back";
                let added = record(name, "1.0.0", "late", 9_100);
                txn.open_table(versions)
                    .unwrap()
                    .insert(
                        (name, "1.0.0"),
                        serde_json::to_vec(&added).unwrap().as_slice(),
                    )
                    .unwrap();
                let mut a = txn.open_table(audit).unwrap();
                let next = a.last().unwrap().unwrap().0.value() + 1;
                let event = serde_json::to_vec(&event("publish", "late")).unwrap();
                a.insert(next, event.as_slice()).unwrap();
                let mut state = txn.open_table(state).unwrap();
                assert_eq!(
                    state.get("through-audit-3").unwrap().unwrap().value(),
                    next - 1
                );
                state.insert("through-audit-2", next).unwrap();
                state.insert("through-audit", next).unwrap();
            }
            txn.commit().unwrap();
        }
        let s = store::open(&StoreConfig::embedded(&path)).await.unwrap();
        let found = s
            .list(&ListQuery {
                limit: 10,
                search: Some("rolled-b".into()),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1);
        search_and_updated_since_agree_with_filtering_everything(s.as_ref()).await;
        drop(s);
        suffixes_agree(&path);
        // A release that kept the indexes without the name suffixes moved
        // `through-audit-2` and `through-audit` and wrote no suffixes: the
        // next open builds them.
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let state: redb::TableDefinition<&str, u64> =
                    redb::TableDefinition::new("listing_index_state");
                let mut state = txn.open_table(state).unwrap();
                use redb::ReadableTable;
                let at = state.remove("through-audit-3").unwrap().unwrap().value();
                assert_eq!(state.get("through-audit-2").unwrap().unwrap().value(), at);
                assert_eq!(state.get("through-audit").unwrap().unwrap().value(), at);
            }
            assert!(
                txn.delete_table(redb::TableDefinition::<(&[u8], &str), ()>::new(
                    "name_suffixes"
                ))
                .unwrap()
            );
            txn.commit().unwrap();
        }
        let s = store::open(&StoreConfig::embedded(&path)).await.unwrap();
        search_and_updated_since_agree_with_filtering_everything(s.as_ref()).await;
        drop(s);
        suffixes_agree(&path);
        // A release that kept the indexes without the trigram counts moved
        // `through-audit` and wrote no counts: the next open builds them.
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let state: redb::TableDefinition<&str, u64> =
                    redb::TableDefinition::new("listing_index_state");
                let mut state = txn.open_table(state).unwrap();
                let at = state.remove("through-audit-3").unwrap().unwrap().value();
                state.remove("through-audit-2").unwrap();
                state.insert("through-audit", at).unwrap();
            }
            assert!(
                txn.delete_table(redb::TableDefinition::<[u8; 3], u64>::new(
                    "name_trigram_counts"
                ))
                .unwrap()
            );
            txn.commit().unwrap();
        }
        let s = store::open(&StoreConfig::embedded(&path)).await.unwrap();
        search_and_updated_since_agree_with_filtering_everything(s.as_ref()).await;
        drop(s);
        gram_counts_agree(&path);
    });
}

/// Every stored server name is filed under each suffix of its lowercased
/// form that starts on a character (cut to 24 bytes), and nothing else is.
fn suffixes_agree(path: &std::path::Path) {
    use redb::{ReadableDatabase, ReadableTable};
    let db = redb::Database::create(path).unwrap();
    let txn = db.begin_read().unwrap();
    let versions = txn
        .open_table(redb::TableDefinition::<(&str, &str), &[u8]>::new(
            "versions",
        ))
        .unwrap();
    let mut want = std::collections::BTreeSet::<(Vec<u8>, String)>::new();
    for item in versions.iter().unwrap() {
        let name = item.unwrap().0.value().0.to_owned();
        let lowercase = name.to_lowercase();
        for (at, _) in lowercase.char_indices() {
            let suffix = &lowercase.as_bytes()[at..];
            want.insert((suffix[..suffix.len().min(24)].to_vec(), name.clone()));
        }
    }
    let suffixes = txn
        .open_table(redb::TableDefinition::<(&[u8], &str), ()>::new(
            "name_suffixes",
        ))
        .unwrap();
    let filed: std::collections::BTreeSet<(Vec<u8>, String)> = suffixes
        .iter()
        .unwrap()
        .map(|item| {
            let (key, _) = item.unwrap();
            let (suffix, name) = key.value();
            (suffix.to_vec(), name.to_owned())
        })
        .collect();
    assert!(want.len() > 100, "{}", want.len());
    assert_eq!(filed, want);
}

/// Each stored trigram count is the number of names filed under it.
fn gram_counts_agree(path: &std::path::Path) {
    use redb::{ReadableDatabase, ReadableTable};
    let db = redb::Database::create(path).unwrap();
    let txn = db.begin_read().unwrap();
    let grams = txn
        .open_table(redb::TableDefinition::<([u8; 3], &str), ()>::new(
            "name_trigrams",
        ))
        .unwrap();
    let mut filed = std::collections::BTreeMap::<[u8; 3], u64>::new();
    for item in grams.iter().unwrap() {
        *filed.entry(item.unwrap().0.value().0).or_default() += 1;
    }
    let counts = txn
        .open_table(redb::TableDefinition::<[u8; 3], u64>::new(
            "name_trigram_counts",
        ))
        .unwrap();
    let stored: std::collections::BTreeMap<[u8; 3], u64> = counts
        .iter()
        .unwrap()
        .map(|item| {
            let (k, v) = item.unwrap();
            (k.value(), v.value())
        })
        .collect();
    assert!(filed.len() > 50, "{}", filed.len());
    assert_eq!(stored, filed);
}

async fn namespaces_and_tokens(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    let ns = Namespace {
        name: "io.github.acme".into(),
        signer_identity_regexp: "https://github.com/acme/.+".into(),
        signer_issuer: "https://token.actions.githubusercontent.com".into(),
        source_repository_id: Some("1".into()),
        owner_id: None,
        created_at: t(0),
    };
    s.create_namespace(&ns, &event("namespace.create", &ns.name))
        .await
        .unwrap();
    assert!(matches!(
        s.create_namespace(&ns, &event("namespace.create", &ns.name))
            .await,
        Err(StoreError::AlreadyExists(_))
    ));
    assert_eq!(
        s.namespace("io.github.acme").await.unwrap(),
        Some(ns.clone())
    );
    assert_eq!(s.namespace("io.github.nobody").await.unwrap(), None);
    assert_eq!(s.namespaces().await.unwrap(), vec![ns]);
    let token = TokenRecord {
        id: "00112233445566ff".into(),
        secret_sha256: "ab".repeat(32),
        scope: Scope::Namespace("io.github.acme".into()),
        description: "ci".into(),
        created_at: t(0),
        revoked_at: None,
        // Both stores keep the expiry (tokens are stored as JSON).
        expires_at: Some(t(90)),
    };
    s.create_token(&token, &event("token.create", &token.id))
        .await
        .unwrap();
    assert!(matches!(
        s.create_token(&token, &event("token.create", &token.id))
            .await,
        Err(StoreError::AlreadyExists(_))
    ));
    assert_eq!(s.token(&token.id).await.unwrap(), Some(token.clone()));
    let revoked = s
        .revoke_token(&token.id, t(9), &event("token.revoke", &token.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(t(9)));
    assert_eq!(
        s.token(&token.id).await.unwrap().unwrap().revoked_at,
        Some(t(9))
    );
    assert_eq!(
        s.revoke_token("ffffffffffffffff", t(9), &event("token.revoke", "x"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.tokens().await.unwrap(), vec![revoked]);
    let actions: Vec<String> = s
        .audit(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event.action)
        .collect();
    assert_eq!(
        actions,
        ["namespace.create", "token.create", "token.revoke"]
    );
}

async fn audit_is_sequential_and_paginated(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    for i in 0..5 {
        let mut e = event("publish", &format!("x@{i}"));
        e.outcome = Outcome::Rejected;
        e.codes = vec!["manifest-invalid".into()];
        assert_eq!(s.append_audit(&e).await.unwrap(), i + 1);
    }
    let page = s.audit(2, 2).await.unwrap();
    assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(page[0].event.codes, ["manifest-invalid"]);
    assert_eq!(page[0].event.outcome, Outcome::Rejected);
    assert!(s.audit(5, 10).await.unwrap().is_empty());
}

async fn acknowledged_writes_survive_reopening(cfg: StoreConfig) {
    {
        let s = store::open(&cfg).await.unwrap();
        publish(
            s.as_ref(),
            &record("io.github.acme/weather", "1.0.0", "a", 0),
        )
        .await;
    }
    let s = store::open(&cfg).await.unwrap();
    assert!(
        s.version("io.github.acme/weather", "1.0.0")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        (
            s.log_size().await.unwrap(),
            s.catalog_version().await.unwrap()
        ),
        (1, 0)
    );
}

fn key_leaf() -> Vec<u8> {
    mcp_trust::log::LogRecord::Key {
        role: mcp_trust::keys::Role::Catalog,
        serial: 2,
        keyid: "00".repeat(32),
        at: t(0),
    }
    .canonical_bytes()
    .unwrap()
}

fn signing(version: u64, tree_size: u64, append: Vec<Vec<u8>>) -> store::Signing {
    store::Signing {
        append,
        catalog: store::SignedCatalog {
            version,
            tree_size,
            index: format!("index {version}"),
            checkpoint: format!("checkpoint {tree_size}"),
            keys: "keys".into(),
        },
        shards: vec![(7, format!("shard {version}").into_bytes())],
    }
}

async fn sign_catalog_writes_one_version_with_its_leaves_and_shards(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    let n = "io.github.acme/weather";
    let a = publish(s.as_ref(), &record(n, "1.0.0", "a", 0)).await;
    publish(s.as_ref(), &record("io.github.acme/other", "1.0.0", "b", 1)).await;
    let (tx, rx) = std::sync::mpsc::channel();
    let signed = s
        .sign_catalog(
            0,
            Box::new(move |p| {
                tx.send(p).unwrap();
                Ok(Some(signing(1, 3, vec![key_leaf()])))
            }),
        )
        .await
        .unwrap()
        .unwrap();
    let first = rx.recv().unwrap();
    assert_eq!(
        (
            first.current.clone(),
            first.log_size,
            first.leaves_from,
            first.leaves.len()
        ),
        (None, 2, 0, 2)
    );
    assert_eq!(first.changed.len(), 2);
    assert!(first.shards.is_empty(), "no shard was ever written");
    assert_eq!(s.signed_catalog().await.unwrap(), Some(signed.clone()));
    assert_eq!(s.catalog_version().await.unwrap(), 1);
    assert_eq!(s.log_size().await.unwrap(), 3);
    assert_eq!(s.log_entry(2).await.unwrap(), Some(key_leaf()));
    assert_eq!(s.catalog_shard(7).await.unwrap(), Some(b"shard 1".to_vec()));
    assert_eq!(s.catalog_shard(8).await.unwrap(), None);

    // The next signing sees only what the stored catalog does not cover:
    // a yank of `a` and one new version, with the shards they live in.
    s.set_status(&change(n, "1.0.0", Lifecycle::Yank, 2), &event("yank", n))
        .await
        .unwrap();
    publish(s.as_ref(), &record(n, "2.0.0", "c", 3)).await;
    let (tx, rx) = std::sync::mpsc::channel();
    s.sign_catalog(
        3,
        Box::new(move |p| {
            tx.send(p).unwrap();
            Ok(Some(signing(2, 5, vec![])))
        }),
    )
    .await
    .unwrap()
    .unwrap();
    let second = rx.recv().unwrap();
    assert_eq!(second.current, Some(signed));
    assert_eq!(
        (second.log_size, second.leaves_from, second.leaves.len()),
        (5, 3, 2)
    );
    let mut changed: Vec<(String, Status, u64)> = second
        .changed
        .iter()
        .map(|e| (e.version.clone(), e.status, e.log_index))
        .collect();
    changed.sort();
    assert_eq!(
        changed,
        [
            ("1.0.0".to_owned(), Status::Yanked, a.entry.log_index),
            ("2.0.0".to_owned(), Status::Active, 4)
        ]
    );
    let bin = a.entry.shard();
    let expected: Vec<(u8, Vec<u8>)> = if bin == 7 {
        vec![(7, b"shard 1".to_vec())]
    } else {
        vec![]
    };
    assert_eq!(second.shards, expected);
    assert_eq!(s.catalog_version().await.unwrap(), 2);
}

async fn sign_catalog_writes_nothing_when_refused_or_wrong(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    publish(
        s.as_ref(),
        &record("io.github.acme/weather", "1.0.0", "a", 0),
    )
    .await;
    let nothing = s.sign_catalog(0, Box::new(|_| Ok(None))).await.unwrap();
    assert_eq!(nothing, None);
    let err = s
        .sign_catalog(0, Box::new(|_| Err("the key expired".into())))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Signing(m) if m == "the key expired"),
        "{err}"
    );
    // Skipping a version, or covering a log size that is not the log's, is refused.
    for wrong in [
        signing(2, 1, vec![]),
        signing(1, 2, vec![]),
        signing(1, 1, vec![key_leaf()]),
    ] {
        let err = s
            .sign_catalog(0, Box::new(move |_| Ok(Some(wrong))))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Signing(_)), "{err}");
    }
    assert_eq!(s.signed_catalog().await.unwrap(), None);
    assert_eq!(s.catalog_version().await.unwrap(), 0);
    assert_eq!(s.log_size().await.unwrap(), 1);
    assert_eq!(s.catalog_shard(7).await.unwrap(), None);
}

/// Several replicas (here: tasks) racing to sign: the store's lock makes
/// each see the others' result, so each version is signed exactly once.
async fn concurrent_signers_sign_each_version_once(cfg: StoreConfig) {
    let s: std::sync::Arc<dyn store::Store> = store::open(&cfg).await.unwrap();
    publish(
        s.as_ref(),
        &record("io.github.acme/weather", "1.0.0", "a", 0),
    )
    .await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.sign_catalog(
                0,
                Box::new(|p| {
                    // Due only when the log is not covered yet.
                    if p.current
                        .as_ref()
                        .is_some_and(|c| c.tree_size == p.log_size)
                    {
                        return Ok(None);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    Ok(Some(signing(
                        p.current.map_or(1, |c| c.version + 1),
                        p.log_size,
                        vec![],
                    )))
                }),
            )
            .await
            .unwrap()
        }));
    }
    let mut signed = 0;
    for t in tasks {
        signed += usize::from(t.await.unwrap().is_some());
    }
    assert_eq!(signed, 1);
    assert_eq!(s.catalog_version().await.unwrap(), 1);
}

fn bytes(r: &VersionRecord) -> u64 {
    r.entry.budget_bytes().unwrap()
}

/// A name in namespace `ns` whose server lands in shard `bin`.
fn name_in_bin(ns: &str, bin: u8, skip: usize) -> String {
    (0..)
        .map(|i| format!("{ns}/s{i}"))
        .filter(|n| mcp_trust::catalog::shard_of(n) == bin)
        .nth(skip)
        .unwrap()
}

async fn state_of(s: &dyn store::Store) -> (u64, u64, usize) {
    (
        s.log_size().await.unwrap(),
        s.catalog_version().await.unwrap(),
        s.audit(0, 1000).await.unwrap().len(),
    )
}

/// Each budget refuses inside the write transaction, writes nothing when it
/// does, and the usage counters hold what was granted.
async fn budgets_refuse_before_writing_and_count_what_is_granted(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    let n = "io.github.acme/weather";
    let v1 = record(n, "1.0.0", "a", 0);
    let b = bytes(&v1);
    let budget = EntryBudget {
        entry: b,
        server: 2 * b,
        namespace_shard: 3 * b + 10,
        namespace: 3 * b + 10,
        shard: 100 * b,
    };
    // Too large alone, whatever is stored.
    let small = EntryBudget {
        entry: b - 1,
        ..budget
    };
    let PublishOutcome::OverBudget(over) =
        s.publish(&v1, &event("publish", n), &small).await.unwrap()
    else {
        panic!("an entry over the entry budget was stored");
    };
    assert_eq!(
        (over.kind, over.adding, over.limit),
        (BudgetKind::Entry, b, b - 1)
    );
    assert_eq!(state_of(s.as_ref()).await, (0, 0, 0));
    assert_eq!(s.entry_usage(n).await.unwrap(), EntryUsage::default());

    // The server budget: two versions fit, the third does not.
    for (v, c) in [("1.0.0", "a"), ("1.1.0", "b")] {
        let r = record(n, v, c, 0);
        assert!(matches!(
            s.publish(&r, &event("publish", n), &budget).await.unwrap(),
            PublishOutcome::Created(_)
        ));
    }
    assert_eq!(
        s.entry_usage(n).await.unwrap(),
        EntryUsage {
            server: 2 * b,
            namespace: 2 * b,
            shard: 2 * b,
            namespace_shard: 2 * b,
        }
    );
    let before = state_of(s.as_ref()).await;
    let v3 = record(n, "1.2.0", "c", 0);
    let PublishOutcome::OverBudget(over) =
        s.publish(&v3, &event("publish", n), &budget).await.unwrap()
    else {
        panic!("a version over its server's budget was stored");
    };
    assert_eq!(
        (
            over.kind,
            over.scope.as_str(),
            over.used,
            over.adding,
            over.limit
        ),
        (BudgetKind::Server, n, 2 * b, b, 2 * b)
    );
    assert_eq!(state_of(s.as_ref()).await, before);
    assert_eq!(s.version(n, "1.2.0").await.unwrap(), None);
    assert_eq!(s.entry_usage(n).await.unwrap().server, 2 * b);
    // An identical republish is still answered as such.
    assert!(matches!(
        s.publish(&record(n, "1.0.0", "a", 0), &event("publish", n), &budget)
            .await
            .unwrap(),
        PublishOutcome::Unchanged(_)
    ));

    // The namespace budget, across servers.
    let other = "io.github.acme/other";
    let o1 = record(other, "1.0.0", "d", 0);
    assert!(matches!(
        s.publish(&o1, &event("publish", other), &budget)
            .await
            .unwrap(),
        PublishOutcome::Created(_)
    ));
    let third = record("io.github.acme/third", "1.0.0", "e", 0);
    let PublishOutcome::OverBudget(over) = s
        .publish(&third, &event("publish", "x"), &budget)
        .await
        .unwrap()
    else {
        panic!("a version over its namespace's budget was stored");
    };
    assert_eq!(
        (over.kind, over.scope.as_str(), over.used),
        (BudgetKind::Namespace, "io.github.acme", 2 * b + bytes(&o1))
    );
    // Another namespace has its own budget.
    let elsewhere = record("io.github.globex/third", "1.0.0", "e", 0);
    assert!(matches!(
        s.publish(&elsewhere, &event("publish", "x"), &budget)
            .await
            .unwrap(),
        PublishOutcome::Created(_)
    ));

    // The shard budget, across namespaces: names ground into one bin.
    let bin = 0x2a;
    let names: Vec<String> = ["io.github.a", "io.github.b", "io.github.c"]
        .iter()
        .map(|ns| name_in_bin(ns, bin, 0))
        .collect();
    let records: Vec<VersionRecord> = names.iter().map(|n| record(n, "1.0.0", n, 0)).collect();
    let two = bytes(&records[0]) + bytes(&records[1]);
    let tight = EntryBudget {
        shard: mcp_trust::catalog::SHARD_FRAME_BYTES + two,
        ..budget
    };
    for r in &records[..2] {
        assert!(matches!(
            s.publish(r, &event("publish", "x"), &tight).await.unwrap(),
            PublishOutcome::Created(_)
        ));
    }
    let before = state_of(s.as_ref()).await;
    let PublishOutcome::OverBudget(over) = s
        .publish(&records[2], &event("publish", "x"), &tight)
        .await
        .unwrap()
    else {
        panic!("a version over its shard's budget was stored");
    };
    assert_eq!(
        (over.kind, over.scope.as_str(), over.used),
        (
            BudgetKind::Shard,
            "2a",
            mcp_trust::catalog::SHARD_FRAME_BYTES + two
        )
    );
    assert_eq!(state_of(s.as_ref()).await, before);
    assert_eq!(s.entry_usage(&names[2]).await.unwrap().shard, two);
    // Status changes never change what an entry is counted for.
    s.set_status(
        &change(&names[0], "1.0.0", Lifecycle::Revoke, 1),
        &event("revoke", "x"),
    )
    .await
    .unwrap();
    assert_eq!(s.entry_usage(&names[2]).await.unwrap().shard, two);

    // A namespace's part of a shard: one namespace grinds names into one
    // bin, far below its namespace budget and the shard's.
    let bin = 0x17;
    let ns = "io.github.grinder";
    let ground: Vec<VersionRecord> = (0..3)
        .map(|i| {
            let n = name_in_bin(ns, bin, i);
            record(&n, "1.0.0", &n, 0)
        })
        .collect();
    let two = bytes(&ground[0]) + bytes(&ground[1]);
    let per_bin = EntryBudget {
        namespace_shard: two,
        ..EntryBudget::default()
    };
    for r in &ground[..2] {
        assert!(matches!(
            s.publish(r, &event("publish", "x"), &per_bin)
                .await
                .unwrap(),
            PublishOutcome::Created(_)
        ));
    }
    let before = state_of(s.as_ref()).await;
    let PublishOutcome::OverBudget(over) = s
        .publish(&ground[2], &event("publish", "x"), &per_bin)
        .await
        .unwrap()
    else {
        panic!("a version over its namespace's part of a shard was stored");
    };
    assert_eq!(
        (
            over.kind,
            over.scope.as_str(),
            over.bin,
            over.used,
            over.limit
        ),
        (BudgetKind::NamespaceShard, ns, bin, two, two)
    );
    assert_eq!(state_of(s.as_ref()).await, before);
    assert_eq!(
        s.version(&ground[2].entry.name, "1.0.0").await.unwrap(),
        None
    );
    let usage = s.entry_usage(&ground[2].entry.name).await.unwrap();
    assert_eq!((usage.namespace_shard, usage.namespace), (two, two));
    // Another namespace in that bin, and the same namespace in another bin,
    // have their own budgets.
    for n in [
        name_in_bin("io.github.neighbour", bin, 0),
        name_in_bin(ns, bin + 1, 0),
    ] {
        assert!(matches!(
            s.publish(
                &record(&n, "1.0.0", &n, 0),
                &event("publish", "x"),
                &per_bin
            )
            .await
            .unwrap(),
            PublishOutcome::Created(_)
        ));
    }
}

/// Publishes racing for the last bytes of a budget: the store's write lock
/// makes each see the others' bytes, so exactly as many fit as the budget holds.
async fn concurrent_publishes_never_exceed_a_budget(cfg: StoreConfig) {
    let s: std::sync::Arc<dyn store::Store> = store::open(&cfg).await.unwrap();
    let n = "io.github.acme/weather";
    let b = bytes(&record(n, "1.0.0", "a", 0));
    let budget = EntryBudget {
        server: 3 * b,
        ..EntryBudget::default()
    };
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let r = record(n, &format!("1.{i}.0"), &i.to_string(), 0);
            assert_eq!(bytes(&r), b);
            s.publish(&r, &event("publish", n), &budget).await.unwrap()
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            PublishOutcome::Created(_) => created += 1,
            PublishOutcome::OverBudget(o) => assert_eq!(o.kind, BudgetKind::Server),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(created, 3);
    assert_eq!(s.versions(n).await.unwrap().len(), 3);
    assert_eq!(s.log_size().await.unwrap(), 3);
    assert_eq!(s.entry_usage(n).await.unwrap().server, 3 * b);
}

/// A store written before the budgets existed counts what it holds when it
/// is opened: `forget` removes the counters the way an older version's
/// database lacks them.
async fn existing_versions_are_counted_when_counting_starts(
    cfg: StoreConfig,
    forget: impl AsyncFnOnce(),
) {
    let names = ["io.github.acme/weather", "io.github.acme/other"];
    let granted: u64 = {
        let s = store::open(&cfg).await.unwrap();
        let mut total = 0;
        for (i, n) in names.iter().enumerate() {
            total += bytes(&publish(s.as_ref(), &record(n, "1.0.0", &i.to_string(), 0)).await);
        }
        total
    };
    forget().await;
    let s = store::open(&cfg).await.unwrap();
    let usage = s.entry_usage(names[0]).await.unwrap();
    assert_eq!(usage.namespace, granted);
    let in_bin: u64 = names
        .iter()
        .filter(|n| mcp_trust::catalog::shard_of(n) == mcp_trust::catalog::shard_of(names[0]))
        .map(|n| bytes(&record(n, "1.0.0", "0", 0)))
        .sum();
    assert_eq!(usage.namespace_shard, in_bin);
    let budget = EntryBudget {
        namespace: granted + 10,
        ..EntryBudget::default()
    };
    assert!(matches!(
        s.publish(
            &record(names[0], "2.0.0", "x", 1),
            &event("publish", "x"),
            &budget
        )
        .await
        .unwrap(),
        PublishOutcome::OverBudget(_)
    ));
    // Counted once: opening again changes nothing.
    drop(s);
    let s = store::open(&cfg).await.unwrap();
    assert_eq!(s.entry_usage(names[0]).await.unwrap(), usage);
}

#[test]
fn embedded_existing_versions_are_counted_when_counting_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.redb");
    let cfg = StoreConfig::embedded(path.clone());
    tokio::runtime::Runtime::new().unwrap().block_on(
        existing_versions_are_counted_when_counting_starts(cfg, async || {
            let db = redb::Database::open(&path).unwrap();
            let txn = db.begin_write().unwrap();
            let table: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("entry_bytes");
            assert!(txn.delete_table(table).unwrap());
            txn.commit().unwrap();
        }),
    );
}

#[test]
fn postgres_existing_versions_are_counted_when_counting_starts() {
    let url = pg::fresh_database();
    let cfg = StoreConfig::Postgres {
        url: url.clone(),
        pool_size: 2,
    };
    tokio::runtime::Runtime::new().unwrap().block_on(
        existing_versions_are_counted_when_counting_starts(cfg, async || {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .batch_execute(
                    "DROP TABLE entry_bytes; DELETE FROM schema_migrations WHERE version IN (3, 4)",
                )
                .await
                .unwrap();
        }),
    );
}

/// A store whose usage counters predate the counters of a namespace's part
/// of a shard counts those (and only those) when it is opened: `forget`
/// removes them the way an older version's database lacks them.
async fn namespace_shard_counters_start_from_what_is_stored(
    cfg: StoreConfig,
    forget: impl AsyncFnOnce(),
) {
    let ns = "io.github.acme";
    let names: Vec<String> = (0..3).map(|i| name_in_bin(ns, 0x33, i)).collect();
    let usage = {
        let s = store::open(&cfg).await.unwrap();
        for (i, n) in names.iter().enumerate() {
            publish(s.as_ref(), &record(n, "1.0.0", &i.to_string(), 0)).await;
        }
        s.entry_usage(&names[0]).await.unwrap()
    };
    let granted: u64 = names
        .iter()
        .enumerate()
        .map(|(i, n)| bytes(&record(n, "1.0.0", &i.to_string(), 0)))
        .sum();
    assert_eq!(
        (usage.namespace, usage.shard, usage.namespace_shard),
        (granted, granted, granted)
    );
    forget().await;
    for _ in 0..2 {
        // Counted when opened, once: the other counters are not counted again.
        let s = store::open(&cfg).await.unwrap();
        assert_eq!(s.entry_usage(&names[0]).await.unwrap(), usage);
        let tight = EntryBudget {
            namespace_shard: granted + 10,
            ..EntryBudget::default()
        };
        let PublishOutcome::OverBudget(over) = s
            .publish(
                &record(&names[0], "2.0.0", "x", 1),
                &event("publish", "x"),
                &tight,
            )
            .await
            .unwrap()
        else {
            panic!("the namespace's part of the shard was not counted");
        };
        assert_eq!(over.kind, BudgetKind::NamespaceShard);
    }
}

#[test]
fn embedded_namespace_shard_counters_start_from_what_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.redb");
    let cfg = StoreConfig::embedded(path.clone());
    tokio::runtime::Runtime::new().unwrap().block_on(
        namespace_shard_counters_start_from_what_is_stored(cfg, async || {
            let db = redb::Database::open(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let table: redb::TableDefinition<&str, u64> =
                    redb::TableDefinition::new("entry_bytes");
                let mut t = txn.open_table(table).unwrap();
                let keys: Vec<String> = redb::ReadableTable::iter(&t)
                    .unwrap()
                    .map(|e| e.unwrap().0.value().to_owned())
                    .filter(|k| {
                        k.starts_with(store::NAMESPACE_SHARD_USAGE)
                            || k == "@counted-namespace-shard"
                    })
                    .collect();
                assert_eq!(keys.len(), 2, "{keys:?}");
                for k in keys {
                    t.remove(k.as_str()).unwrap();
                }
            }
            txn.commit().unwrap();
        }),
    );
}

#[test]
fn postgres_namespace_shard_counters_start_from_what_is_stored() {
    let url = pg::fresh_database();
    let cfg = StoreConfig::Postgres {
        url: url.clone(),
        pool_size: 2,
    };
    tokio::runtime::Runtime::new().unwrap().block_on(
        namespace_shard_counters_start_from_what_is_stored(cfg, async || {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .batch_execute(
                    "DELETE FROM entry_bytes WHERE key LIKE 'namespace-shard:%';
                     DELETE FROM schema_migrations WHERE version = 4",
                )
                .await
                .unwrap();
        }),
    );
}

fn mirrored(name: &str, version: &str, codes: &[&str]) -> mcp_registry::model::MirroredRecord {
    mcp_registry::model::MirroredRecord {
        name: name.into(),
        version: version.into(),
        source: "official https://upstream.example".into(),
        upstream: format!("{{\"name\":\"{name}\"}}"),
        upstream_sha256: "00".repeat(32),
        manifest: None,
        upstream_status: Some("active".into()),
        codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        detail: "why".into(),
        first_seen: t(0),
        checked_at: t(1),
    }
}

/// The mirrored tier: kept, replaced, listed by name prefix (a prefix is
/// data, not a pattern), removed; sync values set and replaced; each
/// write's audit record in the same transaction.
async fn mirrored_tier_and_sync_values(cfg: StoreConfig) {
    let s = store::open(&cfg).await.unwrap();
    assert_eq!(s.mirrored("", None, 100).await.unwrap(), vec![]);
    let a = mirrored("io.github.acme/weather", "1.0.0", &["image-tag-only"]);
    let b = mirrored(
        "io.github.acme/weather",
        "0.9.0",
        &["sync-namespace-closed"],
    );
    let c = mirrored("io.github.acme_x/tool", "1.0.0", &["import-no-oci-package"]);
    let d = mirrored("io.github.acmeZ/tool", "1.0.0", &["import-no-oci-package"]);
    for r in [&a, &b, &c, &d] {
        s.put_mirrored(r, Some(&event("sync.mirror", &r.name)))
            .await
            .unwrap();
    }
    s.put_mirrored(&a, None).await.unwrap();
    assert_eq!(
        s.audit(0, 100).await.unwrap().len(),
        4,
        "one audit record per audited write"
    );
    let all = s.mirrored("", None, 100).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|r| (r.name.as_str(), r.version.as_str()))
            .collect::<Vec<_>>(),
        [
            ("io.github.acme/weather", "0.9.0"),
            ("io.github.acme/weather", "1.0.0"),
            ("io.github.acmeZ/tool", "1.0.0"),
            ("io.github.acme_x/tool", "1.0.0"),
        ]
    );
    let acme = s.mirrored("io.github.acme/", None, 100).await.unwrap();
    assert_eq!(acme, vec![b.clone(), a.clone()]);
    assert_eq!(
        s.mirrored("io.github.acme_", None, 100).await.unwrap(),
        vec![c.clone()]
    );
    assert_eq!(s.mirrored("%", None, 100).await.unwrap(), vec![]);
    // Pages: `limit` at a time, after a cursor; a cursor before the prefix
    // starts at the prefix.
    let first = s.mirrored("", None, 2).await.unwrap();
    assert_eq!(first, vec![b.clone(), a.clone()]);
    let second = s
        .mirrored(
            "",
            Some((
                "io.github.acme/weather",
                "1.0.0",
                "official https://upstream.example",
            )),
            2,
        )
        .await
        .unwrap();
    assert_eq!(second, vec![d.clone(), c.clone()]);
    assert_eq!(
        s.mirrored("io.github.acme_", Some(("a", "b", "c")), 10)
            .await
            .unwrap(),
        vec![c.clone()]
    );
    assert_eq!(
        s.mirrored(
            "",
            Some((
                "io.github.acme_x/tool",
                "1.0.0",
                "official https://upstream.example"
            )),
            10,
        )
        .await
        .unwrap(),
        vec![]
    );
    let replaced = mirrored(
        "io.github.acme/weather",
        "1.0.0",
        &["signer-identity-outside-namespace"],
    );
    s.put_mirrored(&replaced, None).await.unwrap();
    assert_eq!(
        s.mirrored_version(
            "io.github.acme/weather",
            "1.0.0",
            "official https://upstream.example",
        )
        .await
        .unwrap(),
        Some(replaced)
    );
    assert!(
        s.remove_mirrored(
            "io.github.acme/weather",
            "1.0.0",
            "official https://upstream.example",
        )
        .await
        .unwrap()
    );
    assert!(
        !s.remove_mirrored(
            "io.github.acme/weather",
            "1.0.0",
            "official https://upstream.example",
        )
        .await
        .unwrap()
    );
    assert_eq!(
        s.mirrored_version(
            "io.github.acme/weather",
            "1.0.0",
            "official https://upstream.example",
        )
        .await
        .unwrap(),
        None
    );
    assert_eq!(
        s.mirrored("io.github.acme/", None, 100).await.unwrap(),
        vec![b.clone()]
    );

    // Two sources listing one version each keep their own record.
    let other_source = mcp_registry::model::MirroredRecord {
        source: "toolhive /srv/registry.json".into(),
        ..b.clone()
    };
    s.put_mirrored(&other_source, None).await.unwrap();
    assert_eq!(
        s.mirrored("io.github.acme/", None, 100).await.unwrap(),
        vec![b.clone(), other_source.clone()]
    );
    assert!(
        s.remove_mirrored(
            "io.github.acme/weather",
            "0.9.0",
            "toolhive /srv/registry.json"
        )
        .await
        .unwrap()
    );
    assert_eq!(
        s.mirrored("io.github.acme/", None, 100).await.unwrap(),
        vec![b.clone()]
    );
    assert_eq!(s.sync_value("watermark/x").await.unwrap(), None);
    s.put_sync_value("watermark/x", "2026-12-01T00:00:00Z", None)
        .await
        .unwrap();
    s.put_sync_value(
        "watermark/x",
        "2026-12-02T00:00:00Z",
        Some(&event("sync", "x")),
    )
    .await
    .unwrap();
    assert_eq!(
        s.sync_value("watermark/x").await.unwrap().as_deref(),
        Some("2026-12-02T00:00:00Z")
    );
    assert_eq!(s.audit(0, 100).await.unwrap().len(), 5);
    // Nothing of this is in the log the catalog is signed from.
    assert_eq!(s.log_size().await.unwrap(), 0);
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[test]
                fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let cfg = mcp_registry::store::StoreConfig::embedded(dir.path().join("registry.redb"));
                    tokio::runtime::Runtime::new().unwrap().block_on(super::$name(cfg));
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let cfg = mcp_registry::store::StoreConfig::Postgres { url: super::pg::fresh_database(), pool_size: 4 };
                    tokio::runtime::Runtime::new().unwrap().block_on(super::$name(cfg));
                }
            )*
        }
    };
}

on_both_backends!(
    publish_then_read_back,
    republish_is_unchanged_or_conflict_and_writes_nothing,
    tools_changed_compares_with_the_version_logged_last,
    publish_writes_version_leaf_and_audit,
    latest_follows_semver_and_status,
    sign_catalog_writes_one_version_with_its_leaves_and_shards,
    sign_catalog_writes_nothing_when_refused_or_wrong,
    concurrent_signers_sign_each_version_once,
    lifecycle_changes_are_checked_and_revocation_is_final,
    list_pages_with_cursor_and_filters,
    search_and_updated_since_are_exact,
    namespaces_and_tokens,
    audit_is_sequential_and_paginated,
    acknowledged_writes_survive_reopening,
    budgets_refuse_before_writing_and_count_what_is_granted,
    concurrent_publishes_never_exceed_a_budget,
    mirrored_tier_and_sync_values,
);

/// Holds the embedded store's write lock (a signing that sleeps and signs
/// nothing) until the returned task ends; returns once the lock is held.
async fn hold_write_lock(
    s: &std::sync::Arc<dyn store::Store>,
    hold: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    let (held, is_held) = std::sync::mpsc::channel();
    let s = s.clone();
    let task = tokio::spawn(async move {
        let signed = s
            .sign_catalog(
                0,
                Box::new(move |_| {
                    held.send(()).unwrap();
                    std::thread::sleep(hold);
                    Ok(None)
                }),
            )
            .await
            .unwrap();
        assert!(signed.is_none());
    });
    tokio::task::spawn_blocking(move || is_held.recv().unwrap())
        .await
        .unwrap();
    task
}

/// Starts one publish per record, in order, each in its own task.
fn publish_each(
    s: &std::sync::Arc<dyn store::Store>,
    records: Vec<VersionRecord>,
) -> Vec<tokio::task::JoinHandle<Result<PublishOutcome, StoreError>>> {
    records
        .into_iter()
        .map(|r| {
            let s = s.clone();
            tokio::spawn(async move {
                s.publish(
                    &r,
                    &event("publish", &r.entry.name),
                    &EntryBudget::default(),
                )
                .await
            })
        })
        .collect()
}

/// Publishes that wait while the embedded store is written are stored
/// together (one commit for all of them, or two when the writer took the
/// first alone), each checked against the ones before it: a second
/// version with the same number is a conflict, and every created version
/// has its own log index, leaf and audit record.
#[test]
fn embedded_publishes_waiting_for_the_writer_share_a_commit() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = StoreConfig::embedded(dir.path().join("registry.redb"));
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let s: std::sync::Arc<dyn store::Store> = store::open(&cfg).await.unwrap();
        let before = s.change_counter().unwrap();
        let lock = hold_write_lock(&s, std::time::Duration::from_millis(500)).await;
        let mut records: Vec<_> = (0..12)
            .map(|i| record(&format!("io.github.acme/s{i:02}"), "1.0.0", "a", i))
            .collect();
        records.push(record("io.github.acme/s03", "1.0.0", "other bytes", 20));
        records.push(record("io.github.acme/s03", "1.0.0", "a", 21));
        let submitted: Vec<String> = records
            .iter()
            .map(|r| r.manifest_bytes_sha256.clone())
            .collect();
        let tasks = publish_each(&s, records);
        let mut indexes = Vec::new();
        let mut others = Vec::new();
        for (t, hash) in tasks.into_iter().zip(submitted) {
            match t.await.unwrap().unwrap() {
                PublishOutcome::Created(r) => indexes.push(r.entry.log_index),
                other => others.push((hash, other)),
            }
        }
        lock.await.unwrap();
        indexes.sort_unstable();
        assert_eq!(indexes, (0..12).collect::<Vec<u64>>());
        // The three publishes of s03 1.0.0 reach the writer in any order:
        // the first is stored, each later one is unchanged when its bytes
        // are the stored ones and a conflict otherwise.
        let stored = s
            .version("io.github.acme/s03", "1.0.0")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(others.len(), 2, "{others:?}");
        for (hash, outcome) in &others {
            match outcome {
                PublishOutcome::Unchanged(r) if *hash == stored.manifest_bytes_sha256 => {
                    assert_eq!(r.entry.name, "io.github.acme/s03");
                }
                PublishOutcome::Conflict(r) if *hash != stored.manifest_bytes_sha256 => {
                    assert_eq!(r.entry.name, "io.github.acme/s03");
                }
                other => panic!("{other:?} for bytes {hash}"),
            }
        }
        assert!(
            s.change_counter().unwrap() - before <= 2,
            "{} commits for 12 publishes",
            s.change_counter().unwrap() - before
        );
        assert_eq!(s.log_size().await.unwrap(), 12);
        let leaves = s.log_leaves(0, 12).await.unwrap();
        for (i, leaf) in leaves.iter().enumerate() {
            let name = serde_json::from_slice::<serde_json::Value>(leaf).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned();
            let stored = s.version(&name, "1.0.0").await.unwrap().unwrap();
            assert_eq!(stored.entry.log_index, i as u64);
            assert_eq!(publish_leaf(&stored.entry).unwrap(), *leaf);
        }
        assert_eq!(s.audit(0, 100).await.unwrap().len(), 12);
    });
}

/// A publish that fails inside a shared transaction (its server's stored
/// record is unreadable) fails alone: the others of its batch are stored
/// each in a transaction of its own, and nothing of the failed batch stays.
#[test]
fn embedded_a_failed_publish_fails_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.redb");
    let broken = "io.github.acme/broken";
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        drop(store::open(&StoreConfig::embedded(&path)).await.unwrap());
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let versions: redb::TableDefinition<(&str, &str), &[u8]> =
                    redb::TableDefinition::new("versions");
                let mut t = txn.open_table(versions).unwrap();
                t.insert((broken, "0.1.0"), b"not a record".as_slice())
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        let s: std::sync::Arc<dyn store::Store> =
            store::open(&StoreConfig::embedded(&path)).await.unwrap();
        let lock = hold_write_lock(&s, std::time::Duration::from_millis(500)).await;
        let mut records = vec![
            record("io.github.acme/s00", "1.0.0", "a", 0),
            record(broken, "1.0.0", "a", 1),
        ];
        records.extend((1..8).map(|i| record(&format!("io.github.acme/s{i:02}"), "1.0.0", "a", i)));
        let outcomes = publish_each(&s, records);
        let mut created = Vec::new();
        for (i, t) in outcomes.into_iter().enumerate() {
            match (i, t.await.unwrap()) {
                (1, Err(StoreError::Corrupt(_))) => {}
                (1, other) => panic!("the broken server's publish: {other:?}"),
                (_, Ok(PublishOutcome::Created(r))) => created.push(r.entry.log_index),
                (_, other) => panic!("publish {i}: {other:?}"),
            }
        }
        lock.await.unwrap();
        created.sort_unstable();
        assert_eq!(created, (0..8).collect::<Vec<u64>>());
        assert_eq!(s.log_size().await.unwrap(), 8);
        assert_eq!(s.audit(0, 100).await.unwrap().len(), 8);
        assert_eq!(s.version(broken, "1.0.0").await.unwrap(), None);
    });
}

/// The PostgreSQL schema refuses to rewrite history even to a caller with SQL access.
#[test]
fn postgres_audit_and_log_are_append_only() {
    let url = pg::fresh_database();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let s = store::open(&StoreConfig::Postgres {
            url: url.clone(),
            pool_size: 1,
        })
        .await
        .unwrap();
        publish(
            s.as_ref(),
            &record("io.github.acme/weather", "1.0.0", "a", 0),
        )
        .await;
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        for sql in [
            "DELETE FROM audit",
            "UPDATE log_entries SET leaf = '\\x00'",
            "DELETE FROM versions",
        ] {
            let err = client.batch_execute(sql).await.unwrap_err();
            assert!(
                err.as_db_error().unwrap().message().contains("append-only"),
                "{sql}: {err}"
            );
        }
    });
}

/// PostgreSQL answers `search` from a trigram index on the lowercased
/// name, built at connect (again on the next start when it is missing).
#[test]
fn postgres_search_has_a_trigram_index() {
    let url = pg::fresh_database();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let cfg = StoreConfig::Postgres {
            url: url.clone(),
            pool_size: 1,
        };
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let plan = || async {
            client
                .batch_execute("SET enable_seqscan = off; SET enable_indexscan = off")
                .await
                .unwrap();
            let rows = client
                .query(
                    "EXPLAIN SELECT record FROM versions WHERE lower(name) LIKE '%weat%' \
                     ORDER BY name, version LIMIT 31",
                    &[],
                )
                .await
                .unwrap();
            rows.iter()
                .map(|r| r.get::<_, String>(0))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let s = store::open(&cfg).await.unwrap();
        publish(
            s.as_ref(),
            &record("io.github.acme/weather", "1.0.0", "a", 0),
        )
        .await;
        drop(s);
        assert!(
            plan().await.contains("versions_name_trigrams"),
            "{}",
            plan().await
        );
        client
            .batch_execute("DROP INDEX versions_name_trigrams")
            .await
            .unwrap();
        assert!(!plan().await.contains("versions_name_trigrams"));
        let s = store::open(&cfg).await.unwrap();
        assert!(
            plan().await.contains("versions_name_trigrams"),
            "{}",
            plan().await
        );
        let found = s
            .list(&ListQuery {
                limit: 10,
                search: Some("WEAT".into()),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1);
    });
}

/// A store whose mirrored tier was written keyed by name and version only
/// keeps those records, now under their source.
#[test]
fn embedded_mirrored_records_keyed_by_version_move_under_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.redb");
    let record = mirrored("io.github.acme/weather", "1.0.0", &["image-tag-only"]);
    {
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let old: redb::TableDefinition<(&str, &str), &[u8]> =
                redb::TableDefinition::new("mirrored");
            let mut t = txn.open_table(old).unwrap();
            t.insert(
                ("io.github.acme/weather", "1.0.0"),
                serde_json::to_vec(&record).unwrap().as_slice(),
            )
            .unwrap();
        }
        txn.commit().unwrap();
    }
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let s = store::open(&StoreConfig::embedded(&path)).await.unwrap();
        assert_eq!(
            s.mirrored("", None, 10).await.unwrap(),
            vec![record.clone()]
        );
        assert_eq!(
            s.mirrored_version("io.github.acme/weather", "1.0.0", &record.source)
                .await
                .unwrap(),
            Some(record)
        );
    });
}
