//! `mcp-verify guard -- COMMAND …`: a server that is not a container, behind
//! the tool-surface guard; and what `run` shares with it: building the
//! guard's session from the enforcement flags, diagnostics on stderr, and
//! serving a started server until one side ends.

use crate::cli::run::{EnforceArgs, GuardArgs, LogFormat, OnDriftArg};
use crate::commands::tools::{read_listing, scan_policy};
use crate::exit::Exit;
use crate::input::read_capped;
use anyhow::{Context, bail};
use mcp_trust::guard::audit::AuditLog;
use mcp_trust::guard::stdio::{RelayEnd, Reporter, relay};
use mcp_trust::guard::{Event, OnDrift, Policy, ServerIdentity, Session};
use mcp_trust::manifest::{Manifest, Tool, ValidateOptions, validate};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Everything the guard needs once the server is running.
pub struct Enforcement {
    session: Session,
    audit: Option<AuditLog>,
    log: Log,
    stop_timeout: Duration,
}

/// Where and how this command writes its own diagnostics (stderr).
#[derive(Debug, Clone)]
pub struct Log {
    format: LogFormat,
    server: String,
}

impl Log {
    /// Diagnostics for `server` in `format`.
    pub fn new(format: LogFormat, server: impl Into<String>) -> Self {
        Log {
            format,
            server: server.into(),
        }
    }

