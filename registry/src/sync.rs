//! `mcp-registry sync`: versions other registries list, taken in through
//! the publish service ([`Publisher::publish_synced`]).
//!
//! A source (an official-API registry, a Docker MCP catalog checkout, a
//! ToolHive registry file) is read into candidates
//! ([`mcp_trust::import::upstream`]); each goes through every check of a
//! publish. What is stored is an ordinary verified version, signed into the
//! next catalog. What is refused for what it is (no OCI image, a tag
//! instead of a digest, no signature, a signer outside the binding, a
//! namespace not open to sync, poisoned tools) is kept in the mirrored
//! tier with the reasons, and never signed. What fails for a passing cause
//! (an OCI registry down, a timeout, the store) is neither: it is reported,
//! the run ends with exit 1, and the next run tries it again.
//!
//! A run can stop anywhere (a crash, a cut connection) and be run again: a
//! version stored answers "unchanged" before any verification, a mirrored
//! version read again with the same bytes is skipped, and the official
//! source's watermark (`updated_since` of the next run) moves only after a
//! run that read every page and failed nothing.

use crate::model::{AuditEvent, MirroredRecord, Namespace};
use crate::namespace;
use crate::publish::{Publisher, Rejection, SYNC_ACTOR, open_to_sync_key};
use crate::store::{Store, StoreError};
use crate::verify::VerifyFailure;
use jiff::Timestamp;
use mcp_trust::Severity;
use mcp_trust::image::Digest;
use mcp_trust::import::upstream::{Candidate, Declared, manifest_of};
use serde::Serialize;
use std::sync::Arc;

/// How far before the watermark the next run of an official source starts
/// reading: a version the upstream commits with an `updatedAt` just before
/// the latest one seen, while a run reads past it, is read by the next run
/// (reading a version again changes nothing).
pub const WATERMARK_OVERLAP: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

/// After this long a mirrored version is checked again even when its
/// upstream bytes did not change (it may have been signed since, or the
/// policy changed).
pub const RECHECK_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// Largest upstream entry the mirrored tier keeps as it was listed; a
/// larger one is kept by its hash.
pub const MAX_KEPT_UPSTREAM_BYTES: usize = 64 * 1024;

/// Longest one run reads an official source (a slow upstream, or one that
/// answers each page just within the request timeout, cannot hold a run
/// for days).
pub const DEFAULT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Most candidate lines a report lists (each is counted).
pub const MAX_REPORT_ITEMS: usize = 10_000;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Mirrored versions read from the store at once.
const PAGE: usize = 500;

/// Times a candidate waits half a second for a verification slot its
/// namespace's publishers hold.
const BUSY_RETRIES: u32 = 120;

/// Candidates checked at once: one less than the verifications one
/// namespace may run (at least one), so a namespace's publishers keep a
/// slot while it syncs.
pub fn most_at_once(publisher: &Publisher) -> usize {
    publisher
        .verifications_per_namespace()
        .saturating_sub(1)
        .max(1)
}

pub use crate::config::official_label;

/// The source label of `from` as `sync promote --from` and the sync
/// commands name it: an http(s) URL is an official-API registry, a
/// directory a Docker catalog checkout, a file a ToolHive registry file
/// (paths made absolute, so one source has one label).
pub fn source_label(from: &str) -> Result<String, String> {
    if from.contains("://") {
        return official_label(from);
    }
    let path = std::fs::canonicalize(from).map_err(|e| format!("{from}: {e}"))?;
    match path.is_dir() {
        true => Ok(format!("docker-catalog {}", path.display())),
        false => Ok(format!("toolhive {}", path.display())),
    }
}

