//! The publish service: the only way a version enters the registry, and the
//! only way its status changes. A handler reads the request, calls
//! [`Publisher::publish`] or [`Publisher::change_status`], and renders what
//! comes back; the order of the steps lives here, once.
//!
//! A publish runs these steps, in this order, and stops at the first that
//! refuses ([`Rejection`] names it):
//!
//! 1. the token must be a namespace token;
//! 2. the manifest is validated (every finding at once) and the token's
//!    namespace must own the server name;
//! 3. the tool surface is scanned: poisoning rules, then shadowing against
//!    every other listed server ([`tools`]);
//! 4. the image must be pinned by digest; the namespace is read;
//! 5. an identical republish answers "unchanged", a different one with the
//!    same version (or one differing only by build metadata) is refused;
//! 6. the catalog budgets are checked on a lower bound of the entry, before
//!    any network access;
//! 7. the image's OCI registry must pass the host policy;
//! 8. the image is verified (at most half the verification slots per
//!    namespace, within the verification deadline) and its verified signer,
//!    and each provenance attestation's, must be inside the namespace's
//!    binding;
//! 9. the catalog entry is built from the manifest and the verified signer;
//! 10. under the tool index's write lock, shadowing is checked again against
//!     servers stored meanwhile and the tools of publishes past this step,
//!     and this version's tools join the index until the publish ends
//!     (`tools::ToolIndex::reserve`, settled from the store at its end);
//! 11. with the lock let go, the token (not revoked or expired meanwhile)
//!     and the namespace are read again, last before the write:
//!     verification takes seconds, and the lock waits for other publishes;
//! 12. the store writes the version, its log leaf, its audit record and its
//!     budget usage in one transaction, re-checking the budgets and the
//!     version's absence in it ([`Store::publish`]);
//! 13. the catalog signer is woken: the catalog is signed **after** the
//!     commit, in its own transaction ([`crate::signer`]), so a publish is
//!     acknowledged once it is durable and is in the next signed catalog.
//!
//! Every attempt by an authenticated caller is audited, with the codes of a
//! rejection; an accepted publish's audit record is written in the same
//! transaction as the version.

pub mod rejection;
mod status;
pub mod tools;

pub use rejection::Rejection;
pub use status::MAX_REASON_LEN;

use crate::auth::Principal;
use crate::config::Limits;
use crate::host_policy::{HostPolicy, HostRejection};
use crate::model::{AuditEvent, Scope, VersionRecord};
use crate::namespace::{self, Binding};
use crate::signer::CatalogService;
use crate::store::{PublishOutcome, Store};
use crate::time;
use crate::verify::{ImageVerifier, VerifiedSigner};
use mcp_trust::catalog::Entry;
use mcp_trust::finding::pointer_token;
use mcp_trust::image::{Digest, PinnedImage};
use mcp_trust::manifest::{EXTENSION_KEY, Manifest, ProvenancePolicy, ValidateOptions, validate};
use mcp_trust::signature::{KeylessSigner, SignerIdentity};
use mcp_trust::tools::ScanPolicy;
use mcp_trust::{Finding, Severity};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{RwLock, Semaphore};
use tools::ToolIndex;

/// A publish that was accepted.
#[derive(Debug)]
pub struct Published {
    /// Stored now (`false`: the identical version was already stored).
    pub created: bool,
    /// The version as stored.
    pub record: VersionRecord,
    /// Warning findings of the manifest and its tools.
    pub warnings: Vec<Finding>,
}

/// Publishes versions and changes their status (see the module doc for the order).
#[derive(Debug)]
pub struct Publisher {
    store: Arc<dyn Store>,
    verifier: Arc<dyn ImageVerifier>,
    hosts: HostPolicy,
    scan_policy: ScanPolicy,
    limits: Arc<Limits>,
    /// Woken after each stored version; `None` outside the server (`sync`):
    /// a running server's signer finds new log leaves when it polls, a
    /// stopped one at its start.
    catalog: Option<Arc<CatalogService>>,
    /// Every listed server's tools, for the shadowing check.
    tool_index: Arc<RwLock<ToolIndex>>,
    /// Caps verifications running at once.
    verify_slots: Semaphore,
    /// Verifications in flight by namespace: one namespace holds at most
    /// half the slots, so one publisher cannot starve the others.
    verifying: Arc<Mutex<HashMap<String, usize>>>,
    /// Verifications holding a slot now, and the most ever at once.
    running: std::sync::atomic::AtomicUsize,
    running_max: std::sync::atomic::AtomicUsize,
}

