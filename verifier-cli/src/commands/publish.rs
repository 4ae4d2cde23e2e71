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
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};
use std::time::Duration;

/// Longest a publish may take (the registry verifies the image meanwhile).
const TIMEOUT: Duration = Duration::from_secs(300);
/// Largest answer read from the registry.
const MAX_ANSWER_BYTES: u64 = 4 * 1024 * 1024;
/// Most redirects followed before giving up.
const MAX_REDIRECTS: usize = 10;

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
        )?;
        return Ok(Exit::Failed);
    }
    check_transport(&args.registry)?;
    let token = config::registry_token(args.token_file.as_deref())?;
    let url = format!("{}/v0.1/publish", args.registry.trim_end_matches('/'));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (status, text) = runtime.block_on(send(&url, &token, bytes))?;
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
    )?;
    Ok(match status {
        200 | 201 => Exit::Ok,
        502..=504 => Exit::Unreachable,
        400 => Exit::Usage,
        _ => Exit::Failed,
    })
}

/// The publish token travels in the request: over `https`, or over plain
/// `http` only to a loopback address (a registry on this machine, as in
/// tests and the demo), never in cleartext across a network.
fn check_transport(registry: &str) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(registry)
        .with_context(|| format!("--registry `{registry}` is not a URL"))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => anyhow::bail!(
            "refusing to send the publish token in cleartext to {registry}: use https:// (plain http only reaches a registry on a loopback address)"
        ),
        other => anyhow::bail!(
            "--registry `{registry}`: the scheme must be https (or http to a loopback address), not `{other}`"
        ),
    }
}

/// POSTs the manifest and reads the registry's answer, whatever its status:
/// its status and its body, at most `MAX_ANSWER_BYTES` of UTF-8. A registry
/// that cannot be reached, or whose answer cannot be read whole within the
/// time allowed, is `Unreachable`.
async fn send(url: &str, token: &str, manifest: Vec<u8>) -> anyhow::Result<(u16, String)> {
    // Certificates are checked against the system's trust store, as for every
    // other connection mcp-verify makes (catalog pull, OCI registries).
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(redirects())
        .referer(false)
        .user_agent(concat!("mcp-verify/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot set up the HTTP client")?;
    let mut response = http
        .post(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, "application/json")
        .body(manifest)
        .send()
        .await
        .map_err(|e| Unreachable(format!("cannot reach the registry at {url}: {}", chain(e))))?;
    let status = response.status().as_u16();
    let unreadable =
        |reason: String| Unreachable(format!("the registry's answer could not be read: {reason}"));
    let body = match mcp_trust::body::read_capped(&mut response, MAX_ANSWER_BYTES).await {
        Ok(body) => body,
        Err(mcp_trust::body::BodyError::TooLarge) => {
            return Err(unreadable(format!("it is larger than {MAX_ANSWER_BYTES} bytes")).into());
        }
        Err(mcp_trust::body::BodyError::Cut { error, .. }) => {
            return Err(unreadable(chain(error)).into());
        }
    };
    let text = String::from_utf8(body).map_err(|e| unreadable(e.to_string()))?;
    Ok((status, text))
}

/// Redirects as a POST takes them: a 301, 302 or 303 is followed as a GET
/// without the manifest (the token only to the same scheme, host and port);
/// a 307 or 308, which would send the manifest again elsewhere, is an error.
fn redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if matches!(attempt.status().as_u16(), 307 | 308) {
            attempt.error("a redirect that would send the manifest again is not followed")
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// An HTTP error with its causes, which say what actually failed; the URL is
/// left out, as the message names it already.
fn chain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn render(
    format: OutputFormat,
    file: &str,
    summary: &str,
    findings: &[mcp_trust::Finding],
    answer: Option<(u16, &Value)>,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Human => {
            if !findings.is_empty() {
                let report = FileReport {
                    file: file.to_owned(),
                    findings: findings.to_vec(),
                };
                output::stdout::print(output::human::lint(&[report]))?;
            }
            output::stdout::println(summary)?;
        }
        OutputFormat::Json => {
            let doc = json!({
                "file": file,
                "summary": summary,
                "status": answer.map(|(s, _)| s),
                "findings": findings,
                "answer": answer.map(|(_, b)| b.clone()),
            });
            output::stdout::println(output::json::to_string(&doc)?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server answering every request with `answer(request head)`, keeping the heads.
    async fn server(
        answer: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let heads = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let mut buf = vec![0u8; 64 * 1024];
                let n = conn.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
                heads.lock().unwrap().push(head.clone());
                let _ = conn.write_all(answer(&head).as_bytes()).await;
            }
        });
        (format!("127.0.0.1:{port}"), seen)
    }

    fn redirect(status: u16, location: &str) -> String {
        format!(
            "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    }

    const OK: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";

    #[tokio::test]
    async fn the_token_never_follows_a_redirect_to_another_origin() {
        let (elsewhere, elsewhere_seen) = server(|_| OK.to_owned()).await;
        let port = elsewhere.rsplit(':').next().unwrap().to_owned();
        for target in [
            format!("http://{elsewhere}/landing"),
            format!("http://localhost:{port}/landing"),
        ] {
            let (registry, _) = server(move |_| redirect(302, &target)).await;
            let (status, _) = send(
                &format!("http://{registry}/v0.1/publish"),
                "mcpr_secret",
                b"{\"manifest\": true}".to_vec(),
            )
            .await
            .unwrap();
            assert_eq!(status, 200);
        }
        let heads = elsewhere_seen.lock().unwrap();
        assert_eq!(heads.len(), 2);
        for head in heads.iter() {
            assert!(head.starts_with("get /landing"), "{head}");
            assert!(!head.contains("authorization"), "{head}");
            assert!(!head.contains("mcpr_secret"), "{head}");
            assert!(!head.contains("manifest"), "{head}");
        }
    }

    #[tokio::test]
    async fn a_redirect_that_would_resend_the_manifest_is_not_followed() {
        let (elsewhere, elsewhere_seen) = server(|_| OK.to_owned()).await;
        for status in [307, 308] {
            let target = format!("http://{elsewhere}/landing");
            let (registry, _) = server(move |_| redirect(status, &target)).await;
            let err = send(
                &format!("http://{registry}/v0.1/publish"),
                "mcpr_secret",
                b"{}".to_vec(),
            )
            .await
            .unwrap_err();
            assert!(err.downcast_ref::<Unreachable>().is_some(), "{err}");
        }
        assert!(elsewhere_seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_answer_over_the_cap_is_not_read_whole() {
        let (registry, _) = server(|_| {
            let body = "x".repeat(MAX_ANSWER_BYTES as usize + 1);
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        })
        .await;
        let err = send(
            &format!("http://{registry}/v0.1/publish"),
            "mcpr_secret",
            b"{}".to_vec(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[test]
    fn the_token_travels_over_https_or_to_a_loopback_address_only() {
        for ok in [
            "https://registry.example",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "http://localhost:8080/",
        ] {
            assert!(check_transport(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://registry.example", "cleartext"),
            ("http://10.0.0.1:8080", "cleartext"),
            ("http://127.0.0.1.example.com", "cleartext"),
            ("ftp://registry.example", "scheme must be https"),
            ("registry.example", "not a URL"),
        ] {
            let err = format!("{:#}", check_transport(bad).unwrap_err());
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