/// A name and version as the official API allows them: the name
/// `namespace/name` of `[A-Za-z0-9.-]` and `[A-Za-z0-9._-]`, 3 to 200
/// characters; the version at most 255 characters, none of them a control
/// character.
fn check_name(name: &str, version: &str) -> Result<(), String> {
    let valid_name = (3..=200).contains(&name.len())
        && name.split_once('/').is_some_and(|(ns, rest)| {
            !ns.is_empty()
                && !rest.is_empty()
                && ns
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-".contains(&b))
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    if !valid_name {
        return Err(format!(
            "the name `{}` is not `namespace/name` of letters, digits, `.`, `-` (and `_` after the slash), 3 to 200 characters",
            one_line(name)
        ));
    }
    if version.chars().count() > 255 || version.chars().any(char::is_control) {
        return Err(format!(
            "the version `{}` is over 255 characters or holds control characters",
            one_line(version)
        ));
    }
    Ok(())
}

/// What happened to one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Published now: a verified entry in the next signed catalog.
    Verified,
    /// Already stored with these bytes.
    Unchanged,
    /// Kept in the mirrored tier (or kept there again), with the reasons.
    Mirrored,
    /// In the mirrored tier already with the same upstream bytes; not checked again.
    MirroredUnchanged,
    /// Not taken: deleted upstream, or stored here with other content.
    Skipped,
    /// Failed for a passing cause; tried again by the next run.
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::Unchanged => "unchanged",
            Outcome::Mirrored => "mirrored",
            Outcome::MirroredUnchanged => "mirrored-unchanged",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

/// One candidate's line of the report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Server name.
    pub name: String,
    /// Version.
    pub version: String,
    /// What happened.
    pub outcome: Outcome,
    /// Rejection or finding codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// In words.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The source, as recorded (`official https://…`).
    pub source: String,
    /// The candidates, in the source's order: the first
    /// [`MAX_REPORT_ITEMS`] (a run holds the report, however large the
    /// source); `counts` has them all.
    pub items: Vec<Item>,
    /// Candidates by outcome.
    pub counts: std::collections::BTreeMap<&'static str, usize>,
    /// Candidates left out of `items`.
    #[serde(skip_serializing_if = "is_zero")]
    pub items_left_out: usize,
    /// Why the source could not be read to the end, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_error: Option<String>,
    /// Pages read (official source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<usize>,
    /// The `updated_since` the next run of this source starts from, when saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_updated_since: Option<String>,
}

impl Report {
    /// How many candidates had `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.counts.get(outcome.as_str()).copied().unwrap_or(0)
    }

    /// Adds a candidate's line (counted always, listed while there is room).
    pub fn push(&mut self, item: Item) {
        *self.counts.entry(item.outcome.as_str()).or_default() += 1;
        if self.items.len() < MAX_REPORT_ITEMS {
            self.items.push(item);
        } else {
            self.items_left_out += 1;
        }
    }

    fn absorb(&mut self, part: Report) {
        for (outcome, n) in part.counts {
            *self.counts.entry(outcome).or_default() += n;
        }
        let room = MAX_REPORT_ITEMS.saturating_sub(self.items.len());
        let listed = part.items.len().min(room);
        self.items_left_out += part.items_left_out + part.items.len() - listed;
        self.items.extend(part.items.into_iter().take(listed));
    }

    /// True when the source was read to the end and nothing failed.
    pub fn complete(&self) -> bool {
        self.source_error.is_none() && self.count(Outcome::Failed) == 0
    }

    /// One line of counts.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} verified, {} unchanged, {} mirrored ({} of them unchanged), {} skipped, {} failed",
            self.source,
            self.count(Outcome::Verified),
            self.count(Outcome::Unchanged),
            self.count(Outcome::Mirrored) + self.count(Outcome::MirroredUnchanged),
            self.count(Outcome::MirroredUnchanged),
            self.count(Outcome::Skipped),
            self.count(Outcome::Failed),
        )
    }

    /// The report as text, one line per candidate that was not unchanged.
    pub fn human(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            if matches!(
                item.outcome,
                Outcome::Unchanged | Outcome::MirroredUnchanged
            ) {
                continue;
            }
            out.push_str(&format!(
                "{:<9} {} {}",
                item.outcome.as_str(),
                one_line(&item.name),
                one_line(&item.version)
            ));
            if !item.codes.is_empty() {
                out.push_str(&format!(" [{}]", one_line(&item.codes.join(", "))));
            }
            if !item.detail.is_empty() {
                out.push_str(&format!(": {}", one_line(&item.detail)));
            }
            out.push('\n');
        }
        if self.items_left_out > 0 {
            out.push_str(&format!(
                "… and {} more not listed (the counts below include them)\n",
                self.items_left_out
            ));
        }
        if let Some(e) = &self.source_error {
            out.push_str(&format!("source not read to the end: {}\n", one_line(e)));
        }
        out.push_str(&one_line(&self.summary()));
        out.push('\n');
        match &self.next_updated_since {
            Some(at) => out.push_str(&format!(
                "the next run reads what changed since {at}, less {} minutes\n",
                WATERMARK_OVERLAP.as_mins()
            )),
            None if !self.complete() => out.push_str(
                "nothing is lost: run the sync again; what was stored stays, what failed is tried again\n",
            ),
            None => {}
        }
        out
    }
}

/// Upstream text as a terminal shows it safely, on one line and at most
/// 300 characters: control characters (escape sequences included) and
/// hidden ones are written as `\u{…}`, so what an upstream wrote cannot
/// rewrite the operator's screen or hide in it.
fn one_line(s: &str) -> String {
    mcp_trust::tools::scan::excerpt(s, 300)
}

/// A failure of the sync itself (the store), not of a candidate.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The operator's request cannot be carried out.
    #[error("{0}")]
    Refused(String),
}

/// Takes candidates in through `publisher`, `concurrency` at a time (at
/// most the verifications one namespace may run, so the sync never
/// refuses itself as busy).
#[derive(Debug, Clone)]
pub struct Sync {
    publisher: Arc<Publisher>,
    store: Arc<dyn Store>,
    concurrency: usize,
    recheck: bool,
    /// Longest an official source is read in one run.
    deadline: std::time::Duration,
}

