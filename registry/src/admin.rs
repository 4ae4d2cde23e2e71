//! Administration: namespaces, tokens and the audit log. The same operations
//! serve the `mcp-registry admin …` commands (directly on the store) and the
//! admin HTTP routes; each writes its audit record in the same transaction.

use crate::auth::{self, Expiry, IssuedToken};
use crate::config::{AdminCommand, NamespaceCommand, OutputFormat, TokenCommand};
use crate::model::{AuditEvent, Namespace, Outcome, Scope, TokenRecord};
use crate::namespace;
use crate::store::{Store, StoreError};
use crate::time;
use serde_json::Value;
use std::fmt::Write;

/// Actor name of the command-line admin tools in audit records.
pub const CLI_ACTOR: &str = "admin-cli";

/// Why an administrative operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request is invalid.
    #[error("{0}")]
    Invalid(String),
    /// The thing to create exists.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The thing to change does not exist.
    #[error("{0} does not exist")]
    NotFound(String),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> AdminError {
        match e {
            StoreError::AlreadyExists(what) => AdminError::AlreadyExists(what),
            other => AdminError::Store(other),
        }
    }
}

fn event(
    actor: &str,
    action: &str,
    subject: &str,
    detail: String,
    client_ip: Option<String>,
) -> AuditEvent {
    AuditEvent {
        at: time::now(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        outcome: Outcome::Accepted,
        codes: Vec::new(),
        detail,
        client_ip,
    }
}

/// Creates a namespace after checking its definition.
pub async fn create_namespace(
    store: &dyn Store,
    ns: Namespace,
    actor: &str,
    client_ip: Option<String>,
) -> Result<Namespace, AdminError> {
    namespace::validate(&ns).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let detail = format!(
        "signer identity ^(?:{})$, issuer {}{}{}",
        ns.signer_identity_regexp,
        ns.signer_issuer,
        ns.source_repository_id
            .as_ref()
            .map_or(String::new(), |id| format!(", source repository id {id}")),
        ns.owner_id
            .as_ref()
            .map_or(String::new(), |id| format!(", owner id {id}")),
    );
    store
        .create_namespace(
            &ns,
            &event(actor, "namespace.create", &ns.name, detail, client_ip),
        )
        .await?;
    Ok(ns)
}

/// Creates a token expiring as `expiry` says; a namespace token needs an existing namespace.
pub async fn create_token(
    store: &dyn Store,
    scope: Scope,
    description: &str,
    expiry: Expiry,
    actor: &str,
    client_ip: Option<String>,
) -> Result<IssuedToken, AdminError> {
    issue_token(store, scope, description, expiry, actor, client_ip, None).await
}

async fn issue_token(
    store: &dyn Store,
    scope: Scope,
    description: &str,
    expiry: Expiry,
    actor: &str,
    client_ip: Option<String>,
    replaces: Option<&str>,
) -> Result<IssuedToken, AdminError> {
    if let Scope::Namespace(ns) = &scope
        && store.namespace(ns).await?.is_none()
    {
        return Err(AdminError::NotFound(format!("namespace `{ns}`")));
    }
    let now = time::now();
    let expires_at = expiry.resolve(now).map_err(AdminError::Invalid)?;
    let issued = auth::issue(scope, description, now, expires_at)
        .map_err(|e| AdminError::Invalid(e.to_string()))?;
    let mut detail = format!(
        "scope {}, {}",
        issued.record.scope,
        expires_at.map_or("never expires".to_owned(), |at| format!(
            "expires {}",
            time::format(at)
        ))
    );
    if let Some(old) = replaces {
        let _ = write!(detail, ", rotation of token {old}");
    }
    store
        .create_token(
            &issued.record,
            &event(actor, "token.create", &issued.record.id, detail, client_ip),
        )
        .await?;
    Ok(issued)
}

/// Revokes a token by id.
pub async fn revoke_token(
    store: &dyn Store,
    id: &str,
    actor: &str,
    client_ip: Option<String>,
) -> Result<TokenRecord, AdminError> {
    revoke_with_detail(store, id, String::new(), actor, client_ip).await
}

async fn revoke_with_detail(
    store: &dyn Store,
    id: &str,
    detail: String,
    actor: &str,
    client_ip: Option<String>,
) -> Result<TokenRecord, AdminError> {
    store
        .revoke_token(
            id,
            time::now(),
            &event(actor, "token.revoke", id, detail, client_ip),
        )
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("token `{id}`")))
}

/// Rotates a token: issues a new one with the same scope and description
/// (audited `token.create`), then revokes the old one (audited
/// `token.revoke`), which stops authenticating at once. An expired token may
/// be rotated; a revoked or unknown one may not.
pub async fn rotate_token(
    store: &dyn Store,
    id: &str,
    expiry: Expiry,
    actor: &str,
    client_ip: Option<String>,
) -> Result<(IssuedToken, TokenRecord), AdminError> {
    let old = store
        .token(id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("token `{id}`")))?;
    if let Some(at) = old.revoked_at {
        return Err(AdminError::Invalid(format!(
            "token `{id}` was revoked at {}; a revoked token cannot be rotated: create a new one with `admin token create`",
            time::format(at)
        )));
    }
    let issued = issue_token(
        store,
        old.scope.clone(),
        &old.description,
        expiry,
        actor,
        client_ip.clone(),
        Some(id),
    )
    .await?;
    let detail = format!("rotated: replaced by token {}", issued.record.id);
    let revoked = revoke_with_detail(store, id, detail, actor, client_ip)
        .await
        .map_err(|e| {
            AdminError::Invalid(format!(
                "new token {} was created, but the old token `{id}` could not be revoked ({e}); revoke it with `admin token revoke {id}`",
                issued.record.id
            ))
        })?;
    Ok((issued, revoked))
}

