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
        CatalogCommand::Monitor(args) => monitor(args),
    }
}

/// `catalog monitor`: a pull, then the publisher's alerts.
fn monitor(args: &crate::cli::catalog::MonitorArgs) -> anyhow::Result<Exit> {
    use mcp_trust::catalog::monitor::{self, Policy};
    let policy =
        Policy::new(&args.namespace, &args.identity, &args.issuer).map_err(anyhow::Error::msg)?;
    if args.trust.witnesses.is_empty() {
        eprintln!(
            "warning: without --witness, a registry can show this monitor a log other than the one gateways get; pin witnesses to make that visible"
        );
    }
    let Some(state_path) = &args.trust.state else {
        anyhow::bail!(
            "give --state DIR: the monitor reports what changed since its last run, which the state remembers"
        );
    };
    let root = read_public_key(&args.trust.keys).context("the pinned root key")?;
    let state_dir = StateDir::open(state_path)?;
    let _lock = state_dir.lock()?;
    let previous = state_dir.load()?;
    let fetcher = HttpFetcher::new(&args.url, std::time::Duration::from_secs(args.timeout))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = Options {
        skew: SignedDuration::from_secs(i64::from(args.trust.skew)),
        witnesses: witness_policy(&args.trust)?,
        ..Options::default()
    };
    let client = Client::new(fetcher, root, options.clone());
    let pulled = match client.pull(previous.as_ref(), &state_dir) {
        Ok(pulled) => pulled,
        Err(e) => {
            let report = report(&args.url, &Err(e), false);
            match args.output.output {
                OutputFormat::Json => output::stdout::println(output::json::to_string(&report)?)?,
                OutputFormat::Human => output::stdout::print(format!(
                    "{}: refused at {}: {}\n",
                    args.url,
                    report.stage.unwrap_or_default(),
                    report.error.unwrap_or_default()
                ))?,
            }
            return Ok(if report.stage == Some("fetch") {
                Exit::Unreachable
            } else {
                Exit::Failed
            });
        }
    };
    // The alerts are computed and printed before the state moves on: a
    // monitor killed or cut off mid-report reports the same again next run.
    let entries = pulled.entries(&state_dir)?;
    let before = previous
        .as_ref()
        .map(|p| [&p.catalog_key, &p.checkpoint_key]);
    let alerts = monitor::check(
        &policy,
        pulled.initial,
        &pulled.changes,
        &entries,
        before,
        [&pulled.state.catalog_key, &pulled.state.checkpoint_key],
    );
    match args.output.output {
        OutputFormat::Json => {
            output::stdout::println(output::json::to_string(&serde_json::json!({
                "registry": args.url,
                "catalogVersion": pulled.state.catalog_version,
                "namespace": args.namespace,
                "initial": pulled.initial,
                "alerts": alerts,
            }))?)?
        }
        OutputFormat::Human => {
            let mut text = String::new();
            for a in &alerts {
                let subject = match (&a.name, &a.version) {
                    (Some(n), Some(v)) => format!(" {n} {v}"),
                    _ => String::new(),
                };
                text.push_str(&format!("{}{subject}: {}\n", a.kind, a.detail));
            }
            text.push_str(&format!(
                "{}: catalog version {} verified; {} alert(s) for {}{}\n",
                args.url,
                pulled.state.catalog_version,
                alerts.len(),
                args.namespace,
                if pulled.initial {
                    " (first run: every entry checked)"
                } else {
                    ""
                }
            ));
            output::stdout::print(text)?;
        }
    }
    state_dir.commit(&pulled)?;
    Ok(if alerts.is_empty() {
        Exit::Ok
    } else {
        Exit::Failed
    })
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
    if 2 * threshold <= keys.len() {
        eprintln!(
            "warning: a threshold of {threshold} of {} witnesses does not stop a split view: two forks can each gather {threshold} honest cosignatures; use more than half",
            keys.len()
        );
    }
    mcp_trust::catalog::client::WitnessPolicy::new(keys, threshold)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("--witness-threshold: {e}"))
}
