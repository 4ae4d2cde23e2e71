//! `/v0.1/admin/…`: namespaces and tokens over HTTP with an admin token.

use crate::support::{get, post, post_json};
use mcp_registry::testing::{ALLOWED_HOST, ISSUER, TestServer, acme_signer, digest, manifest};
use serde_json::json;

#[test]
fn admin_creates_namespace_and_token_that_can_publish() {
    let s = TestServer::start(|_| {});
    let ns = json!({
        "name": "io.github.globex",
        "signerIdentityRegexp": "https://github\\.com/globex/.+",
        "signerIssuer": ISSUER,
    });
    let a = post_json(
        &format!("{}/v0.1/admin/namespaces", s.base),
        Some(&s.admin_token),
        &ns,
    );
    assert_eq!(a.status, 201, "{}", a.text);
    post_json(
        &format!("{}/v0.1/admin/namespaces", s.base),
        Some(&s.admin_token),
        &ns,
    )
    .assert_problem(409, "already-exists");
    let listed = get(
        &format!("{}/v0.1/admin/namespaces", s.base),
        Some(&s.admin_token),
    );
    assert_eq!(listed.body["namespaces"].as_array().unwrap().len(), 2);
    let t = post_json(
        &format!("{}/v0.1/admin/tokens", s.base),
        Some(&s.admin_token),
        &json!({"namespace": "io.github.globex"}),
    );
    assert_eq!(t.status, 201, "{}", t.text);
    let token = t.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("mcpr_"));
    let d = digest("globex");
    let mut signer = acme_signer();
    signer.keyless.identity =
        "https://github.com/globex/x/.github/workflows/r.yml@refs/heads/main".into();
    s.verifier.sign(&d, signer.clone());
    let mut m = manifest("io.github.globex/x", "1.0.0", ALLOWED_HOST, &d);
    m["_meta"]["dev.mcp-trust/security"]["provenance"]["certificateIdentity"] =
        signer.keyless.identity.into();
    assert_eq!(
        post_json(&format!("{}/v0.1/publish", s.base), Some(&token), &m).status,
        201
    );
    let id = t.body["id"].as_str().unwrap();
    assert_eq!(
        post(
            &format!("{}/v0.1/admin/tokens/{id}/revoke", s.base),
            Some(&s.admin_token),
            b""
        )
        .status,
        200
    );
    post_json(&format!("{}/v0.1/publish", s.base), Some(&token), &m)
        .assert_problem(401, "unauthorized");
}

#[test]
fn admin_routes_refuse_namespace_tokens_and_bad_input() {
    let s = TestServer::start(|_| {});
    let body = json!({"namespace": "io.github.acme"});
    post_json(
        &format!("{}/v0.1/admin/tokens", s.base),
        Some(&s.acme_token),
        &body,
    )
    .assert_problem(403, "admin-required");
    post_json(
        &format!("{}/v0.1/admin/tokens", s.base),
        Some(&s.admin_token),
        &json!({"namespace": "io.github.nobody"}),
    )
    .assert_problem(404, "not-found");
    post_json(
        &format!("{}/v0.1/admin/tokens", s.base),
        Some(&s.admin_token),
        &json!({"namespace": "io.github.acme", "admin": true}),
    )
    .assert_problem(400, "admin-request-invalid");
    post_json(
        &format!("{}/v0.1/admin/namespaces", s.base),
        Some(&s.admin_token),
        &json!({"name": "io.github.x", "signerIdentityRegexp": "(", "signerIssuer": ISSUER}),
    )
    .assert_problem(400, "admin-request-invalid");
    post(
        &format!("{}/v0.1/admin/tokens/ffffffffffffffff/revoke", s.base),
        Some(&s.admin_token),
        b"",
    )
    .assert_problem(404, "not-found");
}

