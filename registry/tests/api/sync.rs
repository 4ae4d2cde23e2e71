//! `mcp-registry sync`: versions read from an official-API registry served
//! from loopback (recorded pages from `testdata/registry/official-pages/`,
//! and pages naming images pushed with their signatures to a real loopback
//! OCI registry), a ToolHive registry file and Docker's catalog, each
//! through the publish service with the production verifier, on both
//! stores; a walk cut mid-page; the binary's own commands.

use crate::support::postgres as pg;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use mcp_registry::config::ServeConfig;
use mcp_registry::model::{Namespace, Outcome as AuditOutcome};
use mcp_registry::publish::Publisher;
use mcp_registry::store::{self, Store, StoreConfig};
use mcp_registry::sync::{Outcome, Report, Sync};
use mcp_registry::testing::{ISSUER, manifest};
use mcp_registry::verify::SigstoreVerifier;
use mcp_trust::import::official::Limits;
use mcp_trust::import::upstream::Candidate;
use mcp_trust::signature::TrustRoot;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use test_oci::{Pushed, TestRegistry};
use test_sigstore::{GitHubWorkflow, Identity, TestSigstore};

const ACME: &str = "io.github.acme";

fn workflow(repo: &str) -> GitHubWorkflow {
    GitHubWorkflow::new(repo, ".github/workflows/release.yml", "refs/tags/v2.0.0")
}

fn recorded(n: u32) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../testdata/registry/official-pages/page-{n}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An official-API list entry for `server` with `status` and `updated`.
fn listed(server: Value, status: &str, updated: &str) -> Value {
    json!({"server": server, "_meta": {"io.modelcontextprotocol.registry/official": {
        "status": status, "publishedAt": updated, "updatedAt": updated, "isLatest": true}}})
}

/// What the upstream answers for the second page.
#[derive(Clone, Copy, PartialEq)]
enum Second {
    Page,
    Cut,
}

#[derive(Clone)]
struct Upstream {
    pages: Arc<Mutex<(Value, Value, Second)>>,
    queries: Arc<Mutex<Vec<String>>>,
}

async fn servers(State(up): State<Upstream>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    up.queries.lock().unwrap().push(query.clone());
    let (first, second, mode) = up.pages.lock().unwrap().clone();
    if !query.contains("cursor=") {
        return axum::Json(first).into_response();
    }
    match mode {
        Second::Page => axum::Json(second).into_response(),
        Second::Cut => {
            let body = second.to_string();
            let half = body[..body.len() / 2].to_owned();
            Response::builder()
                .header("content-type", "application/json")
                .header("content-length", body.len())
                .body(axum::body::Body::new(Cut(Some(half))))
                .unwrap()
        }
    }
}

/// A body that sends half a page and then fails: the connection is cut.
struct Cut(Option<String>);

impl axum::body::HttpBody for Cut {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(match self.0.take() {
            Some(half) => Ok(hyper::body::Frame::data(half.into())),
            None => Err(std::io::Error::other("cut")),
        }))
    }
}

/// A loopback OCI registry with two signed images, a private Sigstore's
/// trusted root, and an official-API upstream serving what a test sets.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    _reg: TestRegistry,
    host: String,
    /// Signed by acme's release workflow.
    acme_image: Pushed,
    /// Signed by a workflow of another repository.
    other_image: Pushed,
    trusted_root: String,
    upstream: Upstream,
    base: String,
}

