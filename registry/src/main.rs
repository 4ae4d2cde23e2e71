//! `mcp-registry`: reads the configuration, then serves or runs an admin
//! command. Everything else lives in the library.

use anyhow::Context;
use clap::CommandFactory;
use mcp_registry::config::{self, Command};
use mcp_registry::server::{self, ServerOptions};
use mcp_registry::state::AppState;
use mcp_registry::verify::{ImageVerifier, SigstoreVerifier};
use mcp_registry::{admin, router, signer, store};
use mcp_trust::signature::TrustRoot;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    // Before any thread starts: a bounded number of malloc arenas and a
    // fixed mmap threshold, so memory freed after a large signing does not
    // stay resident in the arena of the thread that signed (docs/performance.md).
    // Settings the operator gives glibc in the environment win.
    let operator_set = config::malloc_set_by_environment();
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let tuned = !operator_set
        && malloc_tune::tune_for_server(u32::try_from(cores.max(2)).unwrap_or(2), 256 * 1024);
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    tracing::debug!(tuned, "malloc arenas and mmap threshold set");
    let (cli, env) = config::from_process();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli, env)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn run(cli: config::Cli, env: config::Environment) -> anyhow::Result<()> {
    match &cli.command {
        Command::Completions { shell } => {
            let mut command = config::Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "mcp-registry", &mut script);
            print_result(&script)
        }
        Command::Man { dir: Some(dir) } => clap_mangen::generate_to(config::Cli::command(), dir)
            .with_context(|| format!("cannot write the manual pages into {}", dir.display())),
        Command::Man { dir: None } => {
            let mut page = Vec::new();
            clap_mangen::Man::new(config::Cli::command())
                .render(&mut page)
                .context("cannot render the manual page")?;
            print_result(&page)
        }
        Command::Serve(args) => {
            let config = config::serve(&cli, args, env)?;
            serve(config).await
        }
        Command::Sync(_) => {
            let Command::Sync(command) = &cli.command else {
                unreachable!()
            };
            sync(&cli, command, env).await
        }
        Command::Witness(config::WitnessCommand::Init { dir, name }) => {
            let vkey = mcp_registry::witness::init(dir, name)?;
            eprintln!(
                "witness key written to {}; give gateways this verifier key:",
                dir.join(mcp_registry::witness::KEY_FILE).display()
            );
            print_result(format!("{vkey}\n").as_bytes())
        }
        Command::Witness(config::WitnessCommand::Serve {
            dir,
            logs,
            listen,
            max_connections,
        }) => {
            let logs = logs
                .iter()
                .map(|v| mcp_trust::log::witness::FollowedLog::parse(v))
                .collect::<Result<Vec<_>, _>>()?;
            let witness = Arc::new(mcp_registry::witness::Witness::open(dir, logs)?);
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(%listen, vkey = %witness.vkey(), "witness serving");
            let options = ServerOptions {
                header_timeout: std::time::Duration::from_secs(10),
                shutdown_grace: std::time::Duration::from_secs(10),
                max_connections: usize::try_from(*max_connections).unwrap_or(usize::MAX),
                // A witness's clients are a few registries.
                max_connections_per_ip: 0,
                uncapped: std::sync::Arc::new([]),
            };
            server::serve_router(
                listener,
                mcp_registry::witness::router(witness),
                options,
                shutdown_signal(),
            )
            .await;
            Ok(())
        }
        Command::Admin(config::AdminCommand::Keys(_)) => {
            let Command::Admin(config::AdminCommand::Keys(command)) = cli.command else {
                unreachable!()
            };
            print_result(mcp_registry::keys::run(command, jiff::Timestamp::now())?.as_bytes())
        }
        Command::Admin(_) => {
            let (store_config, _) = config::store(&cli, env)?;
            let store = store::open(&store_config)
                .await
                .context("cannot open the store")?;
            let Command::Admin(command) = cli.command else {
                unreachable!()
            };
            // A new token is shown once: when it cannot be, that is an error.
            let secret = matches!(
                &command,
                config::AdminCommand::Token(
                    config::TokenCommand::Create(_) | config::TokenCommand::Rotate(_)
                )
            );
            let text = admin::run_cli(command, store.as_ref()).await?;
            if secret {
                print_secret(&text)
            } else {
                print_result(text.as_bytes())
            }
        }
    }
}