/// A publish's tools put in the tool index before its version is stored
/// ([`ToolIndex::reserve`]). [`Reserved::settle`] settles the index before
/// the publish is answered, after the write (the write's task owns it); a
/// publish that stops before its write starts (its client went away)
/// drops it instead, and it settles on a task of its own.
struct Reserved {
    tool_index: Arc<RwLock<ToolIndex>>,
    store: Arc<dyn Store>,
    /// `None` once settled.
    server: Option<String>,
}

impl Reserved {
    /// Settles the index and waits for it. The settling runs on a task of
    /// its own, so a client that goes away meanwhile cannot stop it half-way.
    async fn settle(mut self) {
        if let Some(settling) = self.start_settling()
            && let Err(e) = settling.await
        {
            tracing::error!(error = %e, "settling the tool index after a publish failed; the next refresh settles it");
        }
    }

    fn start_settling(&mut self) -> Option<tokio::task::JoinHandle<()>> {
        let server = self.server.take()?;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!(
                server,
                "a publish ended outside the runtime; the tool index keeps the tools it brought"
            );
            return None;
        };
        let (tool_index, store) = (self.tool_index.clone(), self.store.clone());
        Some(runtime.spawn(async move {
            if let Err(e) = tool_index.write().await.settle(&server, &*store).await {
                tracing::error!(server, error = %e, "cannot settle the tool index after a publish; it keeps every tool reserved for the server until a refresh reads the store");
            }
        }))
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.start_settling();
    }
}

/// A verification holding a slot, counted in [`Publisher::verifications`]; uncounted on drop.
struct Running<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A verification counted against its namespace's share of the slots;
/// released on drop.
#[derive(Debug)]
struct VerifyPermit {
    verifying: Arc<Mutex<HashMap<String, usize>>>,
    namespace: String,
}

impl Drop for VerifyPermit {
    fn drop(&mut self) {
        let mut verifying = self
            .verifying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = verifying.get_mut(&self.namespace) {
            *n -= 1;
            if *n == 0 {
                verifying.remove(&self.namespace);
            }
        }
    }
}

/// Who submits a version.
#[derive(Debug, Clone, Copy)]
pub enum Submitter<'a> {
    /// A caller over HTTP with a namespace token.
    Token(&'a Principal),
    /// `mcp-registry sync`, for a version an upstream registry lists, into
    /// `namespace` (the one its name is in), which must be open to `source`.
    Sync {
        /// Where the version was read (`official https://…`).
        source: &'a str,
        /// The namespace of the upstream's server name.
        namespace: &'a str,
    },
}

impl Submitter<'_> {
    /// The audit actor: the token's id, or `sync`.
    fn actor(&self) -> &str {
        match self {
            Submitter::Token(p) => &p.token_id,
            Submitter::Sync { .. } => SYNC_ACTOR,
        }
    }
}

/// The actor of versions stored by `mcp-registry sync`, in audit records
/// and as the `publisher` of the version.
pub const SYNC_ACTOR: &str = "sync";

/// The sync value holding a namespace's opening to sync ([`crate::model::SyncOpening`]).
pub fn open_to_sync_key(namespace: &str) -> String {
    format!("open/{namespace}")
}

/// A manifest that passed validation, with what the later steps need.
struct Checked {
    manifest: Manifest,
    image: PinnedImage,
    warnings: Vec<Finding>,
}

impl Publisher {
    /// A publisher over `store`, verifying with `verifier`.
    pub fn new(
        store: Arc<dyn Store>,
        verifier: Arc<dyn ImageVerifier>,
        hosts: HostPolicy,
        scan_policy: ScanPolicy,
        limits: Arc<Limits>,
        catalog: Option<Arc<CatalogService>>,
    ) -> Publisher {
        Publisher {
            verify_slots: Semaphore::new(limits.verify_concurrency.max(1)),
            store,
            verifier,
            hosts,
            scan_policy,
            limits,
            catalog,
            tool_index: Arc::default(),
            verifying: Arc::default(),
            running: Default::default(),
            running_max: Default::default(),
        }
    }

