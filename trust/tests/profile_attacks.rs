//! A hostile publisher against runtime profiles: lint-clean manifests must
//! never make a rendered profile grant what the manifest did not declare.
//! Every rendered YAML document is read back with a YAML parser (libyaml's
//! port, which treats U+0085, U+2028 and U+2029 as line breaks, as PyYAML and
//! Go's yaml do), every JSON document with a JSON parser, every docker
//! command line with `/bin/sh`, and compared with the document the renderer
//! meant to write.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::manifest::{EXTENSION_KEY, ValidateOptions, validate};
use mcp_trust::profile::{
    EgressAllow, EnvVar, Format, MountSource, NetworkPolicy, ProfileError, ProfileOptions,
    RuntimeProfile, SecretDelivery,
};
use mcp_trust::{Finding, Severity};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const DIGEST: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

/// A lint-clean manifest that uses every field a profile renders.
fn rich() -> Value {
    json!({
        "name": "io.github.acme/weather",
        "title": "Weather",
        "description": "Forecasts for a place.",
        "version": "1.4.2",
        "repository": { "url": "https://github.com/acme/weather", "source": "github" },
        "packages": [{
            "registryType": "oci",
            "identifier": "ghcr.io/acme/weather",
            "transport": { "type": "stdio" },
            "environmentVariables": [
                { "name": "MODE", "value": "fast" },
                { "name": "EXTRA_TOKEN", "isSecret": true }
            ],
            "packageArguments": [
                { "type": "named", "name": "--units", "value": "metric" },
                { "type": "positional", "value": "serve" }
            ]
        }],
        "_meta": { EXTENSION_KEY: {
            "image": format!("ghcr.io/acme/weather@{DIGEST}"),
            "provenance": {
                "certificateIdentity": "https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1.4.2",
                "certificateOidcIssuer": "https://token.actions.githubusercontent.com"
            },
            "tools": [{ "name": "save", "inputSchema": { "type": "object" } }],
            "network": { "egress": ["api.example.com:443", "10.1.2.3:8443", "*:53"] },
            "filesystem": { "mounts": [
                { "containerPath": "/data", "access": "read-write", "hostPath": "/srv/weather", "description": "forecasts" },
                { "containerPath": "/cache", "access": "read-only" }
            ]},
            "secrets": [
                { "name": "TOKEN" },
                { "name": "API_KEY", "mode": "env" }
            ]
        }}
    })
}

fn ext(doc: &mut Value) -> &mut Value {
    &mut doc["_meta"][EXTENSION_KEY]
}

fn ext_pointer(sub: &str) -> String {
    format!("/_meta/{}{sub}", EXTENSION_KEY.replace('/', "~1"))
}

fn lint(doc: &Value) -> Vec<Finding> {
    validate(
        &serde_json::to_vec(doc).unwrap(),
        ValidateOptions {
            require_extension: true,
        },
    )
    .findings
}

fn profile(doc: &Value, options: &ProfileOptions) -> Result<RuntimeProfile, ProfileError> {
    RuntimeProfile::from_manifest_bytes(&serde_json::to_vec(doc).unwrap(), options)
}

/// Every YAML document in `text`, in order, as JSON values.
fn yaml_documents(text: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{e}\n{text}")))
        .collect()
}

/// The words `/bin/sh` passes to `docker` when it runs the rendered text.
fn shell_argv(text: &str) -> Vec<String> {
    let script = format!("docker() {{ printf '%s\\0' \"$@\"; }}\n{text}");
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut words: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .map(|w| String::from_utf8(w.to_vec()).unwrap())
        .collect();
    words.pop();
    words
}

/// Renders every format and checks that what a parser reads is the intended document.
fn assert_renders_faithfully(p: &RuntimeProfile) {
    for format in Format::ALL {
        let r = p.render(format).unwrap();
        match format {
            Format::Docker => {
                let want: Vec<String> = r
                    .document
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                let mut got = shell_argv(&r.text);
                assert_eq!(got.remove(0), "run", "{}", r.text);
                assert_eq!(got, want[2..], "{}", r.text);
            }
            Format::Kubernetes => {
                assert_eq!(
                    Value::Array(yaml_documents(&r.text)),
                    r.document,
                    "{}",
                    r.text
                );
            }
            Format::Compose | Format::DockerMcp => {
                assert_eq!(
                    yaml_documents(&r.text),
                    vec![r.document.clone()],
                    "{}",
                    r.text
                );
            }
            Format::Toolhive | Format::Json => {
                let parsed: Value = serde_json::from_str(&r.text).unwrap();
                assert_eq!(parsed, r.document, "{}", r.text);
            }
        }
        // The comment header: every line before the document starts. (Later
        // lines that start with `#` are inside quoted or block text.)
        for line in r.text.lines().take_while(|l| l.starts_with('#')) {
            assert!(
                line.chars().all(|c| c == ' ' || c.is_ascii_graphic()),
                "{format}: comment line with a character outside printable ASCII: {line:?}"
            );
        }
    }
}

