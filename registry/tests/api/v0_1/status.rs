//! Yank, unyank and revoke: who may, with a reason, and the status visible
//! in every read afterwards.

use super::servers::{assert_official_shape, publish};
use crate::support::{get, post_json};
use mcp_registry::testing::TestServer;
use serde_json::json;

fn url(s: &TestServer, version: &str, action: &str) -> String {
    format!(
        "{}/v0.1/servers/io.github.acme%2Fweather/versions/{version}/{action}",
        s.base
    )
}

fn two_versions() -> TestServer {
    let s = TestServer::start(|_| {});
    publish(&s, "io.github.acme/weather", "1.0.0");
    publish(&s, "io.github.acme/weather", "1.1.0");
    s
}

#[test]
fn owner_yanks_with_a_reason_and_a_yank_is_final() {
    let s = two_versions();
    let a = post_json(
        &url(&s, "1.1.0", "yank"),
        Some(&s.acme_token),
        &json!({"reason": "crashes on start"}),
    );
    assert_eq!(a.status, 200, "{}", a.text);
    assert_official_shape("ServerResponse", &a.body);
    let official = &a.body["_meta"]["io.modelcontextprotocol.registry/official"];
    assert_eq!(official["status"], "deprecated");
    assert_eq!(official["statusMessage"], "crashes on start");
    assert_eq!(official["isLatest"], false);
    assert_eq!(a.body["_meta"]["dev.mcp-trust/status"]["status"], "yanked");
    let latest = get(
        &format!(
            "{}/v0.1/servers/io.github.acme%2Fweather/versions/latest",
            s.base
        ),
        None,
    );
    assert_eq!(
        latest.body["server"]["version"], "1.0.0",
        "a yanked version is never latest"
    );
    // The signed catalog only moves forward, so the registry refuses to
    // bring a yanked version back, and says what to do instead.
    let u = post_json(
        &url(&s, "1.1.0", "unyank"),
        Some(&s.acme_token),
        &json!({"reason": "fixed upstream"}),
    );
    assert_eq!(u.status, 409, "{}", u.text);
    assert_eq!(u.body["code"], "status-transition-invalid");
    assert!(
        u.text.contains("a yank is final") && u.text.contains("publish a new version"),
        "{}",
        u.text
    );
    let still = get(
        &format!(
            "{}/v0.1/servers/io.github.acme%2Fweather/versions/1.1.0",
            s.base
        ),
        None,
    );
    assert_eq!(
        still.body["_meta"]["dev.mcp-trust/status"]["status"],
        "yanked"
    );
}

