//! What `mcp-verify guard` costs on the stdio transport, against the same
//! server reached directly, measured in the same run:
//!
//! - **Round trips**: `tools/call` of a trivial `echo` tool, one at a time,
//!   over four paths interleaved in blocks of 100 calls: straight to the
//!   server; through a bare line relay (two threads forwarding lines without
//!   looking at them: the least any stdio proxy adds, one more pipe hop each
//!   way); through `mcp-verify guard` (this workspace's release build); the
//!   same with `--audit FILE`. p50/p90/p99 per path and the p50 ratio to
//!   direct (target: guard ≤ 1.1×).
//! - **Throughput**: calls written without waiting for answers (at most
//!   [`WINDOW`] in flight, below the guard's cap on pending requests), answers
//!   read as they come; messages/s = (requests + answers) / time, best of the
//!   runs (target: ≥ 20 000/s through the guard, with the echo server).
//! - **The session alone**, in process: `Session::from_client` of a call plus
//!   `Session::from_server` of its answer, against parsing and re-serialising
//!   both messages with `serde_json` (the least a checking proxy does).
//!
//! Two servers: a minimal echo server (this bench, re-run as
//! `guard --echo-server`; one JSON parse and one write per message), so the
//! proxy's own cost is visible; and the npm reference server
//! `@modelcontextprotocol/server-everything` (node), when it is installed
//! (set `MCP_EVERYTHING_JS` to its `dist/index.js`, else the tests' install
//! location is used; the full run installs it there with npm when missing).
//!
//! On a machine with few cores, where a process woken on an idle CPU takes
//! tens of µs to run, the round trips are bimodal and vary from run to run;
//! under `taskset -c 0` (everything on one CPU) they measure the work of each
//! path instead, steadily.
//!
//! `MCP_VERIFY_BIN` measures another `mcp-verify` binary instead of the one
//! cargo built with this bench; `MCP_GUARD_BENCH_COMPARE=NAME=PATH,…` adds
//! other builds (e.g. with a change to try) as further paths of the same run.
//!
//! Exits 1 when a target is missed.
//!
//!     cargo bench -p mcp-verify --bench guard [-- ROUNDS PIPELINED]
//!     cargo bench -p mcp-verify --bench guard -- --quick   # CI: a few seconds
//!     MCP_GUARD_BENCH_QUICK=1 cargo bench -p mcp-verify --bench guard

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark whose fixture cannot be built should stop

#[path = "../tests/support/mod.rs"]
mod support;

use support::mcp_sdk;

use mcp_trust::guard::{Policy, ServerIdentity, Session};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Guarded p50 over direct p50, at most.
const P50_TARGET: f64 = 1.1;
/// Messages per second through the guard, at least.
const THROUGHPUT_TARGET: f64 = 20_000.0;
/// Round trips per path before switching to the next.
const BLOCK: usize = 100;
/// Pipelined calls in flight at most (the guard refuses more than
/// `mcp_trust::guard::MAX_PENDING` pending requests).
const WINDOW: usize = 4_000;
/// The pipe buffers of the helper processes.
const BUF: usize = 64 * 1024;

fn echo_tool() -> Value {
    json!({
        "name": "echo",
        "description": "Echoes back the input string",
        "inputSchema": {
            "type": "object",
            "properties": {"message": {"type": "string", "description": "Message to echo"}},
            "required": ["message"]
        }
    })
}

fn call_line(id: usize) -> String {
    format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"tools/call\",\"params\":{{\"name\":\"echo\",\"arguments\":{{\"message\":\"hello {id}\"}}}}}}\n"
    )
}

