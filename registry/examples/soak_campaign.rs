//! Soak campaign: the real `mcp-registry` binary under a steady mix of work
//! for a long time, watched for what grows.
//!
//! The registry (embedded store, or `--postgres` for a PostgreSQL cluster) is
//! first loaded with `--preload` verified publishes, two at a time (images signed by a
//! private Sigstore in a real loopback OCI registry). Then, for the warm-up
//! and the measured time alike, all at once:
//!
//! - a publisher adds a verified server every `1 / --publish-rate` seconds;
//! - a maintainer yanks a preloaded version, or revokes a yanked one, twice
//!   a second, so the log grows and the catalog is re-signed without the
//!   catalog growing;
//! - four readers loop over the read API (a page of the list, a search, a
//!   version, the signed index, the checkpoint, log entries) and time each
//!   answer;
//! - `--gateways` gateways each run `mcp-verify catalog pull --state` every
//!   five seconds, so every signing is pulled and checked (signatures,
//!   no rollback, the log consistent with what the gateway saw before).
//!
//! The registry's resident memory and open descriptors are sampled every
//! second. The measured time is cut into `--windows` windows; the campaign
//! prints each window and fails (exit 1, with the registry's log tail) when:
//!
//! - any answer is a 5xx or outside the API's contract, or any pull fails;
//! - resident memory grew more than 10 % from the first window to the last
//!   (medians of each window's samples);
//! - open descriptors grew: the last window's most above the first window's
//!   most by more than the connections a pull can hold open at once (one
//!   per gateway);
//! - p99 was not stable: the read p99 of the second half of the measured
//!   time above 1.5x the first half's (a p99 below 2 ms counts as 2 ms:
//!   loopback noise is not a slowdown; halves, not windows, so a window's
//!   few slow answers are not read as a trend);
//! - at the end, a gateway pulling from nothing does not find every
//!   acknowledged version in the signed catalog.
//!
//! Run by `bench/soak-campaign.sh`.
//!
//!     soak_campaign [--seconds S] [--warmup S] [--windows N] [--preload N]
//!                   [--publish-rate N] [--gateways N] [--postgres]

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "support/campaign.rs"]
mod campaign;

use campaign::{Campaign, Rng, UNLIMITED, free_port, get_text, usage, wait_ready};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_oci::TestRegistry;

const READERS: usize = 4;
const PULL_EVERY: Duration = Duration::from_secs(5);
/// Most resident-memory growth allowed, first measured window to last.
const RSS_GROWTH: f64 = 0.10;
/// Most the read p99 may rise, first measured half to second.
const P99_RISE: f64 = 1.5;
const P99_FLOOR_MS: f64 = 2.0;

struct Args {
    seconds: u64,
    warmup: u64,
    windows: usize,
    preload: u64,
    publish_rate: u64,
    gateways: usize,
    postgres: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
    };
    let a = Args {
        seconds: flag("--seconds", 600),
        // The registry keeps replaced shards servable for 300 s
        // (SHARD_GRACE): memory is steady only after that.
        warmup: flag("--warmup", 300),
        windows: flag("--windows", 10).max(2) as usize,
        preload: flag("--preload", 2000),
        publish_rate: flag("--publish-rate", 1).max(1),
        gateways: flag("--gateways", 3).max(1) as usize,
        postgres: args.iter().any(|a| a == "--postgres"),
    };
    println!(
        "soak campaign, {}: {} s warm-up, then {} s measured in {} windows; {} servers preloaded, {} publishes/s, 2 status changes/s, {READERS} readers, {} gateways pulling every {} s",
        if a.postgres {
            "PostgreSQL store"
        } else {
            "embedded store"
        },
        a.warmup,
        a.seconds,
        a.windows,
        a.preload,
        a.publish_rate,
        a.gateways,
        PULL_EVERY.as_secs()
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let oci = runtime.block_on(TestRegistry::start());
    let pg = a.postgres.then(campaign::Postgres::start);
    let campaign = runtime.block_on(Campaign::prepare(&oci, pg.as_ref().map(|p| p.url())));
    match runtime.block_on(soak(&campaign, &a)) {
        Ok(report) => println!("{report}"),
        Err(e) => {
            eprintln!("FAILED: {e}");
            eprintln!(
                "--- registry log (last 30 lines): {}",
                campaign.log.display()
            );
            eprintln!("{}", campaign.log_tail(30));
            std::process::exit(1);
        }
    }
}

