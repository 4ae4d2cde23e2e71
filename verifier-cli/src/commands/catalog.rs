//! `mcp-verify catalog pull|verify`: fetch a registry's signed catalog (or
//! read a directory of its files) and verify it against a pinned root key,
//! remembering what was accepted so that rollback, freeze, mix-and-match and
//! split view are refused. The checks are `mcp_trust::catalog::client`'s;
//! this reads flags, renders, and maps the outcome to an exit code.

use crate::cli::{OutputArgs, OutputFormat};
use crate::exit::Exit;
use crate::output;
use anyhow::Context;
use clap::{Args, Subcommand};
use jiff::SignedDuration;
use mcp_trust::catalog::client::{
    Client, ClientError, Fetcher, HttpFetcher, Limits, NoShards, Options, Pulled, StateDir,
};
use mcp_trust::catalog::mirror::MirrorFetcher;
use mcp_trust::keys::read_public_key;
use serde::Serialize;
use std::path::PathBuf;

/// `mcp-verify catalog …`
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Fetch the signed catalog from a registry, verify it, and remember it.
    #[command(long_about = PULL_ABOUT, after_help = EXAMPLES)]
    Pull(PullArgs),
    /// Verify a directory holding one catalog snapshot, offline.
    #[command(long_about = VERIFY_ABOUT, after_help = EXAMPLES)]
    Verify(VerifyDirArgs),
}

const PULL_ABOUT: &str = "\
Fetch the signed catalog from a registry and verify it against the pinned root key.

Checked, in order: the key statements are signed by the root key and unexpired; the index \
is signed by the catalog key they delegate, not expired, not issued in the future (both \
within --skew), its version is not lower than the last one accepted and the same version has \
the same bytes; the checkpoint is signed by the checkpoint key and matches the index; the log \
is consistent with the last checkpoint seen (consistency proof) and the new log records \
recompute the new tree; every changed shard matches the hash and size the index names; no \
entry disappeared or changed its published content, statuses only move forward, and every \
change appears in the log.

With --state DIR the accepted catalog is remembered there (state.json and the shards) and \
the next pull fetches only what changed; without it every pull starts from nothing and \
nothing is written. Exit codes: 0 verified; 1 verification failed (the failing check is \
named); 2 usage error or unreadable state or key; 3 the registry could not be reached or \
sent an incomplete or oversized response.";

const VERIFY_ABOUT: &str = "\
Verify a directory holding one catalog snapshot (keys.json, index.json, shards/, \
checkpoint, log/entries.json; see docs/catalog.md), offline, with every check `pull` makes.

With --state DIR the snapshot is also checked against the catalog accepted there (rollback, \
freeze, split view); the state is read, never written. Exit codes as for `pull`.";

const EXAMPLES: &str = "Examples:
  mcp-verify catalog pull https://registry.example.com --keys root.pub --state /var/lib/gateway/catalog
  mcp-verify catalog pull https://registry.example.com --keys root.pub --state ./state --output json
  mcp-verify catalog verify ./snapshot --keys root.pub";

/// Flags shared by `pull` and `verify`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The registry's root public key (PEM), pinned out of band.
    #[arg(long = "keys", value_name = "ROOT_PUB")]
    pub keys: PathBuf,
    /// Directory where the last accepted catalog is remembered.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Clock-skew tolerance in seconds, applied to every expiry and issue time.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub skew: u32,
}

/// Arguments of `catalog pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Base URL of the registry (`https://host[:port]`); paths under /v0.1/ are added.
    #[arg(value_name = "URL")]
    pub url: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Deadline for each request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `catalog verify`.
#[derive(Debug, Args)]
pub struct VerifyDirArgs {
    /// The snapshot directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The JSON document of a run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Where the catalog came from.
    pub source: String,
    /// True when every check passed.
    pub verified: bool,
    /// The failing check, when one failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<&'static str>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True for a first pull (nothing remembered): no changes are listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial: Option<bool>,
    /// Figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<mcp_trust::catalog::client::Summary>,
    /// Changes since the remembered catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<mcp_trust::catalog::client::CatalogChange>>,
    /// True when the state directory was updated.
    pub state_updated: bool,
}

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
        ..Options::default()
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
        OutputFormat::Json => println!("{}", output::json::to_string(&report)?),
        OutputFormat::Human => match &outcome {
            Ok(pulled) => print!(
                "{}",
                output::human::catalog_pulled(source, pulled, state_updated)
            ),
            Err(e) => print!("{}", output::human::catalog_refused(source, e)),
        },
    }
    Ok(match outcome {
        Ok(_) => Exit::Ok,
        Err(e) if e.is_fetch() => Exit::Unreachable,
        Err(_) => Exit::Failed,
    })
}

fn report(source: &str, outcome: &Result<Pulled, ClientError>, state_updated: bool) -> Report {
    match outcome {
        Ok(p) => Report {
            source: source.to_owned(),
            verified: true,
            stage: None,
            error: None,
            initial: Some(p.initial),
            summary: Some(p.summary.clone()),
            changes: Some(p.changes.clone()),
            state_updated,
        },
        Err(e) => Report {
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
