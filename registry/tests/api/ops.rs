//! `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, request ids, timeouts
//! and graceful shutdown.

use crate::support::{get, get_with, options_with, post_json, post_with};
use mcp_registry::router;
use mcp_registry::testing::{ALLOWED_HOST, TestServer, acme_signer, digest, manifest};
use serde_json::Value;
use std::io::{Read, Write};
use std::time::Duration;

#[test]
fn health_and_readiness() {
    let s = TestServer::start(|_| {});
    assert_eq!(
        get(&format!("{}/healthz", s.base), None).body["status"],
        "ok"
    );
    assert_eq!(
        get(&format!("{}/readyz", s.base), None).body["status"],
        "ready"
    );
}

#[test]
fn metrics_count_requests_publishes_and_verification_failures_by_stage() {
    let s = TestServer::start(|_| {});
    get(&format!("{}/v0.1/servers", s.base), None);
    // Metrics name the route template, never the path a client sent.
    get(
        &format!("{}/v0.1/servers/io.github.acme%2Fnope/versions", s.base),
        None,
    );
    get(
        &format!("{}/v0.1/catalog/shards/{}", s.base, "ab".repeat(32)),
        None,
    );
    get(&format!("{}/no/such/route", s.base), None);
    post_json(&format!("{}/v0.1/catalog", s.base), None, &Value::Null);
    post_json(
        &format!("{}/v0.1/publish", s.base),
        Some(&s.acme_token),
        &manifest(
            "io.github.acme/w",
            "1.0.0",
            ALLOWED_HOST,
            &digest("unsigned"),
        ),
    );
    let a = get(&format!("{}/metrics", s.base), None);
    assert!(
        a.content_type.starts_with("text/plain; version=0.0.4"),
        "{}",
        a.content_type
    );
    for line in [
        "mcp_registry_http_requests_total{route=\"/v0.1/servers\",method=\"GET\",status=\"200\"} 1",
        "mcp_registry_http_requests_total{route=\"/v0.1/publish\",method=\"POST\",status=\"422\"} 1",
        "mcp_registry_publishes_total{outcome=\"image-verification-failed\"} 1",
        "mcp_registry_verification_failures_total{stage=\"signature-discovery\"} 1",
        "mcp_registry_http_request_duration_seconds_count{route=\"/v0.1/servers\",method=\"GET\",status=\"200\"} 1",
        "mcp_registry_http_requests_total{route=\"/v0.1/servers/{name}/versions\",method=\"GET\",status=\"404\"} 1",
        "mcp_registry_http_requests_total{route=\"/v0.1/catalog/shards/{sha256}\",method=\"GET\",status=\"404\"} 1",
        "mcp_registry_http_requests_total{route=\"(unmatched)\",method=\"GET\",status=\"404\"} 1",
        "mcp_registry_http_requests_total{route=\"/v0.1/catalog\",method=\"POST\",status=\"405\"} 1",
    ] {
        assert!(
            a.text.lines().any(|l| l == line),
            "missing {line}\n{}",
            a.text
        );
    }
}

