//! `GET /v0.1/servers…`: the official read API, checked against the official
//! response shapes (restated in `testdata/registry/official-api-shapes.schema.json`).

use crate::support::{Answer, get, post_json};
use mcp_registry::testing::{ALLOWED_HOST, TestServer, acme_signer, digest, manifest};
use serde_json::Value;

/// Asserts `value` has the official shape `def` (`ServerList` or `ServerResponse`).
#[track_caller]
pub fn assert_official_shape(def: &str, value: &Value) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/registry/official-api-shapes.schema.json"
    );
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    schema["$ref"] = format!("#/$defs/{def}").into();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not an official {def}: {errors:#?}\n{value:#}"
    );
}

/// Publishes `name`@`version` (signed by acme) and asserts 201.
pub fn publish(s: &TestServer, name: &str, version: &str) {
    let d = digest(&format!("{name}@{version}"));
    s.verifier.sign(&d, acme_signer());
    let a = post_json(
        &format!("{}/v0.1/publish", s.base),
        Some(&s.acme_token),
        &manifest(name, version, ALLOWED_HOST, &d),
    );
    assert_eq!(a.status, 201, "{}", a.text);
}

fn names(a: &Answer) -> Vec<String> {
    a.body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}@{}",
                s["server"]["name"].as_str().unwrap(),
                s["server"]["version"].as_str().unwrap()
            )
        })
        .collect()
}

fn seeded() -> TestServer {
    let s = TestServer::start(|_| {});
    publish(&s, "io.github.acme/weather", "1.0.0");
    publish(&s, "io.github.acme/weather", "1.1.0");
    publish(&s, "io.github.acme/tides", "0.3.0");
    s
}

#[test]
fn list_has_the_official_server_list_shape() {
    let s = seeded();
    let a = get(&format!("{}/v0.1/servers", s.base), None);
    assert_eq!(a.status, 200);
    assert_eq!(a.content_type, "application/json");
    assert_official_shape("ServerList", &a.body);
    assert_eq!(
        names(&a),
        [
            "io.github.acme/tides@0.3.0",
            "io.github.acme/weather@1.0.0",
            "io.github.acme/weather@1.1.0"
        ]
    );
    assert_eq!(a.body["metadata"]["count"], 3);
    assert!(a.body["metadata"].get("nextCursor").is_none());
    let official = &a.body["servers"][1]["_meta"]["io.modelcontextprotocol.registry/official"];
    assert_eq!(
        (official["status"].as_str(), official["isLatest"].as_bool()),
        (Some("active"), Some(false))
    );
    let verification = &a.body["servers"][1]["_meta"]["dev.mcp-trust/verification"];
    assert_eq!(verification["verified"], true);
    assert_eq!(verification["signer"]["sourceRepositoryId"], "123456");
}

