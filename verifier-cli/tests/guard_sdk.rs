//! `mcp-verify guard` between real MCP parts: the official Python SDK
//! (`mcp`) as the client, the npm reference servers and small FastMCP servers
//! (`tests/guard/*.py`) as servers, plus a raw driver for the bytes no SDK
//! would send. Each test works in its own temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};
use support::mcp_sdk;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-verify");
/// Longest wait for any one answer.
const TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------- commands

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

fn script(name: &str) -> String {
    s(&Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/guard")
        .join(name))
}

fn python() -> String {
    s(&mcp_sdk::python())
}

fn everything() -> Vec<String> {
    vec![
        "node".into(),
        s(&mcp_sdk::npm_server("server-everything")),
        "stdio".into(),
    ]
}

fn filesystem(root: &Path) -> Vec<String> {
    vec![
        "node".into(),
        s(&mcp_sdk::npm_server("server-filesystem")),
        s(root),
    ]
}

fn fastmcp(name: &str, args: &[&str]) -> Vec<String> {
    let mut v = vec![python(), script(name)];
    v.extend(args.iter().map(|a| (*a).to_owned()));
    v
}

/// `mcp-verify guard FLAGS… -- SERVER…`.
fn guarded(flags: &[&str], server: &[String]) -> Vec<String> {
    let mut v = vec![BIN.to_owned(), "guard".to_owned()];
    v.extend(flags.iter().map(|f| (*f).to_owned()));
    v.push("--".into());
    v.extend_from_slice(server);
    v
}

// ------------------------------------------------------ the SDK as client

/// What `tests/guard/client.py` saw.
struct Sdk {
    init: Value,
    steps: Vec<Value>,
    stderr: String,
}

impl Sdk {
    fn tools(&self, step: usize) -> Vec<Value> {
        self.steps[step]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("step {step} is not a listing: {}", self.steps[step]))
            .clone()
    }

    fn names(&self, step: usize) -> Vec<String> {
        self.tools(step)
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    }

    fn result(&self, step: usize) -> &Value {
        let r = &self.steps[step]["result"];
        assert!(
            r.is_object(),
            "step {step} is not a result: {}",
            self.steps[step]
        );
        r
    }

    fn text(&self, step: usize) -> &str {
        self.result(step)["content"][0]["text"].as_str().unwrap()
    }

    /// The JSON-RPC error of a step: code and message.
    fn error(&self, step: usize) -> (i64, &str) {
        let e = &self.steps[step]["error"];
        assert!(
            e.is_object(),
            "step {step} is not a JSON-RPC error: {}\nstderr:\n{}",
            self.steps[step],
            self.stderr
        );
        (e["code"].as_i64().unwrap(), e["message"].as_str().unwrap())
    }
}

/// Runs the SDK client against `command` with these steps (see client.py).
fn sdk(steps: Value, command: &[String]) -> Sdk {
    let out = Command::new(python())
        .arg(script("client.py"))
        .arg(steps.to_string())
        .arg("--")
        .args(command)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "client.py failed ({}) for {command:?}:\n{stderr}",
        out.status
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "client.py printed no JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let steps = v["steps"].as_array().unwrap().clone();
    for (i, step) in steps.iter().enumerate() {
        assert!(
            step.get("timeout").is_none(),
            "step {i} timed out:\n{stderr}"
        );
    }
    Sdk {
        init: v["initialize"].clone(),
        steps,
        stderr,
    }
}

// ------------------------------------------------------- raw stdio drivers

/// The lines a child writes on stdout, read on their own thread.
fn lines_of(stdout: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn next_line(rx: &Receiver<String>) -> String {
    rx.recv_timeout(TIMEOUT)
        .unwrap_or_else(|e| panic!("no line within {TIMEOUT:?}: {e}"))
}

/// Kills the child unless it exits within `timeout`; its status.
fn wait_within(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn initialize(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "guard_sdk.rs", "version": "1"}}})
}

