//! Catalog budgets on `POST /v0.1/publish`: one publisher must not be able to
//! grow a shard past what gateways accept (8 MiB), which would stop every
//! gateway from learning anything again, revocations included. Each test
//! performs the attack over real HTTP, checks the exact refusal, that nothing
//! was stored, and that a gateway (the library client over HTTP) still pulls.
//!
//! The namespace and shard attacks run at 1/128 scale: the registry's
//! budgets and the gateway's shard cap are both divided by 128, so the
//! ~100 publishes of ordinary entries stand for the ~11,000 the real
//! attack needs. The entry and server budgets are tested at their defaults.
//! Grinding server names into one bin is cheap (one name in 256 lands
//! there): one namespace is stopped at its part of the shard, and filling
//! the shard takes at least 24 namespaces.

use crate::support::{Answer, get, post_json};
use mcp_registry::config::ServeConfig;
use mcp_registry::model::Outcome;
use mcp_registry::testing::{ALLOWED_HOST, ISSUER, TestServer, acme_signer, digest, manifest};
use mcp_trust::catalog::client::{Client, ClientError, HttpFetcher, Options, StateDir};
use mcp_trust::catalog::model::KeylessSigner;
use mcp_trust::catalog::{
    Entry, MAX_ENTRY_BYTES, MAX_NAMESPACE_SHARD_BYTES, MAX_SERVER_ENTRY_BYTES, MAX_SHARD_BYTES,
    Signer, shard_of,
};
use serde_json::{Value, json};
use std::time::Duration;

/// The bin every ground name lands in.
const BIN: u8 = 0x5e;

/// The gateway's shard cap and the registry's budgets at 1/128 scale.
const SCALED_GATEWAY_SHARD_CAP: u64 = (8 << 20) / 128;

/// A namespace's part of one shard at 1/128 scale.
const SCALED_NAMESPACE_SHARD: u64 = MAX_NAMESPACE_SHARD_BYTES / 128;
/// The shard budget at 1/128 scale.
const SCALED_SHARD: u64 = MAX_SHARD_BYTES / 128;

fn scaled(c: &mut ServeConfig) {
    c.limits.budget.entry = 2 << 10;
    c.limits.budget.server = MAX_SERVER_ENTRY_BYTES / 128;
    c.limits.budget.namespace = (2 << 20) / 128;
    c.limits.budget.namespace_shard = SCALED_NAMESPACE_SHARD;
    c.limits.budget.shard = SCALED_SHARD;
    c.limits.budget.check().unwrap();
}

fn publish_url(s: &TestServer) -> String {
    format!("{}/v0.1/publish", s.base)
}

/// A manifest of `name`@`version` whose image verifies, signed by the acme
/// signer, with `egress` extra egress rules of ~200 bytes each.
fn signed(s: &TestServer, name: &str, version: &str, egress: usize) -> Value {
    let d = digest(&format!("{name}@{version}"));
    s.verifier.sign(&d, acme_signer());
    let mut m = manifest(name, version, ALLOWED_HOST, &d);
    m["_meta"]["dev.mcp-trust/security"]["network"] = json!({ "egress": egress_rules(egress) });
    m
}

/// The manifest's own rule and `n` more of ~200 bytes.
fn egress_rules(n: usize) -> Vec<Value> {
    let label = |c: char| c.to_string().repeat(60);
    let mut rules = vec![Value::from("api.acme-weather.example:443")];
    for i in 0..n {
        rules.push(
            format!(
                "h{i}.{}.{}.{}.example.com:443",
                label('a'),
                label('b'),
                label('c')
            )
            .into(),
        );
    }
    rules
}

/// The most egress rules [`signed`] may add while the entry stays within `budget`.
fn rules_within(budget: u64) -> usize {
    (0..)
        .find(|n| {
            let mut m = manifest(
                "io.github.acme/weather",
                "1.100.0",
                ALLOWED_HOST,
                &digest("x"),
            );
            m["_meta"]["dev.mcp-trust/security"]["network"] =
                json!({ "egress": egress_rules(n + 1) });
            entry_bytes(&m) > budget
        })
        .unwrap()
}

