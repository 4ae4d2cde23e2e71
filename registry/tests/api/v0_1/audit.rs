//! `GET /v0.1/audit`: admin only, every change and attempt, paginated.

use super::servers::publish;
use crate::support::{get, post_json};
use mcp_registry::testing::{ALLOWED_HOST, TestServer, digest, manifest};
use serde_json::json;

#[test]
fn audit_is_admin_only() {
    let s = TestServer::start(|_| {});
    get(&format!("{}/v0.1/audit", s.base), None).assert_problem(401, "unauthorized");
    get(&format!("{}/v0.1/audit", s.base), Some(&s.acme_token))
        .assert_problem(403, "admin-required");
}

#[test]
fn audit_lists_every_change_and_rejection_with_codes_in_pages() {
    let s = TestServer::start(|_| {});
    publish(&s, "io.github.acme/weather", "1.0.0");
    post_json(
        &format!("{}/v0.1/publish", s.base),
        Some(&s.acme_token),
        &manifest(
            "io.github.acme/weather",
            "2.0.0",
            ALLOWED_HOST,
            &digest("unsigned"),
        ),
    );
    post_json(
        &format!(
            "{}/v0.1/servers/io.github.acme%2Fweather/versions/1.0.0/yank",
            s.base
        ),
        Some(&s.acme_token),
        &json!({"reason": "broken"}),
    );
    let mut seen = Vec::new();
    let mut url = format!("{}/v0.1/audit?limit=2", s.base);
    loop {
        let a = get(&url, Some(&s.admin_token));
        assert_eq!(a.status, 200, "{}", a.text);
        for r in a.body["records"].as_array().unwrap() {
            seen.push((
                r["seq"].as_u64().unwrap(),
                r["action"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
                r["codes"].as_array().map(|c| c.len()).unwrap_or(0),
            ));
        }
        match a.body["metadata"]["nextCursor"].as_str() {
            Some(c) => url = format!("{}/v0.1/audit?limit=2&cursor={c}", s.base),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            (1, "namespace.create".into(), "accepted".into(), 0),
            (2, "token.create".into(), "accepted".into(), 0),
            (3, "token.create".into(), "accepted".into(), 0),
            (4, "publish".into(), "accepted".into(), 0),
            (5, "publish".into(), "rejected".into(), 1),
            (6, "yank".into(), "accepted".into(), 0),
        ]
    );
}