/// A server's `tools/list` response (the JSON-RPC message), asked for directly.
fn raw_listing(server: &[String]) -> Value {
    let mut child = Command::new(&server[0])
        .args(&server[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    let mut send = |v: Value| writeln!(stdin, "{v}").and_then(|()| stdin.flush()).unwrap();
    send(initialize(1));
    while serde_json::from_str::<Value>(&next_line(&rx)).unwrap()["id"] != 1 {}
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    let listing = loop {
        let v: Value = serde_json::from_str(&next_line(&rx)).unwrap();
        if v["id"] == 2 {
            break v;
        }
    };
    drop(stdin);
    wait_within(&mut child, Duration::from_secs(5));
    assert!(listing["result"]["tools"].is_array(), "{listing}");
    listing
}

/// server-everything's tools/list response, asked for once per test process.
fn everything_listing() -> &'static Value {
    static LISTING: OnceLock<Value> = OnceLock::new();
    LISTING.get_or_init(|| raw_listing(&everything()))
}

/// A pin file made with `mcp-verify tools pin` from `listing`, then `edit`ed.
fn pin(dir: &Path, listing: &Value, edit: impl FnOnce(&mut Vec<Value>)) -> String {
    let list = dir.join("tools-list.json");
    std::fs::write(&list, listing.to_string()).unwrap();
    let out = Command::new(BIN)
        .args(["tools", "pin", &s(&list)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tools pin failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut tools: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    edit(&mut tools);
    let path = dir.join("pin.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&tools).unwrap()).unwrap();
    s(&path)
}

fn set_description(tools: &mut [Value], name: &str, description: &str) {
    let tool = tools.iter_mut().find(|t| t["name"] == name).unwrap();
    tool["description"] = description.into();
}

/// The guard on raw pipes: the test writes the client's bytes and reads
/// exactly what the client would get.
struct RawGuard {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<String>,
}

impl RawGuard {
    fn start(args: &[String], stderr: &Path) -> RawGuard {
        let mut child = Command::new(&args[0])
            .args(&args[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr).unwrap())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let rx = lines_of(child.stdout.take().unwrap());
        RawGuard { child, stdin, rx }
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        let w = self.stdin.as_mut().unwrap();
        w.write_all(bytes).unwrap();
        w.write_all(b"\n").unwrap();
        w.flush().unwrap();
    }

    fn send(&mut self, v: &Value) {
        self.send_bytes(v.to_string().as_bytes());
    }

    fn line(&self) -> String {
        next_line(&self.rx)
    }

    fn recv(&self) -> Value {
        let line = self.line();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// The next message carrying `id`, skipping the server's notifications.
    fn answer_to(&self, id: &Value) -> Value {
        loop {
            let v = self.recv();
            if v.get("id") == Some(id) {
                return v;
            }
            assert!(v.get("id").is_none(), "unexpected {v}");
        }
    }

    /// Sends `v` and returns the one answer.
    fn ask(&mut self, v: &Value) -> Value {
        self.send(v);
        self.recv()
    }

    /// Closes the client's input; what else the client got, and the exit status.
    fn close(mut self) -> (Vec<String>, Option<ExitStatus>) {
        drop(self.stdin.take());
        let mut rest = Vec::new();
        loop {
            match self.rx.recv_timeout(TIMEOUT) {
                Ok(line) => rest.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("the guard's stdout stays open"),
            }
        }
        let status = wait_within(&mut self.child, TIMEOUT);
        (rest, status)
    }
}

impl Drop for RawGuard {
    /// On a failed assertion: end the client's input so the guard stops its
    /// server itself, and kill the guard only if it does not exit.
    fn drop(&mut self) {
        drop(self.stdin.take());
        wait_within(&mut self.child, Duration::from_secs(15));
    }
}

fn call(id: i64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn text_result(id: i64, text: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": text}]}})
}

// ------------------------------------------------------------------- audit

/// The audit file's records, each checked against guard-audit.v1.schema.json.
fn audit(path: &Path) -> Vec<Value> {
    let schema: Value =
        serde_json::from_str(include_str!("../../schemas/guard-audit.v1.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&record)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{record} breaks the schema: {errors:?}");
            record
        })
        .collect()
}

fn fields<'a>(records: &'a [Value], key: &str) -> Vec<&'a Value> {
    records.iter().map(|r| &r[key]).collect()
}

/// `sha256:<hex>` of `bytes`, by coreutils rather than this workspace.
fn sha256(bytes: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    format!("sha256:{}", &String::from_utf8(out.stdout).unwrap()[..64])
}

/// The guard's JSON diagnostics (`--log-format json`) among stderr's lines.
fn json_events(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("level").is_some() && v.get("server").is_some())
        .collect()
}

// ------------------------------------------------------------------- tests

/// The unpinned fields the guard drops from every listed tool.
fn without_unpinned(mut tool: Value) -> Value {
    let obj = tool.as_object_mut().unwrap();
    for key in ["execution", "_meta", "icons"] {
        obj.remove(key);
    }
    tool
}

#[test]
fn everything_through_the_guard_answers_as_it_does_directly_and_audits_each_call() {
    let dir = tempfile::tempdir().unwrap();
    let pin = pin(dir.path(), everything_listing(), |_| {});
    let steps = json!([
        {"op": "list"},
        {"op": "call", "name": "echo", "arguments": {"message": "héllo ✓ \"quoted\""}},
        {"op": "call", "name": "get-sum", "arguments": {"b": 40, "a": 2.5}},
    ]);
    let direct = sdk(steps.clone(), &everything());
    let log = dir.path().join("audit.jsonl");
    let guarded_run = sdk(
        steps.clone(),
        &guarded(
            &["--pin", &pin, "--audit", &s(&log), "--name", "everything"],
            &everything(),
        ),
    );

    assert_eq!(guarded_run.init["serverInfo"], direct.init["serverInfo"]);
    assert_eq!(
        guarded_run.init["serverInfo"]["name"],
        "mcp-servers/everything"
    );
    assert_eq!(
        guarded_run.init, direct.init,
        "the initialize result changed"
    );
    let direct_tools: Vec<Value> = direct.tools(0).into_iter().map(without_unpinned).collect();
    assert_eq!(direct_tools.len(), 13);
    assert!(direct.tools(0).iter().any(|t| t.get("execution").is_some()));
    assert_eq!(guarded_run.tools(0), direct_tools);
    assert_eq!(guarded_run.text(1), "Echo: héllo ✓ \"quoted\"");
    assert_eq!(guarded_run.result(1), direct.result(1));
    assert_eq!(guarded_run.text(2), "The sum of 2.5 and 40 is 42.5.");
    assert_eq!(guarded_run.result(2), direct.result(2));
    assert!(
        guarded_run
            .stderr
            .contains("mcp-verify: info: guarding the server (pid "),
        "{}",
        guarded_run.stderr
    );

    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let records = audit(&log);
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(fields(&records, "tool"), ["echo", "get-sum"]);
    assert_eq!(fields(&records, "outcome"), ["ok", "ok"]);
    // RFC 8785: keys sorted, no spaces, strings in UTF-8, 2.5 as written.
    assert_eq!(
        records[0]["argumentsSha256"],
        sha256("{\"message\":\"héllo ✓ \\\"quoted\\\"\"}".as_bytes())
    );
    assert_eq!(
        records[1]["argumentsSha256"],
        sha256(br#"{"a":2.5,"b":40}"#)
    );
    for r in &records {
        assert_eq!(r["server"], json!({"name": "everything"}));
        assert!(r["requestId"].is_i64());
        assert!(r.get("arguments").is_none(), "{r}");
        assert!(r.get("detail").is_none(), "{r}");
    }
    assert_ne!(records[0]["requestId"], records[1]["requestId"]);

    // With --audit-arguments the values are kept too.
    let log2 = dir.path().join("audit-arguments.jsonl");
    let with_args = sdk(
        steps,
        &guarded(
            &["--pin", &pin, "--audit", &s(&log2), "--audit-arguments"],
            &everything(),
        ),
    );
    assert_eq!(with_args.text(2), "The sum of 2.5 and 40 is 42.5.");
    let records2 = audit(&log2);
    assert_eq!(records2.len(), 2);
    assert_eq!(
        records2[0]["arguments"],
        json!({"message": "héllo ✓ \"quoted\""})
    );
    assert_eq!(records2[1]["arguments"], json!({"a": 2.5, "b": 40}));
    assert_eq!(
        fields(&records2, "argumentsSha256"),
        fields(&records, "argumentsSha256")
    );
    // Without --name the server is named by its command.
    assert_eq!(records2[0]["server"], json!({"name": "node"}));
}

#[test]
fn filesystem_with_an_allow_list_of_reading_tools_refuses_writes_before_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("notes.txt"), "hello from the test\n").unwrap();
    let listing = raw_listing(&filesystem(&root));
    let tools = listing["result"]["tools"].as_array().unwrap();
    let reading: Vec<&str> = tools
        .iter()
        .filter(|t| t["annotations"]["readOnlyHint"] == true)
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for name in ["read_text_file", "list_directory", "get_file_info"] {
        assert!(reading.contains(&name), "{reading:?}");
    }
    for name in ["write_file", "edit_file", "move_file", "create_directory"] {
        assert!(tools.iter().any(|t| t["name"] == name), "{name} is listed");
        assert!(!reading.contains(&name), "{reading:?}");
    }
    let pin = pin(dir.path(), &listing, |_| {});
    let log = dir.path().join("audit.jsonl");
    let target = root.join("written.txt");
    let run = sdk(
        json!([
            {"op": "list"},
            {"op": "call", "name": "read_text_file", "arguments": {"path": s(&root.join("notes.txt"))}},
            {"op": "call", "name": "write_file", "arguments": {"path": s(&target), "content": "pwned"}},
            {"op": "call", "name": "create_directory", "arguments": {"path": s(&root.join("made"))}},
            {"op": "call", "name": "list_directory", "arguments": {"path": s(&root)}},
        ]),
        &guarded(
            &[
                "--pin",
                &pin,
                "--allow-tools",
                &reading.join(","),
                "--audit",
                &s(&log),
            ],
            &filesystem(&root),
        ),
    );
    assert_eq!(run.names(0), reading);
    assert_eq!(run.text(1), "hello from the test\n");
    assert_eq!(
        run.error(2),
        (
            -32001,
            "refused by mcp-verify: tool `write_file` is withheld: it is not in the allow list"
        )
    );
    assert_eq!(
        run.error(3),
        (
            -32001,
            "refused by mcp-verify: tool `create_directory` is withheld: it is not in the allow list"
        )
    );
    assert_eq!(run.text(4), "[FILE] notes.txt");
    assert!(!target.exists(), "the refused write reached the server");
    assert!(!root.join("made").exists());

    let records = audit(&log);
    assert_eq!(
        fields(&records, "tool"),
        [
            "read_text_file",
            "write_file",
            "create_directory",
            "list_directory"
        ]
    );
    assert_eq!(
        fields(&records, "outcome"),
        ["ok", "refused", "refused", "ok"]
    );
    assert_eq!(
        records[1]["detail"],
        "tool `write_file` is withheld: it is not in the allow list"
    );
    assert_eq!(records[1]["durationMs"], 0.0);

    // The same write without the guard does reach the disk: the refusal above is the guard's.
    let direct = sdk(
        json!([{"op": "call", "name": "write_file",
                "arguments": {"path": s(&target), "content": "direct"}}]),
        &filesystem(&root),
    );
    assert_eq!(direct.result(0)["isError"], false, "{:?}", direct.steps);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "direct");
}

