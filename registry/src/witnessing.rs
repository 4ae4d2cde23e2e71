//! The registry's side of witnessing: each new checkpoint goes to the
//! configured witnesses (`c2sp.org/tlog-witness`, `POST /add-checkpoint`
//! with a consistency proof from the size each witness holds), and the
//! checkpoint is served with the cosignatures that came back
//! (`GET /v0.1/log/checkpoint`). A gateway that requires K cosignatures
//! from witnesses it knows (`mcp-verify catalog pull --witness …
//! --witness-threshold K`) cannot be shown a log that K of them did not see
//! extend the one they saw before.
//!
//! A witness that is down, slow or refuses costs its cosignature, never
//! the catalog: the bare checkpoint is served from the moment it is
//! signed, and each witness is tried again every poll until it answers.

use crate::signer::CatalogService;
use mcp_trust::log::cosignature;
use mcp_trust::log::witness::AddCheckpoint;
use std::sync::Arc;
use std::time::Duration;

pub use crate::config::WitnessConfig;

/// What the registry knows of one witness.
#[derive(Debug)]
struct Known {
    config: WitnessConfig,
    /// The size the witness holds, as far as the registry knows.
    size: u64,
    /// Failures in a row, and when to try again: a witness that is down is
    /// asked again after 1 s, 2 s, 4 s … up to a minute, not every poll.
    failures: u32,
    next_try: std::time::Instant,
}

/// Starts submitting each new checkpoint of `catalog` to `witnesses` as
/// soon as it is served, and every `poll` to a witness that still owes
/// its cosignature (one that fails backs off on its own).
pub fn spawn(
    catalog: Arc<CatalogService>,
    witnesses: Vec<WitnessConfig>,
    poll: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = match reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mcp-registry/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(http) => http,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the witness client; checkpoints go unwitnessed");
                return;
            }
        };
        let mut known: Vec<Known> = witnesses
            .into_iter()
            .map(|config| Known {
                config,
                size: 0,
                failures: 0,
                next_try: std::time::Instant::now(),
            })
            .collect();
        // The bare note of the checkpoint being witnessed, and the
        // cosignature lines it has gathered, in the witnesses' order.
        let mut base: Vec<u8> = Vec::new();
        let mut lines: Vec<Option<String>> = vec![None; known.len()];
        let mut served = catalog.served_versions();
        loop {
            // A new catalog is submitted as soon as it is served; a witness
            // still owing its cosignature is asked again at the next poll.
            tokio::select! {
                _ = served.changed() => {}
                () = tokio::time::sleep(poll) => {}
            }
            let Some(snapshot) = catalog.snapshot() else {
                continue;
            };
            let served = snapshot.checkpoint.identity.clone();
            if bare(&served) != base {
                // A new checkpoint: its note as signed, without cosignatures.
                base = bare(&served);
                lines = vec![None; known.len()];
            }
            let Ok(note) = String::from_utf8(base.clone()) else {
                continue;
            };
            let size = snapshot.tree_size;
            // Every witness owing its cosignature, at once: one slow witness
            // does not hold back the others'.
            let mut asking = tokio::task::JoinSet::new();
            let now = std::time::Instant::now();
            for (i, witness) in known.iter().enumerate() {
                if lines[i].is_some() || now < witness.next_try {
                    continue;
                }
                let (http, catalog, note) = (http.clone(), catalog.clone(), note.clone());
                let (config, held) = (witness.config.clone(), witness.size);
                asking.spawn(async move {
                    let answer = submit(&http, &catalog, &config, held, &note, size).await;
                    (i, answer)
                });
            }
            while let Some(done) = asking.join_next().await {
                let Ok((i, answer)) = done else { continue };
                let witness = &mut known[i];
                match answer {
                    Ok((line, held)) => {
                        lines[i] = Some(line);
                        witness.size = held;
                        witness.failures = 0;
                    }
                    Err((why, held)) => {
                        witness.size = held;
                        let wait = Duration::from_secs(1 << witness.failures.min(6))
                            .min(Duration::from_secs(60));
                        witness.failures += 1;
                        witness.next_try = std::time::Instant::now() + wait;
                        tracing::warn!(
                            witness = %witness.config.key.name,
                            url = %witness.config.url,
                            size,
                            %why,
                            "checkpoint not cosigned; tried again later"
                        );
                    }
                }
            }
            // Served with every cosignature gathered for it: also after a
            // refresh re-signed the same checkpoint, which is served bare.
            let cosigned: String = lines.iter().flatten().map(String::as_str).collect();
            let wanted = format!("{note}{cosigned}");
            if !cosigned.is_empty() && served != wanted.as_bytes() {
                match catalog.set_cosigned_checkpoint(&base, wanted) {
                    Ok(true) => tracing::info!(
                        size,
                        cosignatures = lines.iter().flatten().count(),
                        "checkpoint served with witness cosignatures"
                    ),
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "cannot serve the cosigned checkpoint"),
                }
            }
        }
    })
}

