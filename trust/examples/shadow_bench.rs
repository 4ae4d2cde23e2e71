//! Times the shadowing check of one new server against a catalog of N
//! servers (default 100 000) held in a `ShadowIndex`, and, in the same run,
//! the baseline it replaces: comparing every new tool name with every
//! indexed name.
//!
//!     cargo run --release -p mcp-trust --example shadow_bench -- [SERVERS]

use mcp_trust::tools::ShadowIndex;
use mcp_trust::tools::listing::tool_from_value;
use mcp_trust::tools::shadow::{fold_key, within_one_edit};
use std::time::{Duration, Instant};

const VERBS: &[&str] = &[
    "get",
    "list",
    "create",
    "update",
    "delete",
    "search",
    "find",
    "fetch",
    "send",
    "read",
    "write",
    "run",
    "start",
    "stop",
    "query",
    "add",
    "remove",
    "set",
    "describe",
    "export",
    "import",
    "sync",
    "upload",
    "download",
    "move",
    "copy",
    "rename",
    "archive",
    "restore",
    "approve",
    "cancel",
    "schedule",
    "publish",
    "validate",
    "analyze",
    "summarize",
    "translate",
    "convert",
    "merge",
    "assign",
    "invite",
    "enable",
    "disable",
    "trigger",
    "deploy",
    "build",
    "scan",
    "tag",
    "lock",
];
const NOUNS: &[&str] = &[
    "user",
    "users",
    "issue",
    "issues",
    "file",
    "files",
    "message",
    "messages",
    "email",
    "channel",
    "project",
    "repository",
    "branch",
    "commit",
    "pull_request",
    "comment",
    "ticket",
    "invoice",
    "customer",
    "payment",
    "refund",
    "order",
    "product",
    "page",
    "database",
    "table",
    "record",
    "document",
    "folder",
    "event",
    "calendar",
    "meeting",
    "task",
    "note",
    "contact",
    "deal",
    "lead",
    "campaign",
    "report",
    "dashboard",
    "metric",
    "alert",
    "incident",
    "log",
    "logs",
    "pipeline",
    "job",
    "build",
    "deployment",
    "cluster",
    "pod",
    "service",
    "secret",
    "policy",
    "group",
    "role",
    "permission",
    "token",
    "webhook",
    "subscription",
    "plan",
    "workspace",
    "space",
    "board",
    "card",
    "list",
    "item",
    "asset",
    "image",
    "video",
    "playlist",
    "track",
    "post",
    "thread",
    "chat",
    "recipe",
    "workflow",
    "connection",
    "integration",
    "device",
    "sensor",
    "location",
    "route",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
    fn word(&mut self) -> String {
        let n = 4 + self.next() % 5;
        (0..n)
            .map(|_| (b'a' + (self.next() % 26) as u8) as char)
            .collect()
    }
}

fn server_tools(rng: &mut Rng) -> Vec<String> {
    let vendor = rng.word();
    let n = 3 + rng.next() % 13;
    (0..n)
        .map(|_| {
            let base = format!("{}_{}", rng.pick(VERBS), rng.pick(NOUNS));
            if rng.next() % 10 < 3 {
                format!("{vendor}_{base}")
            } else {
                base
            }
        })
        .collect()
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let servers: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut index = ShadowIndex::new();
    let mut all_names: Vec<String> = Vec::new();
    let start = Instant::now();
    let mut tool_count = 0;
    for i in 0..servers {
        let tools = server_tools(&mut rng);
        tool_count += tools.len();
        index.insert_names(
            &format!("io.example.vendor{i}/server"),
            tools.iter().map(String::as_str),
        );
        all_names.extend(tools);
    }
    let build = start.elapsed();
    all_names.sort();
    all_names.dedup();
    println!(
        "index: {servers} servers, {tool_count} tools, {} distinct names, built in {:.2} s",
        all_names.len(),
        build.as_secs_f64()
    );

    // New servers to check: ordinary names plus imitations of indexed ones.
    let queries: Vec<Vec<mcp_trust::manifest::Tool>> = (0..200)
        .map(|q| {
            let mut names = server_tools(&mut rng);
            let victim = all_names[(rng.next() % all_names.len() as u64) as usize].clone();
            names.push(victim.replacen('l', "1", 1));
            names.push(victim.replacen('e', "\u{0435}", 1));
            names.push(format!("{victim}x"));
            names
                .iter()
                .map(|n| {
                    tool_from_value(
                        &serde_json::json!({"name": n, "description": format!("tool {q}")}),
                        "",
                    )
                    .expect("tool")
                })
                .collect()
        })
        .collect();
    // One untimed query first: it compiles the lazily built regexes and tables.
    let _ = index.check("warm/up", &queries[0], &[]);
    let mut times = Vec::new();
    let mut findings = 0;
    for (q, tools) in queries.iter().enumerate() {
        let t = Instant::now();
        findings += index.check(&format!("new/server{q}"), tools, &[]).len();
        times.push(t.elapsed());
    }
    let tools_per_query = queries.iter().map(Vec::len).sum::<usize>() as f64 / queries.len() as f64;
    let p50 = percentile(&mut times, 0.5);
    let p99 = percentile(&mut times, 0.99);
    let max = *times.last().unwrap_or(&Duration::ZERO);
    println!(
        "index check of one new server ({tools_per_query:.1} tools): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({findings} findings over {} servers; target ≤ 10 ms)",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        queries.len()
    );

    // Baseline in the same run: every new name against every distinct indexed name.
    let keys: Vec<Vec<char>> = all_names
        .iter()
        .map(|n| fold_key(n).chars().collect())
        .collect();
    let mut base_times = Vec::new();
    let mut matches = 0usize;
    for tools in queries.iter().take(5) {
        let t = Instant::now();
        for tool in tools {
            let k: Vec<char> = fold_key(&tool.name).chars().collect();
            matches += keys
                .iter()
                .filter(|other| within_one_edit(other, &k))
                .count();
        }
        base_times.push(t.elapsed());
    }
    let base = percentile(&mut base_times, 0.5);
    println!(
        "baseline pairwise scan of one new server: p50 {:.1} ms ({matches} matches over {} servers) — index is {:.0}x faster",
        base.as_secs_f64() * 1e3,
        base_times.len(),
        base.as_secs_f64() / p50.as_secs_f64().max(1e-9)
    );
    println!(
        "target: ≤ 10 ms per new server -> {}",
        if p99 <= Duration::from_millis(10) {
            "met"
        } else {
            "MISSED"
        }
    );
}
