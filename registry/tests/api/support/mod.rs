//! Shared test support: an HTTP client that never treats a status as an
//! error, request helpers, and the PostgreSQL harness. The server and the
//! deterministic verifier are `mcp_registry::testing`.

pub mod postgres;

use serde_json::Value;
use std::sync::OnceLock;
use std::time::Duration;

/// An answer: status, headers we look at, body as JSON (or `Null`).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub retry_after: Option<String>,
    pub request_id: Option<String>,
    pub body: Value,
    pub text: String,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// The `code` of a problem answer.
    /// The first value of a response header (`name` in lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// The codes of the problem's findings.
    pub fn finding_codes(&self) -> Vec<String> {
        self.body["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["code"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "{}", self.text);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status);
    }
}

/// The client every request of these tests goes through, and the runtime it
/// runs on. The helpers below block, like the tests that call them; the
/// runtime has worker threads so that tests making requests from several
/// threads at once keep them in flight at once.
struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

fn http() -> &'static Http {
    static HTTP: OnceLock<Http> = OnceLock::new();
    HTTP.get_or_init(|| Http {
        runtime: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the test client"),
        // Every status is an answer, a redirect is shown rather than followed,
        // and each request has a connection of its own.
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .expect("the test HTTP client"),
    })
}

/// Sends a request built on the shared client and reads the whole answer.
fn send(build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder) -> Answer {
    let http = http();
    let request = build(&http.client);
    http.runtime.block_on(async {
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        answer(response).await
    })
}

async fn answer(response: reqwest::Response) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let retry_after = header("retry-after");
    let request_id = header("x-request-id");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // A body that is not UTF-8 (a gzip one) or over 64 MiB reads as "".
    let text = match response.bytes().await {
        Ok(bytes) if bytes.len() <= 64 * 1024 * 1024 => {
            String::from_utf8(bytes.to_vec()).unwrap_or_default()
        }
        _ => String::new(),
    };
    Answer {
        status,
        content_type,
        retry_after,
        request_id,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        headers,
    }
}

/// GET, optionally with a bearer token.
pub fn get(url: &str, token: Option<&str>) -> Answer {
    send(|c| {
        let mut req = c.get(url);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        req
    })
}

/// GET with extra headers.
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Answer {
    send(|c| with_headers(c.get(url), headers))
}

/// HEAD with extra headers.
pub fn head_with(url: &str, headers: &[(&str, &str)]) -> Answer {
    send(|c| with_headers(c.head(url), headers))
}

/// OPTIONS with extra headers (a browser's CORS preflight).
pub fn options_with(url: &str, headers: &[(&str, &str)]) -> Answer {
    send(|c| with_headers(c.request(reqwest::Method::OPTIONS, url), headers))
}

/// POST raw bytes with extra headers, optionally with a bearer token.
pub fn post_with(url: &str, token: Option<&str>, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    send(|c| {
        let mut req = c.post(url).header("Content-Type", "application/json");
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        with_headers(req, headers).body(body.to_vec())
    })
}

fn with_headers(
    mut req: reqwest::RequestBuilder,
    headers: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req
}

/// POST raw bytes.
pub fn post(url: &str, token: Option<&str>, body: &[u8]) -> Answer {
    post_with(url, token, &[], body)
}

/// POST a JSON value.
pub fn post_json(url: &str, token: Option<&str>, body: &Value) -> Answer {
    post(url, token, body.to_string().as_bytes())
}