/// What the load saw, shared by its tasks.
#[derive(Default)]
struct Seen {
    /// (seconds since the load began, latency in ms) of each read.
    reads: Mutex<Vec<(f64, f64)>>,
    /// (seconds since the load began, resident KiB, open descriptors).
    usage: Mutex<Vec<(f64, u64, usize)>>,
    /// (seconds since the load began, ms) of each gateway pull.
    pulls: Mutex<Vec<(f64, f64)>>,
    /// Names of acknowledged servers (each 1.0.0).
    published: Mutex<Vec<String>>,
    changes: AtomicU64,
    violations: Mutex<Vec<String>>,
}

impl Seen {
    fn violation(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }
}

fn path_name(name: &str) -> String {
    name.replace('/', "%2F")
}

async fn publish(
    c: &Campaign,
    http: &reqwest::Client,
    base: &str,
    name: &str,
    rng: &mut Rng,
) -> Result<(), String> {
    let r = http
        .post(format!("{base}/v0.1/publish"))
        .bearer_auth(&c.publish_token)
        .header("content-type", "application/json")
        .body(c.manifest(name, rng).to_string())
        .send()
        .await
        .map_err(|e| format!("publish {name}: {e}"))?;
    let status = r.status();
    if status.is_success() {
        Ok(())
    } else {
        let body = r.text().await.unwrap_or_default();
        Err(format!("publish {name}: {status} {body}"))
    }
}