const DRIFT_BLOCKED: &str = "refused by mcp-verify: the server's tool surface drifted from the pin (echo); calls are refused until it is restarted with an approved surface";

#[test]
fn a_pin_that_differs_in_one_description_blocks_every_call() {
    let dir = tempfile::tempdir().unwrap();
    let pin = pin(dir.path(), everything_listing(), |tools| {
        set_description(tools, "echo", "Echoes back the input string.");
    });
    let log = dir.path().join("audit.jsonl");
    let run = sdk(
        json!([
            {"op": "list"},
            {"op": "call", "name": "get-sum", "arguments": {"a": 1, "b": 2}},
            {"op": "call", "name": "echo", "arguments": {"message": "hi"}},
        ]),
        &guarded(&["--pin", &pin, "--audit", &s(&log)], &everything()),
    );
    let expected: Vec<String> = everything_listing()["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .filter(|n| n != "echo")
        .collect();
    assert_eq!(run.names(0), expected);
    assert_eq!(run.error(1), (-32001, DRIFT_BLOCKED));
    assert_eq!(run.error(2), (-32001, DRIFT_BLOCKED));
    assert!(
        run.stderr.contains(
            "mcp-verify: error: withheld tool `echo`: it differs from its pin in description\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "mcp-verify: error: the tool surface drifted from the pin (echo); every call is refused until the server is restarted with an approved surface\n"
        ),
        "{}",
        run.stderr
    );
    let records = audit(&log);
    assert_eq!(fields(&records, "tool"), ["get-sum", "echo"]);
    assert_eq!(fields(&records, "outcome"), ["refused", "refused"]);
}

#[test]
fn on_drift_hide_withholds_only_the_drifted_tool() {
    let dir = tempfile::tempdir().unwrap();
    let pin = pin(dir.path(), everything_listing(), |tools| {
        set_description(tools, "echo", "Echoes back the input string.");
    });
    let steps = json!([
        {"op": "list"},
        {"op": "call", "name": "get-sum", "arguments": {"a": 1, "b": 2}},
        {"op": "call", "name": "echo", "arguments": {"message": "hi"}},
    ]);
    let run = sdk(
        steps,
        &guarded(
            &["--pin", &pin, "--on-drift", "hide", "--log-format", "json"],
            &everything(),
        ),
    );
    let names = run.names(0);
    assert_eq!(names.len(), 12);
    assert!(!names.contains(&"echo".to_owned()));
    assert!(names.contains(&"get-sum".to_owned()));
    assert_eq!(run.text(1), "The sum of 1 and 2 is 3.");
    assert_eq!(
        run.error(2),
        (
            -32001,
            "refused by mcp-verify: tool `echo` is withheld: it differs from its pin in description"
        )
    );
    let events = json_events(&run.stderr);
    let withheld: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "tool-withheld")
        .collect();
    assert_eq!(withheld.len(), 1, "{events:?}");
    assert_eq!(withheld[0]["tool"], "echo");
    assert_eq!(withheld[0]["reason"], "changed");
    assert_eq!(withheld[0]["fields"], json!(["description"]));
    assert_eq!(withheld[0]["level"], "error");
    assert!(!events.iter().any(|e| e["event"] == "calls-blocked"));
    let refused: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "call-refused")
        .collect();
    assert_eq!(refused.len(), 1, "{events:?}");
    assert_eq!(refused[0]["tool"], "echo");
}

