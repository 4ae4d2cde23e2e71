//! Drives a [`Session`] between a client and a server on the MCP stdio
//! transport (one JSON-RPC message per line). Three threads: one reads the
//! client, one (the caller's) reads the server and writes the client, and
//! one owns the server's input, fed by a bounded queue, so a server that
//! stops reading stalls only what is queued for it: the answers already on
//! their way, the client's end of input and the guard's own requests are
//! never held up behind it. The session, and the audit log written before
//! any answer is forwarded, sit behind one lock.

use super::audit::AuditLog;
use super::{Event, Outcome, Session};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// One line read from a transport.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A message (newline and a trailing carriage return removed).
    Message(Vec<u8>),
    /// A line longer than the cap, discarded; at least this many bytes.
    Oversized(usize),
}

/// Reads lines of at most `max` bytes; a longer line is read to its end and
/// discarded, so memory stays bounded whatever the other side sends.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: BufReader<R>,
    max: usize,
}

impl<R: Read> LineReader<R> {
    /// A reader capping lines at `max` bytes.
    pub fn new(inner: R, max: usize) -> Self {
        LineReader {
            inner: BufReader::with_capacity(64 * 1024, inner),
            max,
        }
    }

    /// The next non-empty line, or `None` at the end of the stream.
    pub fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        let mut buf = Vec::new();
        let mut seen = 0usize;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(finish(buf, seen, self.max));
            }
            let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], Some(i + 1)),
                None => (available, None),
            };
            seen = seen.saturating_add(chunk.len());
            if seen <= self.max.saturating_add(1) {
                buf.extend_from_slice(chunk);
            }
            let consumed = done.unwrap_or(available.len());
            self.inner.consume(consumed);
            if done.is_some() {
                match finish(std::mem::take(&mut buf), seen, self.max) {
                    Some(line) => return Ok(Some(line)),
                    None => seen = 0,
                }
            }
        }
    }
}

fn finish(mut buf: Vec<u8>, seen: usize, max: usize) -> Option<Line> {
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if seen > max.saturating_add(1) || buf.len() > max {
        return Some(Line::Oversized(seen));
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(Line::Message(buf))
}

/// The session and its audit log, behind one lock.
struct Shared {
    session: Session,
    audit: Option<AuditLog>,
}

/// How the relay ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RelayEnd {
    /// The server closed its output (it stopped).
    ServerClosed,
    /// The client can no longer be written to.
    ClientGone,
}

/// Where events go: called outside the lock, in the order they happened on
/// each side.
pub type Reporter = Arc<dyn Fn(&Event) + Send + Sync>;

/// Relays between the client (`client_in`, `client_out`) and the server
/// (`server_in`, `server_out`) until the server's output ends or the client
/// cannot be written. `on_client_end` runs once when the client's input ends
/// (the server's input is closed once what is queued for it is written),
/// e.g. to give the server a deadline.
#[allow(clippy::too_many_arguments)]
pub fn relay<CI, CO, SI, SO>(
    session: Session,
    audit: Option<AuditLog>,
    client_in: CI,
    client_out: CO,
    server_in: SI,
    server_out: SO,
    report: Reporter,
    on_client_end: Box<dyn FnOnce() + Send>,
) -> RelayEnd
where
    CI: Read + Send + 'static,
    CO: Write + Send + 'static,
    SI: Write + Send + 'static,
    SO: Read,
{
    let max = session.max_message_bytes();
    let mut session = session;
    session.set_auditing(audit.is_some());
    let shared = Arc::new(Mutex::new(Shared { session, audit }));
    let client_out = Arc::new(Mutex::new(client_out));
    // One writer owns the server's input, so neither reader ever waits on a
    // server that stops reading: the client side still sees the client's end
    // (and the stop timeout starts), the server side keeps reading.
    let (to_server, queue) = std::sync::mpsc::sync_channel::<ToServer>(SERVER_QUEUE);
    std::thread::spawn(move || server_writer(server_in, &queue));
    {
        let shared = Arc::clone(&shared);
        let client_out = Arc::clone(&client_out);
        let to_server = to_server.clone();
        let report = Arc::clone(&report);
        std::thread::spawn(move || {
            client_side(&shared, client_in, &client_out, &to_server, max, &report);
            let _ = to_server.send(ToServer::Close);
            on_client_end();
        });
    }
    let mut reader = LineReader::new(server_out, max);
    loop {
        let outcome = match reader.next_line() {
            Ok(Some(Line::Message(m))) => handle(&shared, &report, |s| s.from_server(&m)),
            Ok(Some(Line::Oversized(n))) => handle(&shared, &report, |s| s.server_oversized(n)),
            Ok(None) | Err(_) => break,
        };
        if send(&client_out, &outcome.to_client).is_err() {
            wind_up(&shared, &report);
            return RelayEnd::ClientGone;
        }
        // The guard's own requests (a tools/list after list_changed): queued
        // without waiting. A full queue means the server is not reading; the
        // request is dropped rather than this side blocked.
        for m in outcome.to_server {
            let _ = to_server.try_send(ToServer::Message(m));
        }
    }
    let lines = wind_up(&shared, &report);
    let _ = send(&client_out, &lines);
    RelayEnd::ServerClosed
}