    /// The publisher `config` describes (host policy, scan policy, limits).
    pub fn from_config(
        config: &crate::config::ServeConfig,
        store: Arc<dyn Store>,
        verifier: Arc<dyn ImageVerifier>,
        catalog: Option<Arc<CatalogService>>,
    ) -> Publisher {
        Publisher::new(
            store,
            verifier,
            HostPolicy::new(
                config.allowed_registries.iter().cloned(),
                config.allow_loopback_registries,
            ),
            config.scan_policy.clone(),
            Arc::new(config.limits.clone()),
            catalog,
        )
    }

    /// The tool scan policy publishes are checked with.
    pub fn scan_policy(&self) -> &ScanPolicy {
        &self.scan_policy
    }

    /// Verifications holding a slot now, the most ever at once, and the slots.
    pub fn verifications(&self) -> (usize, usize, usize) {
        use std::sync::atomic::Ordering::SeqCst;
        (
            self.running.load(SeqCst),
            self.running_max.load(SeqCst),
            self.limits.verify_concurrency.max(1),
        )
    }

    /// Indexes the tools of every server's latest active version, so a
    /// publish is checked for shadowing against the whole catalog; returns
    /// how many servers were indexed.
    pub async fn load_tool_index(&self) -> Result<usize, crate::store::StoreError> {
        self.tool_index.write().await.load(&*self.store).await
    }

    /// Starts loading the tool index in the background once `after`
    /// resolves, holding it from now until it is loaded: a publish that
    /// reaches the shadowing check meanwhile waits for it. A start over a
    /// large catalog so serves at once. A failed load is logged in full and leaves the index covering
    /// nothing, so the next publish reads the whole log into it.
    pub async fn load_tool_index_in_background(
        &self,
        after: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let mut guard = self.tool_index.clone().write_owned().await;
        // Until a load succeeds the index covers nothing, so a publish reads
        // the whole log into it first (over-inclusive, never short), even if
        // the load below fails or panics half-way.
        guard.forget_all();
        let store = self.store.clone();
        tokio::spawn(async move {
            after.await;
            let started = std::time::Instant::now();
            let mut fresh = ToolIndex::default();
            match fresh.load(&*store).await {
                Ok(servers) => {
                    guard.replace_with(fresh);
                    // The pages of records read to build it are freed.
                    tokio::task::spawn_blocking(malloc_tune::release_free_memory);
                    tracing::info!(
                        servers,
                        ms = started.elapsed().as_millis() as u64,
                        "tool index loaded for the shadowing check"
                    );
                }
                Err(e) => tracing::error!(
                    error = %e,
                    "cannot index the catalog's tools; the next publish reads the whole log into the index"
                ),
            }
        })
    }

    /// Most verifications one namespace may have in flight: half the slots
    /// (at least one).
    pub fn verifications_per_namespace(&self) -> usize {
        (self.limits.verify_concurrency / 2).max(1)
    }

    fn verify_permit(&self, namespace: &str) -> Option<VerifyPermit> {
        let mut verifying = self
            .verifying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = verifying.entry(namespace.to_owned()).or_default();
        if *n >= self.verifications_per_namespace() {
            return None;
        }
        *n += 1;
        Some(VerifyPermit {
            verifying: self.verifying.clone(),
            namespace: namespace.to_owned(),
        })
    }

    /// Publishes the manifest `bytes` for `principal`, and audits the
    /// attempt whatever its outcome.
    pub async fn publish(
        &self,
        principal: &Principal,
        client_ip: Option<String>,
        bytes: &[u8],
    ) -> Result<Published, Rejection> {
        self.submit(Submitter::Token(principal), client_ip, bytes)
            .await
    }

    /// Publishes a version an upstream registry lists, read from `source`,
    /// through every step of a publish: its name must be in `namespace`,
    /// which must be open to sync; its image must verify against the signer
    /// the manifest declares and inside the namespace's binding. Audited
    /// with actor `sync`, whatever the outcome.
    pub async fn publish_synced(
        &self,
        source: &str,
        namespace: &str,
        bytes: &[u8],
    ) -> Result<Published, Rejection> {
        self.submit(Submitter::Sync { source, namespace }, None, bytes)
            .await
    }

