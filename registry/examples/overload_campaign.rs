//! Overload campaign: the real `mcp-registry` binary on its embedded store,
//! pushed past its limits.
//!
//! 1. **Rate limits.** Reads at twice the per-IP limit and publishes at twice
//!    the per-token limit (images signed by a private Sigstore in a loopback
//!    OCI registry, verified by the registry), after both buckets are
//!    emptied and a burst of concurrent publishes. Properties: every refusal is 429 with a
//!    `Retry-After` of whole seconds; no 5xx; the verifications that ever
//!    held a slot at once never exceed `--verify-concurrency`. Figures: the
//!    answers by status, resident memory (start, peak, end) and open file
//!    descriptors (start, end).
//! 2. **Slow clients.** Connections that send their headers, or their body,
//!    one byte at a time. Properties: the server cuts every one within its
//!    header or body timeout (plus 2 s); a normal reader's p99 (another
//!    client address than the attackers') during the
//!    attack stays within 3× its p99 without it (a baseline below 2 ms counts
//!    as 2 ms: loopback noise is not a slowdown).
//!
//! Exits 1 when a property breaks, with the registry's log tail. Run by
//! `bench/overload-campaign.sh`.
//!
//!     overload_campaign [--seconds S] [--slow N]

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "support/campaign.rs"]
mod campaign;