/// The budget bytes of the entry the registry makes of `m`, or at most 9
/// more (its publication time has up to nine fractional digits).
fn entry_bytes(m: &Value) -> u64 {
    let report = mcp_trust::manifest::validate(
        m.to_string().as_bytes(),
        mcp_trust::manifest::ValidateOptions::default(),
    );
    let signer = Signer::Keyless(KeylessSigner {
        identity: acme_signer().keyless.identity,
        issuer: ISSUER.into(),
    });
    let at = "2025-01-01T00:00:00.123456789Z".parse().unwrap();
    Entry::from_manifest(&report.manifest.unwrap(), signer, false, at, 0)
        .unwrap()
        .budget_bytes()
        .unwrap()
}

/// A server name of `namespace` in [`BIN`]: the grinding a publisher does to
/// aim at one shard (1 name in 256 lands there).
fn ground_names(namespace: &str) -> impl Iterator<Item = String> {
    (0..)
        .map(move |i| format!("{namespace}/s{i}"))
        .filter(|n| shard_of(n) == BIN)
}

/// Creates namespace `name` (bound to the acme signer) and returns a publish token for it.
fn namespace(s: &TestServer, name: &str) -> String {
    let a = post_json(
        &format!("{}/v0.1/admin/namespaces", s.base),
        Some(&s.admin_token),
        &json!({
            "name": name,
            "signerIdentityRegexp": "https://github\\.com/acme/.+",
            "signerIssuer": ISSUER,
        }),
    );
    assert_eq!(a.status, 201, "{}", a.text);
    let t = post_json(
        &format!("{}/v0.1/admin/tokens", s.base),
        Some(&s.admin_token),
        &json!({"namespace": name}),
    );
    assert_eq!(t.status, 201, "{}", t.text);
    t.body["token"].as_str().unwrap().to_owned()
}

/// What a refusal must leave unchanged: log size, stored versions of the
/// refused server, and the served catalog.
#[derive(Debug, PartialEq, Eq)]
struct Stored {
    log_size: u64,
    versions: usize,
    catalog_version: u64,
}

fn stored(s: &TestServer, name: &str) -> Stored {
    // Let the signer catch up with every accepted publish first.
    let log_size = s.block_on(s.store.log_size()).unwrap();
    let snapshot = s.wait_for_catalog(log_size);
    Stored {
        log_size,
        versions: s.block_on(s.store.versions(name)).unwrap().len(),
        catalog_version: snapshot.version,
    }
}

/// Asserts the refusal, that nothing was stored for it, and its audit record.
#[track_caller]
fn assert_refused(
    s: &TestServer,
    a: &Answer,
    status: u16,
    code: &str,
    name: &str,
    before: &Stored,
) {
    a.assert_problem(status, code);
    assert!(a.text.contains("nothing was stored"), "{}", a.text);
    // Nothing stored: no version, no log leaf, no new catalog.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(&stored(s, name), before);
    let audit = s.block_on(s.store.audit(0, 100_000)).unwrap();
    let last = &audit.last().unwrap().event;
    assert_eq!(
        (last.outcome, last.codes.clone(), last.action.as_str()),
        (Outcome::Rejected, vec![code.to_owned()], "publish")
    );
    let metrics = get(&format!("{}/metrics", s.base), None).text;
    let line = format!("mcp_registry_publish_budget_refusals_total{{code=\"{code}\"}} 1");
    assert!(
        metrics.lines().any(|l| l == line),
        "missing {line}\n{metrics}"
    );
}

/// A gateway's first pull of the whole catalog, with `shard_cap` as its
/// shard limit; returns the largest shard it accepted.
fn gateway_pull(s: &TestServer, shard_cap: u64) -> Result<u64, ClientError> {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::default();
    options.limits.shard = shard_cap;
    let client = Client::new(
        HttpFetcher::new(&s.base, Duration::from_secs(10)).unwrap(),
        *s.catalog.keys().root(),
        options,
    );
    let state = StateDir::open(dir.path()).unwrap();
    let pulled = client.pull(None, &state)?;
    state.commit(&pulled).unwrap();
    let largest = s.catalog.snapshot().unwrap().largest_shard_bytes();
    Ok(largest)
}