    /// Writes one diagnostic line, in one write: the server's own stderr
    /// goes to the same descriptor from another process, and a line written
    /// in pieces would be torn by it (pipes keep writes of up to 4 KiB whole).
    pub fn line(&self, level: &str, message: &str, event: Option<&Event>) {
        let text = match self.format {
            LogFormat::Human => format!("mcp-verify: {level}: {message}\n"),
            LogFormat::Json => {
                let mut v = match event.map(serde_json::to_value) {
                    Some(Ok(serde_json::Value::Object(m))) => m,
                    _ => serde_json::Map::new(),
                };
                v.insert("time".into(), jiff::Timestamp::now().to_string().into());
                v.insert("level".into(), level.into());
                v.insert("server".into(), self.server.clone().into());
                v.insert("message".into(), message.into());
                format!("{}\n", serde_json::Value::Object(v))
            }
        };
        use std::io::Write as _;
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    fn reporter(&self) -> Reporter {
        let log = self.clone();
        Arc::new(move |e: &Event| {
            let level = match e {
                Event::ToolWithheld { .. }
                | Event::CallsBlocked { .. }
                | Event::InstructionsWithheld { .. } => "error",
                _ => "warning",
            };
            log.line(level, &e.describe(), Some(e));
        })
    }
}

/// Builds the guard's session from the enforcement flags.
pub fn enforcement(
    args: &EnforceArgs,
    pinned: Vec<Tool>,
    server: ServerIdentity,
) -> anyhow::Result<Enforcement> {
    if args.max_message_bytes < 1024 {
        bail!(
            "--max-message-bytes {}: at least 1024 bytes are needed for ordinary MCP messages",
            args.max_message_bytes
        );
    }
    let log = Log::new(args.log_format, server.name.clone());
    let policy = Policy {
        pinned,
        allow_tools: (!args.allow_tools.is_empty())
            .then(|| args.allow_tools.iter().cloned().collect()),
        on_drift: match args.on_drift {
            OnDriftArg::Block => OnDrift::Block,
            OnDriftArg::Hide => OnDrift::Hide,
        },
        scan: scan_policy(args.scan_policy.as_deref())?,
        max_message_bytes: args.max_message_bytes,
    };
    let session = Session::new(policy, server, args.audit_arguments)
        .context("cannot use the pinned surface")?;
    let audit = match &args.audit {
        Some(path) => Some(
            AuditLog::open(path)
                .with_context(|| format!("cannot open the audit log {}", path.display()))?,
        ),
        None => None,
    };
    Ok(Enforcement {
        session,
        audit,
        log,
        stop_timeout: Duration::from_secs(args.stop_timeout),
    })
}

impl Enforcement {
    /// The diagnostics of this session.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// Relays between this process's stdio and the started server until one
    /// side ends, then stops the server (`stop`, after the stop timeout when
    /// the client ended first) and returns its exit status.
    pub fn serve(self, mut child: Child, stop: Arc<dyn Fn(&mut Child) + Send + Sync>) -> Exit {
        let (Some(server_in), Some(server_out)) = (child.stdin.take(), child.stdout.take()) else {
            self.log
                .line("error", "the server's stdio could not be connected", None);
            stop(&mut child);
            return Exit::Failed;
        };
        let callable = self.session.callable().join(", ");
        self.log.line(
            "info",
            &format!(
                "guarding the server (pid {}); callable tools: {}",
                child.id(),
                if callable.is_empty() {
                    "none"
                } else {
                    &callable
                }
            ),
            None,
        );
        let child = Arc::new(Mutex::new(child));
        {
            let child = Arc::clone(&child);
            let stop = Arc::clone(&stop);
            super::shutdown::set_stop(Box::new(move || {
                stop(&mut child.lock().unwrap_or_else(PoisonError::into_inner));
            }));
        }
        let timeout = self.stop_timeout;
        let on_client_end: Box<dyn FnOnce() + Send> = {
            let child = Arc::clone(&child);
            let stop = Arc::clone(&stop);
            Box::new(move || {
                std::thread::spawn(move || {
                    if !exited_within(&child, timeout) {
                        stop(&mut child.lock().unwrap_or_else(PoisonError::into_inner));
                    }
                });
            })
        };
        let end = relay(
            self.session,
            self.audit,
            std::io::stdin(),
            std::io::stdout(),
            server_in,
            server_out,
            self.log.reporter(),
            on_client_end,
        );
        let wait = match end {
            RelayEnd::ClientGone => Duration::ZERO,
            RelayEnd::ServerClosed => timeout,
        };
        if !exited_within(&child, wait) {
            stop(&mut child.lock().unwrap_or_else(PoisonError::into_inner));
        }
        let status = child.lock().unwrap_or_else(PoisonError::into_inner).wait();
        super::shutdown::clear_stop();
        if let Some(n) = super::shutdown::signal() {
            self.log
                .line("info", &format!("stopped the server on signal {n}"), None);
            return Exit::Server(u8::try_from(128 + n).unwrap_or(1));
        }
        match status {
            Ok(s) => {
                use std::os::unix::process::ExitStatusExt;
                let code = s
                    .code()
                    .or_else(|| s.signal().map(|n| 128 + n))
                    .unwrap_or(1);
                self.log
                    .line("info", &format!("the server stopped ({s})"), None);
                Exit::Server(u8::try_from(code).unwrap_or(1))
            }
            Err(e) => {
                self.log
                    .line("error", &format!("cannot wait for the server: {e}"), None);
                Exit::Failed
            }
        }
    }
}

/// Whether the child has exited within `timeout` (polled).
fn exited_within(child: &Mutex<Child>, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(_)) = child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .try_wait()
        {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads a manifest that must validate without errors.
pub fn read_manifest(path: &std::path::Path) -> anyhow::Result<(Vec<u8>, Manifest)> {
    let bytes = read_capped(
        path,
        mcp_trust::manifest::validate::MAX_MANIFEST_BYTES,
        "manifest",
    )?;
    let report = validate(
        &bytes,
        ValidateOptions {
            require_extension: true,
        },
    );
    match report.manifest {
        Some(m) if !mcp_trust::finding::has_errors(&report.findings) => Ok((bytes, m)),
        _ => bail!(
            "manifest {} has errors; run `mcp-verify manifest lint {}`",
            path.display(),
            path.display()
        ),
    }
}

/// `guard (--pin FILE | --manifest FILE) -- COMMAND ARGS…`.
pub fn run(args: &GuardArgs) -> anyhow::Result<Exit> {
    super::shutdown::install()?;
    let program = &args.command[0];
    let (pinned, mut server) = match (&args.pin, &args.manifest) {
        (Some(pin), _) => (read_listing(pin)?.tools, ServerIdentity::default()),
        (None, Some(path)) => {
            let (_, manifest) = read_manifest(path)?;
            let tools = manifest
                .security
                .as_ref()
                .map(|s| s.tools.clone())
                .unwrap_or_default();
            (
                tools,
                ServerIdentity {
                    name: manifest.server.name.clone(),
                    version: Some(manifest.server.version.clone()),
                    image_digest: None,
                },
            )
        }
        (None, None) => bail!("give the approved surface with --pin FILE or --manifest FILE"),
    };
    if let Some(name) = &args.name {
        server.name = name.clone();
    } else if server.name.is_empty() {
        server.name = program.to_string_lossy().into_owned();
    }
    if pinned.is_empty() {
        bail!(
            "the pinned surface has no tools, so every call would be refused; pin the server's tools first (`mcp-verify tools pin`)"
        );
    }
    let enforcement = enforcement(&args.enforce, pinned, server)?;
    let child = Command::new(program)
        .args(&args.command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            enforcement.log().line(
                "error",
                &format!("cannot start {}: {e}", program.to_string_lossy()),
                None,
            );
            return Ok(Exit::Server(code));
        }
    };
    Ok(enforcement.serve(
        child,
        Arc::new(|c: &mut Child| {
            let _ = c.kill();
        }),
    ))
}