use campaign::{Campaign, Rng, free_port, get_text, usage, wait_ready};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_oci::TestRegistry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PER_IP_PER_MINUTE: u64 = 600;
const PER_TOKEN_PER_MINUTE: u64 = 60;
const VERIFY_CONCURRENCY: usize = 4;
const HEADER_TIMEOUT: u64 = 2;
const BODY_TIMEOUT: u64 = 3;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().unwrap())
    };
    let seconds = flag("--seconds", 20);
    let slow = flag("--slow", 300) as usize;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let oci = runtime.block_on(TestRegistry::start());
    let campaign = runtime.block_on(Campaign::prepare(&oci, None));
    let result = runtime.block_on(async {
        let limits = rate_limits(&campaign, seconds).await?;
        let slowloris = slow_clients(&campaign, slow).await?;
        Ok::<_, String>(format!("{limits}\n{slowloris}"))
    });
    match result {
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

#[derive(Default)]
struct Tally {
    by_status: Mutex<BTreeMap<u16, u64>>,
    violations: Mutex<Vec<String>>,
}

impl Tally {
    fn record(&self, what: &str, r: &reqwest::Response) {
        let status = r.status().as_u16();
        *self.by_status.lock().unwrap().entry(status).or_default() += 1;
        let bad = match status {
            429 => match r.headers().get("retry-after").and_then(|v| v.to_str().ok()) {
                Some(v) if v.parse::<u64>().is_ok_and(|s| s >= 1) => None,
                other => Some(format!(
                    "{what}: 429 without a Retry-After of whole seconds ({other:?})"
                )),
            },
            s if s >= 500 => Some(format!("{what}: {s}")),
            _ => None,
        };
        if let Some(b) = bad {
            self.violations.lock().unwrap().push(b);
        }
    }
}

async fn rate_limits(c: &Campaign, seconds: u64) -> Result<String, String> {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = c.spawn(
        port,
        &[
            "--rate-limit-per-ip",
            &PER_IP_PER_MINUTE.to_string(),
            "--rate-limit-per-token",
            &PER_TOKEN_PER_MINUTE.to_string(),
            "--verify-concurrency",
            &VERIFY_CONCURRENCY.to_string(),
        ],
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    wait_ready(&http, &base, &mut child).await?;
    let pid = child.id();
    let (rss_start, fds_start) = usage(pid);
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss_start));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                peak.fetch_max(usage(pid).0, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut rng = Rng(7);
    let next = Arc::new(AtomicU64::new(0));
    let publish = |name: String, m: serde_json::Value| {
        let (http, base, tally, token) = (
            http.clone(),
            base.clone(),
            tally.clone(),
            c.publish_token.clone(),
        );
        async move {
            match http
                .post(format!("{base}/v0.1/publish"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(m.to_string())
                .send()
                .await
            {
                Ok(r) => tally.record(&format!("publish {name}"), &r),
                Err(e) => tally
                    .violations
                    .lock()
                    .unwrap()
                    .push(format!("publish {name}: {e}")),
            }
        }
    };
    // A burst first: three times the slots at once.
    let burst: Vec<_> = (0..VERIFY_CONCURRENCY * 3)
        .map(|_| {
            let n = next.fetch_add(1, Ordering::SeqCst);
            let name = format!("io.github.acme/overload-{n}");
            tokio::spawn(publish(name.clone(), c.manifest(&name, &mut rng)))
        })
        .collect();
    for b in burst {
        b.await.unwrap();
    }
    // Then empty both buckets (each holds a minute's worth), so the load
    // below meets the limits from its first second.
    let drain: Vec<_> = (0..8)
        .map(|w| {
            let (http, base, tally, token) = (
                http.clone(),
                base.clone(),
                tally.clone(),
                c.publish_token.clone(),
            );
            tokio::spawn(async move {
                for i in (w..PER_IP_PER_MINUTE).step_by(8) {
                    let r = if i < PER_TOKEN_PER_MINUTE {
                        http.post(format!(
                            "{base}/v0.1/servers/io.github.acme%2Fnone/versions/1.0.0/yank"
                        ))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(r#"{"reason":"drain"}"#)
                        .send()
                        .await
                    } else {
                        http.get(format!("{base}/v0.1/log/checkpoint")).send().await
                    };
                    match r {
                        Ok(r) => tally.record("drain", &r),
                        Err(e) => tally.violations.lock().unwrap().push(format!("drain: {e}")),
                    }
                }
            })
        })
        .collect();
    for d in drain {
        d.await.unwrap();
    }
    // Then steady load at twice the limits for `seconds`.
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let reads_per_second = 2 * PER_IP_PER_MINUTE / 60;
    let publishes_per_second = (2 * PER_TOKEN_PER_MINUTE).div_ceil(60);
    let mut tasks = Vec::new();
    for reader in 0..reads_per_second {
        let (http, base, tally) = (http.clone(), base.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            let paths = [
                "/v0.1/servers?limit=30",
                "/v0.1/catalog",
                "/v0.1/log/checkpoint",
            ];
            let mut i = reader as usize;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            while Instant::now() < until {
                tick.tick().await;
                let path = paths[i % paths.len()];
                i += 1;
                match http.get(format!("{base}{path}")).send().await {
                    Ok(r) => tally.record(path, &r),
                    Err(e) => tally
                        .violations
                        .lock()
                        .unwrap()
                        .push(format!("{path}: {e}")),
                }
            }
        }));
    }
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / publishes_per_second));
    while Instant::now() < until {
        tick.tick().await;
        let n = next.fetch_add(1, Ordering::SeqCst);
        let name = format!("io.github.acme/overload-{n}");
        tasks.push(tokio::spawn(publish(
            name.clone(),
            c.manifest(&name, &mut rng),
        )));
    }
    for t in tasks {
        t.await.unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    sampler.await.unwrap();
    let metrics = get_text(&http, &format!("{base}/metrics")).await?;
    let gauge = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(u64::MAX)
    };
    let (running_max, slots) = (
        gauge("mcp_registry_verifications_running_max"),
        gauge("mcp_registry_verification_slots"),
    );
    let (rss_end, fds_end) = usage(pid);
    child.kill().ok();
    child.wait().ok();
    let violations = tally.violations.lock().unwrap().clone();
    if !violations.is_empty() {
        return Err(format!(
            "rate limits: {} answers outside the contract:\n  {}",
            violations.len(),
            violations.join("\n  ")
        ));
    }
    if running_max > slots {
        return Err(format!(
            "{running_max} verifications held a slot at once; there are {slots} slots"
        ));
    }
    let by_status = tally.by_status.lock().unwrap().clone();
    let total: u64 = by_status.values().sum();
    let statuses: Vec<String> = by_status.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    Ok(format!(
        "rate limits at 2x (a burst of {} publishes, both buckets then emptied; then {reads_per_second} reads/s against {PER_IP_PER_MINUTE}/min per IP, {publishes_per_second} verified publishes/s against {PER_TOKEN_PER_MINUTE}/min per token), {seconds} s: \
         {total} answers ({}); every 429 with Retry-After; 5xx: 0 (target 0) -> met; \
         verifications at once at most {running_max} of {slots} slots -> met; \
         RSS {} MiB at start, peak {} MiB, {} MiB at end; open descriptors {fds_start} at start, {fds_end} at end",
        VERIFY_CONCURRENCY * 3,
        statuses.join(", "),
        rss_start / 1024,
        peak.load(Ordering::SeqCst) / 1024,
        rss_end / 1024,
    ))
}