#[test]
fn an_entry_over_the_entry_budget_is_refused_before_verification() {
    let s = TestServer::start(|_| {});
    let name = "io.github.acme/weather";
    let most = rules_within(MAX_ENTRY_BYTES);
    // Two rules over: even without its signer (unknown before verification)
    // the entry is too large.
    let m = signed(&s, name, "1.100.0", most + 2);
    assert!(entry_bytes(&m) > MAX_ENTRY_BYTES, "{}", entry_bytes(&m));
    let before = stored(&s, name);
    let a = post_json(&publish_url(&s), Some(&s.acme_token), &m);
    assert_refused(&s, &a, 422, "entry-too-large", name, &before);
    assert!(a.text.contains("egress rules"), "{}", a.text);
    assert_eq!(s.verifier.calls(), 0, "refused before any verification");
    // Within the budget, but the verified signer's identity (part of the
    // entry) takes it over: refused after verification, in the store's
    // write transaction, and still nothing stored.
    let m = signed(&s, name, "1.100.0", most);
    let mut long = acme_signer();
    long.keyless.identity = format!(
        "https://github.com/acme/{}/.github/workflows/release.yml@refs/heads/main",
        "w".repeat(300)
    );
    let d = digest("long signer");
    s.verifier.sign(&d, long.clone());
    let mut with_long_signer = m.clone();
    let ext = &mut with_long_signer["_meta"]["dev.mcp-trust/security"];
    ext["image"] = format!("{ALLOWED_HOST}/acme/weather:1.100.0@{d}").into();
    ext["provenance"]["certificateIdentity"] = long.keyless.identity.into();
    let a = post_json(&publish_url(&s), Some(&s.acme_token), &with_long_signer);
    assert_eq!(s.verifier.calls(), 1, "{}", a.text);
    a.assert_problem(422, "entry-too-large");
    assert_eq!(stored(&s, name), before);
    // The same manifest with the ordinary signer fits.
    let ok = post_json(&publish_url(&s), Some(&s.acme_token), &m);
    assert_eq!(ok.status, 201, "{}", ok.text);
    gateway_pull(&s, Options::default().limits.shard).unwrap();
}

/// At the default budgets: versions of one server with entries just under
/// 8 KiB, until the registry refuses one.
#[test]
fn one_server_stops_at_its_budget_of_256_kib() {
    let s = TestServer::start(|_| {});
    let name = "io.github.acme/weather";
    let rules = rules_within(MAX_ENTRY_BYTES);
    let size = entry_bytes(&signed(&s, name, "1.100.0", rules));
    assert!(
        size < MAX_ENTRY_BYTES && size > MAX_ENTRY_BYTES - 512,
        "{size}"
    );
    let fit = MAX_SERVER_ENTRY_BYTES / (size - 9);
    let mut created = 0;
    let refusal = loop {
        assert!(
            created <= fit,
            "{created} versions of {size} bytes were stored"
        );
        let m = signed(&s, name, &format!("1.{}.0", 100 + created), rules);
        let before = stored(&s, name);
        let a = post_json(&publish_url(&s), Some(&s.acme_token), &m);
        if a.status != 201 {
            break (a, before);
        }
        created += 1;
    };
    let (a, before) = refusal;
    assert_refused(&s, &a, 409, "server-budget-exceeded", name, &before);
    // Refused only when the next entry would not fit.
    let usage = s.block_on(s.store.entry_usage(name)).unwrap().server;
    assert!(
        usage <= MAX_SERVER_ENTRY_BYTES && usage + size > MAX_SERVER_ENTRY_BYTES,
        "{created} versions, {usage} bytes"
    );
    assert!(a.text.contains(&format!("server `{name}`")), "{}", a.text);
    assert!(a.text.contains("ask the registry operator"), "{}", a.text);
    assert!(a.text.contains("Versions are immutable"), "{}", a.text);
    // An identical republish of a stored version still answers 200.
    let again = post_json(
        &publish_url(&s),
        Some(&s.acme_token),
        &signed(&s, name, "1.100.0", rules),
    );
    assert_eq!(again.status, 200, "{}", again.text);
    let largest = gateway_pull(&s, Options::default().limits.shard).unwrap();
    assert!(largest <= MAX_SERVER_ENTRY_BYTES + 64, "{largest}");
}

/// Entries of ~760 bytes one attack publishes into one shard at most: past
/// the gateway's shard cap at 1/128 scale (64 KiB), had nothing refused them.
const ATTACK_ENTRIES: usize = 100;

/// The end of an attack: the refusal that stopped it, what was stored just
/// before it, the refused server's name, and how many namespaces published
/// into [`BIN`].
struct Stopped {
    answer: Answer,
    before: Stored,
    name: String,
    namespaces: usize,
}