// --- 1. line separators ------------------------------------------------------

/// The attack: text that, once a comment ends at U+2028, is a privileged Pod.
fn injection(sep: char) -> String {
    ["x", "---", "apiVersion: v1", "kind: Pod", "metadata: {name: pwn}",
     "spec: {hostNetwork: true, hostPID: true, containers: [{name: c, image: busybox, securityContext: {privileged: true}}], volumes: [{name: h, hostPath: {path: /}}]}"]
        .join(&sep.to_string())
}

/// Every manifest string that reaches a rendered profile, as a JSON pointer.
fn rendered_fields() -> Vec<String> {
    let mut v: Vec<String> = [
        "/name",
        "/title",
        "/description",
        "/version",
        "/repository/url",
        "/packages/0/environmentVariables/0/name",
        "/packages/0/environmentVariables/0/value",
        "/packages/0/environmentVariables/1/name",
        "/packages/0/packageArguments/0/name",
        "/packages/0/packageArguments/0/value",
        "/packages/0/packageArguments/1/value",
    ]
    .map(str::to_owned)
    .to_vec();
    for sub in [
        "/image",
        "/provenance/certificateIdentity",
        "/provenance/certificateOidcIssuer",
        "/network/egress/0",
        "/filesystem/mounts/0/containerPath",
        "/filesystem/mounts/0/hostPath",
        "/filesystem/mounts/0/description",
        "/secrets/0/name",
        "/secrets/1/name",
    ] {
        v.push(ext_pointer(sub));
    }
    v
}

#[test]
fn the_rich_manifest_is_lint_clean_and_renders_faithfully() {
    let findings = lint(&rich());
    assert!(
        !findings.iter().any(|f| f.severity == Severity::Error),
        "{findings:#?}"
    );
    assert_renders_faithfully(&profile(&rich(), &ProfileOptions::default()).unwrap());
}

#[test]
fn line_separators_bidi_and_invisible_characters_are_refused_in_every_rendered_field() {
    for sep in [
        '\u{2028}',
        '\u{2029}',
        '\u{85}',
        '\u{202e}',
        '\u{200b}',
        '\u{e0041}',
        '\u{1b}',
    ] {
        for pointer in rendered_fields() {
            let mut doc = rich();
            let at = doc.pointer_mut(&pointer).unwrap();
            let old = at.as_str().unwrap().to_owned();
            *at = json!(format!("{old}{}", injection(sep)));
            let findings = lint(&doc);
            assert!(
                findings
                    .iter()
                    .any(|f| f.code == "text-character-refused" && f.path == pointer),
                "U+{:04X} at {pointer}: {findings:#?}",
                sep as u32
            );
            assert!(matches!(
                profile(&doc, &ProfileOptions::default()),
                Err(ProfileError::ManifestInvalid { .. })
            ));
        }
    }
}

#[test]
fn a_line_break_is_allowed_only_in_descriptions_and_keys() {
    let mut doc = rich();
    doc["description"] = json!("two\nlines");
    ext(&mut doc)["filesystem"]["mounts"][0]["description"] = json!("two\r\nlines");
    assert!(
        !lint(&doc)
            .iter()
            .any(|f| f.code == "text-character-refused")
    );
    doc["title"] = json!("two\nlines");
    let f = lint(&doc);
    assert!(
        f.iter()
            .any(|f| f.code == "text-character-refused" && f.path == "/title"),
        "{f:#?}"
    );
    // Object keys are text too: an unknown key of the official part is kept, so it is checked.
    let mut doc = rich();
    doc["x\u{2028}y"] = json!(1);
    assert!(
        lint(&doc)
            .iter()
            .any(|f| f.code == "text-character-refused" && f.path == "/x\u{2028}y")
    );
}

#[test]
fn comment_headers_stay_one_line_whatever_reaches_them() {
    // Past lint (a profile built by other code, or a rule missed): the
    // renderers alone must keep every comment on its line.
    let mut p = profile(&rich(), &ProfileOptions::default()).unwrap();
    for sep in ['\u{2028}', '\u{2029}', '\u{85}', '\n', '\r'] {
        p.server.name = injection(sep);
        p.server.version = injection(sep);
        p.labels
            .insert(format!("dev.mcp-trust/{}", injection(sep)), injection(sep));
        p.warnings.push(Finding::warning(
            &injection(sep),
            injection(sep),
            injection(sep),
        ));
        assert_renders_faithfully(&p);
        let k8s = p.render(Format::Kubernetes).unwrap();
        let kinds: Vec<&str> = k8s
            .document
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["Pod", "NetworkPolicy"]);
        assert_eq!(yaml_documents(&k8s.text).len(), 2, "{}", k8s.text);
    }
}

