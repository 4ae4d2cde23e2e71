//! The enforcement point between an MCP client and a server on the stdio
//! transport: every message passes through a [`Session`], which decides what
//! reaches the other side. What it enforces:
//!
//! - **The approved tool surface.** Every `tools/list` answer is checked tool
//!   by tool against the pinned surface ([`crate::tools::pin`]): a tool that is
//!   not pinned, or whose pinned fields changed, is withheld from the client and
//!   reported. Under [`OnDrift::Block`] any such drift also refuses every call
//!   until restart; under [`OnDrift::Hide`] only the drifted tools are gone.
//! - **Poisoned text.** Every tool the server lists is scanned with the tool
//!   rules ([`crate::tools::scan`]); a tool with a finding at error severity is
//!   withheld. The server's `initialize` instructions are scanned the same way
//!   and dropped on an error.
//! - **Calls.** A `tools/call` for a tool outside the approved surface (or
//!   outside the operator's allow list) is answered with a JSON-RPC error by
//!   the guard; the server never sees it.
//! - **The transport itself.** Messages are one JSON-RPC object per line and
//!   at most [`Policy::max_message_bytes`]. What the client sends that is not
//!   JSON or not JSON-RPC is answered with the error the JSON-RPC
//!   specification names and not forwarded; what the server sends that is not
//!   is dropped and reported; a response the client is not waiting for (an
//!   answer to a refused call, an id never sent) is dropped. Every message is
//!   forwarded as the guard re-serialised it, so what was checked is exactly
//!   what the other side reads (no repeated key read one way here and another
//!   way there).
//! - **Audit.** Every call, answered or refused, becomes one [`AuditRecord`],
//!   which the driver writes before the answer is forwarded.
//!
//! The [`Session`] is pure: it takes one line and returns what to send where,
//! what to report and what to audit. [`stdio`] drives it between two pipes.

pub mod audit;
pub mod stdio;

pub use audit::{AuditOutcome, AuditRecord, ServerIdentity};

use crate::finding::{Finding, Severity};
use crate::image::Digest;
use crate::manifest::Tool;
use crate::tools::listing::tool_from_value;
use crate::tools::pin::{pinned_value, tool_digest};
use crate::tools::{ScanPolicy, scan};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Instant, SystemTime};

/// The default cap on one message, in bytes (4 MiB).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 << 20;

/// JSON-RPC: invalid JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC: invalid method parameters (MCP answers an unknown tool with it).
pub const INVALID_PARAMS: i64 = -32602;
/// Implementation-defined: the guard refused a call the parameters allow.
pub const CALL_REFUSED: i64 = -32001;

/// What happens when the server's tool surface differs from the pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDrift {
    /// Withhold the drifted tools and refuse every call until restart.
    #[default]
    Block,
    /// Withhold the drifted tools only.
    Hide,
}

/// What the guard enforces.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The approved tool surface (a manifest's pinned tools, or a pin file).
    pub pinned: Vec<Tool>,
    /// When set, only these tools may be listed and called.
    pub allow_tools: Option<BTreeSet<String>>,
    /// Reaction to drift.
    pub on_drift: OnDrift,
    /// Severities of the tool rules.
    pub scan: ScanPolicy,
    /// Largest message accepted from either side, in bytes.
    pub max_message_bytes: usize,
}

impl Policy {
    /// A policy approving `pinned`, with the defaults for everything else.
    pub fn new(pinned: Vec<Tool>) -> Self {
        Policy {
            pinned,
            allow_tools: None,
            on_drift: OnDrift::Block,
            scan: ScanPolicy::default(),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }
}

/// Why the policy could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Two pinned tools share a name.
    #[error("the pinned surface lists tool `{0}` twice")]
    DuplicatePin(String),
    /// A pinned tool cannot be hashed.
    #[error("{0}")]
    Tool(#[from] crate::tools::ToolsError),
    /// `--allow-tools` names a tool the pin does not hold.
    #[error(
        "the allow list names `{0}`, which is not in the pinned surface (pinned: {1}); a tool must be pinned before it can be allowed"
    )]
    UnknownAllowed(String, String),
}

/// Why a tool the server listed is kept from the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum Withheld {
    /// Not in the pinned surface.
    NotPinned,
    /// Pinned, but its pinned fields changed.
    Changed {
        /// Digest of the pinned form.
        pinned: String,
        /// Digest of what the server listed.
        live: String,
        /// The fields that differ.
        fields: Vec<String>,
    },
    /// The scan found something at error severity.
    Poisoned {
        /// The findings at error severity.
        findings: Vec<Finding>,
    },
    /// Listed twice in one answer.
    Duplicate,
    /// Not a valid tool object.
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// Pinned, but outside the operator's allow list.
    NotAllowed,
}

impl Withheld {
    fn is_drift(&self) -> bool {
        matches!(
            self,
            Withheld::NotPinned | Withheld::Changed { .. } | Withheld::Duplicate
        )
    }