/// Publishes ordinary entries under names ground into [`BIN`], namespace
/// after namespace (moving to the next name when a server is full, to the
/// next namespace when one is full or has its part of the shard), until a
/// refusal of another kind or [`ATTACK_ENTRIES`] were stored.
fn grind(s: &TestServer, tokens: &[(String, String)]) -> Option<Stopped> {
    let mut published = 0;
    let mut namespaces = 0;
    for (ns, token) in tokens {
        let mut names = ground_names(ns);
        let mut name = names.next().unwrap();
        let mut version = 0;
        let mut here = 0;
        while published < ATTACK_ENTRIES {
            let m = signed(s, &name, &format!("1.0.{version}"), 0);
            let before = stored(s, &name);
            let a = post_json(&publish_url(s), Some(token), &m);
            match (a.status, a.code()) {
                (201, _) => {
                    published += 1;
                    version += 1;
                    here += 1;
                }
                (_, "server-budget-exceeded") => {
                    name = names.next().unwrap();
                    version = 0;
                }
                (_, "namespace-budget-exceeded" | "namespace-shard-budget-exceeded")
                    if tokens.len() > 1 =>
                {
                    break;
                }
                _ => {
                    return Some(Stopped {
                        answer: a,
                        before,
                        name,
                        namespaces: namespaces + usize::from(here > 0),
                    });
                }
            }
        }
        namespaces += usize::from(here > 0);
    }
    None
}

/// One namespace grinds server names into one bin and publishes ordinary
/// entries there. Without budgets, [`ATTACK_ENTRIES`] of them take the shard
/// past the gateway's cap and the gateway never pulls again; without the
/// budget of a namespace's part of a shard, it takes a third of the shard
/// (its whole namespace budget) and three namespaces fill it.
#[test]
fn a_namespace_grinding_names_into_one_shard_stops_at_its_part_of_it() {
    let s = TestServer::start(scaled);
    let refusal = grind(&s, &[("io.github.acme".into(), s.acme_token.clone())]);
    let largest = gateway_pull(&s, SCALED_GATEWAY_SHARD_CAP)
        .unwrap_or_else(|e| panic!("the gateway can no longer pull: {e}"));
    assert!(largest <= SCALED_NAMESPACE_SHARD + 64, "{largest}");
    let stopped = refusal.expect("the attack was never refused");
    let a = &stopped.answer;
    assert_refused(
        &s,
        a,
        409,
        "namespace-shard-budget-exceeded",
        &stopped.name,
        &stopped.before,
    );
    assert!(a.text.contains("namespace `io.github.acme`"), "{}", a.text);
    assert!(
        a.text.contains(&format!("catalog shard {BIN:02x}")),
        "{}",
        a.text
    );
    assert!(a.text.contains("--max-namespace-shard-bytes"), "{}", a.text);
    // Its servers in other bins still publish.
    let elsewhere = (0..)
        .map(|i| format!("io.github.acme/elsewhere{i}"))
        .find(|n| shard_of(n) != BIN)
        .unwrap();
    let ok = post_json(
        &publish_url(&s),
        Some(&s.acme_token),
        &signed(&s, &elsewhere, "1.0.0", 0),
    );
    assert_eq!(ok.status, 201, "{}", ok.text);
}

/// Many namespaces grind names into one bin: each is stopped at its part of
/// the shard, so filling the shard takes at least 24 of them (6 MiB / 256
/// KiB, here at 1/128 scale); the shard budget then stops them below the
/// gateway's cap, and every gateway still pulls.
#[test]
fn namespaces_grinding_names_into_one_shard_stop_at_its_budget_and_gateways_still_pull() {
    let s = TestServer::start(scaled);
    let mut tokens = vec![("io.github.acme".to_owned(), s.acme_token.clone())];
    for i in 1..48 {
        let ns = format!("io.github.mallory{i}");
        let token = namespace(&s, &ns);
        tokens.push((ns, token));
    }
    let refusal = grind(&s, &tokens);
    let largest = gateway_pull(&s, SCALED_GATEWAY_SHARD_CAP)
        .unwrap_or_else(|e| panic!("the gateway can no longer pull: {e}"));
    assert!(largest <= SCALED_SHARD, "{largest}");
    let stopped = refusal.expect("the attack was never refused");
    let (a, name) = (&stopped.answer, &stopped.name);
    assert_refused(&s, a, 409, "shard-budget-exceeded", name, &stopped.before);
    assert!(a.text.contains(&format!("shard {BIN:02x}")), "{}", a.text);
    assert!(
        stopped.namespaces >= (MAX_SHARD_BYTES / MAX_NAMESPACE_SHARD_BYTES) as usize,
        "{} namespaces filled the shard",
        stopped.namespaces
    );
    // Each namespace holds at most its part of the shard.
    for (ns, _) in &tokens {
        let used = s
            .block_on(s.store.entry_usage(&ground_names(ns).next().unwrap()))
            .unwrap()
            .namespace_shard;
        assert!(used <= SCALED_NAMESPACE_SHARD, "{ns}: {used}");
    }
    let metrics = get(&format!("{}/metrics", s.base), None).text;
    for line in [
        format!("mcp_registry_catalog_largest_shard_bytes {largest}"),
        format!("mcp_registry_catalog_shard_budget_bytes {SCALED_SHARD}"),
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line}\n{metrics}");
    }
}