    async fn submit(
        &self,
        submitter: Submitter<'_>,
        client_ip: Option<String>,
        bytes: &[u8],
    ) -> Result<Published, Rejection> {
        let mut subject = None;
        let result = self
            .run(submitter, client_ip.clone(), bytes, &mut subject)
            .await;
        let event = || {
            let mut event = publish_event(submitter.actor(), subject.as_deref(), client_ip.clone());
            if let Submitter::Sync { source, .. } = submitter {
                event.detail = format!("from {source}");
            }
            event
        };
        match &result {
            Ok(published) if !published.created => {
                let event = event();
                let detail = match event.detail.as_str() {
                    "" => "unchanged: identical republish".to_owned(),
                    from => format!("unchanged: identical republish, {from}"),
                };
                self.record(&AuditEvent { detail, ..event }).await;
            }
            Ok(_) => {}
            Err(rejection) => {
                let event = event();
                let detail = match event.detail.as_str() {
                    "" => rejection.to_string(),
                    from => format!("{rejection} ({from})"),
                };
                self.record(&event.rejected(rejection.audit_codes(), detail))
                    .await;
            }
        }
        result
    }

    /// Step 1 on its own, before the body is read: only a namespace token
    /// publishes. A refusal is audited.
    pub async fn admit(
        &self,
        principal: &Principal,
        client_ip: Option<String>,
    ) -> Result<(), Rejection> {
        if let Scope::Namespace(_) = principal.scope {
            return Ok(());
        }
        let rejection = Rejection::AdminToken;
        let event = publish_event(&principal.token_id, None, client_ip);
        self.record(&event.rejected(rejection.audit_codes(), rejection.to_string()))
            .await;
        Err(rejection)
    }

    /// Audits a publish whose body could not be read (too large, too slow).
    pub async fn audit_unread(
        &self,
        principal: &Principal,
        client_ip: Option<String>,
        codes: Vec<String>,
        detail: String,
    ) {
        let event = publish_event(&principal.token_id, None, client_ip);
        self.record(&event.rejected(codes, detail)).await;
    }

    /// Appends `event` to the audit log. A failure is logged in full and
    /// does not change the answer: the attempt itself already happened.
    async fn record(&self, event: &AuditEvent) {
        if let Err(e) = self.store.append_audit(event).await {
            tracing::error!(error = %e, ?event, "could not append audit record");
        }
    }