#[test]
fn list_pages_with_next_cursor() {
    let s = seeded();
    let first = get(&format!("{}/v0.1/servers?limit=2", s.base), None);
    assert_eq!(first.body["metadata"]["count"], 2);
    let cursor = first.body["metadata"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = get(
        &format!("{}/v0.1/servers?limit=2&cursor={cursor}", s.base),
        None,
    );
    assert_official_shape("ServerList", &second.body);
    assert_eq!(names(&second), ["io.github.acme/weather@1.1.0"]);
    assert!(second.body["metadata"].get("nextCursor").is_none());
}

#[test]
fn list_filters_latest_search_and_updated_since() {
    let s = seeded();
    let latest = get(&format!("{}/v0.1/servers?version=latest", s.base), None);
    assert_eq!(
        names(&latest),
        ["io.github.acme/tides@0.3.0", "io.github.acme/weather@1.1.0"]
    );
    let exact = get(&format!("{}/v0.1/servers?version=1.0.0", s.base), None);
    assert_eq!(names(&exact), ["io.github.acme/weather@1.0.0"]);
    let search = get(&format!("{}/v0.1/servers?search=TIDE", s.base), None);
    assert_eq!(names(&search), ["io.github.acme/tides@0.3.0"]);
    let future = get(
        &format!("{}/v0.1/servers?updated_since=2999-01-01T00:00:00Z", s.base),
        None,
    );
    assert_eq!(future.body["servers"], Value::Array(vec![]));
    let past = get(
        &format!(
            "{}/v0.1/servers?updated_since=2000-01-01T00:00:00.000Z",
            s.base
        ),
        None,
    );
    assert_eq!(past.body["metadata"]["count"], 3);
}

#[test]
fn list_rejects_bad_parameters_with_400() {
    let s = TestServer::start(|_| {});
    for (query, code) in [
        ("limit=0", "limit-invalid"),
        ("limit=101", "limit-invalid"),
        ("limit=x", "limit-invalid"),
        ("cursor=bogus", "cursor-invalid"),
        ("updated_since=yesterday", "updated-since-invalid"),
        ("include_deleted=AAA", "query-invalid"),
        ("search=a%00", "search-invalid"),
        ("search=%1B%5B31m", "search-invalid"),
        ("version=1.0.0%00", "query-invalid"),
    ] {
        get(&format!("{}/v0.1/servers?{query}", s.base), None).assert_problem(400, code);
    }
    // A cursor this registry could never have returned (a NUL in the name).
    let forged = mcp_registry::store::Cursor {
        name: "io.github.acme/\u{0}".into(),
        version: "1.0.0".into(),
    }
    .encode();
    get(&format!("{}/v0.1/servers?cursor={forged}", s.base), None)
        .assert_problem(400, "cursor-invalid");
    // Over-long values, which no name or version reaches.
    let long_cursor = mcp_registry::store::Cursor {
        name: "io.github.acme/".to_owned() + &"a".repeat(1000),
        version: "1.0.0".into(),
    }
    .encode();
    get(
        &format!("{}/v0.1/servers?cursor={long_cursor}", s.base),
        None,
    )
    .assert_problem(400, "cursor-invalid");
    get(
        &format!("{}/v0.1/servers?version={}", s.base, "1".repeat(256)),
        None,
    )
    .assert_problem(400, "query-invalid");
    let ok = get(
        &format!("{}/v0.1/servers?version={}", s.base, "1".repeat(255)),
        None,
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    // The documented values are accepted.
    for value in ["true", "false"] {
        let r = get(
            &format!("{}/v0.1/servers?include_deleted={value}", s.base),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

#[test]
fn versions_of_url_encoded_name_newest_first() {
    let s = seeded();
    let a = get(
        &format!("{}/v0.1/servers/io.github.acme%2Fweather/versions", s.base),
        None,
    );
    assert_eq!(a.status, 200, "{}", a.text);
    assert_official_shape("ServerList", &a.body);
    assert_eq!(
        names(&a),
        [
            "io.github.acme/weather@1.1.0",
            "io.github.acme/weather@1.0.0"
        ]
    );
}

#[test]
fn version_exact_and_latest() {
    let s = seeded();
    let exact = get(
        &format!(
            "{}/v0.1/servers/io.github.acme%2Fweather/versions/1.0.0",
            s.base
        ),
        None,
    );
    assert_eq!(exact.status, 200);
    assert_official_shape("ServerResponse", &exact.body);
    assert_eq!(exact.body["server"]["version"], "1.0.0");
    let latest = get(
        &format!(
            "{}/v0.1/servers/io.github.acme%2Fweather/versions/latest",
            s.base
        ),
        None,
    );
    assert_official_shape("ServerResponse", &latest.body);
    assert_eq!(latest.body["server"]["version"], "1.1.0");
    assert_eq!(
        latest.body["_meta"]["io.modelcontextprotocol.registry/official"]["isLatest"],
        true
    );
}

#[test]
fn unknown_server_or_version_is_404() {
    let s = seeded();
    for path in [
        "/v0.1/servers/io.github.acme%2Fnope/versions",
        "/v0.1/servers/io.github.acme%2Fnope/versions/1.0.0",
        "/v0.1/servers/io.github.acme%2Fweather/versions/9.9.9",
        "/v0.1/servers/io.github.acme%2Fnope/versions/latest",
        "/v0.2/nothing",
    ] {
        get(&format!("{}{path}", s.base), None).assert_problem(404, "not-found");
    }
}

/// Answers are kept while the store is unchanged: every write (a publish, a
/// yank, a revocation) shows in the next answer of a query asked before it.
#[test]
fn a_kept_answer_never_outlives_a_change() {
    let s = seeded();
    let list = |query: &str| get(&format!("{}/v0.1/servers{query}", s.base), None);
    let status = |a: &Answer, name: &str| -> Option<String> {
        a.body["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                format!(
                    "{}@{}",
                    e["server"]["name"].as_str().unwrap(),
                    e["server"]["version"].as_str().unwrap()
                ) == name
            })
            .map(|e| {
                e["_meta"]["dev.mcp-trust/status"]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
    };
    let change = |version: &str, action: &str, token: &str| {
        let a = post_json(
            &format!(
                "{}/v0.1/servers/io.github.acme%2Fweather/versions/{version}/{action}",
                s.base
            ),
            Some(token),
            &serde_json::json!({"reason": "test"}),
        );
        assert_eq!(a.status, 200, "{}", a.text);
    };
    let kept = || -> u64 {
        let m = get(&format!("{}/metrics", s.base), None).text;
        m.lines()
            .find_map(|l| l.strip_prefix("mcp_registry_list_answers_total{outcome=\"kept\"} "))
            .unwrap()
            .parse()
            .unwrap()
    };
    // Asked twice, so that the second answer is the kept one (once the
    // catalog signing that follows the publishes has committed, which on a
    // loaded machine running every test at once took over 10 s).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let before = kept();
        for _ in 0..2 {
            let all = list("");
            assert_eq!(all.content_type, "application/json");
            assert_eq!(names(&all).len(), 3);
            assert_eq!(
                names(&list("?version=latest")),
                ["io.github.acme/tides@0.3.0", "io.github.acme/weather@1.1.0"]
            );
        }
        // At least the second of each pair; all four once nothing commits
        // between one round and the next.
        if kept() >= before + 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no answer was served kept"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    publish(&s, "io.github.acme/weather", "1.2.0");
    assert_eq!(
        status(&list(""), "io.github.acme/weather@1.2.0").as_deref(),
        Some("active")
    );
    assert_eq!(
        names(&list("?version=latest")),
        ["io.github.acme/tides@0.3.0", "io.github.acme/weather@1.2.0"]
    );
    let search = |q: &str| names(&list(&format!("?search=weather{q}")));
    assert_eq!(search("").len(), 3);
    change("1.2.0", "yank", &s.acme_token);
    assert_eq!(
        status(&list(""), "io.github.acme/weather@1.2.0").as_deref(),
        Some("yanked")
    );
    assert_eq!(
        names(&list("?version=latest")),
        ["io.github.acme/tides@0.3.0", "io.github.acme/weather@1.1.0"]
    );
    change("1.2.0", "revoke", &s.admin_token);
    assert_eq!(status(&list(""), "io.github.acme/weather@1.2.0"), None);
    assert_eq!(
        status(
            &list("?include_deleted=true"),
            "io.github.acme/weather@1.2.0"
        )
        .as_deref(),
        Some("revoked")
    );
    assert_eq!(
        names(&list("?version=latest")),
        ["io.github.acme/tides@0.3.0", "io.github.acme/weather@1.1.0"]
    );
    assert_eq!(search("").len(), 2);
}