impl Sync {
    /// A sync storing through `publisher` into `store`.
    pub fn new(publisher: Arc<Publisher>, store: Arc<dyn Store>) -> Sync {
        let concurrency = most_at_once(&publisher);
        Sync {
            publisher,
            store,
            concurrency,
            recheck: false,
            deadline: DEFAULT_DEADLINE,
        }
    }

    /// Checks at most `n` candidates at once (capped: see [`most_at_once`]).
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Sync {
        self.concurrency = n.clamp(1, most_at_once(&self.publisher));
        self
    }

    /// Stops reading an official source after `deadline` (the run then did
    /// not complete; the next one reads again).
    #[must_use]
    pub fn deadline(mut self, deadline: std::time::Duration) -> Sync {
        self.deadline = deadline;
        self
    }

    /// Checks mirrored versions again even when their upstream bytes did not change.
    #[must_use]
    pub fn recheck(mut self, recheck: bool) -> Sync {
        self.recheck = recheck;
        self
    }

    /// Reads an official-API registry at `base` (incrementally, from the
    /// watermark of the last complete run, unless `full`) and takes in
    /// every version it lists.
    pub async fn official(
        &self,
        base: &str,
        full: bool,
        limits: mcp_trust::import::official::Limits,
    ) -> Result<Report, SyncError> {
        let source = official_label(base).map_err(SyncError::Refused)?;
        let key = format!("watermark/{source}");
        let started = crate::time::now();
        let watermark = match full {
            true => None,
            false => self
                .store
                .sync_value(&key)
                .await?
                .and_then(|s| s.parse::<Timestamp>().ok()),
        };
        let since = watermark.and_then(|w| w.checked_sub(WATERMARK_OVERLAP).ok());
        // Page by page: a run holds one page (at most 8 MiB) at once,
        // whatever the upstream's size.
        let mut report = Report {
            source: source.clone(),
            ..Report::default()
        };
        let mut pager = match mcp_trust::import::official::Pager::new(base, since, limits) {
            Ok(pager) => pager,
            Err(e) => {
                report.source_error = Some(e.to_string());
                self.audit_run(&report).await;
                return Ok(report);
            }
        };
        let run_started = std::time::Instant::now();
        let walked = loop {
            if run_started.elapsed() > self.deadline {
                break Err(format!(
                    "stopped after {} minutes (the run's deadline); the next run reads again",
                    self.deadline.as_secs() / 60
                ));
            }
            let page = match pager.next_page().await {
                Ok(Some(page)) => page,
                Ok(None) => break Ok(pager.walked()),
                Err(e) => break Err(e.to_string()),
            };
            let candidates = page
                .into_iter()
                .map(|v| {
                    let (manifest, findings) = manifest_of(&v.server, &Declared::default());
                    Candidate {
                        name: v.name,
                        version: v.version,
                        upstream: v.server,
                        status: v.status,
                        manifest,
                        findings,
                    }
                })
                .collect();
            let part = self.apply(&source, candidates).await?;
            report.absorb(part);
        };
        match walked {
            Ok(walked) => {
                report.pages = Some(walked.pages);
                // An upstream that dates a version in the future does not
                // move the watermark past this run's start.
                let seen = walked.latest_update.map(|l| l.min(started));
                if report.complete()
                    && let Some(latest) = [watermark, seen].into_iter().flatten().max()
                {
                    self.store
                        .put_sync_value(&key, &latest.to_string(), None)
                        .await?;
                    report.next_updated_since = Some(latest.to_string());
                }
            }
            Err(e) => report.source_error = Some(e),
        }
        self.audit_run(&report).await;
        Ok(report)
    }

    /// Takes in the candidates of a source already read (a Docker catalog
    /// checkout, a ToolHive file), `source` naming it; `source_error` says
    /// what of it could not be read.
    pub async fn candidates(
        &self,
        source: &str,
        candidates: Vec<Candidate>,
        source_error: Option<String>,
    ) -> Result<Report, SyncError> {
        let mut report = self.apply(source, candidates).await?;
        report.source_error = source_error;
        self.audit_run(&report).await;
        Ok(report)
    }