    /// The steps of the module doc, in order; `subject` is set once the
    /// manifest names its server and version.
    async fn run(
        &self,
        submitter: Submitter<'_>,
        client_ip: Option<String>,
        bytes: &[u8],
        subject: &mut Option<String>,
    ) -> Result<Published, Rejection> {
        // 1. A namespace token, or a sync (whose namespace must be open to
        // its source: checked once the version is known not to be stored).
        let ns_name = match submitter {
            Submitter::Token(Principal {
                scope: Scope::Namespace(ns),
                ..
            }) => ns,
            Submitter::Token(_) => return Err(Rejection::AdminToken),
            Submitter::Sync { namespace, .. } => namespace,
        };
        let ns_name = &ns_name.to_owned();
        // 2–4. The manifest, its namespace, its tools, its image.
        let Checked {
            manifest,
            image,
            warnings,
        } = self.check_manifest(ns_name, bytes, subject).await?;
        let Some(security) = manifest.security.as_ref() else {
            return Err(Rejection::internal(
                "validation with require_extension passed a manifest without extension",
            ));
        };
        let image_path = format!("/_meta/{}/image", pointer_token(EXTENSION_KEY));
        let (name, version) = (&manifest.server.name, &manifest.server.version);
        let namespace = self
            .store
            .namespace(ns_name)
            .await?
            .ok_or_else(|| match submitter {
                // A namespace that does not exist here is not open to any source.
                Submitter::Sync { source, .. } => Rejection::NotOpenToSync {
                    namespace: ns_name.clone(),
                    from: source.to_owned(),
                },
                Submitter::Token(_) => Rejection::NamespaceUnknown(ns_name.clone()),
            })?;
        let binding = Binding::new(&namespace).map_err(Rejection::internal)?;
        let manifest_bytes_sha256 = Digest::of(bytes).hex().to_owned();

        // 5. Versions are immutable. The stored versions are read once, here;
        // the store checks the version's absence again in its transaction.
        match crate::store::already_stored(
            &self.store.versions(name).await?,
            version,
            &manifest_bytes_sha256,
        ) {
            None => {}
            Some(PublishOutcome::Unchanged(existing)) => {
                return Ok(Published {
                    created: false,
                    record: existing,
                    warnings,
                });
            }
            Some(other) => return Err(refusal(other, version)),
        }
        if let Submitter::Sync { source, namespace } = submitter {
            self.check_open_to_sync(namespace, source).await?;
        }

        // 6. The catalog budgets, before any network access or verification:
        // the entry with an empty signer and the shortest timestamp is a lower
        // bound of the one stored, checked against what is granted now.
        let lower_bound = Entry::from_manifest(
            &manifest,
            SignerIdentity::Keyless(KeylessSigner {
                identity: String::new(),
                issuer: String::new(),
            }),
            true,
            jiff::Timestamp::UNIX_EPOCH,
            0,
        )
        .and_then(|e| e.budget_bytes())
        .map_err(Rejection::internal)?;
        let usage = self.store.entry_usage(name).await?;
        self.limits
            .budget
            .admit(name, lower_bound, &usage)
            .map_err(Rejection::OverBudget)?;

        // 7. The image's OCI registry.
        match self.hosts.check(&image, &image_path).await {
            Ok(_) => {}
            Err(HostRejection::Refused(finding)) => {
                return Err(Rejection::RegistryRefused(finding));
            }
            Err(HostRejection::Unresolvable(message)) => {
                return Err(Rejection::RegistryUnresolvable(message));
            }
        }

        // 8. The image, and who signed it.
        let policy = security
            .provenance
            .clone()
            .unwrap_or_else(|| ProvenancePolicy {
                certificate_identity_regexp: Some(namespace.signer_identity_regexp.clone()),
                certificate_oidc_issuer: Some(namespace.signer_issuer.clone()),
                ..ProvenancePolicy::default()
            });
        let _permit = self
            .verify_permit(ns_name)
            .ok_or_else(|| Rejection::VerificationBusy {
                namespace: ns_name.clone(),
                limit: self.verifications_per_namespace(),
            })?;
        let signer = self.verify(&image, &policy, &image_path).await?;
        check_binding(&binding, ns_name, &signer)?;

        // 9. The catalog entry. Whether its tool surface changed from the
        // version logged before it (gateways must ask again before running
        // it) is decided by the store, in the transaction that writes it.
        let now = time::now();
        let entry = Entry::from_manifest(&manifest, signer.identity(), false, now, 0)
            .map_err(Rejection::internal)?;
        let mut detail = format!(
            "image {image} signed by {} ({})",
            signer.keyless.identity, signer.keyless.issuer
        );
        if let Submitter::Sync { source, .. } = submitter {
            detail.push_str(&format!(", from {source}"));
        }
        let record = VersionRecord {
            manifest: String::from_utf8(bytes.to_vec()).map_err(Rejection::internal)?,
            manifest_bytes_sha256,
            signer,
            publisher: submitter.actor().to_owned(),
            status_reason: None,
            status_changed_at: None,
            updated_at: now,
            is_latest: false,
            entry,
        };
        // Warnings (manifest and tool surface) are recorded with the accepted publish.
        let event = AuditEvent {
            at: now,
            codes: warnings.iter().map(|f| f.code.clone()).collect(),
            detail,
            ..publish_event(submitter.actor(), subject.as_deref(), client_ip)
        };

        // 10. Shadowing again, under the tool index's write lock, which
        // puts this version's tools in the index before letting go: two
        // publishes verified at the same time (each checked before the other
        // was stored) cannot both land tools that imitate each other's. The
        // index is settled from the store once this publish ends, however
        // it ends, so the lock is not held while the version is written
        // (publishes waiting for the store are committed together).
        let reserved = {
            let mut tool_index = self.tool_index.write().await;
            tool_index.refresh(&*self.store).await?;
            let shadows = tools::shadowing(&tool_index, name, &security.tools, &self.scan_policy);
            if shadows.iter().any(|f| f.severity == Severity::Error) {
                return Err(Rejection::ToolsShadowedMeanwhile { findings: shadows });
            }
            tool_index.reserve(name, &security.tools);
            Reserved {
                tool_index: self.tool_index.clone(),
                store: self.store.clone(),
                server: Some(name.clone()),
            }
        };
        let outcome = self
            .store_version(submitter, ns_name, &namespace, record, event, reserved)
            .await?;
        match outcome {
            PublishOutcome::Created(record) => {
                tracing::info!(name = %record.entry.name, version = %record.entry.version, image = %record.entry.image, "published");
                // 13. The catalog is signed after the commit.
                if let Some(catalog) = &self.catalog {
                    catalog.changed();
                }
                Ok(Published {
                    created: true,
                    record,
                    warnings,
                })
            }
            PublishOutcome::Unchanged(record) => Ok(Published {
                created: false,
                record,
                warnings,
            }),
            other => Err(refusal(other, version)),
        }
    }

