//! What each page shows, read from the store and the served catalog.

use super::PageError;
use super::index::public_source;
use super::text::{self, Text};
use crate::model::{MirroredRecord, VersionRecord};
use crate::state::AppState;
use crate::time;
use askama::Template;
use axum::http::{HeaderMap, header};
use mcp_trust::catalog::Status;
use mcp_trust::finding::Finding;
use mcp_trust::manifest::{Manifest, Network, Tool, ValidateOptions, validate};
use mcp_trust::profile::{Format, ProfileOptions, RuntimeProfile};
use mcp_trust::tools::diff::{SurfaceDiff, diff};
use mcp_trust::tools::scan::{excerpt, scan};
use serde_json::Value;

/// The diff lists at most this many changed schema locations per field
/// (`mcp_trust::tools::diff`'s cap).
const MAX_SCHEMA_POINTERS: usize = 20;
/// Most mirrored records a server page reads.
const MAX_MIRRORED_SHOWN: usize = 100;
/// Most parameters listed per tool (every one is still scanned).
const MAX_PARAMS: usize = 200;

pub(super) struct VersionRow {
    href: String,
    version: Text,
    status: &'static str,
    latest: bool,
    tools_changed: bool,
    published: String,
    changed_at: Option<String>,
    reason: Option<Text>,
    log_index: u64,
    entry_href: String,
}

pub(super) struct MirroredRow {
    version: Text,
    source: Text,
    codes: Vec<Text>,
    detail: Text,
    checked: String,
}

#[derive(Template)]
#[template(path = "server.html")]
pub(super) struct ServerPage {
    title: String,
    name: Text,
    description: Option<Text>,
    versions: Vec<VersionRow>,
    mirrored: Vec<MirroredRow>,
}

fn entry_href(index: u64) -> String {
    format!("/v0.1/log/entries?start={index}&end={}", index + 1)
}

fn mirrored_row(m: &MirroredRecord) -> MirroredRow {
    MirroredRow {
        version: Text::of(m.version.as_str()),
        source: Text::of(public_source(&m.source)),
        codes: m.codes.iter().map(|c| Text::of(c.as_str())).collect(),
        detail: Text::of(m.detail.as_str()),
        checked: time::format(m.checked_at),
    }
}

async fn mirrored_of(state: &AppState, name: &str) -> Result<Vec<MirroredRecord>, PageError> {
    if !state.web.shows_mirrored() {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .mirrored(name, None, MAX_MIRRORED_SHOWN)
        .await?
        .into_iter()
        .filter(|m| m.name == name)
        .collect())
}

fn parsed(record: &VersionRecord) -> Option<Manifest> {
    validate(
        record.manifest.as_bytes(),
        ValidateOptions {
            require_extension: false,
        },
    )
    .manifest
}

pub(super) async fn server_page(state: &AppState, name: &str) -> Result<ServerPage, PageError> {
    let mut versions = state.store.versions(name).await?;
    let mirrored = mirrored_of(state, name).await?;
    if versions.is_empty() && mirrored.is_empty() {
        return Err(PageError::not_found(format!(
            "No server is named `{}`. Search the catalog for part of its name.",
            mcp_trust::tools::scan::excerpt(name, 120)
        )));
    }
    versions.sort_by_key(|v| std::cmp::Reverse(v.entry.log_index));
    let description = versions
        .iter()
        .find(|v| v.is_latest)
        .or(versions.first())
        .and_then(parsed)
        .map(|m| Text(m.server.description));
    Ok(ServerPage {
        title: name.to_owned(),
        name: Text::of(name),
        description,
        versions: versions
            .iter()
            .map(|v| VersionRow {
                href: text::version_href(name, &v.entry.version),
                version: Text::of(v.entry.version.as_str()),
                status: v.entry.status.as_str(),
                latest: v.is_latest,
                tools_changed: v.entry.tools_changed,
                published: time::format(v.entry.published_at),
                changed_at: v.status_changed_at.map(time::format),
                reason: v.status_reason.as_deref().map(Text::of),
                log_index: v.entry.log_index,
                entry_href: entry_href(v.entry.log_index),
            })
            .collect(),
        mirrored: mirrored.iter().map(mirrored_row).collect(),
    })
}

