//! `mcp-verify catalog pull|verify`: fetch a registry's signed catalog (or
//! read a directory of its files) and verify it against a pinned root key,
//! remembering what was accepted so that rollback, freeze, mix-and-match and
//! split view are refused. The checks are `mcp_trust::catalog::client`'s;
//! this reads flags, renders, and maps the outcome to an exit code.

use crate::cli::catalog::{CatalogCommand, TrustArgs};
use crate::cli::output::OutputFormat;
use crate::exit::Exit;
use crate::output;
use crate::progress::Progress;
use crate::report::CatalogReport;
use anyhow::Context;
use jiff::SignedDuration;
use mcp_trust::catalog::client::{
    Client, ClientError, FetchError, Fetched, Fetcher, HttpFetcher, Limits, NoShards, Options,
    Pulled, Resource, StateDir,
};
use mcp_trust::catalog::mirror::MirrorFetcher;
use mcp_trust::keys::read_public_key;

/// Runs `catalog …`.
pub fn run(command: &CatalogCommand) -> anyhow::Result<Exit> {
    match command {
        CatalogCommand::Pull(args) => {
            let fetcher = HttpFetcher::new(&args.url, std::time::Duration::from_secs(args.timeout))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            check(&args.url, fetcher, &args.trust, true, args.output.output)
        }
        CatalogCommand::Verify(args) => {
            if !args.dir.is_dir() {
                anyhow::bail!("{} is not a directory", args.dir.display());
            }
            let fetcher = MirrorFetcher::new(&args.dir, Limits::default().page_records);
            let source = args.dir.display().to_string();
            check(&source, fetcher, &args.trust, false, args.output.output)
        }
        CatalogCommand::Export(args) => super::export::run(args),
    }
}

/// A fetcher that counts the shards and log pages it fetched as progress.
struct Counted<'a, F> {
    inner: F,
    progress: &'a Progress,
}

impl<F: Fetcher> Fetcher for Counted<'_, F> {
    fn fetch(
        &self,
        resource: &Resource,
        cap: u64,
        if_none_match: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let fetched = self.inner.fetch(resource, cap, if_none_match);
        match resource {
            Resource::Shard(_) | Resource::Entries { .. } => {
                self.progress.inc(&resource.describe());
            }
            _ => {}
        }
        fetched
    }
}

fn check<F: Fetcher>(
    source: &str,
    fetcher: F,
    trust: &TrustArgs,
    commit: bool,
    format: OutputFormat,
) -> anyhow::Result<Exit> {
    let root = read_public_key(&trust.keys).context("the pinned root key")?;
    let state_dir = trust.state.as_ref().map(StateDir::open).transpose()?;
    // One pull at a time per state directory, from load to commit.
    let _lock = state_dir.as_ref().map(StateDir::lock).transpose()?;
    let previous = match &state_dir {
        Some(s) => s.load()?,
        None => None,
    };
    let options = Options {
        skew: SignedDuration::from_secs(i64::from(trust.skew)),
        witnesses: witness_policy(trust)?,
        ..Options::default()
    };
    let progress = Progress::new("fetching", None, trust.quiet);
    let fetcher = Counted {
        inner: fetcher,
        progress: &progress,
    };
    let client = Client::new(fetcher, root, options);
    let outcome = match &state_dir {
        Some(s) => client.pull(previous.as_ref(), s),
        None => client.pull(None, &NoShards),
    };
    let mut state_updated = false;
    if let (Ok(pulled), Some(s), true) = (&outcome, &state_dir, commit) {
        s.commit(pulled)?;
        state_updated = true;
    }
    if let Err(ClientError::State(reason)) = &outcome {
        anyhow::bail!("client state: {reason}");
    }
    let report = report(source, &outcome, state_updated);
    match format {
        OutputFormat::Json => output::stdout::println(output::json::to_string(&report)?)?,
        OutputFormat::Human => match &outcome {
            Ok(pulled) => {
                output::stdout::print(output::human::catalog_pulled(source, pulled, state_updated))?
            }
            Err(e) => output::stdout::print(output::human::catalog_refused(source, e))?,
        },
    }
    Ok(match outcome {
        Ok(_) => Exit::Ok,
        Err(e) if e.is_fetch() => Exit::Unreachable,
        Err(_) => Exit::Failed,
    })
}

fn report(
    source: &str,
    outcome: &Result<Pulled, ClientError>,
    state_updated: bool,
) -> CatalogReport {
    match outcome {
        Ok(p) => CatalogReport {
            source: source.to_owned(),
            verified: true,
            stage: None,
            error: None,
            initial: Some(p.initial),
            summary: Some(p.summary.clone()),
            changes: Some(p.changes.clone()),
            state_updated,
        },
        Err(e) => CatalogReport {
            source: source.to_owned(),
            verified: false,
            stage: Some(e.stage()),
            error: Some(e.to_string()),
            initial: None,
            summary: None,
            changes: None,
            state_updated: false,
        },
    }
}

/// The witness policy of `--witness` and `--witness-threshold`, when given.
fn witness_policy(
    trust: &TrustArgs,
) -> anyhow::Result<Option<mcp_trust::catalog::client::WitnessPolicy>> {
    if trust.witnesses.is_empty() {
        return Ok(None);
    }
    let keys = trust
        .witnesses
        .iter()
        .map(|v| mcp_trust::log::cosignature::WitnessKey::parse(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--witness: {e}"))?;
    let threshold = trust.witness_threshold.unwrap_or(keys.len());
    mcp_trust::catalog::client::WitnessPolicy::new(keys, threshold)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("--witness-threshold: {e}"))
}