/// `--echo-server`: a minimal MCP server on stdio. Answers are flushed when no
/// further complete request is already buffered, as a server that batches
/// its writes does.
fn echo_server() {
    let mut input = BufReader::with_capacity(BUF, std::io::stdin());
    let mut output = BufWriter::with_capacity(BUF, std::io::stdout().lock());
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let Ok(request) = serde_json::from_slice::<Value>(&line) else {
            continue;
        };
        let (Some(id), Some(method)) = (
            request.get("id"),
            request.get("method").and_then(Value::as_str),
        ) else {
            continue; // a notification
        };
        let result = match method {
            "initialize" => json!({
                "protocolVersion": request
                    .pointer("/params/protocolVersion")
                    .cloned()
                    .unwrap_or_else(|| "2025-06-18".into()),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "bench-echo", "version": "1.0.0"}
            }),
            "tools/list" => json!({"tools": [echo_tool()]}),
            "tools/call" => {
                let message = request
                    .pointer("/params/arguments/message")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                json!({"content": [{"type": "text", "text": format!("Echo: {message}")}]})
            }
            "ping" => json!({}),
            _ => {
                let error = json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": -32601, "message": "method not found"}});
                serde_json::to_writer(&mut output, &error).unwrap();
                output.write_all(b"\n").unwrap();
                let _ = output.flush();
                continue;
            }
        };
        serde_json::to_writer(
            &mut output,
            &json!({"jsonrpc": "2.0", "id": id, "result": result}),
        )
        .unwrap();
        if output.write_all(b"\n").is_err() {
            break;
        }
        if !input.buffer().contains(&b'\n') && output.flush().is_err() {
            break;
        }
    }
    let _ = output.flush();
}

/// `--relay -- COMMAND…`: forwards lines both ways, unread, one write per line
/// (the guard's threading without its checks).
fn bare_relay(command: &[String]) {
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server_in = child.stdin.take().unwrap();
    let server_out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut input = BufReader::with_capacity(BUF, std::io::stdin());
        let mut line = Vec::new();
        loop {
            line.clear();
            match input.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if server_in.write_all(&line).is_err() {
                break;
            }
        }
    });
    let mut output = BufReader::with_capacity(BUF, server_out);
    let stdout = std::io::stdout();
    let mut line = Vec::new();
    loop {
        line.clear();
        match output.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let mut w = stdout.lock();
        if w.write_all(&line).and_then(|()| w.flush()).is_err() {
            break;
        }
    }
    let _ = child.wait();
}

/// One client connection to a started process.
struct Conn {
    path: &'static str,
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    stderr: PathBuf,
    next_id: usize,
    line: Vec<u8>,
}

