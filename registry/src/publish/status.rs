//! Status changes of a published version: yank by the owning namespace (or
//! an admin), revoke by an admin only; each needs a reason, is audited,
//! appends a log leaf and wakes the catalog signer. Statuses only move
//! forward: an unyank is refused with why a yank is final. Nothing is ever
//! deleted. Every attempt by an authenticated caller is audited, refusals
//! with their codes.

use super::{Publisher, Rejection};
use crate::auth::Principal;
use crate::model::{AuditEvent, Lifecycle, Scope, VersionRecord};
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

    /// [`Publisher::may_change_status`], with a refusal audited: what the
    /// HTTP edge asks before it reads the body.
    pub async fn admit_status_change(
        &self,
        principal: &Principal,
        client_ip: Option<String>,
        name: &str,
        version: &str,
        action: Lifecycle,
    ) -> Result<(), Rejection> {
        let result = self.may_change_status(principal, name, version, action);
        if let Err(rejection) = &result {
            let event = status_event(principal, action, name, version, client_ip);
            self.record(&event.rejected(rejection.audit_codes(), rejection.to_string()))
                .await;
        }
        result
    }

    /// Applies `action` to `name` `version` for `principal`, with `reason`:
    /// the token's right, the reason, then the store's transaction (the
    /// transition, its log leaf and its audit record); the catalog signer
    /// is woken after the commit. Every refusal is audited too, with its
    /// codes.
    pub async fn change_status(
        &self,
        principal: &Principal,
        client_ip: Option<String>,
        name: &str,
        version: &str,
        action: Lifecycle,
        reason: &str,
    ) -> Result<VersionRecord, Rejection> {
        let result = self
            .apply_status(principal, client_ip.clone(), name, version, action, reason)
            .await;
        if let Err(rejection) = &result {
            let event = status_event(principal, action, name, version, client_ip);
            self.record(&event.rejected(rejection.audit_codes(), rejection.to_string()))
                .await;
        }
        result
    }

    async fn apply_status(
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
        let event = AuditEvent {
            at,
            detail: reason.clone(),
            ..status_event(principal, action, name, version, client_ip)
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
        let outcome = tokio::spawn(async move { store.set_status(&change, &event).await })
            .await
            .map_err(Rejection::internal)??;
        match outcome {
            StatusOutcome::Changed(record) => {
                if let Some(catalog) = &self.catalog {
                    catalog.changed();
                }
                Ok(record)
            }
            StatusOutcome::NotFound => Err(Rejection::VersionNotFound {
                name: name.to_owned(),
                version: version.to_owned(),
            }),
            StatusOutcome::Refused { reason, .. } => Err(Rejection::TransitionRefused {
                action: action.as_str(),
                name: name.to_owned(),
                version: version.to_owned(),
                reason,
            }),
        }
    }
}

/// The audit record of `principal`'s `action` on `name` `version`, accepted.
fn status_event(
    principal: &Principal,
    action: Lifecycle,
    name: &str,
    version: &str,
    client_ip: Option<String>,
) -> AuditEvent {
    let subject = format!("{name}@{version}");
    AuditEvent::of(&principal.token_id, action.as_str(), subject, client_ip)
}