/// Strings built from what changes the meaning of YAML, JSON and shell text,
/// and from any other character.
fn hostile() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\n',
        '\r',
        '\t',
        '\u{85}',
        '\u{2028}',
        '\u{2029}',
        '\u{feff}',
        '\u{202e}',
        '\u{1b}',
        '\u{7f}',
        '#',
        ':',
        '-',
        ' ',
        '"',
        '\'',
        '\\',
        '{',
        '}',
        '[',
        ']',
        ',',
        '&',
        '*',
        '!',
        '|',
        '>',
        '%',
        '@',
        '`',
        '$',
        ';',
        '?',
        '~',
        '=',
        'a',
        'Z',
        '0',
        'é',
        '\u{1f600}',
    ]);
    let any = any::<char>().prop_filter("no NUL", |c| *c != '\0');
    prop::collection::vec(prop_oneof![4 => special, 1 => any], 0..24)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_string_in_any_rendered_field_parses_back_as_rendered(s in prop::collection::vec(hostile(), 20)) {
        let mut p = profile(&rich(), &ProfileOptions::default()).unwrap();
        p.server.name = s[0].clone();
        p.server.version = s[1].clone();
        p.server.title = Some(s[2].clone());
        p.server.description = s[3].clone();
        p.server.repository = Some(s[4].clone());
        p.mounts[0].container_path = s[5].clone();
        p.mounts[0].source = MountSource::HostPath(s[6].clone());
        p.mounts[0].description = Some(s[7].clone());
        p.mounts[1].source = MountSource::Volume(s[8].clone());
        p.secrets[0].name = s[9].clone();
        if let SecretDelivery::File { path, host_file, .. } = &mut p.secrets[0].delivery {
            *path = s[10].clone();
            *host_file = s[11].clone();
        }
        if let SecretDelivery::Env { variable, env_file } = &mut p.secrets[1].delivery {
            *variable = s[12].clone();
            *env_file = s[13].clone();
        }
        p.env.push(EnvVar { name: s[14].clone(), value: s[15].clone() });
        p.args.push(s[16].clone());
        p.labels.insert(s[17].clone(), s[18].clone());
        if let NetworkPolicy::Egress { allow } = &mut p.network {
            allow.push(EgressAllow { rule: s[19].clone(), parsed: allow[0].parsed.clone() });
        }
        p.warnings.push(Finding::warning(&s[0], s[1].clone(), s[2].clone()));
        assert_renders_faithfully(&p);
    }
}

#[test]
fn compose_never_substitutes_the_operators_environment() {
    // A signer identity may hold `$` (it only reaches labels); values and
    // arguments past lint (which refuses `$` there) test the renderer alone.
    let mut doc = rich();
    ext(&mut doc)["provenance"]["certificateIdentity"] =
        json!("https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/$TAG");
    assert!(!lint(&doc).iter().any(|f| f.severity == Severity::Error));
    let mut p = profile(&doc, &ProfileOptions::default()).unwrap();
    p.env[0].value = "$GITHUB_TOKEN".into();
    p.args[1] = "$AWS_SECRET_ACCESS_KEY".into();
    let compose = p.render(Format::Compose).unwrap();
    let svc = &yaml_documents(&compose.text)[0]["services"][p.server.slug.as_str()];
    // `$$` is Compose's literal `$`: the server gets the text, not the operator's value.
    assert_eq!(
        svc["environment"]["MODE"],
        json!("$$GITHUB_TOKEN"),
        "{}",
        compose.text
    );
    assert!(
        svc["command"]
            .as_array()
            .unwrap()
            .contains(&json!("$$AWS_SECRET_ACCESS_KEY")),
        "{}",
        compose.text
    );
    assert!(!compose.text.contains(" $G") && !compose.text.contains("\"$G"));
    // No other format interpolates: their values stay as declared.
    let docker = p.render(Format::Docker).unwrap();
    assert!(
        docker
            .document
            .as_array()
            .unwrap()
            .contains(&json!("MODE=$GITHUB_TOKEN"))
    );
    // A path holding `$` or a template is not a path.
    let mut doc = rich();
    ext(&mut doc)["filesystem"]["mounts"][1]["containerPath"] = json!("/cache${X-}");
    assert!(lint(&doc).iter().any(|f| f.code == "mount-path-invalid"
        && f.path == ext_pointer("/filesystem/mounts/1/containerPath")));
}