impl Fixture {
    fn new() -> Fixture {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut sigstore = TestSigstore::new();
        let (reg, acme_image, other_image) = runtime.block_on(async {
            let reg = TestRegistry::start().await;
            let acme_image = reg.pusher().image("acme/weather", "2.0.0", "acme-2").await;
            let other_image = reg.pusher().image("acme/weather", "2.1.0", "other-2").await;
            for (image, repo) in [
                (&acme_image, "acme/weather"),
                (&other_image, "mallory/weather"),
            ] {
                let bundle =
                    sigstore.sign_image_dsse(&image.digest, &Identity::github(&workflow(repo)));
                reg.pusher()
                    .bundle_referrer("acme/weather", image, bundle.as_bytes())
                    .await;
            }
            (reg, acme_image, other_image)
        });
        let host = reg.with_referrers();
        let upstream = Upstream {
            pages: Arc::new(Mutex::new((Value::Null, Value::Null, Second::Page))),
            queries: Arc::default(),
        };
        let base = runtime.block_on(async {
            let app = axum::Router::new()
                .route("/v0.1/servers", axum::routing::get(servers))
                .with_state(upstream.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(listener, app).await });
            base
        });
        Fixture {
            runtime,
            _reg: reg,
            host,
            acme_image,
            other_image,
            trusted_root: sigstore.trusted_root_json(),
            upstream,
            base,
        }
    }

    /// acme's manifest of `version`, pinned to `image` and declaring the
    /// signer `repo`'s release workflow.
    fn declared(&self, version: &str, image: &Pushed, repo: &str) -> Value {
        let mut m = manifest(
            &format!("{ACME}/weather"),
            version,
            &self.host,
            &image.digest,
        );
        let ext = &mut m["_meta"]["dev.mcp-trust/security"];
        ext["provenance"]["certificateIdentity"] = workflow(repo).workflow_uri().into();
        m
    }

    /// A `server.json` without this project's extension whose one OCI
    /// package is `image` by digest.
    fn bare(&self, version: &str, image: &Pushed) -> Value {
        json!({"name": format!("{ACME}/weather"), "description": "Weather", "version": version,
            "packages": [{"registryType": "oci", "transport": {"type": "stdio"},
                "identifier": format!("{}/acme/weather@{}", self.host, image.digest)}]})
    }

    /// Serves the recorded first page with `extra` appended to it, then
    /// the recorded second page with `second` appended.
    fn serve(&self, extra: Vec<Value>, second: Vec<Value>, mode: Second) {
        let mut first = recorded(1);
        first["servers"].as_array_mut().unwrap().extend(extra);
        let mut next = recorded(2);
        next["servers"].as_array_mut().unwrap().extend(second);
        *self.upstream.pages.lock().unwrap() = (first, next, mode);
    }
}

/// `embedded::NAME` and `postgres::NAME` tests running `NAME(store config)`.
macro_rules! on_both_stores {
    ($name:ident) => {
        mod $name {
            #[test]
            fn embedded() {
                super::$name(|d| mcp_registry::store::StoreConfig::embedded(d.join("r.redb")));
            }

            #[test]
            fn postgres() {
                super::$name(|_| mcp_registry::store::StoreConfig::Postgres {
                    url: super::pg::fresh_database(),
                    pool_size: 4,
                });
            }
        }
    };
}

/// The fixture and a store synced into through the library.
struct World {
    f: Fixture,
    store: Arc<dyn Store>,
    sync: Sync,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for World {
    type Target = Fixture;
    fn deref(&self) -> &Fixture {
        &self.f
    }
}

impl World {
    fn new(store_config: impl FnOnce(&Path) -> StoreConfig) -> World {
        let f = Fixture::new();
        let dir = tempfile::tempdir().unwrap();
        let config_store = store_config(dir.path());
        let store = f.runtime.block_on(store::open(&config_store)).unwrap();
        let host = f.host.clone();
        let root = TrustRoot::from_json(f.trusted_root.as_bytes()).unwrap();
        let verifier = SigstoreVerifier::new(
            root,
            std::slice::from_ref(&host),
            std::slice::from_ref(&host),
            true,
            Duration::from_secs(10),
        )
        .unwrap();
        let mut config = ServeConfig::new(config_store, dir.path());
        config.allowed_registries.push(host.clone());
        config.insecure_registries.push(host.clone());
        config.allow_loopback_registries = true;
        let publisher = Arc::new(Publisher::from_config(
            &config,
            store.clone(),
            Arc::new(verifier),
            None,
        ));
        World {
            sync: Sync::new(publisher, store.clone()),
            f,
            store,
            _dir: dir,
        }
    }

    fn official(&self) -> Report {
        let limits = Limits {
            retries: 1,
            backoff: Duration::from_millis(10),
            timeout: Duration::from_secs(5),
            ..Limits::default()
        };
        self.runtime
            .block_on(self.sync.official(&self.base, false, limits))
            .unwrap()
    }

    /// The label of this fixture's official upstream.
    fn official_source(&self) -> String {
        format!("official {}", self.base)
    }

    fn promote(&self) -> Report {
        self.promote_to(&[self.official_source()])
    }

    fn promote_to(&self, sources: &[String]) -> Report {
        let binding = Namespace {
            name: ACME.into(),
            signer_identity_regexp: r"https://github\.com/acme/.+".into(),
            signer_issuer: ISSUER.into(),
            source_repository_id: None,
            owner_id: None,
            created_at: jiff::Timestamp::now(),
        };
        self.runtime
            .block_on(self.sync.promote(ACME, sources, Some(binding), "admin-cli"))
            .unwrap()
    }