/// Prints a command's result. A reader that went away (`… | head`) is not
/// an error: the rest is dropped and the command's own outcome stands; any
/// other write error is reported.
fn print_result(text: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// Prints a new token, which exists nowhere else: a reader that went away
/// is an error like any other, naming what to do.
fn print_secret(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context(
            "the new token could not be written to stdout and is lost; revoke it by the id printed on stderr (`admin token revoke ID`) and create another",
        )
}

/// `mcp-registry sync …`: exit 0 when every candidate was stored or
/// mirrored, 1 when the source was not read to the end or a candidate
/// failed for a passing cause (run it again).
async fn sync(
    cli: &config::Cli,
    command: &config::SyncCommand,
    env: config::Environment,
) -> anyhow::Result<()> {
    use config::{OutputFormat, SyncCommand};
    use mcp_registry::sync::{Report, Sync};
    if let SyncCommand::List(args) = command {
        let (store_config, _) = config::store(cli, env)?;
        let store = store::open(&store_config)
            .await
            .context("cannot open the store")?;
        let prefix = args
            .namespace
            .as_deref()
            .map_or_else(String::new, |ns| format!("{ns}/"));
        // Page by page, however large the tier.
        let json = args.output.output == OutputFormat::Json;
        let mut after: Option<(String, String, String)> = None;
        let mut count = 0;
        print_result(if json { b"[" } else { b"" })?;
        loop {
            let page = store
                .mirrored(
                    &prefix,
                    after
                        .as_ref()
                        .map(|(n, v, s)| (n.as_str(), v.as_str(), s.as_str())),
                    500,
                )
                .await?;
            let Some(last) = page.last() else { break };
            after = Some((last.name.clone(), last.version.clone(), last.source.clone()));
            let mut text = String::new();
            for record in &page {
                match json {
                    true => {
                        text.push_str(if count == 0 { "\n" } else { ",\n" });
                        text.push_str(&serde_json::to_string(record)?);
                    }
                    false => text.push_str(&mcp_registry::sync::mirrored_line(record)),
                }
                count += 1;
            }
            print_result(text.as_bytes())?;
        }
        let end = match json {
            true => "\n]\n".to_owned(),
            false => format!(
                "{count} version(s) in the mirrored tier: not verified here, never in the signed catalog\n"
            ),
        };
        return print_result(end.as_bytes());
    }
    if let SyncCommand::Close(args) = command {
        let (store_config, _) = config::store(cli, env)?;
        let store = store::open(&store_config)
            .await
            .context("cannot open the store")?;
        // A source is closed as it was opened (its label) or as it is
        // spelt now: a file renamed or gone can still be closed.
        let sources: Vec<String> = args
            .from
            .iter()
            .flat_map(|f| {
                let mut names = vec![f.clone()];
                names.extend(mcp_registry::sync::source_label(f));
                names
            })
            .collect();
        let opening = mcp_registry::sync::close(
            store,
            &args.namespace,
            &sources,
            mcp_registry::admin::CLI_ACTOR,
        )
        .await?;
        let text = match opening.sources.is_empty() {
            true => format!("{} is closed to every source\n", args.namespace),
            false => format!(
                "{} is open to: {}\n",
                args.namespace,
                opening.sources.join(", ")
            ),
        };
        return print_result(text.as_bytes());
    }
    let common = match command {
        SyncCommand::Official(a) => &a.common,
        SyncCommand::DockerCatalog(a) => &a.common,
        SyncCommand::Toolhive(a) => &a.common,
        SyncCommand::Promote(a) => &a.common,
        SyncCommand::List(_) | SyncCommand::Close(_) => unreachable!(),
    };
    let config = config::sync(cli, &common.verify, env)?;
    let store = store::open(&config.store)
        .await
        .context("cannot open the store")?;
    let verifier = verifier(&config)?;
    let publisher = Arc::new(mcp_registry::publish::Publisher::from_config(
        &config,
        store.clone(),
        verifier,
        None,
    ));
    publisher
        .load_tool_index()
        .await
        .context("cannot index the stored tools for the shadowing check")?;
    let mut syncer = Sync::new(publisher, store).recheck(common.recheck);
    if let Some(n) = common.concurrency {
        syncer = syncer.concurrency(n);
    }
    let report: Report = match command {
        SyncCommand::Official(a) => {
            let limits = mcp_trust::import::official::Limits {
                timeout: std::time::Duration::from_secs(a.timeout_secs.max(1)),
                retries: a.retries,
                ..Default::default()
            };
            syncer = syncer.deadline(std::time::Duration::from_secs(
                a.deadline_minutes.max(1) * 60,
            ));
            syncer.official(&a.url, a.full, limits).await?
        }
        SyncCommand::DockerCatalog(a) => {
            let candidates = mcp_registry::sync::docker_catalog(&a.dir, &a.namespace)
                .map_err(anyhow::Error::msg)?;
            let source = mcp_registry::sync::source_label(&a.dir.display().to_string())
                .map_err(anyhow::Error::msg)?;
            syncer.candidates(&source, candidates, None).await?
        }
        SyncCommand::Toolhive(a) => {
            let bytes = read_capped(
                &a.file,
                mcp_trust::import::upstream::MAX_TOOLHIVE_FILE_BYTES,
            )?;
            let candidates = mcp_trust::import::upstream::toolhive_file(&bytes, &a.namespace)
                .map_err(|e| anyhow::anyhow!("{}: {e}", a.file.display()))?;
            let source = mcp_registry::sync::source_label(&a.file.display().to_string())
                .map_err(anyhow::Error::msg)?;
            syncer.candidates(&source, candidates, None).await?
        }
        SyncCommand::Promote(a) => {
            let binding = match (&a.signer_identity_regexp, &a.signer_issuer) {
                (Some(identity), Some(issuer)) => Some(mcp_registry::model::Namespace {
                    name: a.namespace.clone(),
                    signer_identity_regexp: identity.clone(),
                    signer_issuer: issuer.clone(),
                    source_repository_id: a.source_repository_id.clone(),
                    owner_id: a.owner_id.clone(),
                    created_at: mcp_registry::time::now(),
                }),
                _ => None,
            };
            let sources = a
                .from
                .iter()
                .map(|f| mcp_registry::sync::source_label(f))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            eprintln!("opening {} to: {}", a.namespace, sources.join(", "));
            syncer
                .promote(
                    &a.namespace,
                    &sources,
                    binding,
                    mcp_registry::admin::CLI_ACTOR,
                )
                .await?
        }
        SyncCommand::List(_) | SyncCommand::Close(_) => unreachable!(),
    };
    let text = match common.output {
        OutputFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        OutputFormat::Human => report.human(),
    };
    print_result(text.as_bytes())?;
    if report.complete() {
        Ok(())
    } else {
        anyhow::bail!("the sync did not complete; run it again")
    }
}

/// Reads at most `cap` bytes of `path`, refusing a larger file by name.
fn read_capped(path: &std::path::Path, cap: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > cap {
        anyhow::bail!("{} is over {cap} bytes", path.display());
    }
    Ok(bytes)
}

/// The image verifier `config` describes.
fn verifier(config: &config::ServeConfig) -> anyhow::Result<Arc<dyn ImageVerifier>> {
    let trust_root = match &config.trusted_root {
        Some(path) => {
            let json =
                std::fs::read(path).with_context(|| format!("trusted root {}", path.display()))?;
            TrustRoot::from_json(&json)
                .with_context(|| format!("trusted root {}", path.display()))?
        }
        None => TrustRoot::public_good().context("the embedded public-good trusted root")?,
    };
    Ok(Arc::new(
        SigstoreVerifier::new(
            trust_root,
            &config.allowed_registries,
            &config.insecure_registries,
            config.allow_loopback_registries,
            config.limits.verify_timeout,
        )
        .context("cannot start the image verifier")?,
    ))
}

async fn serve(config: config::ServeConfig) -> anyhow::Result<()> {
    let store = store::open(&config.store)
        .await
        .context("cannot open the store")?;
    let verifier = verifier(&config)?;
    let (catalog, notice) = signer::from_config(&config, store.clone())?;
    if let Some(notice) = notice {
        eprintln!("notice: {notice}");
    }
    tracing::info!(
        root = %catalog.keys().root().keyid(),
        origin = catalog.keys().origin(),
        checkpoint_vkey = %catalog.keys().checkpoint_verifier_key(),
        "catalog keys loaded"
    );
    catalog.spawn();
    if !config.witnesses.is_empty() {
        mcp_registry::witnessing::spawn(
            catalog.clone(),
            config.witnesses.clone(),
            std::time::Duration::from_millis(500),
        );
    }
    reload_keys_on_hangup(catalog.clone(), config.catalog_keys.dir.clone());
    // The tool index loads once the signed catalog is served, or after 30 s
    // whatever the catalog does (a signing that keeps failing must not keep
    // publishes waiting for the index).
    let served = catalog.loaded();
    let catalog_loaded = async move {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), served).await;
    };
    let state = AppState::new(&config, store.clone(), verifier, catalog.clone());
    if let Some((url, every)) = config.sync.clone() {
        mcp_registry::sync::spawn_official(
            mcp_registry::sync::Sync::new(state.publisher.clone(), store),
            catalog.loaded(),
            url,
            every,
        );
    }
    // Held from here until loaded: publishes wait for it, reads do not.
    state
        .publisher
        .load_tool_index_in_background(catalog_loaded)
        .await;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(listen = %config.listen, "mcp-registry serving");
    let options = ServerOptions {
        header_timeout: config.limits.header_timeout,
        shutdown_grace: config.limits.shutdown_grace,
        max_connections: config.limits.max_connections,
        max_connections_per_ip: config.limits.max_connections_per_ip,
        uncapped: config.trusted_proxies.clone().into(),
    };
    server::serve(listener, router::router(state), options, shutdown_signal()).await;
    Ok(())
}

/// On SIGHUP, loads the catalog keys again (after a rotation copied into the
/// key directory); a refused reload keeps the keys in use.
fn reload_keys_on_hangup(catalog: Arc<signer::CatalogService>, dir: std::path::PathBuf) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP: key reload needs a restart");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            match catalog.reload_keys(&dir, jiff::Timestamp::now()) {
                Ok(changed) => tracing::info!(%changed, "catalog keys reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "catalog keys not reloaded; the keys in use stay")
                }
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (catalog, dir);
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        () = term => {},
    }
}