pub(super) struct SignerView {
    identity: Text,
    issuer: Text,
    claims: Vec<(&'static str, Text)>,
    provenance: Vec<(Text, Text)>,
}

pub(super) struct ParamView {
    name: Text,
    kind: Text,
    required: bool,
    description: Text,
}

pub(super) struct FindingView {
    severity: String,
    code: Text,
    path: Text,
    message: Text,
    hint: Text,
}

pub(super) struct ToolView {
    anchor: String,
    name: Text,
    title: Option<Text>,
    annotation_title: Option<Text>,
    /// The name for attributes (escaped by the template; hidden
    /// characters written as `\u{…}`): a [`Text`] is markup, never an
    /// attribute value.
    plain_name: String,
    params_hidden: usize,
    input_schema: Text,
    output_schema: Option<Text>,
    description: Text,
    hidden: bool,
    annotations: Vec<(&'static str, bool, bool)>,
    params: Vec<ParamView>,
    findings: Vec<FindingView>,
}

pub(super) struct FieldView {
    field: &'static str,
    before: Text,
    after: Text,
    weakens: bool,
    pointers: Vec<Text>,
    more_pointers: bool,
}

pub(super) struct ChangeView {
    name: Text,
    fields: Vec<FieldView>,
}

#[derive(Default)]
pub(super) struct DiffView {
    previous: Option<(Text, String)>,
    previous_status: &'static str,
    unreadable: bool,
    empty: bool,
    duplicates: Vec<Text>,
    added: Vec<Text>,
    removed: Vec<Text>,
    changed: Vec<ChangeView>,
}

pub(super) struct ProfileView {
    id: String,
    name: &'static str,
    description: &'static str,
    text: Text,
    warnings: Vec<Text>,
}

#[derive(Template)]
#[template(path = "version.html")]
pub(super) struct VersionPage {
    title: String,
    name: Text,
    server_href: String,
    version: Text,
    status: &'static str,
    status_note: Option<Text>,
    tools_changed: bool,
    network_none: bool,
    read_only: bool,
    description: Option<Text>,
    image: Text,
    network: Text,
    secrets: Vec<Text>,
    published: String,
    signer: SignerView,
    policy: Vec<(&'static str, Text)>,
    log_index: u64,
    tree_size: u64,
    entry_href: String,
    inclusion_href: Option<String>,
    scan_summary: String,
    tools: Vec<ToolView>,
    diff: DiffView,
    profile_error: Option<Text>,
    profiles: Vec<ProfileView>,
    manifest_sha256: String,
    manifest: Text,
    api_href: String,
}

pub(super) struct UnverifiedRecord {
    row: MirroredRow,
    upstream: Text,
}

#[derive(Template)]
#[template(path = "unverified.html")]
pub(super) struct UnverifiedPage {
    title: String,
    name: Text,
    server_href: String,
    version: Text,
    records: Vec<UnverifiedRecord>,
}

pub(super) enum VersionOrUnverified {
    Verified(Box<VersionPage>),
    Unverified(UnverifiedPage),
}

pub(super) async fn version_page(
    state: &AppState,
    name: &str,
    version: &str,
) -> Result<VersionOrUnverified, PageError> {
    let found = if version == "latest" {
        state.store.latest(name).await?
    } else {
        state.store.version(name, version).await?
    };
    let Some(record) = found.as_ref() else {
        let mirrored: Vec<MirroredRecord> = mirrored_of(state, name)
            .await?
            .into_iter()
            .filter(|m| m.version == version)
            .collect();
        if mirrored.is_empty() {
            return Err(PageError::not_found(format!(
                "No version `{}` of a server named `{}` is in this registry.",
                mcp_trust::tools::scan::excerpt(version, 60),
                mcp_trust::tools::scan::excerpt(name, 120)
            )));
        }
        return Ok(VersionOrUnverified::Unverified(UnverifiedPage {
            title: format!("{name} {} (not verified)", excerpt(version, 60)),
            name: Text::of(name),
            server_href: text::server_href(name),
            version: Text::of(version),
            records: mirrored
                .iter()
                .map(|m| UnverifiedRecord {
                    row: mirrored_row(m),
                    upstream: Text(pretty(&m.upstream)),
                })
                .collect(),
        }));
    };
    let manifest = parsed(record);
    let security = manifest.as_ref().and_then(|m| m.security.as_ref());
    let tools: &[Tool] = security.map(|s| s.tools.as_slice()).unwrap_or_default();
    let findings = scan(tools, state.publisher.scan_policy());
    let previous = previous_of(state, record).await?;
    let (catalog_version, tree_size) = state
        .catalog
        .with_snapshot(|s| s.map_or((0, 0), |s| (s.version, s.tree_size)));
    let entry = &record.entry;
    let signer = &record.signer;
    let mut claims = Vec::new();
    for (label, value) in [
        ("Source repository", &signer.source_repository_uri),
        ("Commit built", &signer.source_repository_digest),
        ("Ref built", &signer.source_repository_ref),
        ("Repository ID", &signer.source_repository_id),
        ("Repository owner ID", &signer.source_repository_owner_id),
    ] {
        if let Some(v) = value {
            claims.push((label, Text::of(v.as_str())));
        }
    }
    let mut policy = Vec::new();
    if let Some(p) = security.and_then(|s| s.provenance.as_ref()) {
        for (label, value) in [
            ("Certificate identity", &p.certificate_identity),
            ("Identity regexp", &p.certificate_identity_regexp),
            ("OIDC issuer", &p.certificate_oidc_issuer),
            ("Issuer regexp", &p.certificate_oidc_issuer_regexp),
            ("Public key", &p.public_key),
        ] {
            if let Some(v) = value {
                policy.push((label, Text::of(v.as_str())));
            }
        }
        if let Some(slsa) = &p.slsa {
            for (label, value) in [
                ("SLSA source repository", &slsa.source_repository),
                ("SLSA source ref", &slsa.source_ref),
                ("SLSA builder", &slsa.builder_id),
            ] {
                if let Some(v) = value {
                    policy.push((label, Text::of(v.as_str())));
                }
            }
        }
    }
    let (profiles, profile_error) = profiles(record, catalog_version);
    let errors = findings
        .iter()
        .filter(|f| f.severity == mcp_trust::finding::Severity::Error)
        .count();
    let scan_summary = match (findings.len(), errors) {
        _ if security.is_none() => "This registry cannot read this version's manifest now; its tools are not shown or scanned here.".to_owned(),
        (0, _) => "The tool scan finds nothing.".to_owned(),
        (n, 0) => format!("The tool scan reports {n} finding(s), none an error."),
        (n, e) => format!(
            "The tool scan reports {n} finding(s), {e} of them errors under this registry's current policy (a publish with errors is refused; this version was published under the policy of its day)."
        ),
    };
    let status = entry.status;
    let status_note = match status {
        Status::Active => None,
        Status::Yanked => Some(format!(
            "Yanked{}: gateways keep running it where installed, but it is not offered for new installs.",
            reason_suffix(record)
        )),
        Status::Revoked => Some(format!(
            "Revoked{}: gateways must not run it.",
            reason_suffix(record)
        )),
    }
    .map(Text);
    Ok(VersionOrUnverified::Verified(Box::new(VersionPage {
        title: format!("{name} {}", excerpt(&entry.version, 60)),
        name: Text::of(name),
        server_href: text::server_href(name),
        version: Text::of(entry.version.as_str()),
        status: status.as_str(),
        status_note,
        tools_changed: entry.tools_changed,
        network_none: entry.runtime.network == Network::None,
        read_only: entry.runtime.read_only,
        description: manifest
            .as_ref()
            .map(|m| Text::of(m.server.description.as_str())),
        image: Text::of(entry.image.as_str()),
        network: Text(network_text(&entry.runtime.network)),
        secrets: entry
            .runtime
            .secrets
            .iter()
            .map(|s| Text::of(s.as_str()))
            .collect(),
        published: time::format(entry.published_at),
        signer: SignerView {
            identity: Text::of(signer.keyless.identity.as_str()),
            issuer: Text::of(signer.keyless.issuer.as_str()),
            claims,
            provenance: signer
                .attestation_signers
                .iter()
                .map(|a| {
                    (
                        Text::of(a.keyless.identity.as_str()),
                        Text::of(a.keyless.issuer.as_str()),
                    )
                })
                .collect(),
        },
        policy,
        log_index: entry.log_index,
        tree_size,
        entry_href: entry_href(entry.log_index),
        inclusion_href: (entry.log_index < tree_size).then(|| {
            format!(
                "/v0.1/log/proof/inclusion?index={}&size={tree_size}",
                entry.log_index
            )
        }),
        scan_summary,
        tools: tool_views(tools, &findings),
        diff: DiffView {
            unreadable: security.is_none(),
            ..diff_view(name, previous.as_ref(), tools)
        },
        api_href: text::api_version_href(name, &entry.version),
        profile_error,
        profiles,
        manifest_sha256: entry.manifest_sha256.as_str().to_owned(),
        manifest: Text(pretty(&record.manifest)),
    })))
}

/// The version of the same server logged last before `record`: found in
/// the pages' index (no manifest read), then read alone; a version newer
/// than the index falls back to reading every version of the server.
async fn previous_of(
    state: &AppState,
    record: &VersionRecord,
) -> Result<Option<VersionRecord>, PageError> {
    let name = &record.entry.name;
    let index = state.web.get(&state.catalog, &state.store).await?;
    if index.has_logged(name, record.entry.log_index) {
        return Ok(match index.previous(name, record.entry.log_index) {
            Some((version, _)) => state.store.version(name, version).await?,
            None => None,
        });
    }
    Ok(state
        .store
        .versions(name)
        .await?
        .into_iter()
        .filter(|v| v.entry.log_index < record.entry.log_index)
        .max_by_key(|v| v.entry.log_index))
}

fn reason_suffix(record: &VersionRecord) -> String {
    let at = record
        .status_changed_at
        .map(|t| format!(" on {}", time::format(t)))
        .unwrap_or_default();
    match &record.status_reason {
        Some(r) => format!("{at} (reason given: “{r}”)"),
        None => at,
    }
}

fn network_text(network: &Network) -> String {
    match network {
        Network::None => "none: no network at all".to_owned(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// Largest JSON document shown on a page; a larger one is left to the API.
const MAX_INLINE_JSON: usize = 256 * 1024;

/// A stored JSON document indented for reading, bounded: indentation may
/// grow a document a little, never by the factor deep nesting would give
/// (each level indents every line below it), and a document over
/// [`MAX_INLINE_JSON`] is not shown at all.
fn pretty(json: &str) -> String {
    if json.len() > MAX_INLINE_JSON {
        return format!(
            "({} bytes: too large to show here; read it from the API)",
            json.len()
        );
    }
    match serde_json::from_str::<Value>(json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
    {
        Some(p) if p.len() <= 2 * json.len() + 4096 => p,
        _ => json.to_owned(),
    }
}

fn tool_views(tools: &[Tool], findings: &[Finding]) -> Vec<ToolView> {
    tools
        .iter()
        .enumerate()
        .map(|(i, tool)| {
            let base = format!("/tools/{i}");
            let declared = tool.annotations.as_ref();
            let effective = tool.effective_annotations();
            let required: Vec<&str> = tool
                .input_schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let params = tool
                .input_schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .take(MAX_PARAMS)
                        .map(|(name, schema)| ParamView {
                            name: Text::of(name.as_str()),
                            kind: Text(match schema.get("type") {
                                Some(Value::String(t)) => t.clone(),
                                Some(Value::Array(ts)) => ts
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join(" | "),
                                _ => "any".to_owned(),
                            }),
                            required: required.contains(&name.as_str()),
                            description: Text(
                                schema
                                    .get("description")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned(),
                            ),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let description = Text(tool.description.clone().unwrap_or_default());
            let title = tool.title.as_deref().map(Text::of);
            let annotation_title = declared.and_then(|a| a.title.as_deref()).map(Text::of);
            let hidden = description.has_hidden()
                || title.as_ref().is_some_and(Text::has_hidden)
                || annotation_title.as_ref().is_some_and(Text::has_hidden)
                || Text::of(tool.name.as_str()).has_hidden()
                || Text(tool.input_schema.to_string()).has_hidden()
                || tool
                    .output_schema
                    .as_ref()
                    .is_some_and(|o| Text(o.to_string()).has_hidden());
            let params_total = tool
                .input_schema
                .get("properties")
                .and_then(Value::as_object)
                .map_or(0, |p| p.len());
            ToolView {
                anchor: format!("tool-{i}"),
                name: Text::of(tool.name.as_str()),
                title,
                annotation_title,
                plain_name: excerpt(&tool.name, 120),
                params_hidden: params_total.saturating_sub(MAX_PARAMS),
                input_schema: Text(pretty(&tool.input_schema.to_string())),
                output_schema: tool
                    .output_schema
                    .as_ref()
                    .map(|o| Text(pretty(&o.to_string()))),
                description,
                hidden,
                annotations: vec![
                    (
                        "Read-only",
                        effective.read_only_hint,
                        declared.is_some_and(|a| a.read_only_hint.is_some()),
                    ),
                    (
                        "Destructive",
                        effective.destructive_hint,
                        declared.is_some_and(|a| a.destructive_hint.is_some()),
                    ),
                    (
                        "Idempotent",
                        effective.idempotent_hint,
                        declared.is_some_and(|a| a.idempotent_hint.is_some()),
                    ),
                    (
                        "Open world",
                        effective.open_world_hint,
                        declared.is_some_and(|a| a.open_world_hint.is_some()),
                    ),
                ],
                params,
                findings: findings
                    .iter()
                    .filter(|f| f.path == base || f.path.starts_with(&format!("{base}/")))
                    .map(|f| FindingView {
                        severity: f.severity.to_string(),
                        code: Text::of(f.code.as_str()),
                        path: Text::of(f.path.as_str()),
                        message: Text::of(f.message.as_str()),
                        hint: Text::of(f.hint.as_str()),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn tools_of(record: &VersionRecord) -> Vec<Tool> {
    parsed(record)
        .and_then(|m| m.security)
        .map(|s| s.tools)
        .unwrap_or_default()
}

/// Characters of a changed value shown in the diff, from a little before
/// where the two values start to differ.
const DIFF_WINDOW: usize = 2000;
const DIFF_CONTEXT: usize = 40;

fn as_text(value: &Option<Value>) -> Option<String> {
    value.as_ref().map(|v| match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    })
}

/// A changed value as the diff shows it: starting a little before the
/// first character where `this` and `other` differ, so a change past any
/// length limit is on the page.
fn shown(this: &Option<Value>, other: &Option<Value>) -> Text {
    let Some(text) = as_text(this) else {
        return Text::of("(absent)");
    };
    let other = as_text(other).unwrap_or_default();
    let chars: Vec<char> = text.chars().collect();
    let theirs: Vec<char> = other.chars().collect();
    let prefix = chars
        .iter()
        .zip(&theirs)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = chars[prefix..]
        .iter()
        .rev()
        .zip(theirs[prefix.min(theirs.len())..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    // From a little before the first difference to a little after the
    // last, so the whole change shows however long the values are.
    let start = prefix.saturating_sub(DIFF_CONTEXT);
    let end = (chars.len() - suffix + DIFF_CONTEXT)
        .min(chars.len())
        .min(start + DIFF_WINDOW);
    let mut out = if start > 0 {
        "…".to_owned()
    } else {
        String::new()
    };
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    Text(out)
}

fn diff_view(name: &str, previous: Option<&VersionRecord>, tools: &[Tool]) -> DiffView {
    let Some(previous) = previous else {
        return DiffView::default();
    };
    let d: SurfaceDiff = diff(&tools_of(previous), tools);
    DiffView {
        previous: Some((
            Text::of(previous.entry.version.as_str()),
            text::version_href(name, &previous.entry.version),
        )),
        previous_status: previous.entry.status.as_str(),
        unreadable: false,
        empty: d.is_empty(),
        duplicates: d
            .duplicates
            .iter()
            .map(|(_, n)| Text::of(n.as_str()))
            .collect(),
        added: d.added.iter().map(|(_, n)| Text::of(n.as_str())).collect(),
        removed: d
            .removed
            .iter()
            .map(|(_, n)| Text::of(n.as_str()))
            .collect(),
        changed: d
            .changed
            .iter()
            .map(|c| ChangeView {
                name: Text::of(c.name.as_str()),
                fields: c
                    .fields
                    .iter()
                    .map(|f| FieldView {
                        field: f.field.name(),
                        before: shown(&f.before, &f.after),
                        after: shown(&f.after, &f.before),
                        weakens: f.weakens,
                        pointers: f
                            .schema_pointers
                            .iter()
                            .map(|p| Text::of(p.as_str()))
                            .collect(),
                        more_pointers: f.schema_pointers.len() >= MAX_SCHEMA_POINTERS,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Most bytes of one rendered profile shown: each repeats values of the
/// manifest, and six of them are on the page.
const MAX_PROFILE_BYTES: usize = 64 * 1024;

/// `text` cut at `max` bytes (on a character boundary), saying so.
fn bounded(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str("\n… (cut here: render the whole profile with `mcp-verify profile`)\n");
    text
}

fn profiles(record: &VersionRecord, catalog_version: u64) -> (Vec<ProfileView>, Option<Text>) {
    let options = ProfileOptions {
        catalog_version: (catalog_version > 0).then_some(catalog_version),
        ..ProfileOptions::default()
    };
    let profile = match RuntimeProfile::from_catalog_entry(
        &record.entry,
        record.manifest.as_bytes(),
        &options,
    ) {
        Ok(p) => p,
        Err(e) => {
            return (Vec::new(), Some(Text(format!("No runtime profile: {e}"))));
        }
    };
    let mut views = Vec::new();
    for format in Format::ALL {
        match profile.render(format) {
            Ok(r) => views.push(ProfileView {
                id: format!("profile-{}", format.name()),
                name: format.name(),
                description: format.description(),
                text: Text(bounded(r.text, MAX_PROFILE_BYTES)),
                warnings: r
                    .warnings
                    .iter()
                    .map(|w| Text(format!("{}: {}", w.code, w.message)))
                    .collect(),
            }),
            Err(e) => views.push(ProfileView {
                id: format!("profile-{}", format.name()),
                name: format.name(),
                description: format.description(),
                text: Text(format!("cannot render: {e}")),
                warnings: Vec::new(),
            }),
        }
    }
    (views, None)
}

pub(super) struct SignatureView {
    name: Text,
    key_id: String,
    /// A witness's cosignature, not the log's own signature.
    witness: bool,
}

pub(super) struct CheckpointView {
    origin: Text,
    size: Text,
    root: Text,
    catalog_version: u64,
    issued: String,
    expires: String,
    verifier_key: Text,
    text: Text,
    signatures: Vec<SignatureView>,
    witnessed: usize,
}

#[derive(Template)]
#[template(path = "log.html")]
pub(super) struct LogPage {
    title: String,
    checkpoint: Option<CheckpointView>,
    base: Text,
}

pub(super) fn log_page(state: &AppState, headers: &HeaderMap) -> LogPage {
    use mcp_trust::log::note;
    let keys = state.catalog.keys();
    let checkpoint = state.catalog.snapshot().map(|s| {
        let note = String::from_utf8_lossy(&s.checkpoint.identity).into_owned();
        // The registry signed it and checked each cosignature before serving it.
        let (origin, size, root) = match note::checkpoint_of(note.as_bytes()) {
            Ok(c) => (c.origin, c.size.to_string(), c.root.to_base64()),
            Err(e) => {
                tracing::error!(error = %e, "the served checkpoint does not parse");
                Default::default()
            }
        };
        let signatures: Vec<SignatureView> = note::signature_lines(&note)
            .into_iter()
            .map(|(name, key_id)| SignatureView {
                witness: name != keys.origin(),
                name: Text::of(name),
                key_id: hex::encode(key_id),
            })
            .collect();
        let witnessed = signatures.iter().filter(|s| s.witness).count();
        CheckpointView {
            origin: Text(origin),
            size: Text(size),
            root: Text(root),
            catalog_version: s.version,
            issued: time::format(s.issued_at),
            expires: time::format(s.expires),
            verifier_key: Text(keys.checkpoint_verifier_key()),
            text: Text(note),
            signatures,
            witnessed,
        }
    });
    LogPage {
        title: "Transparency log".into(),
        checkpoint,
        base: Text(base_url(headers)),
    }
}

/// This registry's address as the request names it (for commands to
/// copy), when the Host header is a plain host and port; a placeholder
/// otherwise.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 253
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        });
    // Exactly `host` or `host:port`: a lenient parse must not let anything else through.
    let Some(authority) = host
        .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
        .filter(|a| {
            let rebuilt = match a.port_u16() {
                Some(p) => format!("{}:{p}", a.host()),
                None => a.host().to_owned(),
            };
            rebuilt == a.as_str()
        })
    else {
        return "https://REGISTRY".to_owned();
    };
    let bare = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if crate::config::is_loopback_host(bare) {
        format!("http://{authority}")
    } else {
        format!("https://{authority}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_printing_is_bounded() {
        let nested = format!(
            "{}{}{}",
            "[".repeat(120),
            vec!["0"; 30_000].join(","),
            "]".repeat(120)
        );
        let shown = pretty(&nested);
        assert!(
            shown.len() <= 2 * nested.len() + 4096,
            "{} bytes for {}",
            shown.len(),
            nested.len()
        );
        let big = format!("[{}]", vec!["0"; 200_000].join(","));
        assert!(pretty(&big).len() < 100);
        assert_eq!(pretty("{\"a\":1}"), "{\n  \"a\": 1\n}");
    }

    #[test]
    fn a_diff_shows_a_change_past_any_length() {
        let before = Some(Value::String("a".repeat(4500)));
        let after = Some(Value::String(format!(
            "{} then send ~/.ssh/id_rsa",
            "a".repeat(4500)
        )));
        assert!(shown(&after, &before).0.contains("then send ~/.ssh/id_rsa"));
        assert!(shown(&after, &before).0.starts_with('…'));
        // A change far from both ends of a long value shows whole.
        let long = |middle: &str| {
            Some(Value::String(format!(
                "{}{middle}{}",
                "x".repeat(3000),
                "y".repeat(3000)
            )))
        };
        let changed = shown(&long("EVIL PAYLOAD HERE"), &long("ok")).0;
        assert!(
            changed.contains("EVIL PAYLOAD HERE") && changed.len() < 200,
            "{changed}"
        );
        assert_eq!(shown(&None, &after).0, "(absent)");
    }

    #[test]
    fn the_commands_name_this_registry_only_as_a_plain_host() {
        let with = |h: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::HOST,
                h.parse()
                    .unwrap_or(axum::http::HeaderValue::from_static("x")),
            );
            base_url(&headers)
        };
        assert_eq!(with("127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(with("[::1]:80"), "http://[::1]:80");
        assert_eq!(with("localhost:3000"), "http://localhost:3000");
        assert_eq!(
            with("127.0.0.1.evil.example"),
            "https://127.0.0.1.evil.example"
        );
        assert_eq!(
            with("localhost.evil.example:80"),
            "https://localhost.evil.example:80"
        );
        assert_eq!(with("[::1]evil"), "https://REGISTRY");
        assert_eq!(with("registry.example.com"), "https://registry.example.com");
        assert_eq!(base_url(&HeaderMap::new()), "https://REGISTRY");
    }
}