/// Messages queued for the server's input.
enum ToServer {
    Message(Vec<u8>),
    Close,
}

/// Most messages queued for the server's input.
const SERVER_QUEUE: usize = 1024;

/// Writes queued messages to the server until told to close (then its input
/// closes) or until it stops reading.
fn server_writer<SI: Write>(mut server_in: SI, queue: &std::sync::mpsc::Receiver<ToServer>) {
    // One write per message, newline included, so the server never wakes
    // on half a line.
    while let Ok(ToServer::Message(mut m)) = queue.recv() {
        m.push(b'\n');
        if server_in
            .write_all(&m)
            .and_then(|()| server_in.flush())
            .is_err()
        {
            return;
        }
    }
}

/// The relay is over: calls still unanswered are audited (`no-answer`), and
/// the errors for every request still waiting are returned for the client.
fn wind_up(shared: &Mutex<Shared>, report: &Reporter) -> Vec<Vec<u8>> {
    let mut guard = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let lines = guard
        .session
        .abandoned_requests("the server stopped before answering");
    let records = guard.session.unanswered();
    if let Some(log) = guard.audit.as_mut()
        && let Err(e) = log.append(&records)
    {
        report(&Event::ServerMessageDropped {
            reason: format!("cannot write the audit log: {e}"),
        });
    }
    lines
}

/// Reads the client until its input ends.
fn client_side<CI: Read, CO: Write>(
    shared: &Mutex<Shared>,
    client_in: CI,
    client_out: &Mutex<CO>,
    to_server: &std::sync::mpsc::SyncSender<ToServer>,
    max: usize,
    report: &Reporter,
) {
    let mut reader = LineReader::new(client_in, max);
    loop {
        let outcome = match reader.next_line() {
            Ok(Some(Line::Message(m))) => handle(shared, report, |s| s.from_client(&m)),
            Ok(Some(Line::Oversized(n))) => handle(shared, report, |s| s.client_oversized(n)),
            Ok(None) | Err(_) => return,
        };
        if send(client_out, &outcome.to_client).is_err() {
            return;
        }
        for m in outcome.to_server {
            if to_server.send(ToServer::Message(m)).is_err() {
                return;
            }
        }
    }
}

/// Runs one step of the session under the lock, writes its audit records,
/// and reports its events after the lock is released. When the audit cannot
/// be written, answers to calls are replaced by errors and every later call
/// is refused: no call goes unrecorded.
fn handle(
    shared: &Mutex<Shared>,
    report: &Reporter,
    step: impl FnOnce(&mut Session) -> Outcome,
) -> Outcome {
    let mut guard = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let Shared { session, audit } = &mut *guard;
    let mut outcome = step(session);
    if let Some(log) = audit.as_mut()
        && let Err(e) = log.append(&outcome.audit)
    {
        let reason = format!("the audit log cannot be written ({e}); calls are refused");
        session.block(reason.clone());
        let ids: Vec<&serde_json::Value> = outcome.audit.iter().map(|r| &r.request_id).collect();
        outcome.to_client.retain(|m| {
            serde_json::from_slice::<serde_json::Value>(m)
                .ok()
                .and_then(|v| v.get("id").cloned())
                .is_none_or(|id| !ids.contains(&&id))
        });
        for id in ids {
            outcome.to_client.push(super::error_response(
                id,
                super::CALL_REFUSED,
                &format!("refused by mcp-verify: {reason}"),
                None,
            ));
        }
        for r in &outcome.audit {
            outcome.events.push(Event::CallRefused {
                tool: r.tool.clone(),
                reason: format!(
                    "call {} ({:?}) could not be audited ({e}); the client got an error instead of its answer, and every later call is refused",
                    r.request_id, r.outcome
                ),
            });
        }
    }
    drop(guard);
    for e in &outcome.events {
        report(e);
    }
    outcome
}

fn send<W: Write>(out: &Mutex<W>, messages: &[Vec<u8>]) -> std::io::Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let mut buf = Vec::with_capacity(messages.iter().map(|m| m.len() + 1).sum());
    for m in messages {
        buf.extend_from_slice(m);
        buf.push(b'\n');
    }
    let mut w = out.lock().unwrap_or_else(PoisonError::into_inner);
    w.write_all(&buf)?;
    w.flush()
}