/// When a token expires, as `admin token` commands print it.
fn expiry_text(t: &TokenRecord) -> String {
    t.expires_at.map_or("never expires".to_owned(), |at| {
        format!("expires {}", time::format(at))
    })
}

/// Whether a token authenticates, as `admin token list` prints it.
fn state_text(t: &TokenRecord, now: jiff::Timestamp) -> String {
    match (t.revoked_at, auth::expired_at(t, now)) {
        (Some(r), _) => format!("revoked {}", time::format(r)),
        (None, Some(_)) => "expired".to_owned(),
        (None, None) => "active".to_owned(),
    }
}

/// Runs an `admin` command against the store and returns what to print.
pub async fn run_cli(command: AdminCommand, store: &dyn Store) -> Result<String, AdminError> {
    let mut out = String::new();
    match command {
        // Key commands need no store; `main` runs them before opening one.
        AdminCommand::Keys(k) => {
            out =
                crate::keys::run(k, time::now()).map_err(|e| AdminError::Invalid(e.to_string()))?;
        }
        AdminCommand::Namespace(NamespaceCommand::Create(a)) => {
            let ns = create_namespace(
                store,
                Namespace {
                    name: a.name,
                    signer_identity_regexp: a.signer_identity_regexp,
                    signer_issuer: a.signer_issuer,
                    source_repository_id: a.source_repository_id,
                    owner_id: a.owner_id,
                    created_at: time::now(),
                },
                CLI_ACTOR,
                None,
            )
            .await?;
            let _ = writeln!(out, "created namespace {}", ns.name);
        }
        AdminCommand::Namespace(NamespaceCommand::List(o)) => {
            let all = store.namespaces().await?;
            if o.output == OutputFormat::Json {
                out = pretty(&all);
            } else {
                for ns in all {
                    let _ = writeln!(
                        out,
                        "{}\tidentity ^(?:{})$\tissuer {}{}{}",
                        ns.name,
                        ns.signer_identity_regexp,
                        ns.signer_issuer,
                        ns.source_repository_id
                            .map_or(String::new(), |v| format!("\trepository-id {v}")),
                        ns.owner_id
                            .map_or(String::new(), |v| format!("\towner-id {v}")),
                    );
                }
            }
        }
        AdminCommand::Token(TokenCommand::Create(a)) => {
            let scope = match a.namespace {
                Some(ns) => Scope::Namespace(ns),
                None => Scope::Admin,
            };
            let issued = create_token(
                store,
                scope,
                &a.description,
                a.expires.expires,
                CLI_ACTOR,
                None,
            )
            .await?;
            let _ = writeln!(out, "{}", issued.token);
            eprintln!(
                "token {} ({}) created, {}; it is shown only this once and only its hash is stored",
                issued.record.id,
                issued.record.scope,
                expiry_text(&issued.record)
            );
        }
        AdminCommand::Token(TokenCommand::Revoke(a)) => {
            let record = revoke_token(store, &a.id, CLI_ACTOR, None).await?;
            let _ = writeln!(out, "revoked token {} ({})", record.id, record.scope);
        }
        AdminCommand::Token(TokenCommand::Rotate(a)) => {
            let (issued, old) =
                rotate_token(store, &a.id, a.expires.expires, CLI_ACTOR, None).await?;
            let _ = writeln!(out, "{}", issued.token);
            eprintln!(
                "token {} ({}) created, {}, and token {} revoked: it stops working now. The new token is shown only this once; hand it to the token's user",
                issued.record.id,
                issued.record.scope,
                expiry_text(&issued.record),
                old.id
            );
        }
        AdminCommand::Token(TokenCommand::List(o)) => {
            let all = store.tokens().await?;
            let now = time::now();
            if o.output == OutputFormat::Json {
                let listed: Vec<Value> = all
                    .iter()
                    .map(|t| {
                        let mut v = serde_json::to_value(t).unwrap_or_default();
                        v["expiresAt"] =
                            t.expires_at.map_or(Value::Null, |at| at.to_string().into());
                        v["expired"] = auth::expired_at(t, now).is_some().into();
                        v
                    })
                    .collect();
                out = pretty(&listed);
            } else {
                for t in all {
                    let _ = writeln!(
                        out,
                        "{}\t{}\tcreated {}\t{}\t{}\t{}",
                        t.id,
                        t.scope,
                        time::format(t.created_at),
                        expiry_text(&t),
                        state_text(&t, now),
                        t.description
                    );
                }
            }
        }
        AdminCommand::Audit(a) => {
            let records = store.audit(a.after, a.limit.max(1)).await?;
            if a.output.output == OutputFormat::Json {
                out = pretty(&records);
            } else {
                for r in records {
                    let e = r.event;
                    let _ = writeln!(
                        out,
                        "{:>6} {} {:<8} {:<16} {:<40} {}{}{}",
                        r.seq,
                        time::format(e.at),
                        match e.outcome {
                            Outcome::Accepted => "accepted",
                            Outcome::Rejected => "rejected",
                        },
                        e.action,
                        // Subjects and details may quote what a publisher
                        // or an upstream wrote: shown, never obeyed.
                        printable(&e.subject),
                        printable(&e.actor),
                        if e.codes.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", printable(&e.codes.join(", ")))
                        },
                        if e.detail.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", printable(&e.detail))
                        },
                    );
                }
            }
        }
    }
    Ok(out)
}

fn pretty<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// Text from the audit log as a terminal shows it safely (control and
/// hidden characters escaped, at most 2,000 characters).
fn printable(s: &str) -> String {
    mcp_trust::tools::scan::excerpt(s, 2000)
}