#[test]
fn admin_route_tokens_expire_after_90_days_unless_told_otherwise() {
    let s = TestServer::start(|_| {});
    let url = format!("{}/v0.1/admin/tokens", s.base);
    let days_from_now = |d: i64| {
        jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(24 * d))
            .unwrap()
    };
    let before = days_from_now(90);
    let t = post_json(
        &url,
        Some(&s.admin_token),
        &json!({"namespace": "io.github.acme"}),
    );
    assert_eq!(t.status, 201, "{}", t.text);
    let expires: jiff::Timestamp = t.body["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(
        expires
            >= before
                .checked_sub(jiff::SignedDuration::from_secs(1))
                .unwrap()
            && expires <= days_from_now(90),
        "{expires}"
    );
    let id = t.body["id"].as_str().unwrap();
    let stored = s.block_on(s.store.token(id)).unwrap().unwrap();
    assert!(stored.expires_at.is_some());
    let never = post_json(
        &url,
        Some(&s.admin_token),
        &json!({"admin": true, "expires": "never"}),
    );
    assert_eq!(never.status, 201, "{}", never.text);
    assert!(never.body["expiresAt"].is_null());
    for bad in ["0d", "2020-01-01T00:00:00Z", "soon"] {
        let a = post_json(
            &url,
            Some(&s.admin_token),
            &json!({"namespace": "io.github.acme", "expires": bad}),
        );
        a.assert_problem(400, "admin-request-invalid");
    }
}

/// The mirrored tier over HTTP, for a server whose embedded store the
/// `sync list` command cannot open while it runs: admin tokens only.
#[test]
fn the_mirrored_tier_is_listed_for_admin_tokens_only() {
    let s = TestServer::start(|_| {});
    for (name, version) in [
        ("io.github.acme/weather", "1.4.2"),
        ("io.github.zeta/notes", "2.0.0"),
    ] {
        let record = mcp_registry::model::MirroredRecord {
            name: name.into(),
            version: version.into(),
            source: "official https://upstream.example".into(),
            upstream: "{}".into(),
            upstream_sha256: "00".repeat(32),
            manifest: None,
            upstream_status: None,
            codes: vec!["image-tag-only".into()],
            detail: "the image is named by tag".into(),
            first_seen: jiff::Timestamp::UNIX_EPOCH,
            checked_at: jiff::Timestamp::UNIX_EPOCH,
        };
        s.block_on(s.store.put_mirrored(&record, None)).unwrap();
    }
    let url = format!("{}/v0.1/admin/mirrored", s.base);
    let all = get(&url, Some(&s.admin_token));
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["mirrored"].as_array().unwrap().len(), 2);
    assert_eq!(all.body["mirrored"][0]["codes"], json!(["image-tag-only"]));
    // Sizes, not the texts, in the list.
    assert_eq!(all.body["mirrored"][0]["upstreamBytes"], 2);
    assert_eq!(all.body["mirrored"][0].get("upstream"), None);
    let acme = get(
        &format!("{url}?namespace=io.github.acme"),
        Some(&s.admin_token),
    );
    assert_eq!(acme.body["mirrored"].as_array().unwrap().len(), 1);
    assert_eq!(acme.body["mirrored"][0]["version"], "1.4.2");
    get(&format!("{url}?nope=1"), Some(&s.admin_token)).assert_problem(400, "query-invalid");
    let first = get(&format!("{url}?limit=1"), Some(&s.admin_token));
    assert_eq!(first.body["mirrored"][0]["version"], "1.4.2");
    let cursor = first.body["metadata"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = get(
        &format!("{url}?limit=1&cursor={cursor}"),
        Some(&s.admin_token),
    );
    assert_eq!(second.body["mirrored"][0]["name"], "io.github.zeta/notes");
    let cursor = second.body["metadata"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let last = get(
        &format!("{url}?limit=1&cursor={cursor}"),
        Some(&s.admin_token),
    );
    assert_eq!(last.body["mirrored"], json!([]));
    assert_eq!(last.body["metadata"]["nextCursor"], json!(null));
    for bad in ["limit=0", "limit=501", "cursor=not-a-cursor"] {
        get(&format!("{url}?{bad}"), Some(&s.admin_token)).assert_problem(400, "query-invalid");
    }
    get(&url, Some(&s.acme_token)).assert_problem(403, "admin-required");
    assert_eq!(get(&url, None).status, 401);
}