    /// Steps 11 and 12 of a publish: the token or sync opening and the
    /// namespace read again, then the store's transaction; the tool index
    /// is settled once the publish has ended, and never before its write.
    async fn store_version(
        &self,
        submitter: Submitter<'_>,
        ns_name: &str,
        namespace: &crate::model::Namespace,
        record: VersionRecord,
        event: AuditEvent,
        reserved: Reserved,
    ) -> Result<PublishOutcome, Rejection> {
        if let Err(refused) = self.check_again(submitter, ns_name, namespace).await {
            reserved.settle().await;
            return Err(refused);
        }
        // 12. One transaction, on its own task with the settling that
        // follows it: a client that disconnects cannot cancel the write
        // half-way, nor have the index settled before the write ends.
        let (store, budget) = (self.store.clone(), self.limits.budget);
        let stored = tokio::spawn(async move {
            let stored = store.publish(&record, &event, &budget).await;
            reserved.settle().await;
            stored
        })
        .await
        .map_err(Rejection::internal)??;
        Ok(stored)
    }

    /// Step 11: the token or sync opening and the namespace read again.
    async fn check_again(
        &self,
        submitter: Submitter<'_>,
        ns_name: &str,
        namespace: &crate::model::Namespace,
    ) -> Result<(), Rejection> {
        // 11. Verification takes seconds, up to the verify timeout, and the
        // tool index's lock waits for other publishes: read the token and
        // the namespace again, last before the write, so that a token
        // revoked or expired or a binding changed meanwhile stops this
        // publish instead of landing it.
        match submitter {
            Submitter::Token(principal) => {
                let token = self
                    .store
                    .token(&principal.token_id)
                    .await?
                    .filter(|t| t.revoked_at.is_none())
                    .ok_or(Rejection::TokenRevoked)?;
                if let Some(at) = crate::auth::expired_at(&token, time::now()) {
                    return Err(Rejection::TokenExpired(at));
                }
            }
            Submitter::Sync { namespace, source } => {
                self.check_open_to_sync(namespace, source).await?;
            }
        }
        if self.store.namespace(ns_name).await?.as_ref() != Some(namespace) {
            return Err(Rejection::NamespaceChanged(ns_name.to_owned()));
        }
        Ok(())
    }

    /// Steps 2–4: validation, the namespace's ownership of the name, the
    /// tool surface, the pinned image.
    async fn check_manifest(
        &self,
        ns_name: &str,
        bytes: &[u8],
        subject: &mut Option<String>,
    ) -> Result<Checked, Rejection> {
        let report = validate(
            bytes,
            ValidateOptions {
                require_extension: true,
            },
        );
        if let Some(m) = &report.manifest {
            *subject = Some(format!("{}@{}", m.server.name, m.server.version));
            if namespace::of_server(&m.server.name) != Some(ns_name) {
                return Err(Rejection::OutsideNamespace {
                    namespace: ns_name.to_owned(),
                    server: m.server.name.clone(),
                });
            }
        }
        let errors = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let (Some(manifest), 0) = (report.manifest, errors) else {
            return Err(Rejection::ManifestInvalid {
                errors: errors.max(1),
                findings: report.findings,
            });
        };
        let mut warnings = report.findings;
        let Some(security) = manifest.security.as_ref() else {
            return Err(Rejection::internal(
                "validation with require_extension passed a manifest without extension",
            ));
        };
        // The tool surface: poisoning rules, then shadowing against every
        // other listed server (versions other replicas published since the
        // last check count too); errors (per the scan policy) block,
        // warnings travel with the answer.
        let mut tool_findings = tools::poisoning(&security.tools, &self.scan_policy);
        {
            let mut index = self.tool_index.write().await;
            index.refresh(&*self.store).await?;
            let index = index.downgrade();
            tool_findings.extend(tools::shadowing(
                &index,
                &manifest.server.name,
                &security.tools,
                &self.scan_policy,
            ));
        }
        if tool_findings.iter().any(|f| f.severity == Severity::Error) {
            return Err(Rejection::ToolsRefused {
                findings: tool_findings,
            });
        }
        warnings.extend(tool_findings);
        let image = PinnedImage::parse(&security.image).map_err(|e| Rejection::ImageNotPinned {
            finding: Finding::error(
                "image-reference-invalid",
                format!("/_meta/{}/image", pointer_token(EXTENSION_KEY)),
                e.to_string(),
            ),
        })?;
        Ok(Checked {
            manifest,
            image,
            warnings,
        })
    }

