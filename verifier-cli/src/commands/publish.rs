//! `mcp-verify publish`: lint locally (the registry's own rules, extension
//! required), then `POST /v0.1/publish` with a bearer token, and render the
//! registry's answer — its findings exactly as `manifest lint` renders them.

use crate::cli::output::OutputFormat;
use crate::cli::publish::PublishArgs;
use crate::config;
use crate::exit::{Exit, Unreachable};
use crate::output;
use crate::report::FileReport;
use anyhow::Context;
use mcp_trust::finding::has_errors;
use mcp_trust::manifest::{ValidateOptions, validate};
use serde_json::{Value, json};
use std::time::Duration;

/// Longest a publish may take (the registry verifies the image meanwhile).
const TIMEOUT: Duration = Duration::from_secs(300);
/// Largest answer read from the registry.
const MAX_ANSWER_BYTES: u64 = 4 * 1024 * 1024;

/// Lints, publishes and reports.
pub fn run(args: &PublishArgs) -> anyhow::Result<Exit> {
    let file = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {file}"))?;
    let local = validate(
        &bytes,
        ValidateOptions {
            require_extension: true,
        },
    )
    .findings;
    if has_errors(&local) {
        render(
            args.output.output,
            &file,
            "not sent: the manifest has errors",
            &local,
            None,
        );
        return Ok(Exit::Failed);
    }
    let token = config::registry_token(args.token_file.as_deref())?;
    let url = format!("{}/v0.1/publish", args.registry.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let mut response = agent
        .post(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(&bytes[..])
        .map_err(|e| Unreachable(format!("cannot reach the registry at {url}: {e}")))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|e| Unreachable(format!("the registry's answer could not be read: {e}")))?;
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let findings: Vec<mcp_trust::Finding> = body
        .get("findings")
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .unwrap_or_default();
    let summary = match status {
        200 | 201 => {
            let name = body
                .pointer("/server/name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let version = body
                .pointer("/server/version")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let image = body
                .pointer("/_meta/dev.mcp-trust~1verification/image")
                .and_then(Value::as_str)
                .unwrap_or("?");
            if status == 201 {
                format!("published {name} {version} (image {image})")
            } else {
                format!("{name} {version} was already published with these exact bytes")
            }
        }
        _ => {
            let code = body.get("code").and_then(Value::as_str).unwrap_or("error");
            let detail = body
                .get("detail")
                .and_then(Value::as_str)
                .unwrap_or(text.trim());
            let stage = body
                .get("stage")
                .and_then(Value::as_str)
                .map_or(String::new(), |s| format!(" (stage {s})"));
            format!("refused with {status} {code}{stage}: {detail}")
        }
    };
    render(
        args.output.output,
        &file,
        &summary,
        &findings,
        Some((status, &body)),
    );
    Ok(match status {
        200 | 201 => Exit::Ok,
        502..=504 => Exit::Unreachable,
        400 => Exit::Usage,
        _ => Exit::Failed,
    })
}

fn render(
    format: OutputFormat,
    file: &str,
    summary: &str,
    findings: &[mcp_trust::Finding],
    answer: Option<(u16, &Value)>,
) {
    match format {
        OutputFormat::Human => {
            if !findings.is_empty() {
                let report = FileReport {
                    file: file.to_owned(),
                    findings: findings.to_vec(),
                };
                print!("{}", output::human::lint(&[report]));
            }
            println!("{summary}");
        }
        OutputFormat::Json => {
            let doc = json!({
                "file": file,
                "summary": summary,
                "status": answer.map(|(s, _)| s),
                "findings": findings,
                "answer": answer.map(|(_, b)| b.clone()),
            });
            match output::json::to_string(&doc) {
                Ok(s) => println!("{s}"),
                Err(e) => eprintln!("error: {e}"),
            }
        }
    }
}
