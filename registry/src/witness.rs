//! `mcp-registry witness`: a witness for other registries' logs
//! (`c2sp.org/tlog-witness`). It follows the logs it is configured with
//! (their checkpoint keys), keeps the latest checkpoint it cosigned of
//! each, and cosigns a new one only when it extends that one
//! ([`mcp_trust::log::witness::check`]): a registry that shows one
//! gateway a forked or rolled-back log cannot get it cosigned by this
//! witness.
//!
//! State: one file per log in the witness's directory, named by the
//! SHA-256 of the origin, holding the log's signed checkpoint with this
//! witness's cosignature; replaced atomically (written aside, synced,
//! renamed, the directory synced) under a lock per log, so two
//! submissions cannot both pass the `old` check and a crash leaves the
//! previous checkpoint or the new one, never a mix.

use mcp_trust::keys::SigningKey;
use mcp_trust::log::cosignature::{self, WitnessKey};
use mcp_trust::log::note;
use mcp_trust::log::witness::{AddCheckpoint, FollowedLog, Held, Refusal, TLOG_SIZE_CONTENT_TYPE};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// File of the witness's private key in its directory.
pub const KEY_FILE: &str = "witness.key";
/// File of the witness's verifier key (its name and public key).
pub const VKEY_FILE: &str = "witness.vkey";

/// Why the witness could not answer (its own failure, not the request's).
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// Reading or writing the state or keys failed.
    #[error("{0}")]
    Io(String),
    /// A refusal of the request.
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// A witness: its name and key, the logs it follows, its state directory.
#[derive(Debug)]
pub struct Witness {
    name: String,
    key: SigningKey,
    logs: Vec<FollowedLog>,
    dir: PathBuf,
    /// One lock per origin: a check and its write are one step.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The directory's lock, held while the witness is open.
    _lock: std::fs::File,
}

/// Creates a witness key in `dir` under `name`; returns its verifier key.
/// An existing key is never replaced.
pub fn init(dir: &Path, name: &str) -> Result<String, WitnessError> {
    if !note::valid_key_name(name) {
        return Err(WitnessError::Io(format!(
            "`{name}` is not a witness name: no spaces and no `+` (its URL without the scheme is usual)"
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| WitnessError::Io(format!("cannot create {}: {e}", dir.display())))?;
    let key_path = dir.join(KEY_FILE);
    if key_path.exists() {
        return Err(WitnessError::Io(format!(
            "{} exists: a witness keeps its key (its name and key are what gateways trust)",
            key_path.display()
        )));
    }
    let key = SigningKey::generate().map_err(|e| WitnessError::Io(e.to_string()))?;
    mcp_trust::keys::file::write_private_key(&key_path, &key)
        .map_err(|e| WitnessError::Io(e.to_string()))?;
    let vkey = WitnessKey {
        name: name.to_owned(),
        key: key.public_key(),
    }
    .vkey();
    write_atomically(&dir.join(VKEY_FILE), format!("{vkey}\n").as_bytes())?;
    Ok(vkey)
}

impl Witness {
    /// The witness whose key and name `init` wrote into `dir`, following `logs`.
    pub fn open(dir: &Path, logs: Vec<FollowedLog>) -> Result<Witness, WitnessError> {
        let io = |e: String| WitnessError::Io(e);
        let key = mcp_trust::keys::file::read_private_key(&dir.join(KEY_FILE)).map_err(|e| {
            io(format!(
                "{}: {e} (run `mcp-registry witness init` first)",
                dir.join(KEY_FILE).display()
            ))
        })?;
        let vkey = std::fs::read_to_string(dir.join(VKEY_FILE))
            .map_err(|e| io(format!("{}: {e}", dir.join(VKEY_FILE).display())))?;
        let public = WitnessKey::parse(vkey.trim()).map_err(|e| io(e.to_string()))?;
        if public.key != key.public_key() {
            return Err(io(format!(
                "{} does not hold the public half of {}",
                VKEY_FILE, KEY_FILE
            )));
        }
        if logs.is_empty() {
            return Err(io(
                "follow at least one log (--log ORIGIN+HASH+KEY, the log's checkpoint verifier key)".into(),
            ));
        }
        // One process per directory: the check and the write are one step
        // only under one lock, and two processes each holding their own
        // would both cosign two different extensions of one size.
        let lock_path = dir.join("witness.lock");
        let lock_file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io(format!("{}: {e}", lock_path.display())))?;
        lock_file.try_lock().map_err(|_| {
            io(format!(
                "another witness process holds {}: one process per witness directory",
                dir.display()
            ))
        })?;
        Ok(Witness {
            name: public.name,
            key,
            logs,
            dir: dir.to_owned(),
            locks: Mutex::default(),
            _lock: lock_file,
        })
    }

    /// The witness's verifier key.
    pub fn vkey(&self) -> String {
        WitnessKey {
            name: self.name.clone(),
            key: self.key.public_key(),
        }
        .vkey()
    }

    /// The state file of `origin`.
    fn path(&self, origin: &str) -> PathBuf {
        let hex = mcp_trust::image::Digest::of(origin.as_bytes())
            .hex()
            .to_owned();
        self.dir.join(format!("{hex}.checkpoint"))
    }

    /// The checkpoint held of `origin` (the log's note with this
    /// witness's cosignature), when any.
    pub fn held_note(&self, origin: &str) -> Result<Option<String>, WitnessError> {
        match std::fs::read_to_string(self.path(origin)) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(WitnessError::Io(format!(
                "{}: {e}",
                self.path(origin).display()
            ))),
        }
    }

    fn held(&self, origin: &str) -> Result<Option<Held>, WitnessError> {
        let Some(text) = self.held_note(origin)? else {
            return Ok(None);
        };
        // What this witness wrote is checked by its own cosignature, not by
        // the log's key: a log that rotates its key does not lose what was
        // witnessed of it.
        let me = WitnessKey {
            name: self.name.clone(),
            key: self.key.public_key(),
        };
        let unreadable = |why: String| {
            WitnessError::Io(format!(
                "the held checkpoint of `{origin}` is unreadable: {why}"
            ))
        };
        let mine = cosignature::verify(text.as_bytes(), std::slice::from_ref(&me))
            .map_err(|e| unreadable(e.to_string()))?;
        if mine.is_empty() {
            return Err(unreadable(
                "it does not carry this witness's cosignature".into(),
            ));
        }
        let cp = note::checkpoint_of(text.as_bytes()).map_err(|e| unreadable(e.to_string()))?;
        if cp.origin != origin {
            return Err(unreadable(format!("it is of `{}`", cp.origin)));
        }
        Ok(Some(Held {
            size: cp.size,
            root: cp.root,
        }))
    }

    /// Handles one `add-checkpoint` body at Unix time `now`: the
    /// cosignature line, once the checkpoint is checked and held.
    pub async fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<String, WitnessError> {
        let request = AddCheckpoint::parse(body)?;
        // The log's signature first: what is not the log's never waits for
        // (or holds) the log's lock.
        let (log, _) = mcp_trust::log::witness::open(&request.note, &self.logs)?;
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            locks.entry(log.origin.clone()).or_default().clone()
        };
        let _held = lock.lock().await;
        let held = self.held(&log.origin)?;
        let (_, body_text) = mcp_trust::log::witness::check(&request, &self.logs, |_| held)?;
        let line = cosignature::cosign(&body_text, &self.name, &self.key, now)
            .map_err(|e| WitnessError::Io(e.to_string()))?;
        // The checkpoint with the log's one verified signature line and this
        // cosignature: nothing else a submitter put in the note is kept.
        let log_note = format!(
            "{body_text}\n{}",
            log_signature_line(&request.note, log).unwrap_or_default()
        );
        let path = self.path(&log.origin);
        let stored = format!("{log_note}{line}");
        let write = tokio::task::spawn_blocking(move || write_atomically(&path, stored.as_bytes()));
        write
            .await
            .map_err(|e| WitnessError::Io(format!("write task: {e}")))??;
        Ok(line)
    }
}