    /// Opens namespace `name` to the versions `sources` list of it
    /// (creating the namespace with `binding` when it does not exist; an
    /// existing one must have the same binding, or none be given), then
    /// publishes the mirrored versions of it from those sources that now
    /// verify.
    pub async fn promote(
        &self,
        name: &str,
        sources: &[String],
        binding: Option<Namespace>,
        actor: &str,
    ) -> Result<Report, SyncError> {
        if sources.is_empty() {
            return Err(SyncError::Refused(
                "name the sources the namespace takes versions from (--from URL|FILE|DIR)".into(),
            ));
        }
        let existing = self.store.namespace(name).await?;
        match (existing, binding) {
            (Some(ns), Some(wanted)) if !same_binding(&ns, &wanted) => {
                return Err(SyncError::Refused(format!(
                    "namespace `{name}` exists with another binding (identity `{}`, issuer `{}`); promote it without --signer-* to open it under that binding, or change the binding first",
                    ns.signer_identity_regexp, ns.signer_issuer
                )));
            }
            (Some(_), _) => {}
            (None, None) => {
                return Err(SyncError::Refused(format!(
                    "namespace `{name}` does not exist: give --signer-identity-regexp and --signer-issuer, the signer its images must carry"
                )));
            }
            (None, Some(wanted)) => {
                namespace::validate(&wanted).map_err(|e| SyncError::Refused(e.to_string()))?;
                let audit = AuditEvent {
                    detail: format!(
                        "for synced versions: identity `{}`, issuer `{}`",
                        wanted.signer_identity_regexp, wanted.signer_issuer
                    ),
                    ..AuditEvent::of(actor, "namespace.create", name.to_owned(), None)
                };
                self.store.create_namespace(&wanted, &audit).await?;
            }
        }
        let mut opening = read_opening(&*self.store, name).await?;
        for source in sources {
            if !opening.sources.contains(source) {
                opening.sources.push(source.clone());
            }
        }
        write_opening(&*self.store, name, opening, actor, "sync.open", sources).await?;
        let mut report = Report {
            source: format!("promote {name}"),
            ..Report::default()
        };
        let this = self.clone().recheck(true);
        let prefix = format!("{name}/");
        let mut after: Option<(String, String, String)> = None;
        loop {
            let page = self
                .store
                .mirrored(
                    &prefix,
                    after
                        .as_ref()
                        .map(|(n, v, s)| (n.as_str(), v.as_str(), s.as_str())),
                    PAGE,
                )
                .await?;
            let Some(last) = page.last() else { break };
            after = Some((last.name.clone(), last.version.clone(), last.source.clone()));
            for m in page {
                if !sources.contains(&m.source) {
                    continue;
                }
                // A version no manifest could be made of stays as it is:
                // nothing about the namespace changes that.
                let Some(manifest) = m
                    .manifest
                    .as_deref()
                    .and_then(|t| serde_json::from_str(t).ok())
                else {
                    report.push(Item {
                        name: m.name,
                        version: m.version,
                        outcome: Outcome::MirroredUnchanged,
                        codes: m.codes,
                        detail: String::new(),
                    });
                    continue;
                };
                let candidate = Candidate {
                    name: m.name,
                    version: m.version,
                    upstream: serde_json::from_str(&m.upstream).unwrap_or_default(),
                    status: m.upstream_status,
                    manifest: Some(manifest),
                    findings: Vec::new(),
                };
                let part = this.apply(&m.source, vec![candidate]).await?;
                report.absorb(part);
            }
        }
        self.audit_run(&report).await;
        Ok(report)
    }