    fn outcomes(report: &Report) -> Vec<(String, Outcome, Vec<String>)> {
        let mut all: Vec<_> = report
            .items
            .iter()
            .map(|i| {
                (
                    format!("{}@{}", i.name, i.version),
                    i.outcome,
                    i.codes.clone(),
                )
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

fn item(name: &str, outcome: Outcome, codes: &[&str]) -> (String, Outcome, Vec<String>) {
    (
        name.to_owned(),
        outcome,
        codes.iter().map(|c| (*c).to_owned()).collect(),
    )
}

/// The whole story on one store: a first sync mirrors everything (the
/// namespace is not open to sync), a promotion publishes what verifies
/// under its policy, an incremental sync changes nothing, and nothing
/// unverified ever reaches the log the catalog is signed from.
fn sync_mirrors_then_promotion_publishes_what_verifies(
    store_config: impl FnOnce(&Path) -> StoreConfig,
) {
    let w = World::new(store_config);
    let extra = vec![
        listed(
            w.declared("2.0.0", &w.acme_image, "acme/weather"),
            "active",
            "2026-12-01T00:00:00Z",
        ),
        listed(
            w.bare("2.0.1", &w.acme_image),
            "active",
            "2026-12-02T00:00:00Z",
        ),
        listed(
            w.declared("2.1.0", &w.other_image, "mallory/weather"),
            "active",
            "2026-12-03T00:00:00Z",
        ),
    ];
    w.serve(extra, vec![], Second::Page);

    let first = w.official();
    assert!(first.complete(), "{}", first.human());
    assert_eq!(first.pages, Some(2));
    let closed = ["sync-namespace-closed"];
    assert_eq!(
        World::outcomes(&first),
        vec![
            item(
                "io.github.acme/files@0.3.0",
                Outcome::Mirrored,
                &["import-no-oci-package"]
            ),
            item(
                "io.github.acme/weather@1.4.2",
                Outcome::Mirrored,
                &["image-tag-only"]
            ),
            item("io.github.acme/weather@2.0.0", Outcome::Mirrored, &closed),
            item("io.github.acme/weather@2.0.1", Outcome::Mirrored, &closed),
            item("io.github.acme/weather@2.1.0", Outcome::Mirrored, &closed),
            item("io.github.zeta/notes@2.0.0", Outcome::Skipped, &[]),
        ]
    );
    // The latest updatedAt listed is where the next run starts.
    assert_eq!(
        first.next_updated_since.as_deref(),
        Some("2026-12-03T00:00:00Z")
    );
    let (log, mirrored) = w.runtime.block_on(async {
        (
            w.store.log_size().await.unwrap(),
            w.store.mirrored("", None, 1000).await.unwrap(),
        )
    });
    assert_eq!(log, 0, "nothing mirrored is logged, so nothing is signed");
    assert_eq!(mirrored.len(), 5);
    let files = mirrored
        .iter()
        .find(|m| m.name.ends_with("/files"))
        .unwrap();
    assert_eq!(files.manifest, None);
    assert_eq!(files.upstream_status.as_deref(), Some("deprecated"));
    assert!(files.source.starts_with("official http://127.0.0.1:"));

    let promoted = w.promote();
    assert_eq!(
        World::outcomes(&promoted),
        vec![
            item(
                "io.github.acme/files@0.3.0",
                Outcome::MirroredUnchanged,
                &["import-no-oci-package"]
            ),
            item(
                "io.github.acme/weather@1.4.2",
                Outcome::Mirrored,
                &["image-tag-only"]
            ),
            item("io.github.acme/weather@2.0.0", Outcome::Verified, &[]),
            item("io.github.acme/weather@2.0.1", Outcome::Verified, &[]),
            item(
                "io.github.acme/weather@2.1.0",
                Outcome::Mirrored,
                &["signer-identity-outside-namespace"]
            ),
        ]
    );
    let (stored, bare, mirrored, log) = w.runtime.block_on(async {
        (
            w.store
                .version("io.github.acme/weather", "2.0.0")
                .await
                .unwrap()
                .unwrap(),
            w.store
                .version("io.github.acme/weather", "2.0.1")
                .await
                .unwrap()
                .unwrap(),
            w.store.mirrored("", None, 1000).await.unwrap(),
            w.store.log_size().await.unwrap(),
        )
    });
    assert_eq!(log, 2);
    assert_eq!(stored.publisher, "sync");
    assert_eq!(
        stored.signer.keyless.identity,
        workflow("acme/weather").workflow_uri()
    );
    assert_eq!(
        stored.entry.image,
        format!("{}/acme/weather@{}", w.host, w.acme_image.digest)
    );
    // A bare server.json is published with what the upstream says and no more.
    let m: Value = serde_json::from_str(&bare.manifest).unwrap();
    assert_eq!(
        m["_meta"]["dev.mcp-trust/security"]["network"],
        json!({"egress": ["*"]})
    );
    assert_eq!(m["_meta"]["dev.mcp-trust/security"]["tools"], json!([]));
    assert_eq!(
        mirrored
            .iter()
            .map(|m| m.version.as_str())
            .collect::<Vec<_>>(),
        ["0.3.0", "1.4.2", "2.1.0"]
    );

    // Incremental: the watermark is sent, and nothing changes.
    let again = w.official();
    assert!(again.complete(), "{}", again.human());
    let queries = w.upstream.queries.lock().unwrap().clone();
    assert!(
        queries
            .iter()
            .rev()
            .take(2)
            .all(|q| q.contains("updated_since=2026-12-02T23%3A50%3A00Z")),
        "{queries:?}"
    );
    assert_eq!(again.count(Outcome::Unchanged), 2, "{}", again.human());
    assert_eq!(
        again.count(Outcome::MirroredUnchanged),
        3,
        "{}",
        again.human()
    );
    assert_eq!(
        again.count(Outcome::Verified) + again.count(Outcome::Mirrored),
        0
    );
    assert_eq!(w.runtime.block_on(w.store.log_size()).unwrap(), 2);

    // Every step is in the audit log.
    let audit = w.runtime.block_on(w.store.audit(0, 1000)).unwrap();
    let seen = |actor: &str, action: &str, subject: &str, outcome: AuditOutcome| {
        audit.iter().any(|r| {
            r.event.actor == actor
                && r.event.action == action
                && r.event.subject.starts_with(subject)
                && r.event.outcome == outcome
        })
    };
    assert!(seen(
        "sync",
        "publish",
        "io.github.acme/weather@2.0.0",
        AuditOutcome::Accepted
    ));
    assert!(seen(
        "sync",
        "publish",
        "io.github.acme/weather@2.1.0",
        AuditOutcome::Rejected
    ));
    assert!(seen(
        "sync",
        "sync.mirror",
        "io.github.acme/files@0.3.0",
        AuditOutcome::Accepted
    ));
    assert!(seen(
        "sync",
        "sync",
        "official http://127.0.0.1:",
        AuditOutcome::Accepted
    ));
    assert!(seen("admin-cli", "sync.open", ACME, AuditOutcome::Accepted));
    assert!(seen(
        "admin-cli",
        "namespace.create",
        ACME,
        AuditOutcome::Accepted
    ));
    let rejected = audit
        .iter()
        .find(|r| r.event.subject == "io.github.acme/weather@2.1.0" && r.event.action == "publish")
        .unwrap();
    assert!(
        rejected.event.detail.contains("from official http://"),
        "{:?}",
        rejected.event
    );
}

on_both_stores!(sync_mirrors_then_promotion_publishes_what_verifies);

/// A connection cut mid-page (every retry): what was read is taken in, the
/// run says it did not complete, the watermark does not move; the next run
/// reads everything and completes.
#[test]
fn a_walk_cut_mid_page_keeps_what_it_read_and_the_next_run_completes() {
    let w = World::new(|d| StoreConfig::embedded(d.join("r.redb")));
    w.promote();
    let extra = vec![listed(
        w.declared("2.0.0", &w.acme_image, "acme/weather"),
        "active",
        "2026-12-01T00:00:00Z",
    )];
    let second = vec![listed(
        w.bare("2.0.1", &w.acme_image),
        "active",
        "2026-12-02T00:00:00Z",
    )];
    w.serve(extra.clone(), second.clone(), Second::Cut);
    let cut = w.official();
    assert!(!cut.complete());
    let error = cut.source_error.clone().unwrap();
    assert!(error.starts_with("page 2 "), "{error}");
    assert_eq!(cut.next_updated_since, None);
    assert!(
        cut.human().contains("run the sync again"),
        "{}",
        cut.human()
    );
    assert_eq!(cut.count(Outcome::Verified), 1, "{}", cut.human());
    let key = format!("watermark/official {}", w.base);
    assert_eq!(w.runtime.block_on(w.store.sync_value(&key)).unwrap(), None);
    let audit = w.runtime.block_on(w.store.audit(0, 1000)).unwrap();
    let run = audit
        .iter()
        .rev()
        .find(|r| r.event.action == "sync")
        .unwrap();
    assert_eq!(run.event.outcome, AuditOutcome::Rejected);
    assert_eq!(run.event.codes, ["sync-source-incomplete"]);

    w.serve(extra, second, Second::Page);
    let healed = w.official();
    assert!(healed.complete(), "{}", healed.human());
    assert_eq!(
        w.upstream
            .queries
            .lock()
            .unwrap()
            .last()
            .map(|q| q.contains("updated_since")),
        Some(false),
        "no watermark was saved, so the whole registry is read again"
    );
    assert_eq!(healed.count(Outcome::Unchanged), 1);
    assert_eq!(healed.count(Outcome::Verified), 1);
    assert_eq!(
        w.runtime
            .block_on(w.store.sync_value(&key))
            .unwrap()
            .as_deref(),
        Some("2026-12-02T00:00:00Z")
    );
}

/// An upstream dating a version in the future cannot push the watermark
/// past the run, which would hide every later change.
#[test]
fn a_version_dated_in_the_future_does_not_move_the_watermark_past_now() {
    let w = World::new(|d| StoreConfig::embedded(d.join("r.redb")));
    let before = jiff::Timestamp::now();
    w.serve(
        vec![listed(
            w.bare("2.0.1", &w.acme_image),
            "active",
            "2099-01-01T00:00:00Z",
        )],
        vec![],
        Second::Page,
    );
    let report = w.official();
    assert!(report.complete(), "{}", report.human());
    let saved: jiff::Timestamp = report.next_updated_since.unwrap().parse().unwrap();
    assert!(
        saved >= before && saved <= jiff::Timestamp::now(),
        "{saved}"
    );
}

/// ToolHive's file (its provenance is the declared signer) and Docker's
/// catalog (tags, not digests) go through the same checks.
#[test]
fn toolhive_and_docker_catalog_sources_go_through_the_same_checks() {
    let w = World::new(|d| StoreConfig::embedded(d.join("r.redb")));
    w.promote_to(&["toolhive registry.json".to_owned()]);
    let image = format!("{}/acme/weather@{}", w.host, w.acme_image.digest);
    let other = format!("{}/acme/weather@{}", w.host, w.other_image.digest);
    let entry = |version: &str, image: &str, repo: &str| {
        json!({"name": format!("{ACME}/weather"), "description": "Weather", "version": version,
            "packages": [{"registryType": "oci", "identifier": image, "transport": {"type": "stdio"}}],
            "_meta": {"io.modelcontextprotocol.registry/publisher-provided": {"io.github.stacklok": {
                image: {"status": "Active",
                    "permissions": {"network": {"outbound": {"allow_host": ["api.acme.example"], "allow_port": [443]}}},
                    "provenance": {"cert_issuer": ISSUER,
                        "repository_uri": format!("https://github.com/{repo}"),
                        "signer_identity": ".github/workflows/release.yml"}}}}}})
    };
    let file = json!({"version": "1.0.0", "meta": {"last_updated": "2026-12-01T00:00:00Z"},
    "data": {"servers": [
        entry("3.0.0", &image, "acme/weather"),
        // acme's image, but the file says mallory's workflow signed it: no.
        entry("3.0.1", &image, "mallory/weather"),
        // mallory's image declaring mallory's workflow: verifies, outside the binding.
        entry("3.0.2", &other, "mallory/weather"),
    ]}});
    let candidates = mcp_trust::import::upstream::toolhive_file(
        file.to_string().as_bytes(),
        "io.github.stacklok",
    )
    .unwrap();
    let report = w
        .runtime
        .block_on(
            w.sync
                .candidates("toolhive registry.json", candidates, None),
        )
        .unwrap();
    assert_eq!(
        World::outcomes(&report),
        vec![
            item("io.github.acme/weather@3.0.0", Outcome::Verified, &[]),
            item(
                "io.github.acme/weather@3.0.1",
                Outcome::Mirrored,
                &["image-verification-failed"]
            ),
            item(
                "io.github.acme/weather@3.0.2",
                Outcome::Mirrored,
                &["signer-identity-outside-namespace"]
            ),
        ]
    );
    let stored = w
        .runtime
        .block_on(w.store.version("io.github.acme/weather", "3.0.0"))
        .unwrap()
        .unwrap();
    let m: Value = serde_json::from_str(&stored.manifest).unwrap();
    assert_eq!(
        m["_meta"]["dev.mcp-trust/security"]["network"],
        json!({"egress": ["api.acme.example:443"]})
    );

    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus/docker-mcp-registry");
    let candidates =
        mcp_registry::sync::docker_catalog(&corpus, "io.github.docker.mcp-registry").unwrap();
    assert!(candidates.len() > 300, "{}", candidates.len());
    let n = candidates.len();
    let report = w
        .runtime
        .block_on(
            w.sync
                .candidates("docker-catalog servers", candidates, None),
        )
        .unwrap();
    assert!(report.complete(), "{}", report.summary());
    assert_eq!(report.count(Outcome::Verified), 0);
    assert_eq!(
        report.count(Outcome::Mirrored) + report.count(Outcome::Skipped),
        n
    );
    assert_eq!(
        w.runtime.block_on(w.store.log_size()).unwrap(),
        1,
        "only 3.0.0 is logged"
    );
}

/// A child process killed when dropped, a failed assertion included.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn registry(data: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mcp-registry"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("MCP_REGISTRY_DATABASE_URL")
        .env_remove("MCP_REGISTRY_CONFIG")
        .output()
        .unwrap()
}

fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The binary as an operator runs it: `sync promote`, `sync official`
/// (exit 1 while the upstream is unreachable), `serve --sync-official`
/// syncing in the background into what it serves, `sync list`, and a
/// ToolHive file that is not one.
#[test]
fn the_binary_promotes_syncs_in_the_background_and_lists_the_mirrored_tier() {
    let f = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let root = dir.path().join("trusted_root.json");
    std::fs::write(&root, &f.trusted_root).unwrap();
    let verify: Vec<String> = vec![
        "--trusted-root".into(),
        root.display().to_string(),
        "--allowed-registry".into(),
        f.host.clone(),
        "--insecure-registry".into(),
        f.host.clone(),
        "--allow-loopback-registries".into(),
    ];
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .map(|a| (*a).to_owned())
            .chain(verify.iter().cloned())
            .collect()
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        registry(&data, &args)
    };

    let out = registry(&data, &["sync", "list"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out).0.contains("0 version(s) in the mirrored tier"),
        "{:?}",
        text(&out)
    );

    let out = run(with(&[
        "sync",
        "promote",
        "--namespace",
        ACME,
        "--from",
        &f.base,
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out)
            .1
            .contains("give --signer-identity-regexp and --signer-issuer"),
        "{:?}",
        text(&out)
    );

    let out = run(with(&[
        "sync",
        "promote",
        "--namespace",
        ACME,
        "--from",
        &f.base,
        "--signer-identity-regexp",
        r"https://github\.com/acme/.+",
        "--signer-issuer",
        ISSUER,
    ]));
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out).0.contains("promote io.github.acme: 0 verified"),
        "{:?}",
        text(&out)
    );

    let out = run(with(&[
        "sync",
        "official",
        "http://127.0.0.1:9",
        "--timeout-secs",
        "1",
        "--retries",
        "0",
    ]));
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("source not read to the end: page 1"),
        "{stdout}"
    );
    assert!(stdout.contains("run the sync again"), "{stdout}");
    assert!(
        stderr.contains("the sync did not complete; run it again"),
        "{stderr}"
    );