/// Publishes racing for the last bytes of a server's budget over HTTP:
/// exactly as many are stored as fit.
#[test]
fn concurrent_publishes_do_not_share_the_last_bytes_of_a_budget() {
    let name = "io.github.acme/weather";
    let size = entry_bytes(&manifest(name, "2.100.0", ALLOWED_HOST, &digest("x")));
    // Room for two and a half entries.
    let s = TestServer::start(|c| {
        c.limits.verify_concurrency = 32;
        c.limits.budget.entry = size + 100;
        c.limits.budget.server = size * 5 / 2;
        c.limits.budget.check().unwrap();
    });
    // Every racer passes the check before verification (nothing is stored
    // yet), and verification takes a while, so all reach the store together.
    s.verifier.set_delay(Duration::from_millis(300));
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let m = signed(&s, name, &format!("2.{}.0", 100 + i), 0);
            let (url, token) = (publish_url(&s), s.acme_token.clone());
            std::thread::spawn(move || post_json(&url, Some(&token), &m))
        })
        .collect();
    let answers: Vec<Answer> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    let texts: Vec<&str> = answers.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(
        answers.iter().filter(|a| a.status == 201).count(),
        2,
        "{texts:#?}"
    );
    for a in answers.iter().filter(|a| a.status != 201) {
        a.assert_problem(409, "server-budget-exceeded");
    }
    assert_eq!(s.verifier.calls(), 8, "all eight were verified: {texts:#?}");
    assert_eq!(s.block_on(s.store.versions(name)).unwrap().len(), 2);
    gateway_pull(&s, Options::default().limits.shard).unwrap();
}

/// Log pages are cut by bytes: however large the records (here ~1.8 KB, a
/// long server name each), a page stays within 1 MiB, a quarter of the
/// gateway's cap, and the gateway reads the log in more, shorter pages.
#[test]
fn a_log_page_stays_within_a_mebibyte_whatever_the_records() {
    let s = TestServer::start(|_| {});
    let long = "x".repeat(1500);
    s.block_on(async {
        for i in 0..700 {
            let (record, audit) = mcp_registry::testing::bench_version(
                &format!("io.github.bench/{long}-{i:03}"),
                "1.0.0",
            )
            .unwrap();
            let outcome = s
                .store
                .publish(&record, &audit, &mcp_registry::testing::unlimited_budget())
                .await
                .unwrap();
            assert!(matches!(
                outcome,
                mcp_registry::store::PublishOutcome::Created(_)
            ));
        }
    });
    let size = s.block_on(s.store.log_size()).unwrap();
    s.wait_for_catalog(size);
    let a = get(
        &format!("{}/v0.1/log/entries?start=0&end=1000", s.base),
        None,
    );
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(a.text.len() <= 1 << 20, "{} bytes", a.text.len());
    let page: mcp_trust::log::EntriesPage = serde_json::from_str(&a.text).unwrap();
    let n = page.entries.len() as u64;
    assert!(n > 1 && n < size, "{n} of {size} records");
    // The next record would not have fit, and the short page is final.
    let next = s.block_on(s.store.log_leaves(n, n + 1)).unwrap();
    assert!(a.text.len() + next[0].len() + 1 > 1 << 20);
    assert_eq!(
        a.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let rest = get(
        &format!("{}/v0.1/log/entries?start={n}&end=1000", s.base),
        None,
    );
    assert_eq!(rest.status, 200, "{}", rest.text);
    gateway_pull(&s, Options::default().limits.shard).unwrap();
}