impl Conn {
    fn start(path: &'static str, mut cmd: Command, stderr: PathBuf) -> Conn {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Conn {
            path,
            input: child.stdin.take().unwrap(),
            output: BufReader::with_capacity(BUF, child.stdout.take().unwrap()),
            child,
            stderr,
            next_id: 1,
            line: Vec::new(),
        }
    }

    fn died(&self, what: &str) -> ! {
        panic!(
            "{}: {what}; its stderr:\n{}",
            self.path,
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }

    /// The next message with an `id` (notifications and requests from the
    /// server are skipped).
    fn next_response(&mut self) -> Value {
        loop {
            self.line.clear();
            match self.output.read_until(b'\n', &mut self.line) {
                Ok(0) | Err(_) => self.died("the output ended"),
                Ok(_) => {}
            }
            let v: Value = serde_json::from_slice(&self.line)
                .unwrap_or_else(|e| self.died(&format!("not JSON ({e})")));
            if v.get("id").is_some() && v.get("method").is_none() {
                return v;
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut bytes = serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )
        .unwrap();
        bytes.push(b'\n');
        self.input.write_all(&bytes).unwrap();
        let v = self.next_response();
        match v.get("result") {
            Some(r) if v["id"] == id => r.clone(),
            _ => self.died(&format!("{method} answered {v}")),
        }
    }

    /// initialize, notifications/initialized, tools/list: the listed tools.
    fn handshake(&mut self) -> Vec<Value> {
        self.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "guard-bench", "version": "1.0.0"}}),
        );
        self.input
            .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
            .unwrap();
        let tools = self.request("tools/list", json!({}));
        tools["tools"].as_array().cloned().unwrap_or_default()
    }

    /// One `tools/call` of echo, timed from writing the request to having
    /// parsed its answer.
    fn call(&mut self) -> Duration {
        let id = self.next_id;
        self.next_id += 1;
        let line = call_line(id);
        let t = Instant::now();
        self.input.write_all(line.as_bytes()).unwrap();
        let v = self.next_response();
        let elapsed = t.elapsed();
        if v["id"] != id || v.get("result").is_none() {
            self.died(&format!("the call {id} was answered {v}"));
        }
        elapsed
    }

    /// `n` calls written without waiting (at most [`WINDOW`] unanswered) while
    /// the answers are read: the time and the number of answers that were
    /// not a result.
    fn pipelined(&mut self, n: usize) -> (Duration, usize) {
        let first = self.next_id;
        self.next_id += n;
        let answered = AtomicUsize::new(0);
        let Conn {
            input,
            output,
            line,
            ..
        } = self;
        let t = Instant::now();
        let errors = std::thread::scope(|s| {
            let answered = &answered;
            s.spawn(move || {
                let mut w = BufWriter::with_capacity(BUF, &mut *input);
                for i in 0..n {
                    if i - answered.load(Ordering::Relaxed) >= WINDOW {
                        w.flush().unwrap();
                        while i - answered.load(Ordering::Relaxed) >= WINDOW {
                            std::thread::sleep(Duration::from_micros(100));
                        }
                    }
                    w.write_all(call_line(first + i).as_bytes()).unwrap();
                }
                w.flush().unwrap();
            });
            let mut errors = 0;
            let mut got = 0;
            while got < n {
                line.clear();
                if matches!(output.read_until(b'\n', line), Ok(0) | Err(_)) {
                    panic!("the output ended after {got} of {n} pipelined answers");
                }
                let v: Value = serde_json::from_slice(line).unwrap();
                if v.get("id").is_none() || v.get("method").is_some() {
                    continue;
                }
                if v.get("result").is_none() {
                    errors += 1;
                }
                got += 1;
                answered.store(got, Ordering::Relaxed);
            }
            errors
        });
        (t.elapsed(), errors)
    }

    fn stop(mut self) {
        drop(self.input);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `MCP_GUARD_BENCH_COMPARE=NAME=PATH[,NAME=PATH…]`: other `mcp-verify`
/// builds to measure as further paths.
fn compare() -> Vec<(&'static str, PathBuf)> {
    let list = std::env::var("MCP_GUARD_BENCH_COMPARE").unwrap_or_default();
    list.split(',')
        .filter_map(|item| item.split_once('='))
        .map(|(name, path)| (&*String::leak(name.to_owned()), PathBuf::from(path)))
        .collect()
}

/// A server to measure against: how to start it.
struct Server {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    rounds: usize,
    pipelined: usize,
    /// Whether the throughput target applies (the server is not the bottleneck).
    throughput_target: bool,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Measures one server; returns the targets missed.
fn measure(server: &Server, tmp: &Path, runs: usize) -> Vec<String> {
    let me = std::env::current_exe().unwrap();
    let guard_bin = std::env::var_os("MCP_VERIFY_BIN")
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_mcp-verify").into());
    let file = |what: &str| tmp.join(format!("{}-{what}", server.name));

    let mut cmd = Command::new(&server.program);
    cmd.args(&server.args);
    let mut direct = Conn::start("direct", cmd, file("direct.stderr"));
    let tools = direct.handshake();
    assert!(
        tools.iter().any(|t| t["name"] == "echo"),
        "{} lists no echo tool",
        server.name
    );
    // The whole live surface is pinned, as `tools pin` would.
    let pin = file("pin.json");
    std::fs::write(&pin, serde_json::to_vec(&json!({"tools": tools})).unwrap()).unwrap();
    let audit = file("audit.jsonl");
    let mut relay = Command::new(&me);
    relay.arg("--relay");
    let mut guard = Command::new(&guard_bin);
    guard.arg("guard").arg("--pin").arg(&pin);
    let mut audited = Command::new(&guard_bin);
    audited
        .arg("guard")
        .arg("--pin")
        .arg(&pin)
        .arg("--audit")
        .arg(&audit);
    let mut conns = vec![direct];
    for (path, mut cmd) in [
        ("bare relay", relay),
        ("guard", guard),
        ("guard+audit", audited),
    ] {
        cmd.arg("--").arg(&server.program).args(&server.args);
        let mut c = Conn::start(path, cmd, file(&format!("{path}.stderr")));
        let listed = c.handshake();
        if !listed.iter().any(|t| t["name"] == "echo") {
            c.died("echo was not listed");
        }
        conns.push(c);
    }
    // Other builds to compare, measured alike (not held to the targets).
    for (name, bin) in compare() {
        let mut cmd = Command::new(bin);
        cmd.arg("guard").arg("--pin").arg(&pin).arg("--");
        cmd.arg(&server.program).args(&server.args);
        let mut c = Conn::start(name, cmd, file(&format!("{name}.stderr")));
        c.handshake();
        conns.push(c);
    }
    let guarded = [2, 3];

    // Warm-up, then blocks interleaved in a rotating order so that load on
    // the machine falls on every path alike.
    for c in conns.iter_mut() {
        for _ in 0..2 * BLOCK {
            c.call();
        }
    }
    let n = conns.len();
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); n];
    let blocks = server.rounds.div_ceil(BLOCK);
    for b in 0..blocks {
        for k in 0..n {
            let i = (b + k) % n;
            for _ in 0..BLOCK {
                samples[i].push(conns[i].call());
            }
        }
    }
    println!(
        "\n{}: {} sequential tools/call round trips per path (blocks of {BLOCK}, interleaved)",
        server.name,
        blocks * BLOCK
    );
    println!(
        "  {:<12} {:>10} {:>10} {:>10} {:>14} {:>16}",
        "path", "p50", "p90", "p99", "p50 vs direct", "p50 over direct"
    );
    let mut p50 = vec![Duration::ZERO; n];
    for (i, s) in samples.iter_mut().enumerate() {
        s.sort();
        p50[i] = percentile(s, 50.0);
        println!(
            "  {:<12} {:>7.1} µs {:>7.1} µs {:>7.1} µs {:>13.2}× {:>13.1} µs",
            conns[i].path,
            us(p50[i]),
            us(percentile(s, 90.0)),
            us(percentile(s, 99.0)),
            us(p50[i]) / us(p50[0]),
            us(p50[i]) - us(p50[0])
        );
    }
    let mut missed = Vec::new();
    for i in guarded {
        let ratio = us(p50[i]) / us(p50[0]);
        let verdict = if ratio <= P50_TARGET { "met" } else { "MISSED" };
        println!(
            "  target: {} p50 ≤ {P50_TARGET}× direct: {verdict} ({ratio:.2}×; {:.2}× the bare relay)",
            conns[i].path,
            us(p50[i]) / us(p50[1])
        );
        if ratio > P50_TARGET {
            missed.push(format!(
                "{}: {} p50 {ratio:.2}× direct (target ≤ {P50_TARGET}×)",
                server.name, conns[i].path
            ));
        }
    }

    println!(
        "{}: {} pipelined calls (≤ {WINDOW} in flight), best of {runs}",
        server.name, server.pipelined
    );
    let mut best = vec![f64::MAX; n];
    for r in 0..runs {
        for k in 0..n {
            let i = (r + k) % n;
            let (t, errors) = conns[i].pipelined(server.pipelined);
            assert_eq!(
                errors, 0,
                "{}: {errors} pipelined calls were not answered with a result",
                conns[i].path
            );
            best[i] = best[i].min(t.as_secs_f64());
            // Keep the audit log from growing across runs.
            std::fs::OpenOptions::new()
                .write(true)
                .open(&audit)
                .and_then(|f| f.set_len(0))
                .unwrap();
        }
    }
    println!(
        "  {:<12} {:>14} {:>10} {:>14}",
        "path", "messages/s", "vs direct", "µs per call"
    );
    let rate = |i: usize| 2.0 * server.pipelined as f64 / best[i];
    for (i, c) in conns.iter().enumerate() {
        println!(
            "  {:<12} {:>14.0} {:>9.2}× {:>14.2}",
            c.path,
            rate(i),
            rate(i) / rate(0),
            best[i] * 1e6 / server.pipelined as f64
        );
    }
    if server.throughput_target {
        for i in guarded {
            let r = rate(i);
            let verdict = if r >= THROUGHPUT_TARGET {
                "met"
            } else {
                "MISSED"
            };
            println!(
                "  target: ≥ {THROUGHPUT_TARGET:.0} messages/s through {}: {verdict}",
                conns[i].path
            );
            if r < THROUGHPUT_TARGET {
                missed.push(format!(
                    "{}: {r:.0} messages/s through {} (target ≥ {THROUGHPUT_TARGET:.0})",
                    server.name, conns[i].path
                ));
            }
        }
    }
    for c in conns {
        c.stop();
    }
    missed
}

