//! `mcp-verify catalog export`: the catalog accepted in a state directory,
//! written for Docker's MCP gateway, ToolHive or an official-API client. The
//! entries come from the verified state only; each manifest is fetched from
//! the registry and must be the one its entry pins before anything is written.

use crate::cli::catalog::{ExportArgs, ExportFormatArg};
use crate::exit::{Exit, Unreachable};
use anyhow::Context;
use mcp_trust::body::BodyError;
use mcp_trust::catalog::Entry;
use mcp_trust::catalog::client::state::write_atomic;
use mcp_trust::catalog::client::{StateDir, verify_manifest};
use mcp_trust::catalog::export::{ExportFormat, ExportServer, export, latest_active};
use mcp_trust::profile::ProfileOptions;
use serde_json::Value;
use std::io::Write;
use std::time::Duration;

/// Manifests fetched at once: enough to hide each request's round trip,
/// few enough not to look like a flood to the registry's rate limit.
const FETCHES_AT_ONCE: usize = 8;

/// Largest `ServerResponse` read for one manifest: a manifest is at most
/// 1 MiB (the registry's body limit) plus its metadata.
const MAX_ANSWER_BYTES: usize = 2 << 20;

/// A manifest that does not match its signed entry, or a profile refused.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// Runs `catalog export`.
pub fn run(args: &ExportArgs) -> anyhow::Result<Exit> {
    let format = match args.format {
        ExportFormatArg::DockerMcp => ExportFormat::DockerMcp,
        ExportFormatArg::Toolhive => ExportFormat::Toolhive,
        ExportFormatArg::Official => ExportFormat::Official,
    };
    let base = reqwest::Url::parse(args.registry.trim_end_matches('/'))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .with_context(|| {
            format!(
                "--registry {} is not an http(s) URL such as https://registry.example.com",
                args.registry
            )
        })?;
    let state = StateDir::open(&args.state)
        .with_context(|| format!("cannot open the catalog state {}", args.state.display()))?;
    let (catalog_version, entries) = state
        .entries(
            jiff::Timestamp::now(),
            jiff::SignedDuration::from_secs(i64::from(args.skew)),
        )
        .map_err(|e| anyhow::anyhow!("catalog state {}: {e}", args.state.display()))?;
    let entries = latest_active(entries);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fetched = runtime.block_on(fetch_all(
        &base,
        &entries,
        Duration::from_secs(args.timeout),
    ));
    let (servers, unfetchable) = match fetched {
        Ok(fetched) => fetched,
        Err(e) => return refused_or(e),
    };
    let options = ProfileOptions {
        catalog_version: Some(catalog_version),
        allowed_user: args.allow_user,
        ..ProfileOptions::default()
    };
    let written = match export(format, &servers, &options, jiff::Timestamp::now()) {
        Ok(mut written) => {
            written.skipped.extend(unfetchable);
            written
        }
        Err(e) => {
            eprintln!("error: nothing written: {e}");
            return Ok(Exit::Failed);
        }
    };
    // A server no profile can be derived for is left out, and said so even
    // with --quiet: the file lacks it.
    for (server, why) in &written.skipped {
        eprintln!("skipped: {server}: {why}");
    }
    if !args.quiet {
        for (server, w) in &written.warnings {
            if w.severity >= mcp_trust::Severity::Warning {
                eprintln!("{}: {server}: {} [{}]", w.severity, w.message, w.code);
            }
        }
    }
    match &args.to {
        Some(path) => {
            write_atomic(path, written.text.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
            if !args.quiet {
                eprintln!(
                    "wrote {} server(s) of catalog version {catalog_version} as {} to {}{}",
                    written.servers,
                    format.name(),
                    path.display(),
                    if written.skipped.is_empty() {
                        String::new()
                    } else {
                        format!("; {} skipped (above)", written.skipped.len())
                    }
                );
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            // A reader that stops early (`| head`) is not an error.
            if let Err(e) = out
                .write_all(written.text.as_bytes())
                .and_then(|()| out.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e).context("cannot write to stdout");
            }
        }
    }
    Ok(Exit::Ok)
}

fn refused_or(e: anyhow::Error) -> anyhow::Result<Exit> {
    if let Some(refused) = e.downcast_ref::<Refused>() {
        eprintln!("error: nothing written: {refused}");
        Ok(Exit::Failed)
    } else {
        Err(e)
    }
}

/// Each entry's manifest, fetched and checked against the entry; the entries
/// that cannot be fetched by URL, with why.
async fn fetch_all(
    base: &reqwest::Url,
    entries: &[Entry],
    timeout: Duration,
) -> anyhow::Result<(Vec<ExportServer>, Vec<(String, String)>)> {
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .user_agent(concat!("mcp-verify/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot set up the HTTP client")?;
    let mut unreachable = Vec::new();
    let mut fetches = tokio::task::JoinSet::new();
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(FETCHES_AT_ONCE));
    for (position, entry) in entries.iter().enumerate() {
        // `.` and `..` (even as `%2E`) are removed from URL paths by every
        // URL parser, so such a version cannot be fetched by its own URL.
        // The registry refuses them at publish; one from before is left out.
        if [&entry.name, &entry.version]
            .iter()
            .any(|segment| segment.chars().all(|c| c == '.'))
        {
            unreachable.push((
                format!("{} {}", entry.name, entry.version),
                "a version made of dots has no URL of its own".to_owned(),
            ));
            continue;
        }
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|()| anyhow::anyhow!("--registry {base} cannot take a path"))?
            .pop_if_empty()
            .extend(["v0.1", "servers", &entry.name, "versions", &entry.version]);
        let (http, slots, entry) = (http.clone(), slots.clone(), entry.clone());
        fetches.spawn(async move {
            let _slot = slots.acquire_owned().await?;
            let body = get(&http, &url).await?;
            let manifest = manifest_of(&entry, &body)?;
            anyhow::Ok((position, ExportServer { entry, manifest }))
        });
    }
    // The first failure ends the export; the other fetches are dropped with
    // the set.
    let mut servers = Vec::with_capacity(entries.len());
    while let Some(done) = fetches.join_next().await {
        servers.push(done.context("a manifest fetch stopped")??);
    }
    servers.sort_by_key(|(position, _)| *position);
    let servers = servers.into_iter().map(|(_, server)| server).collect();
    Ok((servers, unreachable))
}