async fn soak(c: &Campaign, a: &Args) -> Result<String, String> {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = c.spawn(port, UNLIMITED);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    wait_ready(&http, &base, &mut child).await?;
    let pid = child.id();
    let seen = Arc::new(Seen::default());

    // Preload, two publishes at a time (a namespace's share of the
    // verification slots).
    let t = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut loaders = Vec::new();
    for w in 0..2u64 {
        let (http, base, next, seen) = (http.clone(), base.clone(), next.clone(), seen.clone());
        let c = c.clone();
        let preload = a.preload;
        loaders.push(tokio::spawn(async move {
            let mut rng = Rng(w + 1);
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= preload {
                    return Ok::<(), String>(());
                }
                let name = format!("io.github.acme/soak-{n}");
                publish(&c, &http, &base, &name, &mut rng).await?;
                seen.published.lock().unwrap().push(name);
            }
        }));
    }
    for l in loaders {
        l.await.unwrap()?;
    }
    let preloaded: Vec<String> = seen.published.lock().unwrap().clone();
    let preload_s = t.elapsed().as_secs_f64();

    let started = Instant::now();
    let until = started + Duration::from_secs(a.warmup + a.seconds);
    let since = move || started.elapsed().as_secs_f64();
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();

    // Resident memory and descriptors, every second.
    {
        let (seen, stop) = (seen.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            while !stop.load(Ordering::SeqCst) {
                tick.tick().await;
                let (rss, fds) = usage(pid);
                seen.usage.lock().unwrap().push((since(), rss, fds));
            }
        }));
    }
    // The publisher.
    {
        let (http, base, seen, stop) = (http.clone(), base.clone(), seen.clone(), stop.clone());
        let c = c.clone();
        let every = Duration::from_millis(1000 / a.publish_rate);
        let mut n = a.preload;
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(99);
            let mut tick = tokio::time::interval(every);
            while !stop.load(Ordering::SeqCst) {
                tick.tick().await;
                let name = format!("io.github.acme/soak-{n}");
                n += 1;
                match publish(&c, &http, &base, &name, &mut rng).await {
                    Ok(()) => seen.published.lock().unwrap().push(name),
                    Err(e) => seen.violation(e),
                }
            }
        }));
    }
    // The maintainer: yanks preloaded versions and revokes yanked ones (an
    // unyank is refused by design), so the log grows and the catalog is
    // re-signed without the catalog growing.
    {
        let (http, base, seen, stop) = (http.clone(), base.clone(), seen.clone(), stop.clone());
        let (publish_token, admin_token) = (c.publish_token.clone(), c.admin_token.clone());
        let mut active = preloaded.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(7);
            let mut yanked = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            while !stop.load(Ordering::SeqCst) {
                tick.tick().await;
                let revoke = !yanked.is_empty() && (active.is_empty() || rng.below(2) == 0);
                let (name, action, token) = if revoke {
                    let i = rng.below(yanked.len() as u64) as usize;
                    (yanked.swap_remove(i), "revoke", &admin_token)
                } else if let Some(name) = active.pop() {
                    (name, "yank", &publish_token)
                } else {
                    continue;
                };
                let url = format!(
                    "{base}/v0.1/servers/{}/versions/1.0.0/{action}",
                    path_name(&name)
                );
                let r = http
                    .post(&url)
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(r#"{"reason":"soak"}"#)
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == 200 => {
                        if action == "yank" {
                            yanked.push(name);
                        }
                        seen.changes.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(r) => seen.violation(format!("{action} {name}: {}", r.status())),
                    Err(e) => seen.violation(format!("{action} {name}: {e}")),
                }
            }
        }));
    }
    // The readers.
    for reader in 0..READERS {
        let (http, base, seen, stop) = (http.clone(), base.clone(), seen.clone(), stop.clone());
        let names = preloaded.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(1000 + reader as u64);
            while !stop.load(Ordering::SeqCst) {
                let name = names
                    .get(rng.below(names.len() as u64) as usize)
                    .map_or("io.github.acme/none", String::as_str);
                let path = match rng.below(6) {
                    0 => "/v0.1/servers?limit=30".to_owned(),
                    1 => format!("/v0.1/servers?search=soak-{}", rng.below(100)),
                    2 => format!(
                        "/v0.1/servers/{}/versions/1.0.0?include_deleted=true",
                        path_name(name)
                    ),
                    3 => "/v0.1/catalog".to_owned(),
                    4 => "/v0.1/log/checkpoint".to_owned(),
                    _ => {
                        let start = rng.below(names.len() as u64);
                        format!("/v0.1/log/entries?start={start}&end={}", start + 10)
                    }
                };
                let t = Instant::now();
                match http.get(format!("{base}{path}")).send().await {
                    Ok(r) if r.status().is_success() => {
                        let ok = r.bytes().await.is_ok();
                        let ms = t.elapsed().as_secs_f64() * 1000.0;
                        if ok {
                            seen.reads.lock().unwrap().push((since(), ms));
                        } else {
                            seen.violation(format!("GET {path}: the body was cut"));
                        }
                    }
                    Ok(r) => seen.violation(format!("GET {path}: {}", r.status())),
                    Err(e) => seen.violation(format!("GET {path}: {e}")),
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    // The gateways, staggered.
    for g in 0..a.gateways {
        let (base, seen, stop) = (base.clone(), seen.clone(), stop.clone());
        let c = c.clone();
        let state = c.work.join(format!("gateway-{g}"));
        let offset = PULL_EVERY.mul_f64(g as f64 / a.gateways as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            while !stop.load(Ordering::SeqCst) {
                let t = Instant::now();
                let (c, state, base) = (c.clone(), state.clone(), base.clone());
                let out = tokio::task::spawn_blocking(move || c.pull(&base, Some(&state)))
                    .await
                    .unwrap();
                match out {
                    Ok(_) => seen
                        .pulls
                        .lock()
                        .unwrap()
                        .push((since(), t.elapsed().as_secs_f64() * 1000.0)),
                    Err(e) => seen.violation(format!("gateway {g}: {e}")),
                }
                tokio::time::sleep(PULL_EVERY).await;
            }
        }));
    }

    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the registry exited under the load: {status}"));
        }
        if let Some(first) = seen.violations.lock().unwrap().first() {
            return Err(format!("answers outside the contract, first: {first}"));
        }
    }
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.map_err(|e| format!("load task: {e}"))?;
    }
    let violations = seen.violations.lock().unwrap().clone();
    if !violations.is_empty() {
        return Err(format!(
            "{} answers outside the contract:\n  {}",
            violations.len(),
            violations.join("\n  ")
        ));
    }

    // Every acknowledged version is in the signed catalog, pulled from nothing.
    let published = seen.published.lock().unwrap().len() as u64;
    let final_pull = settle_and_pull(c, &http, &base, published).await?;
    child.kill().ok();
    child.wait().ok();

    let report = Report::of(&seen, a);
    let mut out = report.table();
    out.push_str(&format!(
        "\n  preload: {} verified publishes in {preload_s:.1} s; during the soak: {} more, {} status changes, {} reads, {} gateway pulls (p50 {:.0} ms, max {:.0} ms); the last signed catalog (version {}) lists all {published} versions\n",
        a.preload,
        published - a.preload,
        seen.changes.load(Ordering::SeqCst),
        seen.reads.lock().unwrap().len(),
        report.pull_ms.len(),
        quantile(&report.pull_ms, 0.5),
        report.pull_ms.last().copied().unwrap_or(0.0),
        final_pull["catalogVersion"],
    ));
    let verdicts = report.verdicts(a.gateways);
    let failed = verdicts.iter().any(|(ok, _)| !ok);
    for (ok, line) in verdicts {
        out.push_str(&format!(
            "  {line} -> {}\n",
            if ok { "met" } else { "missed" }
        ));
    }
    if failed { Err(out) } else { Ok(out) }
}

