//! Administration: namespaces, tokens and the audit log. The same operations
//! serve the `mcp-registry admin …` commands (directly on the store) and the
//! admin HTTP routes; each writes its audit record in the same transaction.

use crate::auth::{self, IssuedToken};
use crate::config::{AdminCommand, NamespaceCommand, OutputFormat, TokenCommand};
use crate::model::{AuditEvent, Namespace, Outcome, Scope, TokenRecord};
use crate::namespace;
use crate::store::{Store, StoreError};
use crate::time;
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

/// Creates a token; a namespace token needs an existing namespace.
pub async fn create_token(
    store: &dyn Store,
    scope: Scope,
    description: &str,
    actor: &str,
    client_ip: Option<String>,
) -> Result<IssuedToken, AdminError> {
    if let Scope::Namespace(ns) = &scope
        && store.namespace(ns).await?.is_none()
    {
        return Err(AdminError::NotFound(format!("namespace `{ns}`")));
    }
    let issued = auth::issue(scope, description, time::now())
        .map_err(|e| AdminError::Invalid(e.to_string()))?;
    let detail = format!("scope {}", issued.record.scope);
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
    store
        .revoke_token(
            id,
            time::now(),
            &event(actor, "token.revoke", id, String::new(), client_ip),
        )
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("token `{id}`")))
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
            let issued = create_token(store, scope, &a.description, CLI_ACTOR, None).await?;
            let _ = writeln!(out, "{}", issued.token);
            eprintln!(
                "token {} ({}) created; it is shown only this once and only its hash is stored",
                issued.record.id, issued.record.scope
            );
        }
        AdminCommand::Token(TokenCommand::Revoke(a)) => {
            let record = revoke_token(store, &a.id, CLI_ACTOR, None).await?;
            let _ = writeln!(out, "revoked token {} ({})", record.id, record.scope);
        }
        AdminCommand::Token(TokenCommand::List(o)) => {
            let all = store.tokens().await?;
            if o.output == OutputFormat::Json {
                out = pretty(&all);
            } else {
                for t in all {
                    let _ = writeln!(
                        out,
                        "{}\t{}\tcreated {}\t{}\t{}",
                        t.id,
                        t.scope,
                        time::format(t.created_at),
                        t.revoked_at.map_or("active".to_owned(), |r| format!(
                            "revoked {}",
                            time::format(r)
                        )),
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
                        e.subject,
                        e.actor,
                        if e.codes.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", e.codes.join(", "))
                        },
                        if e.detail.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", e.detail)
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
