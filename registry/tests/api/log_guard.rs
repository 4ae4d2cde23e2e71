//! The signer never signs a log leaf a gateway would refuse. Someone with
//! write access to the database but no keys inserts a well-formed leaf, or
//! rewrites a stored version, straight into the store (redb file or SQL);
//! the next signing must refuse, sign nothing (no catalog version, no key
//! record, no checkpoint over the leaf) and keep serving the last signed
//! catalog. Run on both backends.

use crate::store_suite::{change, event, publish, record};
use crate::support::postgres as pg;
use jiff::Timestamp;
use mcp_registry::config::CatalogOptions;
use mcp_registry::model::{Lifecycle, VersionRecord};
use mcp_registry::signer::{CatalogKeys, CatalogService};
use mcp_registry::store::{self, SignedCatalog, Store, StoreConfig, StoreError, publish_leaf};
use mcp_trust::catalog::model::{KeylessSigner, Signer};
use mcp_trust::keys::Role;
use mcp_trust::log::LogRecord;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A database the test can also write behind the store's back.
enum Db {
    Embedded(PathBuf),
    Postgres(String),
}

impl Db {
    fn config(&self) -> StoreConfig {
        match self {
            Db::Embedded(path) => StoreConfig::embedded(path.clone()),
            Db::Postgres(url) => StoreConfig::Postgres {
                url: url.clone(),
                pool_size: 2,
            },
        }
    }

    /// Appends `leaf` to the log (as the next index), bypassing the store.
    async fn append_leaf(&self, leaf: &[u8]) {
        match self {
            Db::Embedded(path) => {
                let db = redb::Database::open(path).unwrap();
                let txn = db.begin_write().unwrap();
                {
                    let table: redb::TableDefinition<u64, &[u8]> =
                        redb::TableDefinition::new("log_entries");
                    let mut t = txn.open_table(table).unwrap();
                    let next = redb::ReadableTableMetadata::len(&t).unwrap();
                    t.insert(next, leaf).unwrap();
                }
                txn.commit().unwrap();
            }
            Db::Postgres(url) => {
                sql(url)
                    .await
                    .execute(
                        "INSERT INTO log_entries (idx, leaf)
                         SELECT COALESCE(MAX(idx) + 1, 0), $1 FROM log_entries",
                        &[&leaf],
                    )
                    .await
                    .unwrap();
            }
        }
    }

    /// Replaces the stored signed catalog with `c`, bypassing the store.
    async fn rewrite_catalog(&self, c: &SignedCatalog) {
        let json = serde_json::to_string(c).unwrap();
        match self {
            Db::Embedded(path) => {
                let db = redb::Database::open(path).unwrap();
                let txn = db.begin_write().unwrap();
                {
                    let table: redb::TableDefinition<&str, &[u8]> =
                        redb::TableDefinition::new("catalog");
                    let mut t = txn.open_table(table).unwrap();
                    t.insert("signed", json.as_bytes()).unwrap();
                }
                txn.commit().unwrap();
            }
            Db::Postgres(url) => {
                let n = sql(url)
                    .await
                    .execute("UPDATE catalog SET signed = $1", &[&json])
                    .await
                    .unwrap();
                assert_eq!(n, 1);
            }
        }
    }

    /// Replaces the stored row of `r`'s version with `r`, bypassing the store.
    async fn rewrite(&self, r: &VersionRecord) {
        let json = serde_json::to_string(r).unwrap();
        match self {
            Db::Embedded(path) => {
                let db = redb::Database::open(path).unwrap();
                let txn = db.begin_write().unwrap();
                {
                    let table: redb::TableDefinition<(&str, &str), &[u8]> =
                        redb::TableDefinition::new("versions");
                    let mut t = txn.open_table(table).unwrap();
                    t.insert(
                        (r.entry.name.as_str(), r.entry.version.as_str()),
                        json.as_bytes(),
                    )
                    .unwrap();
                }
                txn.commit().unwrap();
            }
            Db::Postgres(url) => {
                let n = sql(url)
                    .await
                    .execute(
                        "UPDATE versions SET record = $3 WHERE name = $1 AND version = $2",
                        &[&r.entry.name, &r.entry.version, &json],
                    )
                    .await
                    .unwrap();
                assert_eq!(n, 1);
            }
        }
    }
}

async fn sql(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}

/// The store and a signer over it, with the keys in `keys` (made on first use).
async fn open(db: &Db, keys: &Path) -> (Arc<dyn Store>, Arc<CatalogService>) {
    let s = store::open(&db.config()).await.unwrap();
    let (k, _) = CatalogKeys::load_or_create(keys, true, Timestamp::now()).unwrap();
    let service = CatalogService::new(s.clone(), k, CatalogOptions::default());
    (s, service)
}

