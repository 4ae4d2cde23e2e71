//! Crash campaign on the embedded store: the real `mcp-registry` binary under
//! a steady load of verified publishes (images signed by a private Sigstore
//! in a real loopback OCI registry), yanks and revocations, killed with
//! SIGKILL at random moments — some right after a catalog key rotation and
//! SIGHUP reload — and restarted, cycle after cycle. After each restart:
//!
//! - every acknowledged publish and status change is served as acknowledged
//!   (a status change in flight at the kill is either done or not);
//! - a publish in flight at the kill is wholly there or wholly absent: its
//!   version answers 200 with a whole record or 404, and the server's
//!   version list agrees;
//! - a gateway that kept its state from before the crash pulls the signed
//!   catalog with `mcp-verify catalog pull --state`: signatures, no rollback
//!   of the catalog version, the log consistent with what it saw before, no
//!   entry lost or changed;
//! - every few cycles, and at the end, a gateway with no state pulls the
//!   whole catalog, recomputing the log root from every leaf.
//!
//! Exits 1 on the first broken property, with the registry's log tail. Run
//! by `bench/crash-campaign.sh`; the seed it prints replays the same kill
//! moments.
//!
//! With `--postgres` the store is a PostgreSQL cluster (fsync on) shared by
//! two replicas: each cycle SIGKILLs one replica while the other serves on,
//! and every fifth cycle stops PostgreSQL itself with `pg_ctl stop -m
//! immediate` under the load. After each, a gateway pulls from both
//! replicas with one state: two signed indexes of one version with different
//! bytes, or a log one replica forked, are refused as split view.
//!
//!     crash_campaign [--cycles N] [--clients C] [--seed S] [--postgres]

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "support/campaign.rs"]
mod campaign;

use campaign::{Campaign, Rng, UNLIMITED, free_port, get_json, get_text, run_ok, wait_ready};
use mcp_registry::testing::manifest;
use std::collections::BTreeMap;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_oci::TestRegistry;

/// A pull from nothing (whole log recomputed) every this many cycles.
const FRESH_PULL_EVERY: usize = 10;

/// What the campaign believes about one server version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Acknowledged with this status.
    Acked(&'static str),
    /// Sent, answer lost in the kill: present or absent after restart.
    InFlight,
    /// A status change was sent and its answer lost: either status may be served.
    Changing(&'static str, &'static str),
}

#[derive(Default)]
struct Ledger {
    versions: BTreeMap<String, Known>,
    next_name: u64,
}