/// GETs `url`: its body when the answer is 200, at most [`MAX_ANSWER_BYTES`].
async fn get(http: &reqwest::Client, url: &reqwest::Url) -> anyhow::Result<Vec<u8>> {
    let unreachable = |reason: String| Unreachable(format!("GET {url}: {reason}"));
    let mut response = http
        .get(url.clone())
        .send()
        .await
        .map_err(|e| unreachable(e.without_url().to_string()))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(unreachable(format!(
            "the registry answered {status}; is --registry the registry the catalog was pulled from?"
        ))
        .into());
    }
    match mcp_trust::body::read_capped(&mut response, MAX_ANSWER_BYTES as u64).await {
        Ok(body) => Ok(body),
        Err(BodyError::TooLarge) => Err(unreachable(format!(
            "the answer is larger than {MAX_ANSWER_BYTES} bytes"
        ))
        .into()),
        Err(BodyError::Cut { error, .. }) => {
            Err(unreachable(error.without_url().to_string()).into())
        }
    }
}

/// The manifest in a `ServerResponse`, as bytes, once it is the one `entry` pins.
fn manifest_of(entry: &Entry, body: &[u8]) -> anyhow::Result<Vec<u8>> {
    let refuse = |reason: String| Refused(format!("{} {}: {reason}", entry.name, entry.version));
    // A repeated key anywhere would let two parsers read two manifests.
    mcp_trust::manifest::check_unique_keys(body)
        .map_err(|e| refuse(format!("the registry's answer: {e}")))?;
    let answer: Value = serde_json::from_slice(body)
        .map_err(|e| refuse(format!("the registry's answer is not JSON: {e}")))?;
    let server = answer
        .get("server")
        .filter(|s| s.is_object())
        .ok_or_else(|| refuse("the registry's answer has no `server` object".into()))?;
    let manifest = serde_json::to_vec(server)?;
    verify_manifest(entry, &manifest).map_err(|e| refuse(e.to_string()))?;
    Ok(manifest)
}