    /// Each candidate through the publish service, `concurrency` at once,
    /// reported in the source's order.
    async fn apply(&self, source: &str, candidates: Vec<Candidate>) -> Result<Report, SyncError> {
        let mut items: Vec<Option<Item>> = vec![None; candidates.len()];
        let mut running = tokio::task::JoinSet::new();
        let mut first_error = None;
        for (i, candidate) in candidates.into_iter().enumerate() {
            while running.len() >= self.concurrency {
                collect(running.join_next().await, &mut items, &mut first_error);
            }
            let (this, source) = (self.clone(), source.to_owned());
            running.spawn(async move { (i, Ok(this.one(&source, candidate).await)) });
        }
        while let Some(done) = running.join_next().await {
            collect(Some(done), &mut items, &mut first_error);
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let mut report = Report {
            source: source.to_owned(),
            ..Report::default()
        };
        for item in items.into_iter().flatten() {
            report.push(item);
        }
        Ok(report)
    }

    /// One candidate: published, mirrored, skipped or failed.
    async fn one(&self, source: &str, c: Candidate) -> Item {
        let (name, version) = (c.name.clone(), c.version.clone());
        match self.try_one(source, c).await {
            Ok(item) => item,
            // A store failure fails this candidate, not the run: the next
            // run tries it again.
            Err(e) => {
                tracing::error!(%name, %version, error = %e, "sync: store error");
                Item {
                    name,
                    version,
                    outcome: Outcome::Failed,
                    codes: vec!["store-unavailable".into()],
                    detail: "the store failed; the server log has the error".into(),
                }
            }
        }
    }

    async fn try_one(&self, source: &str, c: Candidate) -> Result<Item, SyncError> {
        let item = |outcome, codes: Vec<String>, detail: String| Item {
            name: c.name.clone(),
            version: c.version.clone(),
            outcome,
            codes,
            detail: bounded(&detail),
        };
        if c.name.is_empty() || c.version.is_empty() {
            // An entry the importer refused outright has neither; its
            // findings say why.
            let errors: Vec<_> = c
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            if !errors.is_empty() {
                return Ok(item(
                    Outcome::Skipped,
                    errors.iter().map(|f| f.code.clone()).collect(),
                    errors
                        .iter()
                        .map(|f| f.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                ));
            }
            return Ok(item(
                Outcome::Skipped,
                vec!["sync-name-missing".into()],
                "the upstream entry has no name or no version".into(),
            ));
        }
        if let Err(why) = check_name(&c.name, &c.version) {
            return Ok(item(
                Outcome::Skipped,
                vec!["sync-name-invalid".into()],
                why,
            ));
        }
        if c.status.as_deref() == Some("deleted") {
            // Only this source's record: another source may list it still.
            let kept = self
                .store
                .mirrored_version(&c.name, &c.version, source)
                .await?;
            let mine = kept.is_some_and(|k| k.source == source);
            if mine {
                self.store
                    .remove_mirrored(&c.name, &c.version, source)
                    .await?;
            }
            let detail = match mine {
                true => "deleted upstream; removed from the mirrored tier",
                false => "deleted upstream",
            };
            return Ok(item(Outcome::Skipped, Vec::new(), detail.into()));
        }
        let upstream = c.upstream.to_string();
        let upstream_sha256 = Digest::of(upstream.as_bytes()).hex().to_owned();
        let kept = self
            .store
            .mirrored_version(&c.name, &c.version, source)
            .await?;
        if !self.recheck
            && let Some(kept) = &kept
            && kept.upstream_sha256 == upstream_sha256
            && kept.source == source
            && kept
                .checked_at
                .checked_add(RECHECK_AFTER)
                .is_ok_and(|due| due > crate::time::now())
        {
            return Ok(item(
                Outcome::MirroredUnchanged,
                kept.codes.clone(),
                String::new(),
            ));
        }
        let manifest = c.manifest.as_ref().map(serde_json::to_string).transpose();
        let manifest = manifest.map_err(|e| SyncError::Refused(e.to_string()))?;
        // What the tier keeps is bounded: a large upstream entry is kept
        // by its hash, a manifest over the publish limit (refused anyway) not at all.
        let kept_upstream = match upstream.len() > MAX_KEPT_UPSTREAM_BYTES {
            true => serde_json::json!({
                "notKept": format!("{} bytes, over the {MAX_KEPT_UPSTREAM_BYTES} the mirrored tier keeps", upstream.len())
            })
            .to_string(),
            false => upstream.clone(),
        };
        let kept_manifest = manifest
            .clone()
            .filter(|m| m.len() <= mcp_trust::manifest::validate::MAX_MANIFEST_BYTES);
        // The upstream's status is one of the official values, or `other`.
        let status = c.status.as_deref().map(|st| {
            match st {
                "active" | "deprecated" | "deleted" => st,
                _ => "other",
            }
            .to_owned()
        });
        let mirror = |codes: Vec<String>, detail: String| MirroredRecord {
            name: c.name.clone(),
            version: c.version.clone(),
            source: source.to_owned(),
            upstream: kept_upstream.clone(),
            upstream_sha256: upstream_sha256.clone(),
            manifest: kept_manifest.clone(),
            upstream_status: status.clone(),
            codes,
            detail: bounded(&detail),
            first_seen: kept
                .as_ref()
                .map_or_else(crate::time::now, |k| k.first_seen),
            checked_at: crate::time::now(),
        };
        let namespace = namespace::of_server(&c.name);
        let (Some(bytes), Some(namespace)) = (&manifest, namespace) else {
            let errors: Vec<_> = c
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            let (codes, detail) = match (errors.is_empty(), namespace) {
                (_, None) => (
                    vec!["sync-name-invalid".to_owned()],
                    "the name has no namespace (`namespace/name`)".to_owned(),
                ),
                (true, _) => (
                    vec!["sync-no-manifest".to_owned()],
                    "no manifest could be made".to_owned(),
                ),
                (false, _) => (
                    errors.iter().map(|f| f.code.clone()).collect(),
                    errors
                        .iter()
                        .map(|f| f.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            };
            self.keep(&mirror(codes.clone(), detail.clone())).await?;
            return Ok(item(Outcome::Mirrored, codes, detail));
        };
        let mut busy = 0;
        let published = loop {
            match self
                .publisher
                .publish_synced(source, namespace, bytes.as_bytes())
                .await
            {
                // Publishers of the namespace hold its slots: wait for one.
                Err(Rejection::VerificationBusy { .. }) if busy < BUSY_RETRIES => {
                    busy += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
                other => break other,
            }
        };
        match published {
            Ok(published) => {
                self.store
                    .remove_mirrored(&c.name, &c.version, source)
                    .await?;
                let outcome = match published.created {
                    true => Outcome::Verified,
                    false => Outcome::Unchanged,
                };
                let signer = &published.record.signer.keyless;
                let detail = format!(
                    "{} signed by {} ({})",
                    published.record.entry.image, signer.identity, signer.issuer
                );
                Ok(item(outcome, Vec::new(), detail))
            }
            Err(rejection) if passing(&rejection) => {
                if let Rejection::Internal(detail) = &rejection {
                    tracing::error!(name = %c.name, version = %c.version, %detail, "sync: internal error");
                }
                Ok(item(
                    Outcome::Failed,
                    vec![rejection.code().to_owned()],
                    rejection.to_string(),
                ))
            }
            Err(
                rejection @ (Rejection::VersionExists { .. } | Rejection::BuildMetadataTwin { .. }),
            ) => Ok(item(
                Outcome::Skipped,
                vec![rejection.code().to_owned()],
                rejection.to_string(),
            )),
            Err(rejection) => {
                let (codes, detail) = (rejection.audit_codes(), explain(&rejection));
                self.keep(&mirror(codes.clone(), detail.clone())).await?;
                Ok(item(Outcome::Mirrored, codes, detail))
            }
        }
    }

    /// Keeps `record` in the mirrored tier, audited.
    async fn keep(&self, record: &MirroredRecord) -> Result<(), SyncError> {
        // Upstream text quoted in a message may hold a NUL, which
        // PostgreSQL's TEXT refuses.
        let record = &MirroredRecord {
            detail: record.detail.replace('\0', "\u{fffd}"),
            ..record.clone()
        };
        let audit = AuditEvent {
            codes: record.codes.clone(),
            detail: format!("kept in the mirrored tier, from {}", record.source),
            ..AuditEvent::of(
                SYNC_ACTOR,
                "sync.mirror",
                format!("{}@{}", record.name, record.version),
                None,
            )
        };
        self.store.put_mirrored(record, Some(&audit)).await?;
        Ok(())
    }

    /// The run's audit record: its counts, and whether it completed.
    async fn audit_run(&self, report: &Report) {
        let mut event = AuditEvent {
            detail: report.summary(),
            ..AuditEvent::of(SYNC_ACTOR, "sync", report.source.clone(), None)
        };
        if let Some(e) = &report.source_error {
            event = event.rejected(
                vec!["sync-source-incomplete".into()],
                format!("{}; {e}", report.summary()),
            );
        }
        if let Err(e) = self.store.append_audit(&event).await {
            tracing::error!(error = %e, ?event, "could not append the sync's audit record");
        }
    }
}

/// Syncs from the official-API registry at `url` once `after` resolves
/// (the server's catalog is served), then every `every`: each run's report
/// is logged and audited, and a run that did not complete is tried again
/// at the next.
pub fn spawn_official(
    sync: Sync,
    after: impl std::future::Future<Output = ()> + Send + 'static,
    url: String,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        after.await;
        loop {
            let limits = mcp_trust::import::official::Limits::default();
            match sync.official(&url, false, limits).await {
                Ok(report) if report.complete() => {
                    tracing::info!(summary = %report.summary(), "sync done");
                }
                Ok(report) => tracing::warn!(
                    summary = %report.summary(),
                    source_error = report.source_error.as_deref().unwrap_or(""),
                    "sync did not complete; the next run tries again"
                ),
                Err(e) => tracing::error!(error = %e, "sync failed; the next run tries again"),
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// One version of the mirrored tier as `sync list` shows it: name,
/// version, source, when checked, then the reasons.
pub fn mirrored_line(r: &MirroredRecord) -> String {
    format!(
        "{} {}  from {}  checked {}\n  [{}] {}\n",
        one_line(&r.name),
        one_line(&r.version),
        one_line(&r.source),
        r.checked_at,
        one_line(&r.codes.join(", ")),
        one_line(&r.detail)
    )
}

/// Closes namespace `name` to `sources` (all when empty) in `store`,
/// audited as `actor`; returns the sources it stays open to.
pub async fn close(
    store: Arc<dyn Store>,
    name: &str,
    sources: &[String],
    actor: &str,
) -> Result<crate::model::SyncOpening, SyncError> {
    let mut opening = read_opening(&*store, name).await?;
    match sources.is_empty() {
        true => opening.sources.clear(),
        false => opening.sources.retain(|s| !sources.contains(s)),
    }
    write_opening(&*store, name, opening.clone(), actor, "sync.close", sources).await?;
    Ok(opening)
}

/// Namespace `name`'s opening to sync (none: closed to every source).
async fn read_opening(
    store: &dyn Store,
    name: &str,
) -> Result<crate::model::SyncOpening, SyncError> {
    match store.sync_value(&open_to_sync_key(name)).await? {
        None => Ok(Default::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| SyncError::Refused(format!("the opening of `{name}` is unreadable: {e}"))),
    }
}

/// Stores namespace `name`'s opening, with an `action` audit record naming
/// the `sources` changed (none: every source).
async fn write_opening(
    store: &dyn Store,
    name: &str,
    mut opening: crate::model::SyncOpening,
    actor: &str,
    action: &str,
    sources: &[String],
) -> Result<(), SyncError> {
    opening.by = actor.to_owned();
    opening.changed_at = crate::time::now().to_string();
    let audit = AuditEvent {
        detail: match sources.is_empty() {
            true => "every source".to_owned(),
            false => sources.join(", "),
        },
        ..AuditEvent::of(actor, action, name.to_owned(), None)
    };
    let text = serde_json::to_string(&opening).map_err(|e| SyncError::Refused(e.to_string()))?;
    store
        .put_sync_value(&open_to_sync_key(name), &text, Some(&audit))
        .await?;
    Ok(())
}

/// A finished task of [`Sync::apply`]: the candidate's index and what happened to it.
type Joined = Result<(usize, Result<Item, SyncError>), tokio::task::JoinError>;

fn collect(done: Option<Joined>, items: &mut [Option<Item>], first_error: &mut Option<SyncError>) {
    match done {
        Some(Ok((i, Ok(item)))) => items[i] = Some(item),
        Some(Ok((_, Err(e)))) => {
            first_error.get_or_insert(e);
        }
        Some(Err(e)) => {
            first_error.get_or_insert(SyncError::Refused(format!("a sync task failed: {e}")));
        }
        None => {}
    }
}

/// A rejection in words, with the messages of its error findings (the
/// rejection's own text only says that they are listed).
fn explain(rejection: &Rejection) -> String {
    let findings: Vec<String> = rejection
        .findings()
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| match f.path.as_str() {
            "" => f.message,
            path => format!("{path}: {}", f.message),
        })
        .collect();
    match findings.is_empty() {
        true => rejection.to_string(),
        false => format!("{}: {}", rejection, findings.join("; ")),
    }
}

/// At most [`MAX_DETAIL_BYTES`] of `detail` (cut on a character boundary):
/// a rejection quoting what an upstream wrote can be long.
fn bounded(detail: &str) -> String {
    if detail.len() <= MAX_DETAIL_BYTES {
        return detail.to_owned();
    }
    let mut end = MAX_DETAIL_BYTES;
    while !detail.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &detail[..end], detail.len())
}

/// Longest detail kept with a mirrored version or a report line.
pub const MAX_DETAIL_BYTES: usize = 4096;

/// A refusal for a passing cause, which the next run tries again.
fn passing(rejection: &Rejection) -> bool {
    matches!(
        rejection,
        Rejection::VerificationBusy { .. }
            | Rejection::VerificationTimeout { .. }
            | Rejection::RegistryUnresolvable(_)
            | Rejection::Internal(_)
            | Rejection::StoreUnavailable(_)
            | Rejection::NamespaceChanged(_)
            | Rejection::ToolsShadowedMeanwhile { .. }
            | Rejection::Verification {
                failure: VerifyFailure::Unreachable { .. } | VerifyFailure::Unavailable { .. },
                ..
            }
    )
}

fn same_binding(a: &Namespace, b: &Namespace) -> bool {
    (
        &a.signer_identity_regexp,
        &a.signer_issuer,
        &a.source_repository_id,
        &a.owner_id,
    ) == (
        &b.signer_identity_regexp,
        &b.signer_issuer,
        &b.source_repository_id,
        &b.owner_id,
    )
}

/// The Docker MCP catalog entries under `dir` (a `servers` directory, or
/// one server's directory), as candidates; files over the importer's
/// limits are reported by it.
pub fn docker_catalog(dir: &std::path::Path, namespace: &str) -> Result<Vec<Candidate>, String> {
    use mcp_trust::import::docker_catalog::{MAX_INPUT_BYTES, import};
    let mut dirs = Vec::new();
    if dir.join("server.yaml").is_file() {
        dirs.push(dir.to_owned());
    } else {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            // Directories only, not symlinks to elsewhere.
            if entry.file_type().is_ok_and(|t| t.is_dir())
                && std::fs::symlink_metadata(entry.path().join("server.yaml")).is_ok()
            {
                dirs.push(entry.path());
            }
        }
    }
    if dirs.is_empty() {
        return Err(format!(
            "no server.yaml in {} or in its subdirectories: give the checkout's `servers` directory",
            dir.display()
        ));
    }
    dirs.sort();
    let read = |path: &std::path::Path| -> Result<Vec<u8>, String> {
        use std::io::Read;
        // A symlink could make the tier (and anyone who reads it) hold a
        // file from outside the checkout: a key, a password file.
        let meta = std::fs::symlink_metadata(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if !meta.file_type().is_file() {
            return Err(format!(
                "{} is not a plain file (a symlink?): a checkout's files are read as they are, nothing outside it",
                path.display()
            ));
        }
        let file = std::fs::File::open(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut buf = Vec::new();
        file.take(MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(buf)
    };
    let mut out = Vec::new();
    for d in dirs {
        let yaml = read(&d.join("server.yaml"))?;
        let tools_path = d.join("tools.json");
        let tools = match std::fs::symlink_metadata(&tools_path).is_ok() {
            true => Some(read(&tools_path)?),
            false => None,
        };
        let imported = import(&yaml, tools.as_deref(), namespace);
        let short = d
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let field = |k: &str| {
            imported
                .manifest
                .as_ref()
                .and_then(|m| m.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let name = field("name").unwrap_or_else(|| {
            format!(
                "{namespace}/{}",
                imported.source_name.clone().unwrap_or(short)
            )
        });
        let version = field("version").unwrap_or_default();
        let mut findings = imported.import_findings;
        findings.extend(imported.manifest_findings.iter().cloned());
        let upstream = serde_json::json!({
            "serverYaml": String::from_utf8_lossy(&yaml),
            "toolsJson": tools.as_deref().map(String::from_utf8_lossy),
        });
        let manifest = imported
            .manifest
            .filter(|_| !mcp_trust::finding::has_errors(&findings));
        out.push(Candidate {
            name,
            version,
            upstream,
            status: None,
            manifest,
            findings,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_upstreams_are_refused_off_loopback() {
        for ok in [
            "https://registry.modelcontextprotocol.io/",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(official_label(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            official_label("https://registry.modelcontextprotocol.io/").unwrap(),
            "official https://registry.modelcontextprotocol.io"
        );
        // One source, one label, however it is spelt.
        for spelling in [
            "HTTPS://Registry.ModelContextProtocol.io",
            "https://registry.modelcontextprotocol.io:443/",
            " https://registry.modelcontextprotocol.io ",
        ] {
            assert_eq!(
                official_label(spelling).unwrap(),
                "official https://registry.modelcontextprotocol.io",
                "{spelling}"
            );
        }
        assert_eq!(
            official_label("http://LOCALHOST:8080/").unwrap(),
            "official http://localhost:8080"
        );
        for refused in [
            "https://user:secret@registry.example",
            "http://evil.example@127.0.0.1",
            "https://registry.example/?x=1",
            "https://registry.example/#frag",
        ] {
            assert!(official_label(refused).is_err(), "{refused}");
        }
        for bad in [
            "http://registry.example.com",
            "http://10.0.0.1",
            "ftp://x",
            "registry.example.com",
            "http://",
        ] {
            assert!(official_label(bad).is_err(), "{bad}");
        }
        assert!(
            official_label("http://example.com")
                .unwrap_err()
                .contains("use https")
        );
    }

    #[test]
    fn details_and_reports_are_bounded() {
        let long = "é".repeat(10_000);
        let cut = bounded(&long);
        assert!(cut.len() < MAX_DETAIL_BYTES + 64, "{}", cut.len());
        assert!(cut.ends_with("(20000 bytes in all)"), "{cut}");
        let mut report = Report::default();
        for i in 0..MAX_REPORT_ITEMS + 5 {
            report.push(Item {
                name: "io.github.acme/w".into(),
                version: format!("1.0.{i}"),
                outcome: Outcome::Mirrored,
                codes: vec![],
                detail: String::new(),
            });
        }
        assert_eq!(report.items.len(), MAX_REPORT_ITEMS);
        assert_eq!(report.items_left_out, 5);
        assert_eq!(report.count(Outcome::Mirrored), MAX_REPORT_ITEMS + 5);
        assert!(report.human().contains("… and 5 more not listed"));
    }

    #[test]
    fn names_and_versions_follow_the_official_grammar() {
        assert!(check_name("io.github.acme/weather", "1.0.0").is_ok());
        for (name, version) in [
            ("weather", "1"),
            ("io.github.acme/", "1"),
            ("/weather", "1"),
            ("io.github.acme/w/x", "1"),
            ("io.github.acme/w x", "1"),
            ("io.github.acme/w\u{0}", "1"),
            ("io.github.acme/w", "1\n2"),
        ] {
            assert!(check_name(name, version).is_err(), "{name:?} {version:?}");
        }
        assert!(check_name(&format!("a/{}", "b".repeat(199)), "1").is_err());
    }

    #[test]
    fn upstream_text_cannot_move_the_cursor_or_hide() {
        let shown = one_line("a\u{1b}[2J\u{1b}]8;;http://x\u{7}b\nc\u{202e}d\u{200b}e\u{e0041}");
        assert_eq!(
            shown,
            "a\\u{1b}[2J\\u{1b}]8;;http://x\\u{7}b\\u{a}c\\u{202e}d\\u{200b}e\\u{e0041}"
        );
        assert!(!shown.chars().any(char::is_control));
        let long = one_line(&"x".repeat(1000));
        assert_eq!(long.chars().count(), 301);
        assert!(long.ends_with('…'));
    }
}