/// `note` with only its first signature line (the log's own), as signed.
fn bare(note: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(note);
    let Some(split) = text.rfind("\n\n") else {
        return note.to_vec();
    };
    let first_signature = text[split + 2..].lines().next().unwrap_or_default();
    format!("{}\n{first_signature}\n", &text[..=split]).into_bytes()
}

/// Submits `note` (of `size` leaves) to the witness `config`, which holds
/// `held` leaves as far as the registry knows: its cosignature line,
/// checked against its key, and the size it holds now. A 409 teaches the
/// size the witness holds and the request is made once more from there.
async fn submit(
    http: &reqwest::Client,
    catalog: &CatalogService,
    config: &WitnessConfig,
    mut held: u64,
    note: &str,
    size: u64,
) -> Result<(String, u64), (String, u64)> {
    for _ in 0..2 {
        let old = held;
        if old > size {
            return Err((
                format!(
                    "the witness holds size {old}, more than this checkpoint's {size} (another replica is ahead, or the log was rolled back)"
                ),
                held,
            ));
        }
        let proof = match old == 0 || old == size {
            true => Vec::new(),
            false => catalog
                .with_tree(|t| mcp_trust::log::consistency_proof(t, old, size))
                .map_err(|e| (e.to_string(), held))?
                .map_err(|e| (e.to_string(), held))?,
        };
        let body = AddCheckpoint {
            old,
            proof,
            note: note.to_owned(),
        }
        .to_body();
        let mut response = http
            .post(format!("{}/add-checkpoint", config.url))
            .body(body)
            .send()
            .await
            .map_err(|e| (e.without_url().to_string(), held))?;
        let status = response.status();
        let text = mcp_trust::body::read_capped(&mut response, 64 * 1024)
            .await
            .map_err(|e| (format!("{e:?}"), held))?;
        let text = String::from_utf8_lossy(&text).into_owned();
        match status.as_u16() {
            200 => {
                let prefix = format!("\u{2014} {} ", config.key.name);
                let line = text
                    .lines()
                    .find(|l| l.starts_with(&prefix))
                    .ok_or_else(|| {
                        (
                            "the answer holds no cosignature of this witness".to_owned(),
                            held,
                        )
                    })?;
                let line = format!("{line}\n");
                let cosigned = format!("{note}{line}");
                let found =
                    cosignature::verify(cosigned.as_bytes(), std::slice::from_ref(&config.key))
                        .map_err(|e| (format!("its cosignature does not verify: {e}"), held))?;
                if found.is_empty() {
                    return Err(("its cosignature is not by its key".into(), held));
                }
                return Ok((line, size));
            }
            409 => {
                held = text.trim().parse::<u64>().map_err(|_| {
                    (
                        format!("409 without a size: {}", text.trim().escape_debug()),
                        held,
                    )
                })?;
            }
            code => {
                let excerpt: String = text.chars().take(200).collect();
                return Err((
                    format!("answered {code}: {}", excerpt.trim().escape_debug()),
                    held,
                ));
            }
        }
    }
    Err(("the witness's size kept changing".into(), held))
}