#[test]
fn kubernetes_never_expands_variables_in_args_or_env() {
    // Past lint (which refuses `$` there): the renderer holds on its own.
    let mut p = profile(&rich(), &ProfileOptions::default()).unwrap();
    p.env[0].value = "$(API_KEY)".into();
    p.args.push("--key=$(API_KEY) $$".into());
    let pod = &p.render(Format::Kubernetes).unwrap().document[0];
    let container = &pod["spec"]["containers"][0];
    // `$$` is the kubelet's literal `$`.
    assert!(
        container["args"]
            .as_array()
            .unwrap()
            .contains(&json!("--key=$$(API_KEY) $$$$")),
        "{container:#}"
    );
    let mode = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "MODE")
        .unwrap();
    assert_eq!(mode["value"], json!("$$(API_KEY)"));
}

#[test]
fn dollar_signs_in_arguments_and_values_are_refused() {
    // Docker's MCP gateway expands `$VAR` from its secrets (no escape exists)
    // and Kubernetes `$(VAR)`: `$API_KEY` would put a secret on the command line.
    for (pointer, value) in [
        ("/packages/0/packageArguments/1/value", "$API_KEY"),
        ("/packages/0/packageArguments/0/value", "$(API_KEY)"),
        ("/packages/0/packageArguments/0/name", "--cfg=$X"),
        ("/packages/0/environmentVariables/0/value", "${API_KEY}"),
    ] {
        let mut doc = rich();
        *doc.pointer_mut(pointer).unwrap() = json!(value);
        let f = lint(&doc);
        assert!(
            f.iter()
                .any(|f| f.code == "package-value-expansion" && f.path == pointer),
            "{pointer}: {f:#?}"
        );
    }
    // A named argument with only a name is checked like a value.
    let mut doc = rich();
    doc["packages"][0]["packageArguments"][0] =
        json!({ "type": "named", "name": "--cfg={{github.token}}" });
    assert!(
        lint(&doc)
            .iter()
            .any(|f| f.code == "package-value-expansion"
                && f.path == "/packages/0/packageArguments/0/name")
    );
}

#[test]
fn braces_in_arguments_and_values_are_refused_unless_a_whole_placeholder() {
    for (pointer, value) in [
        (
            "/packages/0/packageArguments/0/name",
            "--token={{acme.token}}",
        ),
        ("/packages/0/packageArguments/1/value", "--filter=}x"),
        ("/packages/0/environmentVariables/0/value", "a{b}c"),
    ] {
        let mut doc = rich();
        *doc.pointer_mut(pointer).unwrap() = json!(value);
        assert!(
            lint(&doc)
                .iter()
                .any(|f| f.code == "package-value-expansion" && f.path == pointer),
            "{pointer}"
        );
    }
    // `{units}` is the official format's placeholder for the user's input.
    let mut doc = rich();
    doc["packages"][0]["packageArguments"][0]["value"] = json!("{units}");
    assert!(
        !lint(&doc)
            .iter()
            .any(|f| f.code == "package-value-expansion")
    );
}

#[test]
fn secrets_of_two_servers_with_one_name_stay_apart_in_compose_and_toolhive() {
    let mut a = rich();
    let mut b = rich();
    b["name"] = json!("io.github.evil/weather");
    for doc in [&mut a, &mut b] {
        ext(doc)["secrets"] =
            json!([{ "name": "GITHUB_TOKEN" }, { "name": "GH_ENV", "mode": "env" }]);
    }
    let compose_key = |doc: &Value| -> String {
        let d = profile(doc, &ProfileOptions::default())
            .unwrap()
            .render(Format::Compose)
            .unwrap()
            .document;
        let keys: Vec<&String> = d["secrets"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 1);
        keys[0].clone()
    };
    assert_ne!(compose_key(&a), compose_key(&b));
    let toolhive_secret = |doc: &Value| -> String {
        let r = profile(doc, &ProfileOptions::default())
            .unwrap()
            .render(Format::Toolhive)
            .unwrap();
        let setup = r
            .warnings
            .iter()
            .find(|w| w.message.contains("thv run"))
            .unwrap();
        setup
            .message
            .split("--secret ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_ne!(toolhive_secret(&a), toolhive_secret(&b));
    // A file secret named like an env-mode secret's file is refused.
    let mut doc = rich();
    ext(&mut doc)["secrets"] = json!([{ "name": "tok.env" }, { "name": "tok", "mode": "env" }]);
    assert!(
        lint(&doc)
            .iter()
            .any(|f| f.code == "secret-name-invalid" && f.path == ext_pointer("/secrets/0/name"))
    );
}

#[test]
fn a_directory_holding_a_socket_is_never_mounted() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("nested/sub");
    std::fs::create_dir_all(&nested).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("api")).unwrap();
    let _deeper = std::os::unix::net::UnixListener::bind(nested.join("d.sock")).unwrap();
    // The directory, a directory two levels above a socket, and the socket itself.
    for host in [
        dir.path().to_path_buf(),
        dir.path().join("nested"),
        dir.path().join("api"),
    ] {
        let options = ProfileOptions {
            mount_sources: [("/data".to_owned(), host.to_str().unwrap().to_owned())].into(),
            ..Default::default()
        };
        match profile(&rich(), &options) {
            Err(ProfileError::OverrideInvalid { reason, .. }) => {
                assert!(reason.contains("socket"), "{reason}")
            }
            other => panic!("{}: {other:?}", host.display()),
        }
    }
}