#[test]
fn openapi_documents_every_route_and_every_documented_route_is_served() {
    let s = TestServer::start(|_| {});
    let doc = get(&format!("{}/openapi.json", s.base), None).body;
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = router::routes();
    for (method, path) in &routes {
        assert!(
            doc["paths"][path][method.to_lowercase()].is_object(),
            "{method} {path} is not in openapi.json"
        );
        let concrete = path
            .replace("{name}", "io.github.acme%2Fnope")
            .replace("{version}", "1.0.0")
            .replace("{id}", "ffffffffffffffff");
        let url = format!("{}{concrete}", s.base);
        let a = if *method == "GET" {
            get(&url, None)
        } else {
            post_json(&url, None, &Value::Null)
        };
        assert!(
            a.status != 405
                && !(a.status == 404
                    && a.body["detail"]
                        .as_str()
                        .is_some_and(|d| d.starts_with("no such route"))),
            "{method} {path}: {}",
            a.text
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        routes.len(),
        "openapi.json documents routes the router does not serve"
    );
}

#[test]
fn openapi_yaml_passes_the_check_a_toolhive_registry_server_makes() {
    let s = TestServer::start(|_| {});
    let yaml = get(&format!("{}/openapi.yaml", s.base), None);
    assert_eq!(yaml.status, 200);
    assert_eq!(yaml.content_type, "application/yaml");
    // What thv-registry-api checks before it syncs from an `api:` source:
    // info.version is 1.0.0 and the description names the official registry.
    let doc: Value = serde_norway::from_str(&yaml.text).unwrap();
    assert_eq!(doc["info"]["version"], "1.0.0");
    assert!(
        doc["info"]["description"]
            .as_str()
            .unwrap()
            .contains("https://github.com/modelcontextprotocol/registry")
    );
    // The same document as /openapi.json.
    assert_eq!(doc, get(&format!("{}/openapi.json", s.base), None).body);
}

#[test]
fn browsers_on_any_origin_may_read_and_only_read() {
    let s = TestServer::start(|_| {});
    let origin = ("Origin", "https://copilot.example");
    for path in [
        "/v0.1/servers",
        "/v0.1/catalog",
        "/v0.1/log/checkpoint",
        "/openapi.json",
    ] {
        let url = format!("{}{path}", s.base);
        // A simple read: any origin, no credentials.
        let read = get_with(&url, &[origin]);
        assert_eq!(
            read.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        assert_eq!(
            read.header("access-control-allow-credentials"),
            None,
            "{path}"
        );
        let exposed = read
            .header("access-control-expose-headers")
            .unwrap_or_default();
        assert!(
            exposed.contains("etag") && exposed.contains("x-request-id"),
            "{path}: {exposed}"
        );
        // The preflight of a conditional GET passes, answered without a body.
        let preflight = options_with(
            &url,
            &[
                origin,
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "if-none-match"),
            ],
        );
        assert_eq!(preflight.status, 200, "{path}");
        assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
        let methods = preflight.header("access-control-allow-methods").unwrap();
        assert!(
            methods.contains("GET") && methods.contains("OPTIONS") && !methods.contains("POST"),
            "{methods}"
        );
        // GitHub Copilot's documented requirement: Authorization, Content-Type.
        let allowed = preflight.header("access-control-allow-headers").unwrap();
        for h in ["if-none-match", "authorization", "content-type"] {
            assert!(allowed.contains(h), "{allowed}");
        }
        assert_eq!(preflight.header("access-control-max-age"), Some("86400"));
    }
    // What the registry shows its operators is not readable cross-origin.
    for path in [
        "/metrics",
        "/v0.1/audit",
        "/v0.1/admin/namespaces",
        "/v0.1/admin/mirrored",
        "/healthz",
    ] {
        let url = format!("{}{path}", s.base);
        let read = get_with(&url, &[origin]);
        assert_eq!(read.header("access-control-allow-origin"), None, "{path}");
        let preflight = options_with(&url, &[origin, ("Access-Control-Request-Method", "GET")]);
        assert_eq!(
            preflight.header("access-control-allow-origin"),
            None,
            "{path}"
        );
    }
    // A page may not publish, yank or administer: the preflight of a POST
    // does not name POST among the methods, so the browser stops there.
    let publish = format!("{}/v0.1/publish", s.base);
    let preflight = options_with(
        &publish,
        &[
            origin,
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type",
            ),
        ],
    );
    let methods = preflight
        .header("access-control-allow-methods")
        .unwrap_or_default();
    assert!(!methods.contains("POST"), "{methods}");
    // And a cross-origin POST sent anyway is still refused on its own merits.
    post_with(&publish, None, &[origin], b"{}").assert_problem(401, "unauthorized");
}

