//! `import::official::walk` against a loopback server that serves recorded
//! official-API pages (`testdata/registry/official-pages/`) and breaks them
//! on purpose: malformed pages, a cursor that loops, 429 and 5xx answers, a
//! connection cut mid-page, an oversized page, too many pages.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::import::official::{Limits, UpstreamVersion, WalkError, Walked, walk};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn page(n: u32) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../testdata/registry/official-pages/page-{n}.json")),
    )
    .unwrap()
}

/// What the server answers to one request.
enum Answer {
    Ok(String),
    Status(u16, &'static str),
    /// Declares the whole body, sends half, closes.
    Cut(String),
}

/// A loopback HTTP server answering each request with `answer(request
/// target, how many requests came before)`; the targets it saw.
struct Upstream {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Upstream {
    fn start(answer: impl Fn(&str, usize) -> Answer + Send + 'static) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(target.clone());
                    log.len() - 1
                };
                let reply = match answer(&target, n) {
                    Answer::Ok(body) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    Answer::Status(code, extra) => format!(
                        "HTTP/1.1 {code} X\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
                    ),
                    Answer::Cut(body) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                        body.len(),
                        &body[..body.len() / 2]
                    ),
                };
                let _ = stream.write_all(reply.as_bytes());
                let _ = stream.flush();
                let _ = stream.shutdown(std::net::Shutdown::Both);
                let mut rest = Vec::new();
                let _ = reader.read_to_end(&mut rest);
            }
        });
        Upstream { base, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Page 1, then page 2 when asked for the cursor page 1 gave.
fn two_pages(target: &str) -> Answer {
    if target.contains("cursor=") {
        Answer::Ok(page(2))
    } else {
        Answer::Ok(page(1))
    }
}

fn fast() -> Limits {
    Limits {
        backoff: Duration::from_millis(10),
        max_wait: Duration::from_millis(50),
        timeout: Duration::from_secs(5),
        ..Limits::default()
    }
}

fn run(upstream: &Upstream, limits: Limits) -> (Result<Walked, WalkError>, Vec<UpstreamVersion>) {
    run_since(upstream, limits, None)
}

fn run_since(
    upstream: &Upstream,
    limits: Limits,
    since: Option<jiff::Timestamp>,
) -> (Result<Walked, WalkError>, Vec<UpstreamVersion>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut got = Vec::new();
    let result = runtime.block_on(walk(&upstream.base, since, limits, |page| {
        got.extend(page);
        Ok(())
    }));
    (result, got)
}

#[test]
fn every_page_is_read_following_the_cursor() {
    let upstream = Upstream::start(|t, _| two_pages(t));
    let (walked, versions) = run(&upstream, fast());
    let walked = walked.unwrap();
    assert_eq!((walked.pages, walked.versions, walked.retries), (2, 3, 0));
    let listed: Vec<(&str, &str, Option<&str>)> = versions
        .iter()
        .map(|v| (v.name.as_str(), v.version.as_str(), v.status.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [
            ("io.github.acme/weather", "1.4.2", Some("active")),
            ("io.github.acme/files", "0.3.0", Some("deprecated")),
            ("io.github.zeta/notes", "2.0.0", Some("deleted")),
        ]
    );
    assert_eq!(
        walked.latest_update,
        Some("2026-11-30T00:00:00Z".parse().unwrap())
    );
    let seen = upstream.seen();
    assert_eq!(seen[0], "/v0.1/servers?limit=100");
    assert_eq!(
        seen[1],
        "/v0.1/servers?limit=100&cursor=io.github.acme%2Ffiles%3A0.3.0"
    );
}

#[test]
fn an_incremental_walk_asks_for_what_changed_since() {
    let upstream = Upstream::start(|t, _| two_pages(t));
    let since = "2026-11-01T00:00:00Z".parse().unwrap();
    let (walked, _) = run_since(&upstream, fast(), Some(since));
    walked.unwrap();
    assert!(upstream.seen()[0].contains("updated_since=2026-11-01T00%3A00%3A00Z"));
}

#[test]
fn a_cursor_that_loops_ends_the_walk() {
    // Page 1 again whatever the cursor: its cursor comes back.
    let upstream = Upstream::start(|_, _| Answer::Ok(page(1)));
    let (walked, versions) = run(&upstream, fast());
    assert!(
        matches!(walked, Err(WalkError::CursorLoop { page: 2, .. })),
        "{walked:?}"
    );
    // What was handed over stays handed over: two pages' worth, no more.
    assert_eq!(versions.len(), 4);
    assert_eq!(upstream.seen().len(), 2);
}

#[test]
fn a_page_that_is_not_a_server_list_is_named() {
    let page_1 = page(1);
    for (broken, why) in [
        ("not json".to_owned(), "not JSON"),
        ("{\"metadata\":{}}".to_owned(), "no `servers` array"),
        (
            page_1.replacen("\"name\": \"io.github.acme/weather\",", "", 1),
            "has no `name`",
        ),
        (
            page_1.replace(
                "\"nextCursor\": \"io.github.acme/files:0.3.0\"",
                "\"nextCursor\": 7",
            ),
            "not a string",
        ),
        (
            page_1.replacen(
                "\"version\": \"1.4.2\",",
                "\"version\": \"1.4.2\", \"version\": \"9\",",
                1,
            ),
            "appears twice",
        ),
        (
            "{\"servers\":[],\"metadata\":{\"nextCursor\":\"x\"}}".to_owned(),
            "empty page with a next cursor",
        ),
    ] {
        let body = broken.clone();
        let upstream = Upstream::start(move |_, _| Answer::Ok(body.clone()));
        let (walked, versions) = run(&upstream, fast());
        match walked {
            Err(WalkError::Malformed {
                page: 1, reason, ..
            }) => {
                assert!(reason.contains(why), "{why}: {reason}");
            }
            other => panic!("{why}: {other:?}"),
        }
        assert!(versions.is_empty());
    }
}

#[test]
fn busy_and_failing_upstreams_are_retried_with_backoff() {
    // 503, then 429 with Retry-After, then a page cut mid-body, then pages.
    let upstream = Upstream::start(|t, n| match n {
        0 => Answer::Status(503, ""),
        1 => Answer::Status(429, "Retry-After: 0\r\n"),
        2 => Answer::Cut(page(1)),
        _ => two_pages(t),
    });
    let (walked, versions) = run(&upstream, fast());
    let walked = walked.unwrap();
    assert_eq!((walked.pages, walked.retries, versions.len()), (2, 3, 3));
}

#[test]
fn retries_are_bounded_and_a_client_error_is_not_retried() {
    let upstream = Upstream::start(|_, _| Answer::Status(502, ""));
    let limits = Limits {
        retries: 2,
        ..fast()
    };
    let (walked, _) = run(&upstream, limits);
    match walked {
        Err(WalkError::Unreachable { reason, .. }) => {
            assert!(reason.contains("after 2 retries"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(upstream.seen().len(), 3);

    let upstream = Upstream::start(|_, _| Answer::Status(404, ""));
    let (walked, _) = run(&upstream, fast());
    assert!(
        matches!(walked, Err(WalkError::Unreachable { .. })),
        "{walked:?}"
    );
    assert_eq!(upstream.seen().len(), 1);
}

#[test]
fn pages_and_their_sizes_are_bounded() {
    let upstream = Upstream::start(|t, _| two_pages(t));
    let (walked, _) = run(
        &upstream,
        Limits {
            max_pages: 1,
            ..fast()
        },
    );
    assert!(
        matches!(walked, Err(WalkError::TooManyPages(1))),
        "{walked:?}"
    );

    let upstream = Upstream::start(|t, _| two_pages(t));
    let (walked, versions) = run(
        &upstream,
        Limits {
            max_page_bytes: 100,
            ..fast()
        },
    );
    match walked {
        Err(WalkError::Unreachable { reason, .. }) => {
            assert!(reason.contains("larger than 100 bytes"))
        }
        other => panic!("{other:?}"),
    }
    assert!(versions.is_empty());
}

#[test]
fn the_caller_may_stop_the_walk_and_bad_urls_are_refused() {
    let upstream = Upstream::start(|t, _| two_pages(t));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let walked = runtime.block_on(walk(&upstream.base, None, fast(), |_| {
        Err("the store is full".into())
    }));
    assert!(matches!(walked, Err(WalkError::Stopped(ref why)) if why == "the store is full"));
    assert_eq!(upstream.seen().len(), 1);
    for bad in ["ftp://x", "not a url", "file:///etc/passwd"] {
        let walked = runtime.block_on(walk(bad, None, fast(), |_| Ok(())));
        assert!(matches!(walked, Err(WalkError::BadUrl(_))), "{bad}");
    }
}

#[test]
fn a_page_with_more_versions_than_asked_is_not_a_page() {
    let upstream = Upstream::start(|_, _| {
        let mut page: serde_json::Value = serde_json::from_str(&page(1)).unwrap();
        page["metadata"] = serde_json::json!({"count": 2});
        Answer::Ok(page.to_string())
    });
    let limits = Limits {
        page_size: 1,
        ..fast()
    };
    let (result, got) = run(&upstream, limits);
    match result {
        Err(WalkError::Malformed {
            page: 1, reason, ..
        }) => {
            assert!(
                reason.contains("2 versions on one page; `limit=1`"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(got.is_empty());
}