#[test]
fn a_secret_file_from_the_operator_is_one_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("x.sock")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("envlink")).unwrap();
    for file in [
        dir.path().to_str().unwrap().to_owned(),
        dir.path().join("x.sock").to_str().unwrap().to_owned(),
        "/dev/mem".to_owned(),
        "/proc/self/environ".to_owned(),
        "//proc/self/environ".to_owned(),
        "/./sys/kernel/notes".to_owned(),
        "/var/run/docker.sock".to_owned(),
        "/run/containerd/containerd.sock.ttrpc".to_owned(),
        dir.path().join("envlink").to_str().unwrap().to_owned(),
    ] {
        let options = ProfileOptions {
            secret_files: [("TOKEN".to_owned(), file.clone())].into(),
            ..Default::default()
        };
        assert!(
            matches!(
                profile(&rich(), &options),
                Err(ProfileError::OverrideInvalid {
                    flag: "--secret",
                    ..
                })
            ),
            "{file}"
        );
    }
    // A regular file, or one the gateway will write later, is fine.
    let token = dir.path().join("token");
    std::fs::write(&token, "x").unwrap();
    for file in [token, dir.path().join("later")] {
        let options = ProfileOptions {
            secret_files: [("TOKEN".to_owned(), file.to_str().unwrap().to_owned())].into(),
            ..Default::default()
        };
        profile(&rich(), &options).unwrap();
    }
}