/// The signature line of `log`'s key in `note` (name and key hash its
/// own; the note opened, so that line verified), with its newline.
fn log_signature_line(note: &str, log: &FollowedLog) -> Option<String> {
    use base64::Engine as _;
    let split = note.rfind("\n\n")?;
    let prefix = format!("\u{2014} {} ", log.origin);
    let hash = note::key_hash(&log.origin, &log.key);
    note[split + 2..]
        .lines()
        .find(|line| {
            line.strip_prefix(&prefix)
                .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
                .is_some_and(|raw| raw.len() > 4 && raw[..4] == hash)
        })
        .map(|line| format!("{line}\n"))
}

/// Replaces `path` with `bytes`: written aside, synced, renamed, the
/// directory synced.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WitnessError> {
    use std::io::Write;
    let io = |e: std::io::Error| WitnessError::Io(format!("{}: {e}", path.display()));
    let dir = path.parent().unwrap_or(Path::new("."));
    // One writer per file at a time (the caller's lock), so one aside name.
    let aside = path.with_extension("writing");
    let mut file = std::fs::File::create(&aside).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&aside, path).map_err(io)?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(())
}

/// The witness's HTTP routes: `POST /add-checkpoint` and, for monitors,
/// `GET /<hex SHA-256 of the origin>/checkpoint` (the held checkpoint).
pub fn router(witness: Arc<Witness>) -> axum::Router {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin}/checkpoint", get(held_checkpoint))
        .layer(axum::extract::DefaultBodyLimit::max(
            mcp_trust::log::witness::MAX_REQUEST_BYTES,
        ))
        .with_state(witness)
}

/// Time a client has to send a request body (the headers have their own
/// timeout, at the connection).
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn add_checkpoint(
    axum::extract::State(witness): axum::extract::State<Arc<Witness>>,
    body: axum::body::Body,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let read = axum::body::to_bytes(body, mcp_trust::log::witness::MAX_REQUEST_BYTES);
    let body = match tokio::time::timeout(BODY_TIMEOUT, read).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request is over {} bytes or was cut\n",
                    mcp_trust::log::witness::MAX_REQUEST_BYTES
                ),
            )
                .into_response();
        }
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive in time\n",
            )
                .into_response();
        }
    };
    let now = jiff::Timestamp::now().as_second().max(1) as u64;
    match witness.add_checkpoint(&body, now).await {
        Ok(line) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            line,
        )
            .into_response(),
        Err(WitnessError::Refused(Refusal::OldSize { held, .. })) => (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, TLOG_SIZE_CONTENT_TYPE)],
            format!("{held}\n"),
        )
            .into_response(),
        Err(WitnessError::Refused(refusal)) => {
            tracing::info!(%refusal, "checkpoint not cosigned");
            (
                StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST),
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("{refusal}\n"),
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "witness failure");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "internal error\n",
            )
                .into_response()
        }
    }
}

async fn held_checkpoint(
    axum::extract::State(witness): axum::extract::State<Arc<Witness>>,
    axum::extract::Path(hex): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let log = witness
        .logs
        .iter()
        .find(|l| mcp_trust::image::Digest::of(l.origin.as_bytes()).hex() == hex);
    let held = match log {
        Some(log) => witness.held_note(&log.origin),
        None => Ok(None),
    };
    match held {
        Ok(Some(note)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            note,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no checkpoint held for this log\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "witness failure");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}