    /// A synced version's namespace must be open to its source.
    async fn check_open_to_sync(&self, namespace: &str, source: &str) -> Result<(), Rejection> {
        let opening = self.store.sync_value(&open_to_sync_key(namespace)).await?;
        let open = match opening {
            None => false,
            Some(text) => serde_json::from_str::<crate::model::SyncOpening>(&text)
                .map_err(Rejection::internal)?
                .sources
                .iter()
                .any(|s| s == source),
        };
        match open {
            true => Ok(()),
            false => Err(Rejection::NotOpenToSync {
                namespace: namespace.to_owned(),
                from: source.to_owned(),
            }),
        }
    }

    /// Runs the verifier under the concurrency cap and the verification deadline.
    async fn verify(
        &self,
        image: &PinnedImage,
        policy: &ProvenancePolicy,
        image_path: &str,
    ) -> Result<VerifiedSigner, Rejection> {
        let deadline = self.limits.verify_timeout;
        let run = async {
            let _slot = self
                .verify_slots
                .acquire()
                .await
                .map_err(Rejection::internal)?;
            let now = self
                .running
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1;
            self.running_max
                .fetch_max(now, std::sync::atomic::Ordering::SeqCst);
            let _running = Running(&self.running);
            self.verifier
                .verify(image, policy)
                .await
                .map_err(|failure| Rejection::Verification {
                    image: Box::new(image.clone()),
                    failure,
                    path: image_path.to_owned(),
                })
        };
        match tokio::time::timeout(deadline, run).await {
            Ok(result) => result,
            Err(_) => Err(Rejection::VerificationTimeout {
                image: Box::new(image.clone()),
                seconds: deadline.as_secs(),
            }),
        }
    }
}

/// The audit record of `actor`'s publish of `subject` (`name@version`,
/// or `(unparsed manifest)` before the manifest names one), accepted.
fn publish_event(actor: &str, subject: Option<&str>, client_ip: Option<String>) -> AuditEvent {
    let subject = subject.unwrap_or("(unparsed manifest)").to_owned();
    AuditEvent::of(actor, "publish", subject, client_ip)
}

/// The image's verified signer and each provenance attestation's must be
/// inside the namespace's binding: the manifest's own policy may be looser.
fn check_binding(
    binding: &Binding,
    namespace: &str,
    signer: &VerifiedSigner,
) -> Result<(), Rejection> {
    let attesters = signer.attestation_signers.iter().map(|a| (a, true));
    for (who, attester) in std::iter::once((signer, false)).chain(attesters) {
        let findings = binding.check(who);
        if findings.is_empty() {
            continue;
        }
        let (namespace, identity, issuer) = (
            namespace.to_owned(),
            who.keyless.identity.clone(),
            who.keyless.issuer.clone(),
        );
        return Err(if attester {
            Rejection::ProvenanceSignerOutsideNamespace {
                namespace,
                identity,
                issuer,
                findings,
            }
        } else {
            Rejection::SignerOutsideNamespace {
                namespace,
                identity,
                issuer,
                findings,
            }
        });
    }
    Ok(())
}

/// The refusal of a publish of `version` that a store's answer means.
fn refusal(outcome: PublishOutcome, version: &str) -> Rejection {
    match outcome {
        PublishOutcome::Twin(stored) => Rejection::BuildMetadataTwin {
            version: version.to_owned(),
            stored: stored.entry.version,
        },
        PublishOutcome::OverBudget(over) => Rejection::OverBudget(over),
        PublishOutcome::Conflict(existing) => Rejection::VersionExists {
            name: existing.entry.name,
            version: existing.entry.version,
            stored_bytes_sha256: existing.manifest_bytes_sha256,
        },
        PublishOutcome::Created(_) | PublishOutcome::Unchanged(_) => {
            Rejection::internal("a stored version was taken for a refusal")
        }
    }
}