#[test]
fn yanked_versions_stay_listed_and_revoked_ones_only_when_asked_for() {
    let s = two_versions();
    assert_eq!(
        post_json(
            &url(&s, "1.0.0", "yank"),
            Some(&s.acme_token),
            &json!({"reason": "old"})
        )
        .status,
        200
    );
    assert_eq!(
        post_json(
            &url(&s, "1.1.0", "revoke"),
            Some(&s.admin_token),
            &json!({"reason": "malware"})
        )
        .status,
        200
    );
    let statuses = |query: &str| -> Vec<(String, String)> {
        let list = get(&format!("{}/v0.1/servers{query}", s.base), None);
        assert_eq!(list.status, 200, "{}", list.text);
        assert_official_shape("ServerList", &list.body);
        list.body["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["_meta"]["dev.mcp-trust/status"]["status"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    e["_meta"]["io.modelcontextprotocol.registry/official"]["status"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect()
    };
    let yanked = ("yanked".to_owned(), "deprecated".to_owned());
    let revoked = ("revoked".to_owned(), "deleted".to_owned());
    // The official default: a deleted (revoked) version is not listed...
    assert_eq!(statuses(""), std::slice::from_ref(&yanked));
    assert_eq!(
        statuses("?include_deleted=false"),
        std::slice::from_ref(&yanked)
    );
    // ...unless asked for, and always in an incremental listing, so a mirror
    // syncing by `updated_since` learns of the revocation.
    assert_eq!(
        statuses("?include_deleted=true"),
        [yanked.clone(), revoked.clone()]
    );
    let since = "updated_since=2000-01-01T00:00:00Z";
    assert_eq!(
        statuses(&format!("?{since}")),
        [yanked.clone(), revoked.clone()]
    );
    assert_eq!(
        statuses(&format!("?{since}&include_deleted=true")),
        [yanked, revoked]
    );
    get(
        &format!("{}/v0.1/servers?{since}&include_deleted=false", s.base),
        None,
    )
    .assert_problem(400, "query-invalid");

    let server = format!("{}/v0.1/servers/io.github.acme%2Fweather", s.base);
    let one = get(&format!("{server}/versions/1.1.0"), None);
    one.assert_problem(404, "not-found");
    assert!(one.text.contains("include_deleted=true"), "{}", one.text);
    let one = get(
        &format!("{server}/versions/1.1.0?include_deleted=true"),
        None,
    );
    assert_official_shape("ServerResponse", &one.body);
    assert_eq!(
        one.body["_meta"]["dev.mcp-trust/status"]["reason"],
        "malware"
    );
    let count = |query: &str| {
        get(&format!("{server}/versions{query}"), None).body["metadata"]["count"].clone()
    };
    assert_eq!(count(""), 1);
    assert_eq!(count("?include_deleted=true"), 2);
    get(&format!("{server}/versions?include_deleted=maybe"), None)
        .assert_problem(400, "query-invalid");
    // The yanked version is still served; no version is the latest.
    assert_eq!(get(&format!("{server}/versions/1.0.0"), None).status, 200);
    get(&format!("{server}/versions/latest"), None).assert_problem(404, "not-found");
}

#[test]
fn revocation_needs_an_admin_and_is_final() {
    let s = two_versions();
    post_json(
        &url(&s, "1.0.0", "revoke"),
        Some(&s.acme_token),
        &json!({"reason": "x"}),
    )
    .assert_problem(403, "admin-required");
    assert_eq!(
        post_json(
            &url(&s, "1.0.0", "revoke"),
            Some(&s.admin_token),
            &json!({"reason": "key leak"})
        )
        .status,
        200
    );
    post_json(
        &url(&s, "1.0.0", "unyank"),
        Some(&s.acme_token),
        &json!({"reason": "x"}),
    )
    .assert_problem(409, "status-transition-invalid");
    post_json(
        &url(&s, "1.0.0", "yank"),
        Some(&s.acme_token),
        &json!({"reason": "x"}),
    )
    .assert_problem(409, "status-transition-invalid");
}

#[test]
fn lifecycle_needs_token_ownership_and_reason() {
    let s = two_versions();
    post_json(&url(&s, "1.0.0", "yank"), None, &json!({"reason": "x"}))
        .assert_problem(401, "unauthorized");
    post_json(&url(&s, "1.0.0", "yank"), Some(&s.acme_token), &json!({}))
        .assert_problem(400, "json-invalid");
    post_json(
        &url(&s, "1.0.0", "yank"),
        Some(&s.acme_token),
        &json!({"reason": "  "}),
    )
    .assert_problem(400, "reason-invalid");
    post_json(
        &url(&s, "1.0.0", "yank"),
        Some(&s.acme_token),
        &json!({"reason": "x".repeat(501)}),
    )
    .assert_problem(400, "reason-invalid");
    post_json(
        &url(&s, "9.9.9", "yank"),
        Some(&s.acme_token),
        &json!({"reason": "x"}),
    )
    .assert_problem(404, "not-found");
    let other = format!(
        "{}/v0.1/servers/io.github.other%2Fweather/versions/1.0.0/yank",
        s.base
    );
    post_json(&other, Some(&s.acme_token), &json!({"reason": "x"}))
        .assert_problem(403, "namespace-forbidden");
}

#[test]
fn refused_status_changes_are_audited_with_their_codes() {
    let s = two_versions();
    let acme = "io.github.acme/weather";
    // (server, version, action, reason, status, code): each refused.
    let cases = [
        (
            "io.github.other/weather",
            "1.0.0",
            "yank",
            "x",
            403,
            "namespace-forbidden",
        ),
        (acme, "1.0.0", "revoke", "x", 403, "admin-required"),
        (acme, "1.0.0", "yank", " ", 400, "reason-invalid"),
        (acme, "9.9.9", "yank", "x", 404, "not-found"),
        (
            acme,
            "1.0.0",
            "unyank",
            "x",
            409,
            "status-transition-invalid",
        ),
    ];
    for (server, version, action, reason, status, code) in cases {
        let url = format!(
            "{}/v0.1/servers/{}/versions/{version}/{action}",
            s.base,
            server.replace('/', "%2F")
        );
        post_json(&url, Some(&s.acme_token), &json!({ "reason": reason }))
            .assert_problem(status, code);
    }
    let audit = get(
        &format!("{}/v0.1/audit?limit=100", s.base),
        Some(&s.admin_token),
    );
    assert_eq!(audit.status, 200, "{}", audit.text);
    let rejected: Vec<(String, String, String)> = audit.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "rejected")
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_owned(),
                r["subject"].as_str().unwrap().to_owned(),
                r["codes"][0].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = cases
        .iter()
        .map(|(server, version, action, _, _, code)| {
            (
                action.to_string(),
                format!("{server}@{version}"),
                code.to_string(),
            )
        })
        .collect();
    assert_eq!(
        rejected, expected,
        "every refused status change by an authenticated caller is audited"
    );
}

#[test]
fn a_namespace_token_cannot_touch_a_look_alike_namespace() {
    let s = two_versions();
    for name in [
        "IO.GITHUB.ACME%2Fweather",
        "io.github.acme.evil%2Fweather",
        "io.github%2Facme%2Fweather",
        "io.github.acm%2Fweather",
    ] {
        let u = format!("{}/v0.1/servers/{name}/versions/1.0.0/yank", s.base);
        let a = post_json(&u, Some(&s.acme_token), &json!({"reason": "x"}));
        assert!(
            a.status == 403 || a.status == 404,
            "{name}: {} {}",
            a.status,
            a.text
        );
        assert_ne!(a.status, 200, "{name}");
    }
    // Revoked stays revoked whoever asks, and nothing moves a version back to active.
    let admin = |version: &str, action: &str| {
        post_json(
            &url(&s, version, action),
            Some(&s.admin_token),
            &json!({"reason": "x"}),
        )
    };
    assert_eq!(admin("1.0.0", "yank").status, 200);
    admin("1.0.0", "unyank").assert_problem(409, "status-transition-invalid");
    assert_eq!(admin("1.0.0", "revoke").status, 200);
    for action in ["unyank", "yank", "revoke"] {
        admin("1.0.0", action).assert_problem(409, "status-transition-invalid");
    }
    let v = get(
        &format!(
            "{}?include_deleted=true",
            url(&s, "1.0.0", "").trim_end_matches('/')
        ),
        None,
    );
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.body["_meta"]["dev.mcp-trust/status"]["status"], "revoked");
}