#[derive(Default)]
struct Counts {
    /// Set while PostgreSQL is being crashed: a 503 then is the store's
    /// absence, and the write it answered is in flight.
    store_down: AtomicBool,
    store_down_errors: AtomicU64,
    publishes: AtomicU64,
    changes: AtomicU64,
    refused: AtomicU64,
    unexpected: Mutex<Vec<String>>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| -> Option<u64> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
    };
    let cycles = flag("--cycles").unwrap_or(200) as usize;
    let clients = flag("--clients").unwrap_or(4) as usize;
    let seed = flag("--seed").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1
    });
    let postgres = args.iter().any(|a| a == "--postgres");
    println!(
        "crash campaign, {}: {cycles} cycles, {clients} clients, seed {seed}",
        if postgres {
            "PostgreSQL with two registry replicas (a replica SIGKILLed, or every fifth cycle PostgreSQL stopped -m immediate)"
        } else {
            "embedded store (SIGKILL)"
        }
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let oci = runtime.block_on(TestRegistry::start());
    let pg = postgres.then(campaign::Postgres::start);
    let campaign = runtime.block_on(Campaign::prepare(&oci, pg.as_ref().map(|p| p.url())));
    let started = Instant::now();
    let result = runtime.block_on(campaign.run(cycles, clients, seed, pg.as_ref()));
    match result {
        Ok(summary) => {
            println!("{summary}");
            println!(
                "  time: {:.0} s; lost acknowledged writes: 0 (target 0) -> met",
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("FAILED: {e}");
            eprintln!(
                "--- registry log (last 40 lines): {}",
                campaign.log.display()
            );
            let log = std::fs::read_to_string(&campaign.log).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            for l in &lines[lines.len().saturating_sub(40)..] {
                eprintln!("{l}");
            }
            eprintln!("replay with --seed {seed}");
            std::process::exit(1);
        }
    }
}

impl Campaign {
    async fn run(
        &self,
        cycles: usize,
        clients: usize,
        seed: u64,
        pg: Option<&campaign::Postgres>,
    ) -> Result<String, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let counts = Arc::new(Counts::default());
        let mut rng = Rng(seed);
        let gateway = self.work.join("gateway");
        let mut rotations = 0;
        let mut store_crashes = 0;
        let mut resolved_present = 0u64;
        let mut resolved_absent = 0u64;
        let mut restart_ms = Vec::new();
        let mut converged_ms: Vec<f64> = Vec::new();
        let mut last_version = 0u64;
        let mut final_version = 0u64;
        let n = if pg.is_some() { 2 } else { 1 };
        let mut replicas: Vec<Option<(Child, String)>> = (0..n).map(|_| None).collect();
        for cycle in 0..=cycles {
            // Start every replica that is down (all of them at first).
            for slot in replicas.iter_mut().filter(|r| r.is_none()) {
                let port = free_port();
                let base = format!("http://127.0.0.1:{port}");
                let t = Instant::now();
                let mut child = self.spawn(port, UNLIMITED);
                wait_ready(&http, &base, &mut child).await?;
                restart_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                *slot = Some((child, base));
            }
            // Replicas still up through a store crash answer again once it is back.
            for (child, base) in replicas.iter_mut().flatten() {
                wait_ready(&http, base, child).await?;
            }
            let bases: Vec<String> = replicas.iter().flatten().map(|(_, b)| b.clone()).collect();
            let base = bases[cycle % n].clone();

            let (present, absent) = self.check(&http, &base, &ledger, cycle, &mut rng).await?;
            resolved_present += present;
            resolved_absent += absent;
            // Replicas pick up a catalog another signed on their next poll
            // (2 s): wait until they serve the same signed index, byte for
            // byte, then pull from each with one gateway state; a replica
            // that showed another catalog under the same version would be a
            // split view.
            if bases.len() > 1 {
                let t = Instant::now();
                converge(&http, &bases)
                    .await
                    .map_err(|e| format!("cycle {cycle}: {e}"))?;
                converged_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            for b in &bases {
                let summary = self.pull(b, Some(&gateway)).map_err(|e| {
                    format!("cycle {cycle}: gateway with kept state, from {b}: {e}")
                })?;
                let version = summary["catalogVersion"].as_u64().unwrap_or(0);
                if version < last_version {
                    return Err(format!(
                        "cycle {cycle}: catalog version went back from {last_version} to {version} (and the gateway accepted it)"
                    ));
                }
                last_version = version;
            }
            if cycle.is_multiple_of(FRESH_PULL_EVERY) || cycle == cycles {
                self.pull(&base, None)
                    .map_err(|e| format!("cycle {cycle}: gateway from nothing: {e}"))?;
            }
            if cycle == cycles {
                // The last start: wait until the signed catalog covers every
                // acknowledged write, then check it all once more.
                self.settle(&http, &base, &ledger).await?;
                for b in &bases {
                    self.pull(b, Some(&gateway))
                        .map_err(|e| format!("final pull with kept state, from {b}: {e}"))?;
                }
                let fresh = self
                    .pull(&base, None)
                    .map_err(|e| format!("final pull from nothing: {e}"))?;
                // The signed catalog lists exactly what was acknowledged.
                let l = ledger.lock().unwrap();
                for (key, status) in [
                    ("entries", None),
                    ("active", Some("active")),
                    ("yanked", Some("yanked")),
                    ("revoked", Some("revoked")),
                ] {
                    let want = l
                        .versions
                        .values()
                        .filter(|k| status.is_none_or(|s| **k == Known::Acked(s)))
                        .count() as u64;
                    let got = fresh[key].as_u64().unwrap_or(u64::MAX);
                    if got != want {
                        return Err(format!(
                            "the signed catalog lists {got} {key} versions; {want} were acknowledged"
                        ));
                    }
                }
                final_version = fresh["catalogVersion"].as_u64().unwrap_or(0);
                for (mut child, _) in replicas.iter_mut().filter_map(Option::take) {
                    child.kill().ok();
                    child.wait().ok();
                }
                break;
            }

            // Load on every replica, then a crash at a random moment.
            let store_crash = pg.is_some() && cycle % 5 == 4;
            counts.store_down.store(store_crash, Ordering::SeqCst);
            let stop = Arc::new(AtomicBool::new(false));
            let mut tasks = Vec::new();
            for c in 0..clients {
                tasks.push(tokio::spawn(load(
                    http.clone(),
                    bases[c % bases.len()].clone(),
                    self.load_plan(),
                    ledger.clone(),
                    counts.clone(),
                    stop.clone(),
                    seed.wrapping_add((cycle * clients + c) as u64),
                )));
            }
            let wait = 100 + rng.below(1400);
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if cycle % 10 == 5 {
                // A catalog key rotation and reload on every replica, killed
                // while it may be at work.
                let dir = self.data.join("catalog-keys");
                run_ok(
                    Command::new(&self.registry_bin)
                        .args(["admin", "keys", "rotate", "--role", "catalog", "--dir"])
                        .arg(&dir),
                );
                for (child, _) in replicas.iter().flatten() {
                    run_ok(Command::new("kill").args(["-HUP", &child.id().to_string()]));
                }
                rotations += 1;
                tokio::time::sleep(Duration::from_millis(rng.below(300))).await;
            }
            if let (true, Some(pg)) = (store_crash, pg) {
                pg.crash();
                store_crashes += 1;
                tokio::time::sleep(Duration::from_millis(200 + rng.below(800))).await;
                pg.up();
                // Let the load meet the store again before it stops.
                tokio::time::sleep(Duration::from_millis(300)).await;
                stop.store(true, Ordering::SeqCst);
            } else {
                let victim = cycle % n;
                if let Some((mut child, _)) = replicas[victim].take() {
                    child.kill().map_err(|e| format!("SIGKILL: {e}"))?;
                    child.wait().ok();
                }
                stop.store(true, Ordering::SeqCst);
            }
            for t in tasks {
                t.await.map_err(|e| format!("load task: {e}"))?;
            }
            let unexpected = counts.unexpected.lock().unwrap().clone();
            if !unexpected.is_empty() {
                return Err(format!(
                    "cycle {cycle}: answers no client should get:\n  {}",
                    unexpected.join("\n  ")
                ));
            }
        }
        restart_ms.sort_by(f64::total_cmp);
        let ledger = ledger.lock().unwrap();
        let kills = cycles - store_crashes;
        Ok(format!(
            "  {kills} SIGKILLs of a registry ({rotations} right after a key rotation and reload), {store_crashes} PostgreSQL crashes; {} publishes and {} status changes acknowledged, {} refused with 429 (the namespace's share of verification slots taken) or a budget, {} answered 503 while the store was down; \
             in flight at a crash: {resolved_present} found whole, {resolved_absent} found absent, none half-written; \
             {} versions checked at the end, all in the signed catalog (version {final_version}, never lower after a restart{}); restart to ready p50 {:.0} ms, max {:.0} ms",
            counts.publishes.load(Ordering::SeqCst),
            counts.changes.load(Ordering::SeqCst),
            counts.refused.load(Ordering::SeqCst),
            counts.store_down_errors.load(Ordering::SeqCst),
            ledger.versions.len(),
            if n > 1 {
                converged_ms.sort_by(f64::total_cmp);
                format!(
                    "; the replicas served the same signed index within {:.0} ms at most (p50 {:.0} ms), and one gateway accepted both: no split view",
                    converged_ms.last().copied().unwrap_or(0.0),
                    converged_ms
                        .get(converged_ms.len() / 2)
                        .copied()
                        .unwrap_or(0.0)
                )
            } else {
                String::new()
            },
            restart_ms[restart_ms.len() / 2],
            restart_ms.last().copied().unwrap_or(0.0),
        ))
    }

    fn load_plan(&self) -> LoadPlan {
        LoadPlan {
            oci_host: self.oci_host.clone(),
            images: self.images.clone(),
            identity_uri: self.identity_uri.clone(),
            publish_token: self.publish_token.clone(),
            admin_token: self.admin_token.clone(),
        }
    }

    /// Every version the ledger knows is served as it knows it; in-flight
    /// writes are resolved to what the server now holds.
    async fn check(
        &self,
        http: &reqwest::Client,
        base: &str,
        ledger: &Mutex<Ledger>,
        cycle: usize,
        rng: &mut Rng,
    ) -> Result<(u64, u64), String> {
        let known: Vec<(String, Known)> = {
            let l = ledger.lock().unwrap();
            l.versions.iter().map(|(k, v)| (k.clone(), *v)).collect()
        };
        let (mut present, mut absent) = (0, 0);
        let full = cycle.is_multiple_of(FRESH_PULL_EVERY);
        for (name, want) in known {
            // Every unsettled write each cycle; the settled ones in full
            // every few cycles and by sample between.
            let settled = matches!(want, Known::Acked(_));
            if settled && !full && rng.below(8) != 0 {
                continue;
            }
            let served = served_status(http, base, &name).await?;
            let listed = listed(http, base, &name).await?;
            if served.is_some() != listed {
                return Err(format!(
                    "cycle {cycle}: {name} 1.0.0 is half-present: GET answers {served:?}, the version list {}",
                    if listed { "has it" } else { "does not" }
                ));
            }
            let now = match (want, served) {
                (Known::Acked(s), Some(got)) if got == s => Known::Acked(s),
                (Known::Acked(s), got) => {
                    return Err(format!(
                        "cycle {cycle}: acknowledged write lost: {name} 1.0.0 was acknowledged {s}, served {got:?}"
                    ));
                }
                (Known::InFlight, Some(got)) => {
                    present += 1;
                    Known::Acked(got)
                }
                (Known::InFlight, None) => {
                    absent += 1;
                    ledger.lock().unwrap().versions.remove(&name);
                    continue;
                }
                (Known::Changing(from, to), Some(got)) if got == from || got == to => {
                    Known::Acked(got)
                }
                (Known::Changing(from, to), got) => {
                    return Err(format!(
                        "cycle {cycle}: {name} 1.0.0 was {from}, moving to {to}; served {got:?}"
                    ));
                }
            };
            ledger.lock().unwrap().versions.insert(name, now);
        }
        Ok((present, absent))
    }

    /// Waits until the signed checkpoint covers every record the store holds.
    async fn settle(
        &self,
        http: &reqwest::Client,
        base: &str,
        ledger: &Mutex<Ledger>,
    ) -> Result<(), String> {
        let mut rng = Rng(7);
        // Resolve every in-flight write, then check all settled ones.
        for _ in 0..2 {
            self.check(http, base, ledger, 0, &mut rng).await?;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last = (0, 0);
        while Instant::now() < deadline {
            let served = checkpoint_size(http, base).await?;
            let audit = http
                .get(format!("{base}/v0.1/log/entries?start=0&end=1"))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .status();
            if served == last.0 && audit.is_success() {
                last.1 += 1;
                if last.1 >= 5 {
                    return Ok(());
                }
            } else {
                last = (served, 0);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err("the signed checkpoint did not settle within 60 s".into())
    }
}

/// Waits (up to 15 s) until every replica serves the same signed index bytes.
async fn converge(http: &reqwest::Client, bases: &[String]) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut indexes = Vec::new();
        for b in bases {
            indexes.push(get_text(http, &format!("{b}/v0.1/catalog")).await?);
        }
        if indexes.windows(2).all(|w| w[0] == w[1]) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the replicas still serve different signed indexes after 15 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn checkpoint_size(http: &reqwest::Client, base: &str) -> Result<u64, String> {
    let text = get_text(http, &format!("{base}/v0.1/log/checkpoint")).await?;
    text.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| format!("checkpoint without a size: {text:?}"))
}

fn path_name(name: &str) -> String {
    name.replace('/', "%2F")
}

/// The served lifecycle status of `name` 1.0.0, in the catalog's words, or `None` on 404.
async fn served_status(
    http: &reqwest::Client,
    base: &str,
    name: &str,
) -> Result<Option<&'static str>, String> {
    // Revoked versions are the official `deleted`: served only when asked for.
    let url = format!(
        "{base}/v0.1/servers/{}/versions/1.0.0?include_deleted=true",
        path_name(name)
    );
    let Some(body) = get_json(http, &url).await? else {
        return Ok(None);
    };
    match body["_meta"]["io.modelcontextprotocol.registry/official"]["status"]
        .as_str()
        .unwrap_or("")
    {
        "active" => Ok(Some("active")),
        "deprecated" => Ok(Some("yanked")),
        "deleted" => Ok(Some("revoked")),
        other => Err(format!(
            "{url}: a record without a known status ({other:?})"
        )),
    }
}

/// Whether the version list of `name` holds 1.0.0.
async fn listed(http: &reqwest::Client, base: &str, name: &str) -> Result<bool, String> {
    let url = format!(
        "{base}/v0.1/servers/{}/versions?include_deleted=true",
        path_name(name)
    );
    Ok(get_json(http, &url)
        .await?
        .is_some_and(|body| body.to_string().contains("\"1.0.0\"")))
}

#[derive(Clone)]
struct LoadPlan {
    oci_host: String,
    images: Vec<String>,
    identity_uri: String,
    publish_token: String,
    admin_token: String,
}

/// One client: publishes new servers, yanks and revokes acknowledged ones,
/// until the server dies or `stop` is set. Answers the kill cuts off are
/// in flight; any other answer outside the API's contract is recorded.
async fn load(
    http: reqwest::Client,
    base: String,
    plan: LoadPlan,
    ledger: Arc<Mutex<Ledger>>,
    counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
    seed: u64,
) {
    let mut rng = Rng(seed | 1);
    while !stop.load(Ordering::SeqCst) {
        let roll = rng.below(10);
        // A target is taken and marked as changing under one lock, so no two
        // clients change one version at once.
        let target = {
            let mut l = ledger.lock().unwrap();
            let candidates: Vec<(String, &'static str)> = l
                .versions
                .iter()
                .filter_map(|(k, v)| match v {
                    Known::Acked(s) if *s != "revoked" => Some((k.clone(), *s)),
                    _ => None,
                })
                .collect();
            if roll >= 7 && !candidates.is_empty() {
                let (name, status) =
                    candidates[rng.below(candidates.len() as u64) as usize].clone();
                let to = if roll == 9 || status == "yanked" {
                    "revoked"
                } else {
                    "yanked"
                };
                l.versions.insert(name.clone(), Known::Changing(status, to));
                Some((name, status, to))
            } else {
                None
            }
        };
        let (request, name, before, after) = match target {
            Some((name, status, to)) => {
                let (action, token) = if to == "revoked" {
                    ("revoke", &plan.admin_token)
                } else {
                    ("yank", &plan.publish_token)
                };
                let url = format!(
                    "{base}/v0.1/servers/{}/versions/1.0.0/{action}",
                    path_name(&name)
                );
                let req = http
                    .post(url)
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(r#"{"reason":"crash campaign"}"#);
                (req, name, Some(status), to)
            }
            None => {
                let name = {
                    let mut l = ledger.lock().unwrap();
                    l.next_name += 1;
                    let name = format!("io.github.acme/crash-{}", l.next_name);
                    l.versions.insert(name.clone(), Known::InFlight);
                    name
                };
                let image = &plan.images[rng.below(plan.images.len() as u64) as usize];
                let mut m = manifest(&name, "1.0.0", &plan.oci_host, image);
                m["_meta"]["dev.mcp-trust/security"]["provenance"]["certificateIdentity"] =
                    plan.identity_uri.clone().into();
                let req = http
                    .post(format!("{base}/v0.1/publish"))
                    .bearer_auth(&plan.publish_token)
                    .header("content-type", "application/json")
                    .body(m.to_string());
                (req, name, None, "active")
            }
        };
        let answer = request.send().await;
        let (status, code) = match answer {
            // Cut off by the kill (or refused after it): the write is in flight.
            Err(_) => break,
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.bytes().await.unwrap_or_default();
                let code = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["code"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                (status, code)
            }
        };
        // A budget reached is a refusal with nothing written, like a 429.
        let status = if code.ends_with("budget-exceeded") {
            429
        } else {
            status
        };
        if status == 429 || status >= 500 {
            // The namespace's share of verification slots is taken, or the
            // store is down: back off.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut l = ledger.lock().unwrap();
        match (status, before) {
            (200 | 201, None) => {
                counts.publishes.fetch_add(1, Ordering::SeqCst);
                l.versions.insert(name, Known::Acked("active"));
            }
            (200, Some(_)) => {
                counts.changes.fetch_add(1, Ordering::SeqCst);
                l.versions.insert(name, Known::Acked(after));
            }
            // Refused before any work: nothing was written.
            (429, None) => {
                counts.refused.fetch_add(1, Ordering::SeqCst);
                l.versions.remove(&name);
            }
            (429, Some(from)) => {
                counts.refused.fetch_add(1, Ordering::SeqCst);
                l.versions.insert(name, Known::Acked(from));
            }
            // The store is down, answered 503: the write may or may not
            // have been made, and the next check finds out. Any other 5xx
            // is a failure.
            (503, _) if counts.store_down.load(Ordering::SeqCst) => {
                counts.store_down_errors.fetch_add(1, Ordering::SeqCst);
            }
            (s, _) => counts
                .unexpected
                .lock()
                .unwrap()
                .push(format!("{name}: HTTP {s} {code}")),
        }
    }
}
