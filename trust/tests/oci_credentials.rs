//! Registry credentials go to the registry they were configured for and to
//! nothing else: not to a token realm on another host that the registry (or a
//! redirect) names. Two loopback servers: a registry that answers 401 with a
//! Bearer challenge, and a token service that records what it was sent.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::image::Digest;
use mcp_trust::oci::{ClientConfig, Credentials, OciClient};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves HTTP/1.1 on loopback: each request's head is recorded, `answer`
/// gives the response for a path. Returns the `host:port` it listens on.
async fn serve(
    seen: Arc<Mutex<Vec<String>>>,
    answer: impl Fn(&str, u16) -> String + Send + Sync + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let (seen, answer) = (seen.clone(), answer.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                seen.lock().unwrap().push(head);
                let _ = conn.write_all(answer(&path, port).as_bytes()).await;
            });
        }
    });
    format!("127.0.0.1:{port}")
}

fn challenge(realm: &str) -> String {
    format!(
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"{realm}\",service=\"registry\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

fn token() -> String {
    let body = r#"{"token":"issued"}"#;
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn client(registry: &str, hosts: &[&str]) -> OciClient {
    let mut credentials = Credentials::anonymous();
    credentials.insert(registry, "publisher", "s3cret-password");
    let mut cfg = ClientConfig {
        insecure_hosts: hosts.iter().map(|h| h.to_string()).collect(),
        credentials,
        ..Default::default()
    };
    cfg.host_policy.allow_loopback = true;
    OciClient::new(cfg).unwrap()
}

fn has_credentials(heads: &[String]) -> bool {
    heads
        .iter()
        .any(|h| h.to_ascii_lowercase().contains("\r\nauthorization:"))
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_never_go_to_a_token_realm_on_another_host() {
    let realm_seen = Arc::new(Mutex::new(Vec::new()));
    let realm = serve(realm_seen.clone(), |_, _| token()).await;
    let realm_url = format!("http://{realm}/token");
    let registry = serve(Arc::default(), move |_, _| challenge(&realm_url)).await;
    let c = client(&registry, &[&registry, &realm]);
    let _ = c
        .manifest_by_digest(&registry, "acme/weather", &Digest::of(b"x"))
        .await;
    let heads = realm_seen.lock().unwrap().clone();
    assert!(!heads.is_empty(), "the client asked the realm for a token");
    assert!(
        !has_credentials(&heads),
        "the registry's password went to another host: {heads:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_go_to_the_registrys_own_token_realm() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let registry = serve(seen.clone(), |path, port| {
        if path.starts_with("/token") {
            token()
        } else {
            challenge(&format!("http://127.0.0.1:{port}/token"))
        }
    })
    .await;
    let c = client(&registry, &[&registry]);
    let _ = c
        .manifest_by_digest(&registry, "acme/weather", &Digest::of(b"x"))
        .await;
    let heads = seen.lock().unwrap().clone();
    let token_requests: Vec<&String> = heads.iter().filter(|h| h.contains("GET /token")).collect();
    assert_eq!(token_requests.len(), 1, "{heads:?}");
    assert!(
        has_credentials(&[token_requests[0].clone()]),
        "{token_requests:?}"
    );
}