/// The guard's session alone: one call and its answer, against parsing and
/// re-serialising both.
fn session_cost(calls: usize) {
    let listing = json!({"tools": [echo_tool()]});
    let pinned = mcp_trust::tools::parse_listing(&listing).unwrap().tools;
    let mut session = Session::new(Policy::new(pinned), ServerIdentity::default(), false).unwrap();
    session.from_client(br#"{"jsonrpc":"2.0","id":0,"method":"tools/list"}"#);
    let list = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 0, "result": listing})).unwrap();
    let out = session.from_server(&list);
    assert!(out.events.is_empty(), "{:?}", out.events);
    let answer = |id: usize| {
        format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"content\":[{{\"type\":\"text\",\"text\":\"Echo: hello {id}\"}}]}}}}"
        )
    };
    let mut guarded = || {
        for id in 1..=calls {
            let out = session.from_client(call_line(id).trim_end().as_bytes());
            assert_eq!(out.to_server.len(), 1);
            let out = session.from_server(answer(id).as_bytes());
            assert_eq!(out.to_client.len(), 1);
        }
    };
    let baseline = || {
        for id in 1..=calls {
            let v: Value = serde_json::from_str(call_line(id).trim_end()).unwrap();
            std::hint::black_box(serde_json::to_vec(&v).unwrap());
            let v: Value = serde_json::from_str(&answer(id)).unwrap();
            std::hint::black_box(serde_json::to_vec(&v).unwrap());
        }
    };
    let (mut g, mut b) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        let t = Instant::now();
        baseline();
        b = b.min(t.elapsed());
        let t = Instant::now();
        guarded();
        g = g.min(t.elapsed());
    }
    let per = |d: Duration| us(d) / calls as f64;
    println!(
        "\nsession in process ({calls} calls, best of 3): from_client + from_server {:.2} µs per call; \
         baseline parse + re-serialise of both messages {:.2} µs ({:.2}×)",
        per(g),
        per(b),
        per(g) / per(b)
    );
}