    f.serve(
        vec![listed(
            f.declared("2.0.0", &f.acme_image, "acme/weather"),
            "active",
            "2026-12-01T00:00:00Z",
        )],
        vec![],
        Second::Page,
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let serve_args = with(&["serve", "--listen", &listen, "--sync-official", &f.base]);
    let server = Killed(
        std::process::Command::new(env!("CARGO_BIN_EXE_mcp-registry"))
            .arg("--data-dir")
            .arg(&data)
            .args(&serve_args)
            .env_remove("MCP_REGISTRY_DATABASE_URL")
            .env_remove("MCP_REGISTRY_CONFIG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://{listen}/v0.1/servers/io.github.acme%2Fweather/versions/2.0.0");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let served = loop {
        let up = std::net::TcpStream::connect(&listen).is_ok();
        if up {
            let a = crate::support::get(&url, None);
            if a.status == 200 || std::time::Instant::now() > deadline {
                break a;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    drop(server);
    assert_eq!(served.status, 200, "{}", served.text);
    assert_eq!(served.body["server"]["version"], "2.0.0");

    let out = registry(&data, &["sync", "list", "--output", "json"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let versions: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["version"].as_str().unwrap(),
                r["codes"][0].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            ("0.3.0", "import-no-oci-package"),
            ("1.4.2", "image-tag-only")
        ]
    );

    let bad = dir.path().join("registry.json");
    std::fs::write(&bad, "[]").unwrap();
    let out = run(with(&["sync", "toolhive", bad.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out)
            .1
            .contains("registry.json: not a ToolHive registry file"),
        "{:?}",
        text(&out)
    );
}

/// A namespace opened to one source is closed to every other: a ToolHive
/// file cannot squat versions of a namespace opened to the official
/// registry, however the image is signed; and a namespace closed again
/// takes nothing more from the source it was open to.
#[test]
fn a_namespace_opened_to_one_source_is_closed_to_the_others_and_can_be_closed() {
    let w = World::new(|d| StoreConfig::embedded(d.join("r.redb")));
    w.promote();
    let squat = Candidate {
        name: format!("{ACME}/weather"),
        version: "99.0.0".into(),
        upstream: json!({}),
        status: None,
        manifest: Some(w.declared("99.0.0", &w.acme_image, "acme/weather")),
        findings: vec![],
    };
    let report = w
        .runtime
        .block_on(
            w.sync
                .candidates("toolhive /tmp/evil.json", vec![squat], None),
        )
        .unwrap();
    assert_eq!(
        World::outcomes(&report),
        vec![item(
            "io.github.acme/weather@99.0.0",
            Outcome::Mirrored,
            &["sync-namespace-closed"]
        )]
    );
    assert!(report.items[0].detail.contains("toolhive /tmp/evil.json"));
    assert_eq!(w.runtime.block_on(w.store.log_size()).unwrap(), 0);

    let opening = w
        .runtime
        .block_on(mcp_registry::sync::close(
            w.store.clone(),
            ACME,
            &[w.official_source()],
            "admin-cli",
        ))
        .unwrap();
    assert!(opening.sources.is_empty());
    w.serve(
        vec![listed(
            w.declared("2.0.0", &w.acme_image, "acme/weather"),
            "active",
            "2026-12-01T00:00:00Z",
        )],
        vec![],
        Second::Page,
    );
    let report = w.official();
    let closed = report.items.iter().find(|i| i.version == "2.0.0").unwrap();
    assert_eq!(closed.outcome, Outcome::Mirrored);
    assert_eq!(closed.codes, ["sync-namespace-closed"]);
    assert_eq!(w.runtime.block_on(w.store.log_size()).unwrap(), 0);
    let audit = w.runtime.block_on(w.store.audit(0, 1000)).unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.event.action == "sync.close" && r.event.subject == ACME)
    );
}

/// Names and versions an upstream invents (a NUL PostgreSQL refuses, a
/// name longer than an index row, lines and escape sequences for the
/// operator's terminal) are skipped before any store call: the run
/// completes and stores nothing of them.
fn hostile_names_are_skipped_and_never_stored(store_config: impl FnOnce(&Path) -> StoreConfig) {
    let w = World::new(store_config);
    let candidate = |name: String, version: &str| Candidate {
        name,
        version: version.into(),
        upstream: json!({}),
        status: None,
        manifest: None,
        findings: vec![],
    };
    let candidates = vec![
        candidate("io.github.evil/a\u{0}".into(), "1.0.0"),
        candidate(format!("io.github.evil/{}", "名".repeat(3000)), "1.0.0"),
        candidate(
            "io.github.evil/w\nverified  io.github.acme/fake 9.9.9".into(),
            "1.0.0",
        ),
        candidate(
            "io.github.evil/w".into(),
            "1.0.0\u{1b}[2J\u{1b}]0;pwned\u{7}",
        ),
        candidate("io.github.evil/w".into(), &"9".repeat(300)),
    ];
    let report = w
        .runtime
        .block_on(w.sync.candidates("toolhive evil.json", candidates, None))
        .unwrap();
    assert!(report.complete(), "{}", report.human());
    assert!(
        report
            .items
            .iter()
            .all(|i| i.outcome == Outcome::Skipped && i.codes == ["sync-name-invalid"]),
        "{:?}",
        report.items
    );
    let shown = report.human();
    assert!(
        !shown.contains('\u{1b}') && !shown.contains("\nverified"),
        "{shown}"
    );
    assert!(shown.contains("\\u{1b}"), "{shown}");
    assert_eq!(
        w.runtime
            .block_on(w.store.mirrored("", None, 10))
            .unwrap()
            .len(),
        0
    );
}

on_both_stores!(hostile_names_are_skipped_and_never_stored);

/// A version deleted in one source leaves another source's record alone;
/// a version kept a day ago is checked again even with the same bytes.
#[test]
fn deletions_are_per_source_and_old_verdicts_are_checked_again() {
    let w = World::new(|d| StoreConfig::embedded(d.join("r.redb")));
    w.serve(
        vec![listed(
            w.declared("2.0.0", &w.acme_image, "acme/weather"),
            "active",
            "2026-12-01T00:00:00Z",
        )],
        vec![],
        Second::Page,
    );
    assert!(w.official().complete());
    let other = mcp_registry::model::MirroredRecord {
        name: "io.github.zeta/notes".into(),
        version: "2.0.0".into(),
        source: "toolhive /srv/zeta.json".into(),
        upstream: "{}".into(),
        upstream_sha256: "00".repeat(32),
        manifest: None,
        upstream_status: None,
        codes: vec!["import-no-oci-package".into()],
        detail: String::new(),
        first_seen: jiff::Timestamp::now(),
        checked_at: jiff::Timestamp::now(),
    };
    w.runtime
        .block_on(w.store.put_mirrored(&other, None))
        .unwrap();
    // The recorded second page lists zeta/notes 2.0.0 as deleted.
    let again = w.official();
    let zeta = again
        .items
        .iter()
        .find(|i| i.name == "io.github.zeta/notes")
        .unwrap();
    assert_eq!(
        (zeta.outcome, zeta.detail.as_str()),
        (Outcome::Skipped, "deleted upstream")
    );
    assert!(
        w.runtime
            .block_on(w.store.mirrored_version(
                "io.github.zeta/notes",
                "2.0.0",
                "toolhive /srv/zeta.json"
            ))
            .unwrap()
            .is_some(),
        "another source's record stays"
    );
    let weather = again
        .items
        .iter()
        .find(|i| i.version == "2.0.0" && i.name.ends_with("/weather"))
        .unwrap();
    assert_eq!(weather.outcome, Outcome::MirroredUnchanged);

    let mut kept = w
        .runtime
        .block_on(
            w.store
                .mirrored_version("io.github.acme/weather", "2.0.0", &w.official_source()),
        )
        .unwrap()
        .unwrap();
    kept.checked_at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(25);
    w.runtime
        .block_on(w.store.put_mirrored(&kept, None))
        .unwrap();
    let third = w.official();
    let weather = third
        .items
        .iter()
        .find(|i| i.version == "2.0.0" && i.name.ends_with("/weather"))
        .unwrap();
    assert_eq!(
        weather.outcome,
        Outcome::Mirrored,
        "checked again after a day"
    );
}

/// A Docker catalog checkout cannot make the tier hold a file from outside
/// it: a symlinked `tools.json` (or `server.yaml`) is refused by name.
#[test]
fn symlinks_in_a_docker_catalog_checkout_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("servers/markitdown");
    std::fs::create_dir_all(&server).unwrap();
    std::fs::write(
        server.join("server.yaml"),
        "name: markitdown\nimage: mcp/markitdown\ntype: server\n",
    )
    .unwrap();
    let secret = dir.path().join("secret.key");
    std::fs::write(&secret, "-----BEGIN PRIVATE KEY-----").unwrap();
    std::os::unix::fs::symlink(&secret, server.join("tools.json")).unwrap();
    let e = mcp_registry::sync::docker_catalog(&dir.path().join("servers"), "io.github.docker")
        .unwrap_err();
    assert!(e.contains("is not a plain file"), "{e}");
    std::fs::remove_file(server.join("tools.json")).unwrap();
    assert_eq!(
        mcp_registry::sync::docker_catalog(&dir.path().join("servers"), "io.github.docker")
            .unwrap()
            .len(),
        1
    );
}

/// Two sources listing one version (ToolHive mirrors official entries)
/// each keep their record: a promotion from the first finds its own.
#[test]
fn overlapping_sources_keep_their_own_records() {
    let w = World::new(|d| StoreConfig::embedded(d.join("r.redb")));
    let bare = w.bare("2.0.1", &w.acme_image);
    w.serve(
        vec![listed(bare.clone(), "active", "2026-12-01T00:00:00Z")],
        vec![],
        Second::Page,
    );
    assert!(w.official().complete());
    let from_toolhive = Candidate {
        name: format!("{ACME}/weather"),
        version: "2.0.1".into(),
        upstream: json!({"listed": "by toolhive"}),
        status: None,
        manifest: Some(bare),
        findings: vec![],
    };
    w.runtime
        .block_on(
            w.sync
                .candidates("toolhive /srv/thv.json", vec![from_toolhive], None),
        )
        .unwrap();
    let records = w
        .runtime
        .block_on(w.store.mirrored(&format!("{ACME}/weather"), None, 100))
        .unwrap()
        .into_iter()
        .filter(|r| r.version == "2.0.1")
        .map(|r| r.source)
        .collect::<Vec<_>>();
    assert_eq!(
        records,
        [w.official_source(), "toolhive /srv/thv.json".to_owned()]
    );
    // Promoted from the official source: its record is published and
    // leaves the tier; ToolHive's stays until ToolHive is synced again.
    let promoted = w.promote();
    assert!(
        promoted
            .items
            .iter()
            .any(|i| i.version == "2.0.1" && i.outcome == Outcome::Verified),
        "{}",
        promoted.human()
    );
    let left: Vec<String> = w
        .runtime
        .block_on(w.store.mirrored(&format!("{ACME}/weather"), None, 100))
        .unwrap()
        .into_iter()
        .filter(|r| r.version == "2.0.1")
        .map(|r| r.source)
        .collect();
    assert_eq!(left, ["toolhive /srv/thv.json"]);
}