    fn describe(&self) -> String {
        match self {
            Withheld::NotPinned => "it is not in the pinned surface".into(),
            Withheld::Changed { fields, .. } => {
                format!("it differs from its pin in {}", fields.join(", "))
            }
            Withheld::Poisoned { findings } => format!(
                "the scan found {}",
                findings
                    .iter()
                    .map(|f| f.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Withheld::Duplicate => "it is listed more than once".into(),
            Withheld::Malformed { detail } => format!("it is not a valid tool: {detail}"),
            Withheld::NotAllowed => "it is not in the allow list".into(),
        }
    }
}

/// Something the guard did or saw that the operator should know.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "event")]
pub enum Event {
    /// A listed tool was kept from the client.
    ToolWithheld {
        /// The tool's name as listed.
        tool: String,
        /// Why.
        #[serde(flatten)]
        why: Withheld,
    },
    /// Drift was seen under [`OnDrift::Block`]: every call is refused from now on.
    CallsBlocked {
        /// Which tools drifted.
        tools: Vec<String>,
    },
    /// A full listing (no further pages) lacks pinned tools.
    ToolsMissing {
        /// The pinned tools not listed.
        tools: Vec<String>,
    },
    /// A listed tool has findings below error severity (reported once per tool version).
    ToolFindings {
        /// The tool.
        tool: String,
        /// The findings.
        findings: Vec<Finding>,
    },
    /// A call was answered by the guard instead of the server.
    CallRefused {
        /// The tool asked for (empty when the request named none).
        tool: String,
        /// Why.
        reason: String,
    },
    /// The server's `initialize` instructions were dropped.
    InstructionsWithheld {
        /// The findings at error severity.
        findings: Vec<Finding>,
    },
    /// A client message was answered with a JSON-RPC error and not forwarded.
    ClientMessageRefused {
        /// Why.
        reason: String,
    },
    /// A server message was not forwarded.
    ServerMessageDropped {
        /// Why.
        reason: String,
    },
}

impl Event {
    /// One line for a person.
    pub fn describe(&self) -> String {
        match self {
            Event::ToolWithheld { tool, why } => {
                format!("withheld tool `{tool}`: {}", why.describe())
            }
            Event::CallsBlocked { tools } => format!(
                "the tool surface drifted from the pin ({}); every call is refused until the server is restarted with an approved surface",
                tools.join(", ")
            ),
            Event::ToolsMissing { tools } => {
                format!(
                    "pinned tools not listed by the server: {}",
                    tools.join(", ")
                )
            }
            Event::ToolFindings { tool, findings } => format!(
                "tool `{tool}`: {}",
                findings
                    .iter()
                    .map(|f| format!("{} {}: {}", f.severity, f.code, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Event::CallRefused { tool, reason } => format!("refused call of `{tool}`: {reason}"),
            Event::InstructionsWithheld { findings } => format!(
                "dropped the server's initialize instructions: the scan found {}",
                findings
                    .iter()
                    .map(|f| f.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Event::ClientMessageRefused { reason } => {
                format!("refused a client message: {reason}")
            }
            Event::ServerMessageDropped { reason } => {
                format!("dropped a server message: {reason}")
            }
        }
    }
}

/// What one message turns into.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Bytes (one JSON-RPC message, no newline) for the server.
    pub to_server: Vec<Vec<u8>>,
    /// Bytes (one JSON-RPC message, no newline) for the client.
    pub to_client: Vec<Vec<u8>>,
    /// What to report.
    pub events: Vec<Event>,
    /// What to audit, before anything in `to_client` is sent.
    pub audit: Vec<AuditRecord>,
}

/// A request of the client the server has not answered yet.
#[derive(Debug)]
enum Pending {
    Initialize,
    ToolsList,
    Call(Call),
    Other,
    /// A `tools/list` the guard sent itself; its answer goes no further.
    GuardList,
}

/// A forwarded call, until its answer (or its end) makes an audit record.
#[derive(Debug)]
struct Call {
    tool: String,
    arguments_sha256: Digest,
    arguments: Option<Value>,
    at: SystemTime,
    started: Instant,
}

impl Call {
    /// The audit record of how the call with request id `id` ended.
    fn record(
        self,
        server: &ServerIdentity,
        id: &Value,
        outcome: AuditOutcome,
        detail: Option<String>,
    ) -> AuditRecord {
        AuditRecord::new(
            server,
            &self.tool,
            id,
            self.arguments_sha256,
            self.arguments,
            outcome,
            detail,
            self.at,
            self.started.elapsed().as_secs_f64() * 1000.0,
        )
    }
}

/// One client–server conversation under a [`Policy`].
#[derive(Debug)]
pub struct Session {
    policy: Policy,
    server: ServerIdentity,
    /// Pinned tools by name: their digest.
    pinned: BTreeMap<String, Digest>,
    /// Tools of the latest listing kept from the client, by name.
    withheld: BTreeMap<String, Withheld>,
    /// Pinned names listed since the last listing without a cursor.
    listed: BTreeSet<String>,
    /// Set once drift is seen under [`OnDrift::Block`] (or the audit failed).
    blocked: Option<String>,
    /// Client requests forwarded and not yet answered, by the JSON text of their id.
    pending: HashMap<String, Pending>,
    /// `(tool, digest)` whose lesser findings were already reported.
    reported: BTreeSet<(String, String)>,
    /// Keep argument values in audit records.
    audit_arguments: bool,
    /// Audit records are written somewhere (else answered calls make none).
    auditing: bool,
    /// The server announced the tools capability in its `initialize` answer.
    server_has_tools: bool,
    /// Requests the guard sent itself so far.
    own_requests: u64,
    /// The tools changed again while the guard's own listing was under way.
    relist: bool,
    /// Pages of the guard's current listing.
    own_pages: usize,
    /// Makes the guard's request ids unpredictable to the server.
    nonce: u64,
    /// Names of unpinned tools already reported (bounded), and how many more were not named.
    unpinned_reported: BTreeSet<String>,
}

/// Unpinned tool names reported one by one before the guard stops naming them.
pub const MAX_UNPINNED_REPORTED: usize = 1000;

/// Largest number of client requests awaiting an answer at once.
pub const MAX_PENDING: usize = 10_000;

impl Session {
    /// A session enforcing `policy` for the server `server`.
    pub fn new(
        policy: Policy,
        server: ServerIdentity,
        audit_arguments: bool,
    ) -> Result<Self, PolicyError> {
        let mut pinned = BTreeMap::new();
        for tool in &policy.pinned {
            if pinned
                .insert(tool.name.clone(), tool_digest(tool)?)
                .is_some()
            {
                return Err(PolicyError::DuplicatePin(tool.name.clone()));
            }
        }
        if let Some(allow) = &policy.allow_tools
            && let Some(unknown) = allow.iter().find(|a| !pinned.contains_key(*a))
        {
            return Err(PolicyError::UnknownAllowed(
                unknown.clone(),
                pinned.keys().cloned().collect::<Vec<_>>().join(", "),
            ));
        }
        Ok(Session {
            policy,
            server,
            pinned,
            withheld: BTreeMap::new(),
            listed: BTreeSet::new(),
            blocked: None,
            pending: HashMap::new(),
            reported: BTreeSet::new(),
            audit_arguments,
            auditing: true,
            server_has_tools: false,
            own_requests: 0,
            relist: false,
            own_pages: 0,
            nonce: {
                use std::hash::{BuildHasher, Hasher};
                std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish()
            },
            unpinned_reported: BTreeSet::new(),
        })
    }

    /// Whether audit records of answered calls are wanted (they are by
    /// default); without an audit log, not computing them saves the hash of
    /// every call's arguments.
    pub fn set_auditing(&mut self, on: bool) {
        self.auditing = on;
    }

    /// The largest message either side may send.
    pub fn max_message_bytes(&self) -> usize {
        self.policy.max_message_bytes
    }

    /// Why every call is refused, once that is so.
    pub fn blocked(&self) -> Option<&str> {
        self.blocked.as_deref()
    }

    /// Refuses every call from now on (e.g. the audit log cannot be written).
    pub fn block(&mut self, reason: impl Into<String>) {
        self.blocked.get_or_insert_with(|| reason.into());
    }

    /// The tools a client may call now.
    pub fn callable(&self) -> Vec<&str> {
        self.pinned
            .keys()
            .filter(|n| self.may_call(n).is_ok())
            .map(String::as_str)
            .collect()
    }

    fn may_call(&self, tool: &str) -> Result<(), String> {
        if let Some(reason) = &self.blocked {
            return Err(reason.clone());
        }
        if !self.pinned.contains_key(tool) {
            return Err(format!("tool `{tool}` is not in the approved tool surface"));
        }
        if let Some(why) = self.withheld.get(tool) {
            return Err(format!("tool `{tool}` is withheld: {}", why.describe()));
        }
        if let Some(allow) = &self.policy.allow_tools
            && !allow.contains(tool)
        {
            return Err(format!("tool `{tool}` is not in the allow list"));
        }
        Ok(())
    }

    /// A line from the client was longer than the cap: answered, not forwarded.
    pub fn client_oversized(&mut self, size: usize) -> Outcome {
        let reason = format!(
            "the message is {size} bytes or more; at most {} are accepted",
            self.policy.max_message_bytes
        );
        let mut out = Outcome::default();
        out.to_client
            .push(error_response(&Value::Null, INVALID_REQUEST, &reason, None));
        out.events.push(Event::ClientMessageRefused { reason });
        out
    }

    /// A line from the server was longer than the cap: dropped.
    pub fn server_oversized(&mut self, size: usize) -> Outcome {
        let mut out = Outcome::default();
        out.events.push(Event::ServerMessageDropped {
            reason: format!(
                "the message is {size} bytes or more; at most {} are accepted",
                self.policy.max_message_bytes
            ),
        });
        out
    }

    /// One line (one message, newline removed) from the client.
    pub fn from_client(&mut self, line: &[u8]) -> Outcome {
        let mut out = Outcome::default();
        let value: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => {
                let reason = format!("not JSON: {e}");
                out.to_client
                    .push(error_response(&Value::Null, PARSE_ERROR, &reason, None));
                out.events.push(Event::ClientMessageRefused { reason });
                return out;
            }
        };
        match value {
            Value::Array(items) if !items.is_empty() => {
                // Batches were removed from MCP (2025-06-18); each member is
                // handled alone, so nothing in a batch escapes a check.
                for item in items {
                    let one = self.client_message(item);
                    out.merge(one);
                }
            }
            other => {
                let one = self.client_message(other);
                out.merge(one);
            }
        }
        out
    }

    fn client_message(&mut self, value: Value) -> Outcome {
        let mut out = Outcome::default();
        let kind = match classify(&value) {
            Ok(k) => k,
            Err(reason) => {
                let id = value
                    .get("id")
                    .filter(|i| valid_id(i))
                    .cloned()
                    .unwrap_or(Value::Null);
                self.refuse_message(&value, &id, reason, &mut out);
                return out;
            }
        };
        match kind {
            Kind::Request { id, method } => {
                let key = id.to_string();
                if self.pending.contains_key(&key) {
                    let reason = format!("request id {key} is already awaiting an answer");
                    self.refuse_message(&value, &id, reason, &mut out);
                    return out;
                }
                if self.pending.len() >= MAX_PENDING {
                    let reason = format!("{MAX_PENDING} requests are already awaiting an answer");
                    self.refuse_message(&value, &id, reason, &mut out);
                    return out;
                }
                let pending = match method.as_str() {
                    "initialize" => Pending::Initialize,
                    "tools/list" => {
                        if value
                            .get("params")
                            .and_then(|p| p.get("cursor"))
                            .is_none_or(Value::is_null)
                        {
                            self.listed.clear();
                        }
                        Pending::ToolsList
                    }
                    "tools/call" => match self.call(&id, &value, &mut out) {
                        Some(p) => p,
                        None => return out,
                    },
                    _ => Pending::Other,
                };
                self.pending.insert(key, pending);
                out.to_server.push(to_bytes(&envelope(value)));
            }
            Kind::Notification { method } if method == "tools/call" => {
                // A call without an id cannot be answered or audited; no server should run it.
                out.events.push(Event::ClientMessageRefused {
                    reason: "a tools/call without an id (a notification) is not forwarded".into(),
                });
            }
            Kind::Notification { method } => {
                if method == "notifications/cancelled" {
                    self.cancelled(&value, &mut out);
                }
                out.to_server.push(to_bytes(&envelope(value)));
                // The guard lists the tools itself as soon as the session is
                // up, so drift is caught even before (or without) a client listing.
                if method == "notifications/initialized" && self.server_has_tools {
                    self.list_tools(None, &mut out);
                }
            }
            Kind::Response { .. } => out.to_server.push(to_bytes(&envelope(value))),
        }
        out
    }

    /// Answers a client message that is not acceptable JSON-RPC with -32600;
    /// a refused `tools/call` is audited like any other refused call.
    fn refuse_message(&mut self, value: &Value, id: &Value, reason: String, out: &mut Outcome) {
        out.to_client
            .push(error_response(id, INVALID_REQUEST, &reason, None));
        if value.get("method").and_then(Value::as_str) == Some("tools/call") {
            let tool = value
                .get("params")
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            out.audit
                .push(self.refused_record(tool, id, value, reason.clone()));
        }
        out.events.push(Event::ClientMessageRefused { reason });
    }

    /// The audit record of a call the guard answered itself.
    fn refused_record(&self, tool: &str, id: &Value, value: &Value, reason: String) -> AuditRecord {
        let arguments = value
            .get("params")
            .and_then(|p| p.get("arguments"))
            .cloned()
            .unwrap_or(Value::Null);
        AuditRecord::new(
            &self.server,
            tool,
            id,
            arguments_digest(&arguments),
            self.audit_arguments.then_some(arguments),
            AuditOutcome::Refused,
            Some(reason),
            SystemTime::now(),
            0.0,
        )
    }

    /// `notifications/cancelled`: the server will not answer that request
    /// (MCP), so it stops waiting; a cancelled call is audited as such.
    fn cancelled(&mut self, value: &Value, out: &mut Outcome) {
        let Some(id) = value
            .get("params")
            .and_then(|p| p.get("requestId"))
            .filter(|i| valid_id(i))
        else {
            return;
        };
        let key = id.to_string();
        // Only the client's own requests: the guard's listing is not its to cancel.
        if matches!(self.pending.get(&key), None | Some(Pending::GuardList)) {
            return;
        }
        if let Some(Pending::Call(call)) = self.pending.remove(&key) {
            let reason = value
                .get("params")
                .and_then(|p| p.get("reason"))
                .and_then(Value::as_str)
                .map(|r| crate::tools::scan::excerpt(r, 200));
            out.audit
                .push(call.record(&self.server, id, AuditOutcome::Cancelled, reason));
        }
    }

    /// Checks a `tools/call`; `None` when the guard answered it itself.
    fn call(&mut self, id: &Value, value: &Value, out: &mut Outcome) -> Option<Pending> {
        let params = value.get("params");
        let Some(tool) = params.and_then(|p| p.get("name")).and_then(Value::as_str) else {
            let reason = "tools/call needs `params.name`, the tool's name as a string".to_owned();
            out.to_client
                .push(error_response(id, INVALID_PARAMS, &reason, None));
            out.audit
                .push(self.refused_record("", id, value, reason.clone()));
            out.events.push(Event::CallRefused {
                tool: String::new(),
                reason,
            });
            return None;
        };
        let arguments = params
            .and_then(|p| p.get("arguments"))
            .cloned()
            .unwrap_or(Value::Null);
        // Hashing the arguments is most of a call's cost in the guard: only
        // when an audit log will hold the hash.
        let arguments_sha256 = if self.auditing {
            arguments_digest(&arguments)
        } else {
            Digest::of(b"")
        };
        let kept = self.audit_arguments.then(|| arguments.clone());
        if let Err(reason) = self.may_call(tool) {
            let code = if self.pinned.contains_key(tool) {
                CALL_REFUSED
            } else {
                INVALID_PARAMS
            };
            out.to_client.push(error_response(
                id,
                code,
                &format!("refused by mcp-verify: {reason}"),
                Some(json!({"tool": tool})),
            ));
            out.audit.push(AuditRecord::new(
                &self.server,
                tool,
                id,
                arguments_sha256,
                kept,
                AuditOutcome::Refused,
                Some(reason.clone()),
                SystemTime::now(),
                0.0,
            ));
            out.events.push(Event::CallRefused {
                tool: tool.to_owned(),
                reason,
            });
            return None;
        }
        Some(Pending::Call(Call {
            tool: tool.to_owned(),
            arguments_sha256,
            arguments: kept,
            at: SystemTime::now(),
            started: Instant::now(),
        }))
    }

    /// One line (one message, newline removed) from the server.
    pub fn from_server(&mut self, line: &[u8]) -> Outcome {
        let mut out = Outcome::default();
        let value: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => {
                out.events.push(Event::ServerMessageDropped {
                    reason: format!("not JSON: {e}"),
                });
                return out;
            }
        };
        match value {
            Value::Array(items) if !items.is_empty() => {
                for item in items {
                    let one = self.server_message(item);
                    out.merge(one);
                }
            }
            other => {
                let one = self.server_message(other);
                out.merge(one);
            }
        }
        out
    }

    fn server_message(&mut self, mut value: Value) -> Outcome {
        let mut out = Outcome::default();
        let kind = match classify(&value) {
            Ok(k) => k,
            Err(reason) => {
                out.events.push(Event::ServerMessageDropped { reason });
                return out;
            }
        };
        let id = match kind {
            Kind::Notification { method } if method == "notifications/tools/list_changed" => {
                // Checked now, not when (or if) the client lists again.
                out.to_client.push(to_bytes(&envelope(value)));
                self.list_tools(None, &mut out);
                return out;
            }
            Kind::Request { .. } | Kind::Notification { .. } => {
                out.to_client.push(to_bytes(&envelope(value)));
                return out;
            }
            Kind::Response { id } => id,
        };
        let Some(pending) = self.pending.remove(&id.to_string()) else {
            out.events.push(Event::ServerMessageDropped {
                reason: format!("a response with id {id}, which no forwarded request carries"),
            });
            return out;
        };
        match pending {
            Pending::Initialize => self.initialize_result(&mut value, &mut out),
            Pending::GuardList => {
                if let Err(reason) = self.tools_list_result(&mut value, &mut out) {
                    out.events.push(Event::ServerMessageDropped {
                        reason: format!("the answer to the guard's own tools/list {reason}"),
                    });
                    return out;
                }
                match value
                    .get("result")
                    .and_then(|r| r.get("nextCursor"))
                    .filter(|c| !c.is_null())
                    .cloned()
                {
                    Some(cursor) => self.list_tools(Some(cursor), &mut out),
                    None if std::mem::take(&mut self.relist) => self.list_tools(None, &mut out),
                    None => {}
                }
                return out;
            }
            Pending::ToolsList => {
                if let Err(reason) = self.tools_list_result(&mut value, &mut out) {
                    // An answer the guard cannot check reaches the client as an error.
                    out.events.push(Event::ServerMessageDropped {
                        reason: reason.clone(),
                    });
                    out.to_client.push(error_response(
                        &id,
                        CALL_REFUSED,
                        &format!("refused by mcp-verify: the server's tools/list answer {reason}"),
                        None,
                    ));
                    return out;
                }
            }
            Pending::Call(call) => {
                if self.auditing {
                    let (outcome, detail) = call_outcome(&value);
                    out.audit
                        .push(call.record(&self.server, &id, outcome, detail));
                }
            }
            Pending::Other => {}
        }
        out.to_client.push(to_bytes(&envelope(value)));
        out
    }

    /// Sends the server a `tools/list` of the guard's own (one page).
    fn list_tools(&mut self, cursor: Option<Value>, out: &mut Outcome) {
        if cursor.is_some() {
            self.own_pages += 1;
            if self.own_pages > crate::tools::listing::MAX_PAGES {
                out.events.push(Event::ServerMessageDropped {
                    reason: format!(
                        "the server's tool list runs past {} pages; the guard stops paging",
                        crate::tools::listing::MAX_PAGES
                    ),
                });
                return;
            }
        } else {
            self.own_pages = 0;
        }
        // One listing of its own at a time: another change announced meanwhile
        // is listed when this one ends, so a server cannot pile them up.
        if cursor.is_none()
            && self
                .pending
                .values()
                .any(|p| matches!(p, Pending::GuardList))
        {
            self.relist = true;
            return;
        }
        if self.pending.len() >= MAX_PENDING {
            return;
        }
        let id = loop {
            self.own_requests += 1;
            let id = Value::String(format!(
                "mcp-verify-tools-{:016x}-{}",
                self.nonce, self.own_requests
            ));
            if !self.pending.contains_key(&id.to_string()) {
                break id;
            }
        };
        if cursor.is_none() {
            self.listed.clear();
        }
        let mut request = json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"});
        if let Some(c) = cursor {
            request["params"] = json!({"cursor": c});
        }
        self.pending.insert(id.to_string(), Pending::GuardList);
        out.to_server.push(to_bytes(&request));
    }

    fn initialize_result(&mut self, value: &mut Value, out: &mut Outcome) {
        let Some(result) = value.get_mut("result").and_then(Value::as_object_mut) else {
            return;
        };
        *result = take(
            result,
            &[
                "protocolVersion",
                "capabilities",
                "serverInfo",
                "instructions",
                "_meta",
            ],
        );
        self.server_has_tools = result
            .get("capabilities")
            .and_then(|c| c.get("tools"))
            .is_some_and(|t| !t.is_null());
        let Some(text) = result.get("instructions").and_then(Value::as_str) else {
            return;
        };
        let probe = Tool {
            name: "initialize.instructions".into(),
            title: None,
            description: Some(text.to_owned()),
            input_schema: json!({"type": "object"}),
            output_schema: None,
            annotations: None,
        };
        let errors: Vec<Finding> = scan(std::slice::from_ref(&probe), &self.policy.scan)
            .into_iter()
            .filter(|f| f.severity == Severity::Error && f.path.ends_with("/description"))
            .collect();
        if !errors.is_empty() {
            result.remove("instructions");
            out.events
                .push(Event::InstructionsWithheld { findings: errors });
        }
    }

    /// Replaces the listed tools by the approved ones; `Err` when the answer
    /// is not a tools/list result at all.
    fn tools_list_result(&mut self, value: &mut Value, out: &mut Outcome) -> Result<(), String> {
        if value.get("error").is_some() {
            return Ok(());
        }
        let Some(result) = value.get_mut("result").and_then(Value::as_object_mut) else {
            return Err("has no `result` object".into());
        };
        let Some(Value::Array(raw)) = result.get("tools") else {
            return Err("has no `tools` array".into());
        };
        let more = result.get("nextCursor").is_some_and(|c| !c.is_null());
        let mut tools: Vec<Option<Tool>> = Vec::with_capacity(raw.len());
        let mut malformed: Vec<(String, String)> = Vec::new();
        for (i, item) in raw.iter().enumerate() {
            match tool_from_value(item, &format!("/result/tools/{i}")) {
                Ok(t) => tools.push(Some(t)),
                Err(e) => {
                    let name = item
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    malformed.push((name, e.to_string()));
                    tools.push(None);
                }
            }
        }
        let parsed: Vec<Tool> = tools.iter().flatten().cloned().collect();
        let pointers: Vec<String> = (0..parsed.len()).map(|i| format!("/{i}")).collect();
        let findings = crate::tools::scan::scan_listing(
            &crate::tools::listing::Listing {
                source: crate::tools::ToolSource::ListResult,
                tools: parsed.clone(),
                pointers,
            },
            &self.policy.scan,
        );
        let mut by_tool: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
        for f in findings {
            if let Some(i) = f
                .path
                .strip_prefix('/')
                .and_then(|rest| rest.split('/').next())
                .and_then(|n| n.parse::<usize>().ok())
            {
                by_tool.entry(i).or_default().push(f);
            }
        }
        for (name, detail) in malformed {
            self.withhold(&name, Withheld::Malformed { detail }, out);
        }
        let mut approved: Vec<Value> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut drifted: Vec<String> = Vec::new();
        for (i, tool) in parsed.iter().enumerate() {
            let findings = by_tool.remove(&i).unwrap_or_default();
            let live = tool_digest(tool).map_err(|e| e.to_string());
            let verdict = if !seen.insert(tool.name.clone()) {
                Some(Withheld::Duplicate)
            } else {
                match (self.pinned.get(&tool.name), &live) {
                    (None, _) => Some(Withheld::NotPinned),
                    (Some(_), Err(e)) => Some(Withheld::Malformed { detail: e.clone() }),
                    (Some(pin), Ok(d)) if pin != d => Some(Withheld::Changed {
                        pinned: pin.to_string(),
                        live: d.to_string(),
                        fields: self.changed_fields(tool),
                    }),
                    _ => {
                        let errors: Vec<Finding> = findings
                            .iter()
                            .filter(|f| f.severity == Severity::Error)
                            .cloned()
                            .collect();
                        if !errors.is_empty() {
                            Some(Withheld::Poisoned { findings: errors })
                        } else if self
                            .policy
                            .allow_tools
                            .as_ref()
                            .is_some_and(|a| !a.contains(&tool.name))
                        {
                            Some(Withheld::NotAllowed)
                        } else {
                            None
                        }
                    }
                }
            };
            if self.pinned.contains_key(&tool.name) {
                self.listed.insert(tool.name.clone());
            }
            match verdict {
                Some(why) => {
                    if why.is_drift() {
                        drifted.push(tool.name.clone());
                    }
                    self.withhold(&tool.name, why, out);
                }
                None => {
                    if !matches!(self.withheld.get(&tool.name), Some(Withheld::Duplicate)) {
                        self.withheld.remove(&tool.name);
                    }
                    let lesser: Vec<Finding> = findings
                        .into_iter()
                        .filter(|f| f.severity == Severity::Warning)
                        .collect();
                    if let Ok(d) = &live
                        && !lesser.is_empty()
                        && self.reported.insert((tool.name.clone(), d.to_string()))
                    {
                        out.events.push(Event::ToolFindings {
                            tool: tool.name.clone(),
                            findings: lesser,
                        });
                    }
                    approved.push(pinned_value(tool));
                }
            }
        }
        // A name listed twice is withheld entirely: the client cannot tell the copies apart.
        let duplicates: BTreeSet<String> = self
            .withheld
            .iter()
            .filter(|(_, w)| **w == Withheld::Duplicate)
            .map(|(n, _)| n.clone())
            .collect();
        approved.retain(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .is_none_or(|n| !duplicates.contains(n))
        });
        if !drifted.is_empty() && self.policy.on_drift == OnDrift::Block && self.blocked.is_none() {
            self.blocked = Some(format!(
                "the server's tool surface drifted from the pin ({}); calls are refused until it is restarted with an approved surface",
                drifted.join(", ")
            ));
            out.events.push(Event::CallsBlocked { tools: drifted });
        }
        if !more {
            let missing: Vec<String> = self
                .pinned
                .keys()
                .filter(|n| !self.listed.contains(*n))
                .cloned()
                .collect();
            if !missing.is_empty() {
                out.events.push(Event::ToolsMissing { tools: missing });
            }
        }
        result.insert("tools".into(), Value::Array(approved));
        *result = take(result, &["tools", "nextCursor", "_meta"]);
        Ok(())
    }

    /// Withholds a tool; reported once for as long as the reason stays the
    /// same. A tool that is not pinned can never be called, so it is not
    /// remembered: only its name, for one report, up to a bound, so a server
    /// listing new names without end costs neither memory nor a flood of lines.
    fn withhold(&mut self, name: &str, why: Withheld, out: &mut Outcome) {
        if !self.pinned.contains_key(name) {
            if self.unpinned_reported.contains(name) {
                return;
            }
            if self.unpinned_reported.len() < MAX_UNPINNED_REPORTED {
                self.unpinned_reported.insert(name.to_owned());
                out.events.push(Event::ToolWithheld {
                    tool: name.to_owned(),
                    why,
                });
            } else if self.unpinned_reported.len() == MAX_UNPINNED_REPORTED {
                self.unpinned_reported.insert(String::new());
                out.events.push(Event::ServerMessageDropped {
                    reason: format!(
                        "more than {MAX_UNPINNED_REPORTED} unpinned tools were listed; further ones are withheld without a report"
                    ),
                });
            }
            return;
        }
        if self.withheld.get(name) != Some(&why) {
            out.events.push(Event::ToolWithheld {
                tool: name.to_owned(),
                why: why.clone(),
            });
        }
        self.withheld.insert(name.to_owned(), why);
    }

    fn changed_fields(&self, live: &Tool) -> Vec<String> {
        let Some(pinned) = self.policy.pinned.iter().find(|t| t.name == live.name) else {
            return Vec::new();
        };
        crate::tools::diff(std::slice::from_ref(pinned), std::slice::from_ref(live))
            .changed
            .into_iter()
            .flat_map(|c| c.fields.into_iter().map(|f| f.field.name().to_owned()))
            .collect()
    }

    /// Audit records for calls still unanswered (the server stopped): outcome `no-answer`.
    pub fn unanswered(&mut self) -> Vec<AuditRecord> {
        let mut out = Vec::new();
        for (key, pending) in self.pending.drain() {
            if let Pending::Call(call) = pending {
                let id = serde_json::from_str(&key).unwrap_or(Value::Null);
                out.push(call.record(
                    &self.server,
                    &id,
                    AuditOutcome::NoAnswer,
                    Some("the server stopped before answering".into()),
                ));
            }
        }
        out
    }

    /// Errors for every request still awaiting an answer, for the client (the server stopped).
    pub fn abandoned_requests(&self, reason: &str) -> Vec<Vec<u8>> {
        self.pending
            .iter()
            .filter(|(_, p)| !matches!(p, Pending::GuardList))
            .map(|(key, _)| {
                let id = serde_json::from_str(key).unwrap_or(Value::Null);
                error_response(&id, CALL_REFUSED, reason, None)
            })
            .collect()
    }
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.to_server.extend(other.to_server);
        self.to_client.extend(other.to_client);
        self.events.extend(other.events);
        self.audit.extend(other.audit);
    }
}

/// What a JSON-RPC message is.
enum Kind {
    Request { id: Value, method: String },
    Notification { method: String },
    Response { id: Value },
}

fn valid_id(id: &Value) -> bool {
    match id {
        Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// Classifies a JSON-RPC 2.0 message, or says why it is not one.
fn classify(value: &Value) -> Result<Kind, String> {
    let Some(obj) = value.as_object() else {
        return Err("a JSON-RPC message must be a JSON object".into());
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err("`jsonrpc` must be \"2.0\"".into());
    }
    let id = obj.get("id");
    if let Some(id) = id
        && !valid_id(id)
    {
        return Err("`id` must be a string or an integer".into());
    }
    match (obj.get("method"), id) {
        (Some(Value::String(m)), _) if obj.contains_key("result") || obj.contains_key("error") => {
            Err(format!(
                "`{m}`: a message is a request or a response, not both"
            ))
        }
        (Some(Value::String(m)), Some(id)) => {
            if let Some(p) = obj.get("params")
                && !p.is_object()
                && !p.is_array()
            {
                return Err(format!("`{m}`: `params` must be an object"));
            }
            Ok(Kind::Request {
                id: id.clone(),
                method: m.clone(),
            })
        }
        (Some(Value::String(m)), None) => Ok(Kind::Notification { method: m.clone() }),
        (Some(_), _) => Err("`method` must be a string".into()),
        (None, Some(id)) => {
            match (obj.get("result"), obj.get("error")) {
                (Some(_), None) => {}
                (None, Some(e)) if e.get("code").is_some_and(Value::is_i64) => {}
                (None, Some(_)) => return Err("`error` needs an integer `code`".into()),
                _ => return Err("a response has exactly one of `result` and `error`".into()),
            }
            Ok(Kind::Response { id: id.clone() })
        }
        (None, None) => Err("a message needs a `method` or an `id`".into()),
    }
}

/// The audit outcome of a call's answer.
fn call_outcome(value: &Value) -> (AuditOutcome, Option<String>) {
    if let Some(e) = value.get("error") {
        let message = e.get("message").and_then(Value::as_str).unwrap_or("");
        return (
            AuditOutcome::Error,
            Some(format!(
                "JSON-RPC error {}: {}",
                e.get("code").and_then(Value::as_i64).unwrap_or(0),
                crate::tools::scan::excerpt(message, 200)
            )),
        );
    }
    if value
        .get("result")
        .and_then(|r| r.get("isError"))
        .and_then(Value::as_bool)
        == Some(true)
    {
        return (AuditOutcome::ToolError, None);
    }
    (AuditOutcome::Ok, None)
}

/// SHA-256 of the arguments' RFC 8785 canonical JSON (of their plain JSON
/// when a number cannot be written canonically).
fn arguments_digest(arguments: &Value) -> Digest {
    Digest::of(
        &crate::canonical::to_vec(arguments)
            .unwrap_or_else(|_| serde_json::to_vec(arguments).unwrap_or_default()),
    )
}

/// The message as forwarded: exactly the JSON-RPC members (`jsonrpc`,
/// `id`, `method`, `params`, `result`, `error` with `code`, `message`,
/// `data`), and for a `tools/call` exactly its MCP parameters. Any other
/// key is dropped, so a reader that matches keys loosely (Go's
/// `encoding/json` folds case and `ſ` to `s`) cannot find a second `ID`,
/// `Name` or `paramſ` beside the one the guard checked.
fn envelope(value: Value) -> Value {
    let Value::Object(mut obj) = value else {
        return value;
    };
    let mut out = take(
        &mut obj,
        &["jsonrpc", "id", "method", "params", "result", "error"],
    );
    if let Some(Value::Object(e)) = out.get_mut("error") {
        *e = take(e, &["code", "message", "data"]);
    }
    if out.get("method").and_then(Value::as_str) == Some("tools/call")
        && let Some(Value::Object(p)) = out.get_mut("params")
    {
        *p = take(p, &["name", "arguments", "_meta", "task"]);
    }
    Value::Object(out)
}

/// The members of `obj` named in `keys`, moved out, in that order.
fn take(obj: &mut Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| obj.remove(*k).map(|v| ((*k).to_owned(), v)))
        .collect()
}

fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// A JSON-RPC error response.
pub fn error_response(id: &Value, code: i64, message: &str, data: Option<Value>) -> Vec<u8> {
    let mut error = Map::new();
    error.insert("code".into(), code.into());
    error.insert("message".into(), message.into());
    if let Some(d) = data {
        error.insert("data".into(), d);
    }
    to_bytes(&json!({"jsonrpc": "2.0", "id": id, "error": error}))
}

/// Errors for the client's requests among `lines` (e.g. read before the server
/// could be started): each request gets `message`, notifications nothing.
pub fn refuse_requests<'a>(
    lines: impl IntoIterator<Item = &'a [u8]>,
    message: &str,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for line in lines {
        let Ok(value) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in items {
            if let Ok(Kind::Request { id, .. }) = classify(&item) {
                out.push(error_response(&id, CALL_REFUSED, message, None));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