/// Latencies of a normal reader over `for_how_long`.
async fn read_for(http: &reqwest::Client, base: &str, for_how_long: Duration) -> Vec<Duration> {
    let until = Instant::now() + for_how_long;
    let mut out = Vec::new();
    while Instant::now() < until {
        let t = Instant::now();
        let ok = http
            .get(format!("{base}/v0.1/servers?limit=30"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            out.push(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    out.sort();
    out
}

fn p99(l: &[Duration]) -> Duration {
    l.get((l.len() * 99 / 100).min(l.len().saturating_sub(1)))
        .copied()
        .unwrap_or(Duration::MAX)
}

/// One slow connection: its request trickled a byte every 500 ms after
/// `head`. Returns how long the server took to cut it, or `None` when it
/// was still open after `give_up`.
async fn trickle(addr: String, head: String, rest: Vec<u8>, give_up: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut s = tokio::net::TcpStream::connect(&addr).await.ok()?;
    s.write_all(head.as_bytes()).await.ok()?;
    let mut buf = [0u8; 4096];
    for b in rest.iter().cycle() {
        if started.elapsed() > give_up {
            return None;
        }
        // A closed connection shows as an error or an end of stream.
        match tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {
                // An answer (408, 400): read on until the server closes.
                continue;
            }
            Err(_) => {}
        }
        if s.write_all(std::slice::from_ref(b)).await.is_err() {
            return Some(started.elapsed());
        }
    }
    None
}

async fn slow_clients(c: &Campaign, slow: usize) -> Result<String, String> {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let addr = format!("127.0.0.1:{port}");
    let mut child = c.spawn(
        port,
        &[
            "--rate-limit-per-ip",
            "0",
            "--rate-limit-per-token",
            "0",
            "--header-timeout-secs",
            &HEADER_TIMEOUT.to_string(),
            "--body-timeout-secs",
            &BODY_TIMEOUT.to_string(),
        ],
    );
    // The normal reader is another client than the attackers, as it would
    // be (another loopback address), so that a cap per address
    // (--max-connections-per-ip) would not count it with them.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    wait_ready(&http, &base, &mut child).await?;
    let baseline = read_for(&http, &base, Duration::from_secs(5)).await;
    let give_up = Duration::from_secs(BODY_TIMEOUT.max(HEADER_TIMEOUT) + 12);
    let mut attackers = Vec::new();
    for i in 0..slow {
        let (head, rest) = if i % 2 == 0 {
            // Slow headers: the request line, then a header a byte at a time.
            (
                "GET /v0.1/servers HTTP/1.1\r\nHost: x\r\n".to_owned(),
                b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            )
        } else {
            // Slow body: whole headers, then the body a byte at a time.
            (
                format!(
                    "POST /v0.1/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
                    c.publish_token
                ),
                b"{\"a\":1}".to_vec(),
            )
        };
        attackers.push(tokio::spawn(trickle(addr.clone(), head, rest, give_up)));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = read_for(&http, &base, Duration::from_secs(5)).await;
    let mut cut = Vec::new();
    let mut open = 0;
    for a in attackers {
        match a.await.unwrap() {
            Some(d) => cut.push(d),
            None => open += 1,
        }
    }
    child.kill().ok();
    child.wait().ok();
    cut.sort();
    let slowest = cut.last().copied().unwrap_or_default();
    let limit = Duration::from_secs(BODY_TIMEOUT.max(HEADER_TIMEOUT) + 2);
    if open > 0 || slowest > limit {
        return Err(format!(
            "slow clients: {open} of {slow} still open after {} s; slowest cut after {:.1} s (limit {} s)",
            give_up.as_secs(),
            slowest.as_secs_f64(),
            limit.as_secs()
        ));
    }
    let floor = Duration::from_millis(2);
    let (base_p99, attack_p99) = (p99(&baseline), p99(&during));
    let ratio = attack_p99.as_secs_f64() / base_p99.max(floor).as_secs_f64();
    let report = format!(
        "slow clients: {slow} connections ({} trickling headers, {} trickling a body) all cut, the slowest after {:.1} s (header timeout {HEADER_TIMEOUT} s, body timeout {BODY_TIMEOUT} s); \
         a normal reader's p99 {:.2} ms without them ({} requests), {:.2} ms during ({} requests): {ratio:.2}x (target <= 3x)",
        slow.div_ceil(2),
        slow / 2,
        slowest.as_secs_f64(),
        base_p99.as_secs_f64() * 1000.0,
        baseline.len(),
        attack_p99.as_secs_f64() * 1000.0,
        during.len(),
    );
    if ratio > 3.0 || during.is_empty() {
        return Err(format!("{report} -> missed"));
    }
    Ok(format!("{report} -> met"))
}