#[test]
fn a_fastmcp_server_that_changes_a_description_mid_session_is_blocked_after_the_relist() {
    let dir = tempfile::tempdir().unwrap();
    let server = fastmcp("rug_pull_server.py", &["2"]);
    let pin = pin(dir.path(), &raw_listing(&server), |_| {});
    let log = dir.path().join("audit.jsonl");
    let run = sdk(
        json!([
            {"op": "list"},
            {"op": "call", "name": "echo", "arguments": {"text": "a"}},
            {"op": "call", "name": "echo", "arguments": {"text": "b"}},
            {"op": "wait_list_changed", "timeout": 10},
            {"op": "list"},
            {"op": "call", "name": "echo", "arguments": {"text": "c"}},
            {"op": "call", "name": "add", "arguments": {"a": 1, "b": 2}},
        ]),
        &guarded(&["--pin", &pin, "--audit", &s(&log)], &server),
    );
    assert_eq!(run.names(0), ["echo", "add"]);
    assert_eq!(run.text(1), "echo #1: a");
    assert_eq!(run.text(2), "echo #2: b");
    assert_eq!(run.steps[3], json!({"listChanged": true}));
    assert_eq!(run.names(4), ["echo"]);
    let blocked = "refused by mcp-verify: the server's tool surface drifted from the pin (add); calls are refused until it is restarted with an approved surface";
    assert_eq!(run.error(5), (-32001, blocked));
    assert_eq!(run.error(6), (-32001, blocked));
    for expected in [
        "mcp-verify: error: withheld tool `add`: it differs from its pin in description\n",
        "mcp-verify: error: the tool surface drifted from the pin (add); every call is refused",
        "mcp-verify: warning: refused call of `echo`: the server's tool surface drifted",
    ] {
        assert!(
            run.stderr.contains(expected),
            "no `{expected}` in:\n{}",
            run.stderr
        );
    }
    let records = audit(&log);
    assert_eq!(fields(&records, "tool"), ["echo", "echo", "echo", "add"]);
    assert_eq!(
        fields(&records, "outcome"),
        ["ok", "ok", "refused", "refused"]
    );
}