const A: &str = "io.github.acme/weather";
const B: &str = "io.github.acme/other";

/// Two versions published and signed (catalog version 1, four leaves with
/// the two key records); returns the signed catalog and the first version.
async fn signed_baseline(db: &Db, keys: &Path) -> (SignedCatalog, VersionRecord) {
    let (s, service) = open(db, keys).await;
    let a = publish(s.as_ref(), &record(A, "1.0.0", "a", 0)).await;
    publish(s.as_ref(), &record(B, "1.0.0", "b", 1)).await;
    let signed = service.sign(Timestamp::now()).await.unwrap().unwrap();
    assert_eq!((signed.version, signed.tree_size), (1, 4));
    (signed, a)
}

/// What a test writes behind the store's back.
enum Direct {
    /// A log leaf, appended.
    Leaf(Vec<u8>),
    /// A version's row, replaced.
    Row(Box<VersionRecord>),
    /// The stored signed catalog, replaced.
    Catalog(Box<SignedCatalog>),
}

/// After `tamper` (which may use the store, then returns what to write
/// directly, with the store closed), the next signing is refused with an
/// error containing `expect`, nothing new is signed, and what was signed
/// before is what is served.
async fn refused(db: Db, tamper: impl AsyncFnOnce(&dyn Store) -> Vec<Direct>, expect: &str) {
    let keys = tempfile::tempdir().unwrap();
    let (before, _) = signed_baseline(&db, keys.path()).await;
    let direct = {
        let s = store::open(&db.config()).await.unwrap();
        tamper(s.as_ref()).await
    };
    // What is stored as signed once the tampering is done.
    let mut expected = before.clone();
    for d in direct {
        match d {
            Direct::Leaf(leaf) => db.append_leaf(&leaf).await,
            Direct::Row(r) => db.rewrite(&r).await,
            Direct::Catalog(c) => {
                db.rewrite_catalog(&c).await;
                expected = *c;
            }
        }
    }
    let (s, service) = open(&db, keys.path()).await;
    let size = s.log_size().await.unwrap();
    assert!(
        size > before.tree_size,
        "the tampering left no pending leaf"
    );
    let err = service.tick(Timestamp::now()).await.unwrap_err();
    let StoreError::Signing(message) = &err else {
        panic!("not a signing refusal: {err}");
    };
    assert!(message.contains("refusing to sign"), "{message}");
    assert!(message.contains(expect), "wanted `{expect}` in: {message}");
    // Nothing new signed: same catalog, no key record appended, and the
    // last signed catalog is what is served.
    assert_eq!(s.signed_catalog().await.unwrap(), Some(expected));
    assert_eq!(s.catalog_version().await.unwrap(), 1);
    assert_eq!(s.log_size().await.unwrap(), size);
    let served = service.snapshot().unwrap();
    assert_eq!(
        (served.version, served.tree_size),
        (before.version, before.tree_size)
    );
    // Asked again, it refuses again.
    assert!(service.sign(Timestamp::now()).await.is_err());
    assert_eq!(s.catalog_version().await.unwrap(), 1);
}

/// A `key` record of serial 2^53 − 1 and a made-up key id: signed, every
/// gateway would refuse the served keys as retired (`KeyBehindLog`).
async fn the_signer_refuses_a_key_record_no_held_statement_names(db: Db) {
    refused(
        db,
        async |_| {
            let leaf = LogRecord::Key {
                role: Role::Catalog,
                serial: (1 << 53) - 1,
                keyid: "ab".repeat(32),
                at: Timestamp::now(),
            }
            .canonical_bytes()
            .unwrap();
            vec![Direct::Leaf(leaf)]
        },
        "catalog key record of serial 9007199254740991",
    )
    .await;
}

/// A second publish record of a version the signed catalog lists.
async fn the_signer_refuses_a_second_publish_of_a_signed_version(db: Db) {
    refused(
        db,
        async |s| {
            let a = s.version(A, "1.0.0").await.unwrap().unwrap();
            vec![Direct::Leaf(publish_leaf(&a.entry).unwrap())]
        },
        "is published again; the signed catalog lists it",
    )
    .await;
}

/// A version published (properly) after the last signing, and its publish
/// record inserted a second time.
async fn the_signer_refuses_a_version_published_twice_among_pending_leaves(db: Db) {
    refused(
        db,
        async |s| {
            let c = publish(s, &record(A, "2.0.0", "c", 2)).await;
            vec![Direct::Leaf(publish_leaf(&c.entry).unwrap())]
        },
        "is published a second time",
    )
    .await;
}