/// Waits (up to 60 s) until a gateway pulling from nothing finds every one
/// of `published` versions; its summary.
async fn settle_and_pull(
    c: &Campaign,
    http: &reqwest::Client,
    base: &str,
    published: u64,
) -> Result<serde_json::Value, String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let summary = c
            .pull(base, None)
            .map_err(|e| format!("the final pull from nothing: {e}"))?;
        let entries = summary["entries"].as_u64().unwrap_or(0);
        if entries == published {
            return Ok(summary);
        }
        if Instant::now() > deadline {
            let checkpoint = get_text(http, &format!("{base}/v0.1/log/checkpoint")).await?;
            return Err(format!(
                "60 s after the load the signed catalog lists {entries} versions; {published} were acknowledged (checkpoint {checkpoint:?})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `q` quantile of sorted `v`.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

struct Window {
    from: f64,
    to: f64,
    reads: Vec<f64>,
    rss_kib: Vec<u64>,
    fds: Vec<usize>,
}

impl Window {
    fn p(&self, q: f64) -> f64 {
        quantile(&self.reads, q)
    }
    fn rss_median(&self) -> u64 {
        let mut v = self.rss_kib.clone();
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    }
    fn fds_max(&self) -> usize {
        self.fds.iter().copied().max().unwrap_or(0)
    }
}

struct Report {
    warmup: Window,
    halves: [Window; 2],
    windows: Vec<Window>,
    pull_ms: Vec<f64>,
}

impl Report {
    fn of(seen: &Seen, a: &Args) -> Report {
        let reads = seen.reads.lock().unwrap();
        let usage = seen.usage.lock().unwrap();
        let window = |from: f64, to: f64| {
            let mut w = Window {
                from,
                to,
                reads: reads
                    .iter()
                    .filter(|(t, _)| *t >= from && *t < to)
                    .map(|(_, ms)| *ms)
                    .collect(),
                rss_kib: Vec::new(),
                fds: Vec::new(),
            };
            for (_, rss, fds) in usage.iter().filter(|(t, _, _)| *t >= from && *t < to) {
                w.rss_kib.push(*rss);
                w.fds.push(*fds);
            }
            w.reads.sort_by(f64::total_cmp);
            w
        };
        let warm = a.warmup as f64;
        let width = a.seconds as f64 / a.windows as f64;
        let mut pull_ms: Vec<f64> = seen.pulls.lock().unwrap().iter().map(|p| p.1).collect();
        pull_ms.sort_by(f64::total_cmp);
        let half = warm + a.seconds as f64 / 2.0;
        Report {
            warmup: window(0.0, warm),
            halves: [window(warm, half), window(half, warm + a.seconds as f64)],
            windows: (0..a.windows)
                .map(|i| window(warm + i as f64 * width, warm + (i + 1) as f64 * width))
                .collect(),
            pull_ms,
        }
    }

    fn table(&self) -> String {
        let mut out = String::from(
            "  window (s)     reads   p50 ms   p99 ms   RSS MiB (median)   fds (max)\n",
        );
        for (label, w) in
            std::iter::once(("warm-up ", &self.warmup)).chain(self.windows.iter().map(|w| ("", w)))
        {
            out.push_str(&format!(
                "  {label}{:>4.0}-{:<4.0} {:>8} {:>8.2} {:>8.2} {:>18.1} {:>11}\n",
                w.from,
                w.to,
                w.reads.len(),
                w.p(0.5),
                w.p(0.99),
                w.rss_median() as f64 / 1024.0,
                w.fds_max(),
            ));
        }
        out
    }

    fn verdicts(&self, gateways: usize) -> Vec<(bool, String)> {
        let (first, last) = (&self.windows[0], self.windows.last().unwrap());
        let growth = last.rss_median() as f64 / first.rss_median().max(1) as f64 - 1.0;
        let (p99_first, p99_last) = (self.halves[0].p(0.99), self.halves[1].p(0.99));
        let rise = p99_last / p99_first.max(P99_FLOOR_MS);
        vec![
            (
                growth <= RSS_GROWTH,
                format!(
                    "resident memory {:.1} MiB in the first window, {:.1} MiB in the last: {:+.1} % (target <= {:.0} %)",
                    first.rss_median() as f64 / 1024.0,
                    last.rss_median() as f64 / 1024.0,
                    growth * 100.0,
                    RSS_GROWTH * 100.0
                ),
            ),
            (
                last.fds_max() <= first.fds_max() + gateways,
                format!(
                    "open descriptors at most {} in the first window, {} in the last (target: no growth beyond the {gateways} a pull per gateway holds)",
                    first.fds_max(),
                    last.fds_max()
                ),
            ),
            (
                rise <= P99_RISE && !self.halves[1].reads.is_empty(),
                format!(
                    "read p99 {p99_first:.2} ms in the first half, {p99_last:.2} ms in the second: {rise:.2}x (target <= {P99_RISE}x, floor {P99_FLOOR_MS} ms)"
                ),
            ),
        ]
    }
}