#[test]
fn volumes_start_empty_never_a_copy_of_the_image() {
    let p = profile(&rich(), &ProfileOptions::default()).unwrap();
    let docker = p.render(Format::Docker).unwrap().document;
    let argv: Vec<&str> = docker
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let volumes: Vec<&str> = argv
        .windows(2)
        .filter(|w| w[0] == "-v")
        .map(|w| w[1])
        .collect();
    assert!(!volumes.is_empty(), "{argv:?}");
    assert!(volumes.iter().all(|v| v.ends_with("nocopy")), "{volumes:?}");
    assert!(
        !argv.iter().any(|a| a.starts_with("type=volume")),
        "{argv:?}"
    );
    let compose = p.render(Format::Compose).unwrap().document;
    let svc = compose["services"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert!(
        svc["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["type"] == "volume")
            .all(|v| v["volume"]["nocopy"] == true)
    );
}

#[test]
fn servers_never_share_a_network() {
    let mut a = rich();
    let mut b = rich();
    b["name"] = json!("io.github.other/weather");
    for doc in [&mut a, &mut b] {
        doc["packages"][0]["transport"] =
            json!({ "type": "streamable-http", "url": "http://localhost:8080/mcp" });
    }
    let network = |doc: &Value| -> String {
        let r = profile(doc, &ProfileOptions::default())
            .unwrap()
            .render(Format::Docker)
            .unwrap();
        let v = r.document.as_array().unwrap().clone();
        let i = v.iter().position(|w| w == "--network").unwrap();
        v[i + 1].as_str().unwrap().to_owned()
    };
    let (na, nb) = (network(&a), network(&b));
    assert_ne!(na, nb);
    assert!(na.starts_with("mcp-egress-"), "{na}");
    // Kubernetes: an HTTP server admits the gateway's pods only.
    let k8s = profile(&a, &ProfileOptions::default())
        .unwrap()
        .render(Format::Kubernetes)
        .unwrap()
        .document;
    let policy = &k8s[1]["spec"];
    assert_eq!(policy["policyTypes"], json!(["Ingress", "Egress"]));
    assert_eq!(
        policy["ingress"],
        json!([{ "from": [{ "podSelector": { "matchLabels": { "dev.mcp-trust/gateway": "true" } } }] }])
    );
}

#[test]
fn yaml_1_1_words_stay_strings_in_every_yaml_format() {
    let mut doc = rich();
    doc["packages"][0]["environmentVariables"][0]["value"] = json!("yes");
    doc["packages"][0]["packageArguments"][0]["value"] = json!("on");
    doc["packages"][0]["packageArguments"][1]["value"] = json!("12:30:00");
    let p = profile(&doc, &ProfileOptions::default()).unwrap();
    for format in [Format::Compose, Format::Kubernetes, Format::DockerMcp] {
        let text = p.render(format).unwrap().text;
        for word in ["\"yes\"", "\"on\"", "\"12:30:00\""] {
            assert!(text.contains(word), "{format}: {word} unquoted\n{text}");
        }
    }
}

#[test]
fn one_path_spelled_two_ways_is_still_one_mount_point() {
    for path in ["//tmp", "/tmp/.", "/tmp//"] {
        let mut doc = rich();
        ext(&mut doc)["filesystem"]["mounts"][1]["containerPath"] = json!(path);
        assert!(
            matches!(
                profile(&doc, &ProfileOptions::default()),
                Err(ProfileError::Unrenderable { .. }) | Err(ProfileError::ManifestInvalid { .. })
            ),
            "{path}"
        );
    }
}

#[test]
fn numeric_host_names_are_refused_as_disguised_addresses() {
    for entry in [
        "2852039166:80",
        "0xa9fea9fe",
        "169.254.43518",
        "metadata.0x1",
    ] {
        let mut doc = rich();
        ext(&mut doc)["network"] = json!({ "egress": [entry] });
        assert!(
            lint(&doc).iter().any(|f| f.code == "egress-invalid"),
            "{entry}"
        );
    }
}

// --- 2. host paths -----------------------------------------------------------

const SENSITIVE: &[&str] = &[
    "/home/alice",
    "/home/alice/projects",
    "/run/user/1000",
    "/run/user/1000/podman/podman.sock",
    "/var/lib/docker/volumes",
    "/var/lib/kubelet",
    "/var/lib/containerd/io.containerd.snapshotter.v1",
    "/var/lib/containers/storage",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/usr/bin",
    "/usr/local/bin",
    "/run/mcp-trust/secrets/io-github-acme-weather",
    "/root/.config",
    "/etc/kubernetes",
    "/ETC/passwd",
    "//etc//shadow",
    "/srv/../etc",
    "/srv/./../home/bob",
    "/var",
    "/var/lib",
    "/tmp",
    "/srv",
    "/var/log/journal",
    "/srv/app/docker.sock",
    "/srv/app/agent.socket",
    "/srv/app/.ssh",
    "/srv/app/.kube/config",
    "/Users/alice",
    "/",
    "/nix/var/nix/daemon-socket/socket",
    "/tmp/.X11-unix/X0",
    "/mnt/c/Users/alice/AppData/Roaming",
    "/mnt/c",
    "/Volumes",
    "/var/folders/xy/abc/T",
    "/host_mnt/Users/alice",
    "/var/spool/cron/crontabs",
    "/var/backups",
    "/opt/cni/bin",
    "/var/lib/k0s",
    "/var/lib/minikube",
    "/var/lib/buildkit",
    "/var/lib/nerdctl",
    "/${HOME-}",
    "/srv/..${X-}/etc",
    "/{{filesystem.paths|volume|into}}",
    "/var/home/core/.bashrc",
    "/var/roothome",
    "/sysroot",
    "/ostree/deploy",
    "/mnt/wslg/.X11-unix",
    "/mnt/wslg/PulseServer",
    "/mnt/wsl/docker-desktop/shared-sockets",
    "/srv/x/shared-sockets/y",
    "/c/Users/alice",
    "/c",
    "/var/lib/waagent",
    "/var/lib/cloud/instance",
    "/var/lib/amazon/ssm",
    "/var/lib/kubernetes",
    "/var/lib/tailscale",
    "/var/lib/systemd",
];

const ORDINARY: &[&str] = &[
    "/srv/weather",
    "/srv/mcp/data",
    "/mnt/data/weather",
    "/data/weather",
    "/opt/mcp/weather",
    "/var/lib/mcp-weather",
    "/tmp/weather-cache",
    "/mnt/d/datasets",
    "/Volumes/Data/weather",
    "/d/datasets",
];

#[test]
fn host_paths_under_sensitive_roots_are_refused_by_lint_and_by_render() {
    for host in SENSITIVE {
        let mut doc = rich();
        ext(&mut doc)["filesystem"]["mounts"][0]["hostPath"] = json!(host);
        let findings = lint(&doc);
        // `..` and templates are refused as such (`mount-path-invalid`);
        // everything else as sensitive.
        assert!(
            findings.iter().any(|f| f.severity == Severity::Error
                && ["mount-host-sensitive", "mount-path-invalid"].contains(&f.code.as_str())
                && f.path == ext_pointer("/filesystem/mounts/0/hostPath")),
            "{host}: {findings:#?}"
        );
        // The operator's --mount gets the same refusal.
        let options = ProfileOptions {
            mount_sources: [("/data".to_owned(), host.to_string())].into(),
            ..Default::default()
        };
        let err = profile(&rich(), &options).unwrap_err();
        assert!(
            matches!(
                err,
                ProfileError::OverrideInvalid {
                    flag: "--mount",
                    ..
                }
            ),
            "{host}: {err}"
        );
    }
    for host in ORDINARY {
        let mut doc = rich();
        ext(&mut doc)["filesystem"]["mounts"][0]["hostPath"] = json!(host);
        assert!(
            !lint(&doc).iter().any(|f| f.code == "mount-host-sensitive"),
            "{host}"
        );
        profile(&doc, &ProfileOptions::default()).unwrap();
    }
}

#[test]
fn a_symbolic_link_to_a_sensitive_root_is_refused_on_the_rendering_host() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("data");
    std::os::unix::fs::symlink("/etc", &link).unwrap();
    for host in [link.clone(), link.join("ssl"), link.join("not-there-yet")] {
        let options = ProfileOptions {
            mount_sources: [("/data".to_owned(), host.to_str().unwrap().to_owned())].into(),
            ..Default::default()
        };
        match profile(&rich(), &options) {
            Err(ProfileError::OverrideInvalid { reason, .. }) => {
                assert!(reason.contains("resolves to `/etc"), "{reason}")
            }
            other => panic!("{}: {other:?}", host.display()),
        }
    }
}

#[test]
fn low_uids_and_the_rendering_users_uid_need_the_operators_approval() {
    for uid in [1, 33, 999, 1000, 1001, 60000] {
        let mut doc = rich();
        ext(&mut doc)["user"] = json!(uid);
        match profile(&doc, &ProfileOptions::default()) {
            Err(ProfileError::UserNeedsApproval { uid: got, .. }) => assert_eq!(got, uid),
            other => panic!("{uid}: {other:?}"),
        }
        let approved = ProfileOptions {
            allowed_user: Some(uid),
            ..Default::default()
        };
        assert_eq!(profile(&doc, &approved).unwrap().user.uid, uid);
        // Approval is for one uid, not for all.
        let other = ProfileOptions {
            allowed_user: Some(uid + 1),
            ..Default::default()
        };
        assert!(profile(&doc, &other).is_err());
    }
    // Outside the host accounts' range no approval is needed, unless it is
    // the rendering user's own uid.
    let mut doc = rich();
    ext(&mut doc)["user"] = json!(60001);
    assert_eq!(
        profile(&doc, &ProfileOptions::default()).unwrap().user.uid,
        60001
    );
    let same = ProfileOptions {
        rendering_uid: Some(60001),
        ..Default::default()
    };
    assert!(matches!(
        profile(&doc, &same),
        Err(ProfileError::UserNeedsApproval { uid: 60001, .. })
    ));
    // Above what runtimes accept: refused by lint.
    ext(&mut doc)["user"] = json!(4_294_967_295u64);
    assert!(
        lint(&doc)
            .iter()
            .any(|f| f.severity == Severity::Error && f.path == ext_pointer("/user")),
        "{:#?}",
        lint(&doc)
    );
    // The default user (65532) needs no approval.
    assert_eq!(
        profile(&rich(), &ProfileOptions::default())
            .unwrap()
            .user
            .uid,
        65532
    );
}

// --- 3. names ----------------------------------------------------------------

/// Every spelling of `parts` joined by any of the characters a readable slug
/// maps alike, in either case.
fn spellings() -> Vec<String> {
    let mut out = BTreeSet::new();
    for ns_sep in [".", "-", "_"] {
        for mid in [".", "-", "_", ""] {
            for tail in ["", "-", "_", "/_", "/-"] {
                for upper in [false, true] {
                    let server = if upper { "Weather" } else { "weather" };
                    out.insert(format!("io{ns_sep}github.acme{mid}/{server}{tail}"));
                    out.insert(format!("io.github.acme/{server}{mid}x{tail}"));
                    out.insert(format!("io.github.acme{mid}{server}/x{tail}"));
                }
            }
        }
    }
    out.insert("io.github.acme-weather/_".into());
    out.insert("io.github.acme/weather".into());
    out.insert(format!("io.github.acme/{}", "w".repeat(100)));
    out.insert(format!("io.github.acme/{}x", "w".repeat(100)));
    out.into_iter().collect()
}

#[test]
fn names_that_differ_only_in_mapped_characters_get_distinct_identifiers() {
    let mut slugs = BTreeSet::new();
    let mut volumes = BTreeSet::new();
    let names = spellings();
    for name in &names {
        let mut doc = rich();
        doc["name"] = json!(name);
        // A name the lint refuses is not a collision risk; the rest must stay apart.
        let Ok(p) = profile(&doc, &ProfileOptions::default()) else {
            continue;
        };
        let slug = p.server.slug.clone();
        assert!(slug.len() <= 63, "{slug}");
        assert!(
            slug.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !slug.starts_with('-')
                && !slug.ends_with('-'),
            "{slug}"
        );
        assert!(slugs.insert(slug.clone()), "{name} collides: {slug}");
        let MountSource::Volume(v) = &p.mounts[1].source else {
            panic!()
        };
        assert!(v.len() <= 63);
        assert!(volumes.insert(v.clone()), "{name} volume collides: {v}");
        // The slug is where secrets live on the host and what names the Pod,
        // its NetworkPolicy and its Secret.
        let k8s = p.render(Format::Kubernetes).unwrap();
        assert_eq!(k8s.document[0]["metadata"]["name"], json!(slug));
        assert_eq!(k8s.document[1]["metadata"]["name"], json!(slug));
        let SecretDelivery::File { host_file, .. } = &p.secrets[0].delivery else {
            panic!()
        };
        assert!(host_file.contains(&format!("/{slug}/")), "{host_file}");
    }
    assert!(slugs.len() > 60, "only {} names were accepted", slugs.len());
}

#[test]
fn mounts_of_one_server_that_differ_only_in_mapped_characters_get_distinct_volumes() {
    let mut doc = rich();
    ext(&mut doc)["filesystem"]["mounts"] = json!([
        { "containerPath": "/data-x", "access": "read-only" },
        { "containerPath": "/data_x", "access": "read-only" },
        { "containerPath": "/data.x", "access": "read-only" },
        { "containerPath": "/Data/x", "access": "read-only" },
    ]);
    let p = profile(&doc, &ProfileOptions::default()).unwrap();
    let names: BTreeSet<String> = p
        .mounts
        .iter()
        .map(|m| match &m.source {
            MountSource::Volume(v) => v.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
}

#[test]
fn secret_names_equal_but_for_case_are_refused() {
    let mut doc = rich();
    ext(&mut doc)["secrets"] = json!([{ "name": "TOKEN" }, { "name": "token", "mode": "env" }]);
    let f = lint(&doc);
    assert!(
        f.iter()
            .any(|f| f.code == "secret-duplicate" && f.path == ext_pointer("/secrets/1/name")),
        "{f:#?}"
    );
}

// --- 5. smaller ----------------------------------------------------------------

#[test]
fn egress_to_loopback_and_link_local_addresses_is_warned() {
    for entry in [
        "127.0.0.1:8080",
        "127.1.2.3",
        "localhost:5432",
        "db.localhost",
        "0.0.0.0:80",
        "[::1]:8080",
        "[::]",
        "[fe80::1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
    ] {
        let mut doc = rich();
        ext(&mut doc)["network"] = json!({ "egress": [entry] });
        let f = lint(&doc);
        let hit = f
            .iter()
            .find(|f| f.code == "egress-local")
            .unwrap_or_else(|| panic!("{entry}: {f:#?}"));
        assert_eq!(hit.severity, Severity::Warning);
        assert_eq!(hit.path, ext_pointer("/network/egress/0"));
    }
    // Metadata services hand out the node's credentials: refused outright,
    // in every spelling that reaches them.
    for entry in [
        "169.254.169.254:80",
        "[::ffff:169.254.169.254]",
        "[::a9fe:a9fe]",
        "[64:ff9b::a9fe:a9fe]",
        "[fd00:ec2::254]",
        "metadata.google.internal",
        "*.google.internal",
        "100.100.100.200",
        "168.63.129.16",
        "169.254.170.2",
        "169.254.170.23:80",
        "169.254.10.1",
        "[fd20:ce::254]:80",
        "[fd00:ec2::23]:80",
        "[fd00:a9fe:a9fe::1]:80",
        "[fd00:42::42]:80",
        "[fe80::a9fe:a9fe]",
    ] {
        let mut doc = rich();
        ext(&mut doc)["network"] = json!({ "egress": [entry] });
        let f = lint(&doc);
        assert!(
            f.iter().any(|f| f.code == "egress-metadata"
                && f.severity == Severity::Error
                && f.path == ext_pointer("/network/egress/0")),
            "{entry}: {f:#?}"
        );
    }
    for entry in [
        "api.example.com:443",
        "10.0.0.1:443",
        "[2001:db8::1]",
        "*:443",
    ] {
        let mut doc = rich();
        ext(&mut doc)["network"] = json!({ "egress": [entry] });
        assert!(
            !lint(&doc)
                .iter()
                .any(|f| f.code == "egress-local" || f.code == "egress-metadata"),
            "{entry}"
        );
    }
}

#[test]
fn memory_accepts_exactly_the_documented_range() {
    for (memory, ok) in [
        ("4Mi", true),
        ("4194304", true),
        ("4194303", false),
        ("1Ti", true),
        ("1024Gi", true),
        ("1T", true),
        ("1025Gi", false),
        ("1099511627777", false),
        ("3m", false),
        ("512Mi", true),
    ] {
        let mut doc = rich();
        ext(&mut doc)["resources"] = json!({ "memory": memory });
        let f = lint(&doc);
        let refused = f.iter().any(|f| f.code == "resources-invalid");
        assert_eq!(refused, !ok, "{memory}: {f:#?}");
    }
}