#[test]
fn a_poisoned_tool_pinned_as_is_is_still_withheld() {
    let dir = tempfile::tempdir().unwrap();
    let server = fastmcp("poisoned_server.py", &[]);
    let listing = raw_listing(&server);
    assert!(
        listing["result"]["tools"][1]["description"]
            .as_str()
            .unwrap()
            .contains("~/.ssh/id_rsa")
    );
    let pin = pin(dir.path(), &listing, |_| {});
    let log = dir.path().join("audit.jsonl");
    let steps = json!([
        {"op": "list"},
        {"op": "call", "name": "add", "arguments": {"a": 1, "b": 2, "sidenote": "-----BEGIN OPENSSH PRIVATE KEY-----"}},
        {"op": "call", "name": "echo", "arguments": {"text": "still here"}},
    ]);
    let direct = sdk(steps.clone(), &server);
    assert_eq!(direct.names(0), ["echo", "add"]);
    assert!(direct.init["instructions"].is_string());
    let run = sdk(
        steps,
        &guarded(&["--pin", &pin, "--audit", &s(&log)], &server),
    );
    assert!(run.init.get("instructions").is_none(), "{}", run.init);
    assert_eq!(run.init["serverInfo"], direct.init["serverInfo"]);
    assert_eq!(run.names(0), ["echo"]);
    let (code, message) = run.error(1);
    assert_eq!(code, -32001);
    assert!(
        message.starts_with("refused by mcp-verify: tool `add` is withheld: the scan found "),
        "{message}"
    );
    for finding in ["tool-prompt-injection", "tool-secret-exfiltration"] {
        assert!(message.contains(finding), "{message}");
    }
    // Poisoning is not drift: the clean tool still works.
    assert_eq!(run.text(2), "still here");
    assert!(
        run.stderr
            .contains("mcp-verify: error: withheld tool `add`: the scan found "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "mcp-verify: error: dropped the server's initialize instructions: the scan found tool-prompt-injection"
        ),
        "{}",
        run.stderr
    );
    let records = audit(&log);
    assert_eq!(fields(&records, "tool"), ["add", "echo"]);
    assert_eq!(fields(&records, "outcome"), ["refused", "ok"]);
    assert!(
        records[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("tool `add` is withheld: the scan found ")
    );
}

#[test]
fn an_audit_log_that_cannot_be_written_turns_answers_into_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let pin = pin(dir.path(), everything_listing(), |_| {});
    // A private regular file that opens fine, and a file-size limit of zero
    // under which every write fails (EFBIG; SIGXFSZ ignored, as the guard
    // must survive it). /dev/full is refused at open: not a regular file.
    let audit = dir.path().join("audit.jsonl");
    let mut command = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        r#"trap "" XFSZ; ulimit -f 0; exec "$0" "$@""#.to_owned(),
    ];
    command.extend(guarded(
        &["--pin", &pin, "--audit", audit.to_str().unwrap()],
        &everything(),
    ));
    let run = sdk(
        json!([
            {"op": "list"},
            {"op": "call", "name": "echo", "arguments": {"message": "hi"}},
            {"op": "call", "name": "get-sum", "arguments": {"a": 1, "b": 2}},
            {"op": "list"},
        ]),
        &command,
    );
    let (code, message) = run.error(1);
    assert_eq!(code, -32001);
    assert!(
        message.starts_with("refused by mcp-verify: the audit log cannot be written (")
            && message.ends_with("); calls are refused"),
        "{message}"
    );
    assert_eq!(run.error(2), (code, message));
    // The guard itself keeps answering.
    assert_eq!(run.tools(3).len(), 13);
    assert!(
        run.stderr
            .contains("mcp-verify: warning: refused call of `get-sum`: call "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("could not be audited"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::metadata(&audit).unwrap().len(), 0);
}

/// The raw server's surface: `echo` and `add`.
fn raw_tools() -> Value {
    json!({"tools": [
        {"name": "echo", "description": "Echoes the text back.",
         "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}},
        {"name": "add", "description": "Adds two numbers.",
         "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}},
    ]})
}

/// `guard` in front of tests/guard/raw_server.py, on raw pipes.
fn raw_guard(dir: &Path, flags: &[&str]) -> RawGuard {
    let tools = dir.join("tools.json");
    std::fs::write(&tools, raw_tools().to_string()).unwrap();
    let mut all = vec![
        "--pin",
        tools.to_str().unwrap(),
        "--max-message-bytes",
        "4096",
    ];
    all.extend_from_slice(flags);
    let server = vec![
        python(),
        script("raw_server.py"),
        s(&tools),
        s(&dir.join("received.jsonl")),
        "4096".into(),
    ];
    RawGuard::start(&guarded(&all, &server), &dir.join("stderr.txt"))
}

#[test]
fn malformed_oversized_and_unexpected_messages_from_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let mut g = raw_guard(
        dir.path(),
        &[
            "--allow-tools",
            "echo",
            "--audit",
            log.to_str().unwrap(),
            "--name",
            "raw",
        ],
    );

    let init = g.ask(&initialize(1));
    assert_eq!(init["id"], 1);
    assert_eq!(init["result"]["serverInfo"]["name"], "raw");
    g.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let listed = g.ask(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    assert_eq!(
        listed,
        json!({"jsonrpc": "2.0", "id": 2, "result": {"tools": [raw_tools()["tools"][0]]}})
    );

    // From the client: each is answered by the guard, none reaches the server.
    g.send_bytes(b"this is not json");
    let parse = g.recv();
    assert_eq!(parse["id"], Value::Null);
    assert_eq!(parse["error"]["code"], -32700);
    assert!(
        parse["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("not JSON: "),
        "{parse}"
    );
    // A valid ping of exactly 5000 bytes.
    let ping = |pad: usize| {
        json!({"jsonrpc": "2.0", "id": 50, "method": "ping", "params": {"pad": "x".repeat(pad)}})
            .to_string()
    };
    let big = ping(5000 - ping(0).len());
    assert_eq!(big.len(), 5000);
    g.send_bytes(big.as_bytes());
    assert_eq!(
        g.recv(),
        error(
            Value::Null,
            -32600,
            "the message is 5000 bytes or more; at most 4096 are accepted"
        )
    );
    for (line, id, message) in [
        (
            r#"{"jsonrpc":"2.0","id":3}"#,
            json!(3),
            "a response has exactly one of `result` and `error`",
        ),
        (
            r#"{"jsonrpc":"1.0","id":4,"method":"ping"}"#,
            json!(4),
            "`jsonrpc` must be \"2.0\"",
        ),
        (
            "[]",
            Value::Null,
            "a JSON-RPC message must be a JSON object",
        ),
        (
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
            Value::Null,
            "`id` must be a string or an integer",
        ),
        (
            r#"{"jsonrpc":"2.0","id":40,"method":"tools/call","params":"echo"}"#,
            json!(40),
            "`tools/call`: `params` must be an object",
        ),
    ] {
        g.send_bytes(line.as_bytes());
        assert_eq!(g.recv(), error(id, -32600, message), "for {line}");
    }
    let mut unknown = error(
        json!(5),
        -32602,
        "refused by mcp-verify: tool `write_file` is not in the approved tool surface",
    );
    unknown["error"]["data"] = json!({"tool": "write_file"});
    assert_eq!(
        g.ask(&call(5, "write_file", json!({"path": "/etc/passwd"}))),
        unknown
    );
    let mut not_allowed = error(
        json!(6),
        -32001,
        "refused by mcp-verify: tool `add` is withheld: it is not in the allow list",
    );
    not_allowed["error"]["data"] = json!({"tool": "add"});
    assert_eq!(g.ask(&call(6, "add", json!({"a": 1, "b": 2}))), not_allowed);
    // A repeated key means what the guard read (the last one) on both sides.
    g.send_bytes(
        br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"},"name":"add"}}"#,
    );
    let dup = g.recv();
    assert_eq!(dup["id"], 7);
    assert_eq!(dup["error"]["code"], -32001);
    assert_eq!(dup["error"]["data"], json!({"tool": "add"}));
    g.send_bytes(
        br#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"add","arguments":{"text":"dup"},"name":"echo"}}"#,
    );
    let seen = g.recv();
    assert_eq!(seen["id"], 8);
    let seen_line = seen["result"]["content"][0]["text"].as_str().unwrap();
    let seen_value: Value = serde_json::from_str(seen_line).unwrap();
    assert_eq!(seen_value["params"]["name"], "echo");
    assert_eq!(seen_line.matches("\"name\"").count(), 1, "{seen_line}");
    assert!(!seen_line.contains("add"), "{seen_line}");

    // From the server: junk, oversized, unsolicited and contradictory
    // messages are dropped; the repeated key goes out once; the answer follows.
    g.send(&call(9, "echo", json!({"text": "junk:6"})));
    let note = g.line();
    assert!(!note.contains("first"), "{note}");
    assert_eq!(
        serde_json::from_str::<Value>(&note).unwrap(),
        json!({"jsonrpc": "2.0", "method": "notifications/message",
               "params": {"level": "info", "data": "second"}})
    );
    assert_eq!(g.recv(), text_result(9, "after the junk"));

    // Out of order: a call held by the server, its id reused, then both answered.
    g.send(&call(10, "echo", json!({"text": "hold"})));
    assert_eq!(
        g.ask(&json!({"jsonrpc": "2.0", "id": 10, "method": "ping"})),
        error(
            json!(10),
            -32600,
            "request id 10 is already awaiting an answer"
        )
    );
    g.send(&call(11, "echo", json!({"text": "release"})));
    assert_eq!(g.recv(), text_result(10, "held"));
    assert_eq!(g.recv(), text_result(11, "released"));

    // A tools/list answer the guard cannot check reaches the client as an error.
    assert_eq!(
        g.ask(&json!({"jsonrpc": "2.0", "id": 12, "method": "tools/list",
                      "params": {"cursor": "broken"}})),
        error(
            json!(12),
            -32001,
            "refused by mcp-verify: the server's tools/list answer has no `tools` array"
        )
    );
    // Still answering after all of it.
    assert_eq!(
        g.ask(&json!({"jsonrpc": "2.0", "id": 13, "method": "ping"})),
        json!({"jsonrpc": "2.0", "id": 13, "result": {}})
    );
    let listed = g.ask(&json!({"jsonrpc": "2.0", "id": "list-again", "method": "tools/list"}));
    assert_eq!(listed["result"]["tools"], json!([raw_tools()["tools"][0]]));
    // The server stops without answering: the waiting call gets an error.
    assert_eq!(
        g.ask(&call(14, "echo", json!({"text": "exit:3"}))),
        error(json!(14), -32001, "the server stopped before answering")
    );
    let (rest, status) = g.close();
    assert!(rest.is_empty(), "the client got more: {rest:?}");
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(3),
        "the server's exit status"
    );

    // What reached the server: only requests the guard let through.
    let received = std::fs::read_to_string(dir.path().join("received.jsonl")).unwrap();
    let ids: Vec<Value> = received
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|v| v.get("id").cloned())
        .collect();
    assert!(
        ids[1]
            .as_str()
            .is_some_and(|i| i.starts_with("mcp-verify-tools-") && i.len() > 30),
        "{ids:?}"
    );
    assert_eq!(
        ids,
        [
            json!(1),
            // The guard's own listing, sent after notifications/initialized
            // (its id carries a nonce the server cannot predict).
            ids[1].clone(),
            json!(2),
            json!(8),
            json!(9),
            json!(10),
            json!(11),
            json!(12),
            json!(13),
            json!("list-again"),
            json!(14)
        ]
    );

    let records = audit(&log);
    // The tools/call whose params are not an object (id 40) is refused and audited first.
    assert_eq!(
        fields(&records, "requestId"),
        [40, 5, 6, 7, 8, 9, 10, 11, 14]
    );
    assert_eq!(
        fields(&records, "tool"),
        [
            "",
            "write_file",
            "add",
            "add",
            "echo",
            "echo",
            "echo",
            "echo",
            "echo"
        ]
    );
    assert_eq!(
        fields(&records, "outcome"),
        [
            "refused",
            "refused",
            "refused",
            "refused",
            "ok",
            "ok",
            "ok",
            "ok",
            "no-answer"
        ]
    );
    assert_eq!(records[8]["detail"], "the server stopped before answering");
    assert_eq!(records[0]["server"], json!({"name": "raw"}));

    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap();
    for expected in [
        "mcp-verify: warning: refused a client message: not JSON: ",
        "mcp-verify: warning: dropped a server message: not JSON: ",
        "mcp-verify: warning: dropped a server message: the message is ",
        "mcp-verify: warning: dropped a server message: a response with id 999, which no forwarded request carries",
        "mcp-verify: warning: dropped a server message: a response with id 6, which no forwarded request carries",
        "mcp-verify: warning: dropped a server message: `x`: a message is a request or a response, not both",
        "mcp-verify: warning: dropped a server message: `error` needs an integer `code`",
        "mcp-verify: warning: dropped a server message: `id` must be a string or an integer",
        "mcp-verify: warning: dropped a server message: a JSON-RPC message must be a JSON object",
    ] {
        assert!(stderr.contains(expected), "no `{expected}` in:\n{stderr}");
    }
}

// ------------------------------------------- guard bugs these tests found

/// BUG: the guard ignores `notifications/cancelled`. A server built on the
/// TypeScript SDK (every npm reference server) never answers a request the
/// client cancelled, as MCP asks; the guard keeps each one as awaiting an
/// answer, and after `MAX_PENDING` cancellations it refuses every request.
#[test]
fn cancelled_calls_do_not_use_up_the_requests_the_guard_lets_wait() {
    let dir = tempfile::tempdir().unwrap();
    let pin = pin(dir.path(), everything_listing(), |_| {});
    let mut g = RawGuard::start(
        &guarded(&["--pin", &pin, "--stop-timeout", "1"], &everything()),
        &dir.path().join("stderr.txt"),
    );
    g.send(&initialize(1));
    assert!(g.answer_to(&json!(1))["result"].is_object());
    g.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let operation = json!({"duration": 0.2, "steps": 1});
    // Not cancelled: answered after 0.2 s.
    g.send(&call(
        3,
        "trigger-long-running-operation",
        operation.clone(),
    ));
    let done = g.answer_to(&json!(3));
    assert!(done["result"]["content"].is_array(), "{done}");
    assert_eq!(done["result"]["isError"], Value::Null, "{done}");
    // Cancelled at once, as a client's stop button does: never answered.
    let mut batch = String::new();
    for i in 0..mcp_trust::guard::MAX_PENDING {
        let id = 1000 + i64::try_from(i).unwrap();
        batch.push_str(&call(id, "trigger-long-running-operation", operation.clone()).to_string());
        batch.push('\n');
        batch.push_str(
            &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                    "params": {"requestId": id, "reason": "the user pressed stop"}})
            .to_string(),
        );
        batch.push('\n');
    }
    g.send_bytes(batch.trim_end().as_bytes());
    std::thread::sleep(Duration::from_secs(2));
    while let Ok(line) = g.rx.try_recv() {
        let v: Value = serde_json::from_str(&line).unwrap();
        assert!(
            v.get("id").is_none(),
            "the server answered a cancelled call: {v}"
        );
    }
    g.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}));
    assert_eq!(
        g.answer_to(&json!(2)),
        json!({"jsonrpc": "2.0", "id": 2, "result": {}}),
        "every call before this one was cancelled or answered"
    );
}

/// BUG: a `tools/call` without a tool name is refused (-32602) but not
/// audited, though every call, answered or refused, is to become one record
/// (docs/run.md; the schema's `tool` is "empty when the request named none").
#[test]
fn a_call_without_a_tool_name_is_refused_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let mut g = raw_guard(dir.path(), &["--audit", log.to_str().unwrap()]);
    assert_eq!(
        g.ask(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"arguments": {"text": "hi"}}})),
        error(
            json!(1),
            -32602,
            "tools/call needs `params.name`, the tool's name as a string"
        )
    );
    let (rest, _) = g.close();
    assert!(rest.is_empty(), "{rest:?}");
    let records = audit(&log);
    assert_eq!(records.len(), 1, "the refused call left no audit record");
    assert_eq!(records[0]["tool"], "");
    assert_eq!(records[0]["outcome"], "refused");
}