#[test]
fn request_id_is_echoed_when_well_formed_and_made_up_otherwise() {
    let s = TestServer::start(|_| {});
    let url = format!("{}/healthz", s.base);
    assert_eq!(
        get_with(&url, &[("X-Request-Id", "abc-123")])
            .request_id
            .as_deref(),
        Some("abc-123")
    );
    let made_up = get_with(&url, &[("X-Request-Id", "bad id\twith junk")])
        .request_id
        .unwrap();
    assert_eq!(made_up.len(), 16);
    assert!(made_up.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn slow_request_headers_are_cut_off() {
    let s = TestServer::start(|c| c.limits.header_timeout = Duration::from_millis(500));
    let mut stream = std::net::TcpStream::connect(s.addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = Vec::new();
    let started = std::time::Instant::now();
    let _ = stream.read_to_end(&mut buf);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "connection was not closed"
    );
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

#[test]
fn connections_past_the_limit_wait_until_one_closes() {
    let s = TestServer::start(|c| {
        c.limits.max_connections = 2;
        c.limits.header_timeout = Duration::from_secs(30);
    });
    // A raw request on a new connection: its answer, or what the read gave.
    let ask = |timeout: Duration| -> String {
        let mut stream = std::net::TcpStream::connect(s.addr).unwrap();
        stream.set_read_timeout(Some(timeout)).unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    };
    assert!(ask(Duration::from_secs(5)).starts_with("HTTP/1.1 200"));
    // Two clients hold a connection each, headers half sent.
    let hold = || half_sent(s.addr);
    let first = hold();
    let _second = hold();
    std::thread::sleep(Duration::from_millis(300));
    // A third is not served while both are held...
    assert_eq!(ask(Duration::from_secs(1)), "");
    // ...and is once one of them closes.
    drop(first);
    let started = std::time::Instant::now();
    let answer = loop {
        let a = ask(Duration::from_secs(2));
        if !a.is_empty() || started.elapsed() > Duration::from_secs(10) {
            break a;
        }
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

/// A new connection that has sent the first line of a request and holds
/// the rest: the server waits for its headers until the header timeout.
fn half_sent(addr: std::net::SocketAddr) -> std::net::TcpStream {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    stream
}

/// A raw `GET /healthz` on a new connection from `from` (an address of
/// this host; `None`: the default one): the answer, or what the read gave.
fn healthz_from(addr: std::net::SocketAddr, from: Option<&str>) -> String {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        if let Some(from) = from {
            socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        }
        let mut stream = socket.connect(addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
        String::from_utf8_lossy(&buf).into_owned()
    })
}

#[test]
fn one_client_address_holds_at_most_its_cap_of_connections() {
    let s = TestServer::start(|c| {
        c.limits.max_connections_per_ip = 2;
        c.limits.header_timeout = Duration::from_secs(30);
    });
    // One client holds two connections, headers half sent.
    let hold = || half_sent(s.addr);
    let first = hold();
    let _second = hold();
    std::thread::sleep(Duration::from_millis(300));
    // Its third is refused at once, saying why.
    let refused = healthz_from(s.addr, None);
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused:?}");
    for part in [
        "content-type: application/problem+json",
        "\"code\":\"too-many-connections\"",
        "retry-after: 1",
        "x-request-id: ",
        "access-control-allow-origin: *",
        "connection: close",
    ] {
        assert!(refused.contains(part), "{part}: {refused:?}");
    }
    // Another address is served meanwhile, and the refusal is counted.
    let other = healthz_from(s.addr, Some("127.0.0.2"));
    assert!(other.starts_with("HTTP/1.1 200"), "{other:?}");
    let metrics = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
            .build()
            .unwrap();
        let url = format!("{}/metrics", s.base);
        client.get(url).send().await.unwrap().text().await.unwrap()
    });
    assert!(
        metrics.contains("mcp_registry_connections_refused_total{how=\"answered\"} 1"),
        "{metrics}"
    );
    // Once one of its connections closes, the client is served again.
    drop(first);
    let started = std::time::Instant::now();
    let answer = loop {
        let a = healthz_from(s.addr, None);
        if a.starts_with("HTTP/1.1 200") || started.elapsed() > Duration::from_secs(10) {
            break a;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

/// Refused connections hold no slot: one address past its cap, opening
/// connections it never reads or closes, does not keep another address
/// waiting for a slot.
#[test]
fn refused_connections_take_no_slot() {
    let s = TestServer::start(|c| {
        c.limits.max_connections = 8;
        c.limits.max_connections_per_ip = 2;
        c.limits.header_timeout = Duration::from_secs(30);
    });
    let mut held: Vec<_> = (0..2).map(|_| half_sent(s.addr)).collect();
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..30 {
        held.push(std::net::TcpStream::connect(s.addr).unwrap());
    }
    std::thread::sleep(Duration::from_millis(100));
    let started = std::time::Instant::now();
    let other = healthz_from(s.addr, Some("127.0.0.2"));
    assert!(other.starts_with("HTTP/1.1 200"), "{other:?}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "another address waited {:?}",
        started.elapsed()
    );
}

#[test]
fn a_trusted_proxy_is_not_capped_per_address() {
    let s = TestServer::start(|c| {
        c.limits.max_connections_per_ip = 1;
        c.limits.header_timeout = Duration::from_secs(30);
        c.trusted_proxies = vec![mcp_registry::config::Cidr::parse("127.0.0.0/8").unwrap()];
    });
    let _held = half_sent(s.addr);
    std::thread::sleep(Duration::from_millis(300));
    let answer = healthz_from(s.addr, None);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

#[test]
fn shutdown_lets_an_in_flight_publish_finish() {
    let mut s = TestServer::start(|_| {});
    let d = digest("slow");
    s.verifier.sign(&d, acme_signer());
    s.verifier.set_delay(Duration::from_millis(800));
    let url = format!("{}/v0.1/publish", s.base);
    let token = s.acme_token.clone();
    let body = manifest("io.github.acme/weather", "1.0.0", ALLOWED_HOST, &d);
    let client = std::thread::spawn(move || post_json(&url, Some(&token), &body));
    std::thread::sleep(Duration::from_millis(300));
    s.shutdown();
    let answer = client.join().unwrap();
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert!(
        s.block_on(s.store.version("io.github.acme/weather", "1.0.0"))
            .unwrap()
            .is_some()
    );
    assert!(
        std::net::TcpStream::connect(s.addr).is_err(),
        "still accepting after shutdown"
    );
}

#[test]
fn request_metrics_do_not_take_a_label_per_made_up_method() {
    let s = TestServer::start(|_| {});
    for i in 0..40 {
        let mut conn = std::net::TcpStream::connect(s.addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(
            conn,
            "MADEUP{i} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    }
    let metrics = get(&format!("{}/metrics", s.base), None).text;
    let labels = metrics
        .lines()
        .filter(|l| l.contains("method=\"MADEUP"))
        .count();
    assert_eq!(labels, 0, "made-up methods are metric labels:\n{metrics}");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("mcp_registry_http_requests_total")
                && l.contains("method=\"other\"")
                && l.contains("route=\"/healthz\"")),
        "{metrics}"
    );
}

/// A CORS preflight is answered before the application, and counts against
/// its client's rate limit like any request: past it, `429`, and the same
/// budget then refuses the client's reads.
#[test]
fn preflights_count_against_the_client_rate_limit() {
    let s = TestServer::start(|c| c.limits.rate_limit_per_ip = 3);
    let url = format!("{}/v0.1/servers", s.base);
    let preflight = || {
        options_with(
            &url,
            &[
                ("Origin", "https://copilot.example"),
                ("Access-Control-Request-Method", "GET"),
            ],
        )
    };
    for _ in 0..2 {
        let a = preflight();
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.header("access-control-allow-origin"), Some("*"));
    }
    // An OPTIONS without Access-Control-Request-Method, which the CORS
    // layer answers too, counts as well.
    assert_eq!(options_with(&url, &[]).status, 200);
    let over = preflight();
    over.assert_problem(429, "rate-limited");
    assert!(over.retry_after.is_some());
    assert!(
        over.header("x-request-id").is_some(),
        "answered as every 429"
    );
    options_with(&url, &[]).assert_problem(429, "rate-limited");
    get(&url, None).assert_problem(429, "rate-limited");
}