/// A version published (properly) after the last signing whose stored row
/// is then rewritten: another signer, egress to anywhere. Its publish
/// record's `entrySha256` no longer matches.
async fn the_signer_refuses_a_publish_record_the_stored_version_does_not_match(db: Db) {
    refused(
        db,
        async |s| {
            let mut c = publish(s, &record(A, "2.0.0", "c", 2)).await;
            c.entry.signer = Signer::Keyless(KeylessSigner {
                identity: "https://github.com/mallory/x/.github/workflows/r.yml@refs/heads/main"
                    .into(),
                issuer: "https://token.actions.githubusercontent.com".into(),
            });
            c.entry.runtime.network = mcp_trust::manifest::Network::Egress(vec!["*".into()]);
            vec![Direct::Row(Box::new(c))]
        },
        "does not match the stored version, whose entry has entrySha256",
    )
    .await;
}

/// A version published (properly) after the last signing whose stored row
/// then names another image than its publish record.
async fn the_signer_refuses_a_publish_record_of_another_image(db: Db) {
    refused(
        db,
        async |s| {
            let mut c = publish(s, &record(A, "2.0.0", "c", 2)).await;
            c.entry.image = format!(
                "127.0.0.1:5000/acme/weather@{}",
                mcp_registry::testing::digest("other")
            );
            vec![Direct::Row(Box::new(c))]
        },
        "whose entry has image 127.0.0.1:5000/acme/weather@",
    )
    .await;
}

/// A signed version whose row is rewritten (another signer), then yanked
/// properly: re-applying it to its shard would sign a rewritten entry.
async fn the_signer_refuses_to_reapply_a_signed_version_whose_row_was_rewritten(db: Db) {
    refused(
        db,
        async |s| {
            let mut a = s.version(A, "1.0.0").await.unwrap().unwrap();
            a.entry.signer = Signer::Keyless(KeylessSigner {
                identity: "https://github.com/mallory/x/.github/workflows/r.yml@refs/heads/main"
                    .into(),
                issuer: "https://token.actions.githubusercontent.com".into(),
            });
            let yank = change(A, "1.0.0", Lifecycle::Yank, 3);
            let store::StatusOutcome::Changed(yanked) =
                s.set_status(&yank, &event("yank", A)).await.unwrap()
            else {
                panic!("yank refused");
            };
            a.entry.status = yanked.entry.status;
            a.updated_at = yanked.updated_at;
            vec![Direct::Row(Box::new(a))]
        },
        "already published with other content",
    )
    .await;
}

/// A yank record of a signed version whose stored status stayed active.
async fn the_signer_refuses_a_status_record_the_stored_version_does_not_show(db: Db) {
    refused(
        db,
        async |_| {
            let leaf = store::status_leaf(
                &change(B, "1.0.0", Lifecycle::Yank, 3),
                mcp_registry::model::Status::Yanked,
            )
            .unwrap();
            vec![Direct::Leaf(leaf)]
        },
        "is stored active, but the new log leaves make it yanked",
    )
    .await;
}

/// A signing splices the stored shards the stored index references, so the
/// index must be one this server signed: a stored index whose signature does
/// not verify under the stored catalog key (a database writer's, signing
/// shards of their own) stops the signing.
async fn the_signer_refuses_a_stored_index_its_catalog_key_did_not_sign(db: Db) {
    refused(
        db,
        async |s| {
            publish(s, &record(A, "2.0.0", "a2", 4)).await;
            let mut c = s.signed_catalog().await.unwrap().unwrap();
            let mut envelope: serde_json::Value = serde_json::from_str(&c.index).unwrap();
            let sig = envelope["signatures"][0]["sig"]
                .as_str()
                .unwrap()
                .to_owned();
            let flipped = if sig.starts_with('A') { "B" } else { "A" };
            envelope["signatures"][0]["sig"] = format!("{flipped}{}", &sig[1..]).into();
            c.index = envelope.to_string();
            vec![Direct::Catalog(Box::new(c))]
        },
        "the stored index does not verify under the catalog key",
    )
    .await;
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[test]
                fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let db = super::Db::Embedded(dir.path().join("registry.redb"));
                    tokio::runtime::Runtime::new().unwrap().block_on(super::$name(db));
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let db = super::Db::Postgres(super::pg::fresh_database());
                    tokio::runtime::Runtime::new().unwrap().block_on(super::$name(db));
                }
            )*
        }
    };
}

on_both_backends!(
    the_signer_refuses_a_key_record_no_held_statement_names,
    the_signer_refuses_a_second_publish_of_a_signed_version,
    the_signer_refuses_a_version_published_twice_among_pending_leaves,
    the_signer_refuses_a_publish_record_the_stored_version_does_not_match,
    the_signer_refuses_a_publish_record_of_another_image,
    the_signer_refuses_to_reapply_a_signed_version_whose_row_was_rewritten,
    the_signer_refuses_a_status_record_the_stored_version_does_not_show,
    the_signer_refuses_a_stored_index_its_catalog_key_did_not_sign,
);
