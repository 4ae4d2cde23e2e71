//! Status changes of a published version: yank by the owning namespace (or
//! an admin), revoke by an admin only; each needs a reason, is audited,
//! appends a log leaf and wakes the catalog signer. Statuses only move
//! forward: an unyank is refused with why a yank is final. Nothing is ever
//! deleted.

use super::{Publisher, Rejection};
use crate::auth::Principal;
use crate::model::{AuditEvent, Lifecycle, Outcome, Scope, VersionRecord};
use crate::store::{StatusChange, StatusOutcome};
use crate::time;

/// Longest reason accepted (the official `statusMessage` limit).
pub const MAX_REASON_LEN: usize = 500;

impl Publisher {
    /// Whether `principal` may apply `action` to `name` `version`: a
    /// revocation needs an admin token, a yank the owning namespace's (or an
    /// admin's).
    pub fn may_change_status(
        &self,
        principal: &Principal,
        name: &str,
        version: &str,
        action: Lifecycle,
    ) -> Result<(), Rejection> {
        let allowed = match action {
            Lifecycle::Revoke => principal.scope == Scope::Admin,
            Lifecycle::Yank | Lifecycle::Unyank => {
                principal.scope == Scope::Admin || principal.owns(name)
            }
        };
        if allowed {
            return Ok(());
        }
        Err(Rejection::StatusForbidden {
            action: action.as_str(),
            name: name.to_owned(),
            version: version.to_owned(),
            admin_required: action == Lifecycle::Revoke,
        })
    }

    /// Applies `action` to `name` `version` for `principal`, with `reason`:
    /// the token's right, the reason, then the store's transaction (the
    /// transition, its log leaf and its audit record); the catalog signer
    /// is woken after the commit. A refused transition is audited too.
    pub async fn change_status(
        &self,
        principal: &Principal,
        client_ip: Option<String>,
        name: &str,
        version: &str,
        action: Lifecycle,
        reason: &str,
    ) -> Result<VersionRecord, Rejection> {
        self.may_change_status(principal, name, version, action)?;
        let reason = reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_LEN {
            return Err(Rejection::ReasonInvalid {
                max: MAX_REASON_LEN,
            });
        }
        let at = time::now();
        let mut event = AuditEvent {
            at,
            actor: principal.token_id.clone(),
            action: action.as_str().to_owned(),
            subject: format!("{name}@{version}"),
            outcome: Outcome::Accepted,
            codes: Vec::new(),
            detail: reason.clone(),
            client_ip,
        };
        let change = StatusChange {
            name: name.to_owned(),
            version: version.to_owned(),
            action,
            reason,
            at,
        };
        // On its own task: a client that disconnects cannot cancel the write half-way.
        let store = self.store.clone();
        let audit = event.clone();
        let outcome = tokio::spawn(async move { store.set_status(&change, &audit).await })
            .await
            .map_err(Rejection::internal)??;
        match outcome {
            StatusOutcome::Changed(record) => {
                self.catalog.changed();
                Ok(record)
            }
            StatusOutcome::NotFound => Err(Rejection::VersionNotFound {
                name: name.to_owned(),
                version: version.to_owned(),
            }),
            StatusOutcome::Refused { reason, .. } => {
                let rejection = Rejection::TransitionRefused {
                    action: action.as_str(),
                    name: name.to_owned(),
                    version: version.to_owned(),
                    reason,
                };
                event.outcome = Outcome::Rejected;
                event.codes = rejection.audit_codes();
                if let Err(e) = self.store.append_audit(&event).await {
                    tracing::error!(error = %e, "could not append audit record");
                }
                Err(rejection)
            }
        }
    }
}