/// server-everything's entry script, when it is installed (or, `install`,
/// installable).
fn everything(install: bool) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MCP_EVERYTHING_JS") {
        return Some(PathBuf::from(p));
    }
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .ok()
        .filter(|s| s.success())?;
    let venvs = match std::env::var_os("MCP_TRUST_VENVS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".cache/mcp-trust/venvs"),
    };
    let installed = venvs
        .join(format!("npm-mcp-{}", mcp_sdk::NPM_SERVERS))
        .join("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    if installed.is_file() {
        return Some(installed);
    }
    install.then(|| mcp_sdk::npm_server("server-everything"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--echo-server") => return echo_server(),
        Some("--relay") => return bare_relay(&args[2..]),
        _ => {}
    }
    let quick = args.iter().any(|a| a == "--quick")
        || std::env::var_os("MCP_GUARD_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0");
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let (rounds, pipelined, runs) = if quick {
        (1_000, 20_000, 1)
    } else {
        (20_000, 200_000, 3)
    };
    let rounds = numbers.first().copied().unwrap_or(rounds);
    let pipelined = numbers.get(1).copied().unwrap_or(pipelined);

    let tmp = tempfile::tempdir().unwrap();
    let mut servers = vec![Server {
        name: "echo (Rust, this bench)",
        program: std::env::current_exe().unwrap(),
        args: vec!["--echo-server".into()],
        rounds,
        pipelined,
        throughput_target: true,
    }];
    match everything(!quick) {
        Some(js) => servers.push(Server {
            name: "server-everything (node)",
            program: "node".into(),
            args: vec![js.display().to_string(), "stdio".into()],
            rounds: rounds / 4,
            pipelined: pipelined / 10,
            throughput_target: false,
        }),
        None => println!(
            "server-everything is not installed (no node, or not at the tests' install location; \
             set MCP_EVERYTHING_JS): measuring the echo server only"
        ),
    }
    println!(
        "mcp-verify guard: {}; {} CPUs",
        if quick { "quick run" } else { "full run" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut missed = Vec::new();
    for s in &servers {
        missed.extend(measure(s, tmp.path(), runs));
    }
    session_cost(if quick { 20_000 } else { 200_000 });
    if missed.is_empty() {
        println!("\nall targets met");
    } else {
        println!("\ntargets missed:");
        for m in &missed {
            println!("  {m}");
        }
        std::process::exit(1);
    }
}
