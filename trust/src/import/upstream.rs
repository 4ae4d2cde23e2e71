//! Versions another registry lists (an official-API `server.json`, an entry
//! of a ToolHive registry file) to manifests a publish can check.
//!
//! A `server.json` that carries this project's extension is taken as it is:
//! its publisher declared the image, the signer, the tools and the
//! privileges, and the publish checks all of it. One without gets an
//! extension built from what the upstream says, and nothing more: the one
//! OCI package's image (pinned or not: a tag is refused by the publish, not
//! guessed into a digest), its secret environment variables, open network
//! (the upstream runs it so; reported) and no tool surface (unknown;
//! reported). What is made here is only a candidate: whether it is
//! published is decided by the same checks as any publish.

use crate::finding::Finding;
use crate::manifest::{
    EXTENSION_KEY, Network, ProvenancePolicy, Secret, SecretMode, SecurityExtension,
};
use serde_json::{Map, Value};

/// Key of ToolHive's extension under the official `publisher-provided` `_meta`.
pub const TOOLHIVE_EXTENSION: &str = "io.github.stacklok";
/// The official `_meta` key publishers may write.
pub const PUBLISHER_PROVIDED: &str = "io.modelcontextprotocol.registry/publisher-provided";
/// Largest ToolHive registry file read, in bytes.
pub const MAX_TOOLHIVE_FILE_BYTES: usize = 32 << 20;
/// Most servers one ToolHive registry file may list.
pub const MAX_TOOLHIVE_SERVERS: usize = 100_000;

/// One upstream version and the manifest made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// `name` as the upstream gives it (namespaced for ToolHive's short names).
    pub name: String,
    /// `version` as the upstream gives it.
    pub version: String,
    /// What the upstream listed, as it listed it.
    pub upstream: Value,
    /// The upstream's status of the version (`active`, `deprecated`, `deleted`), when given.
    pub status: Option<String>,
    /// The manifest to publish, or `None` when the errors among `findings` say why none can be made.
    pub manifest: Option<Value>,
    /// What could not be carried over (errors: no manifest; warnings: carried with a guess named).
    pub findings: Vec<Finding>,
}

/// Declarations an upstream makes beside its `server.json` (ToolHive's
/// extension), carried into the built extension.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declared {
    /// Who must have signed the image.
    pub provenance: Option<ProvenancePolicy>,
    /// The egress the upstream grants (`None`: not said, open network assumed).
    pub network: Option<Network>,
}

/// The manifest for `server` (an official `server.json`), with the
/// findings of what could not be carried over.
pub fn manifest_of(server: &Value, declared: &Declared) -> (Option<Value>, Vec<Finding>) {
    let Some(object) = server.as_object() else {
        return (
            None,
            vec![Finding::error(
                "import-not-server-json",
                "",
                "the upstream entry is not a JSON object",
            )],
        );
    };
    let has_extension = object
        .get("_meta")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key(EXTENSION_KEY));
    if has_extension {
        return (Some(server.clone()), Vec::new());
    }
    let mut findings = Vec::new();
    let packages = object.get("packages").and_then(Value::as_array);
    let oci: Vec<(usize, &Map<String, Value>)> = packages
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, p)| p.as_object().map(|p| (i, p)))
        .filter(|(_, p)| p.get("registryType").and_then(Value::as_str) == Some("oci"))
        .collect();
    let (index, package) = match oci.as_slice() {
        [one] => *one,
        [] => {
            return (
                None,
                vec![
                    Finding::error(
                        "import-no-oci-package",
                        "/packages",
                        "no OCI package: only container images are verified here",
                    )
                    .hint("npm, PyPI and remote-only servers stay in the mirrored tier"),
                ],
            );
        }
        _ => {
            return (
                None,
                vec![
                    Finding::error(
                        "import-several-oci-packages",
                        "/packages",
                        format!(
                            "{} OCI packages: which image a gateway runs is not said",
                            oci.len()
                        ),
                    )
                    .hint("publish one image per server, with this project's extension"),
                ],
            );
        }
    };
    let Some(image) = package.get("identifier").and_then(Value::as_str) else {
        return (
            None,
            vec![Finding::error(
                "import-field-missing",
                format!("/packages/{index}/identifier"),
                "the OCI package has no `identifier` (image reference)",
            )],
        );
    };
    let secrets = secrets_of(package, index, &mut findings);
    let network = match &declared.network {
        Some(network) => network.clone(),
        None => {
            findings.push(
                Finding::warning(
                    "import-network-unknown",
                    "",
                    "the upstream does not say what the server reaches: open network (`*`), as it runs there",
                )
                .hint("publish with this project's extension to declare the egress"),
            );
            Network::Egress(vec!["*".into()])
        }
    };
    findings.push(
        Finding::warning(
            "import-tools-unknown",
            "",
            "the upstream does not list the tools: the tool surface is pinned empty, so a gateway that enforces it admits no tool call",
        )
        .hint("publish with this project's extension to declare and pin the tools"),
    );
    let security = SecurityExtension {
        image: image.to_owned(),
        provenance: declared.provenance.clone(),
        tools: Vec::new(),
        network,
        filesystem: Default::default(),
        secrets,
        resources: Default::default(),
        user: None,
    };
    let mut manifest = object.clone();
    let meta = manifest
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return (
            None,
            vec![Finding::error(
                "import-not-server-json",
                "/_meta",
                "`_meta` is not an object",
            )],
        );
    };
    meta.insert(
        EXTENSION_KEY.to_owned(),
        serde_json::to_value(&security).unwrap_or(Value::Null),
    );
    (Some(Value::Object(manifest)), findings)
}

/// The secret environment variables of an OCI package, delivered as
/// environment variables (the way the upstream's clients deliver them).
fn secrets_of(
    package: &Map<String, Value>,
    index: usize,
    findings: &mut Vec<Finding>,
) -> Vec<Secret> {
    let mut secrets = Vec::new();
    let vars = package
        .get("environmentVariables")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (i, var) in vars.enumerate() {
        if var.get("isSecret").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let Some(name) = var.get("name").and_then(Value::as_str) else {
            findings.push(Finding::warning(
                "import-field-missing",
                format!("/packages/{index}/environmentVariables/{i}/name"),
                "a secret environment variable without a name was left out",
            ));
            continue;
        };
        secrets.push(Secret {
            name: name.to_owned(),
            mode: SecretMode::Env,
            path: None,
            env: None,
            description: var
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            required: var.get("isRequired").and_then(Value::as_bool) == Some(true),
        });
    }
    secrets
}

/// The versions of a ToolHive registry file: the upstream format
/// (`{"data": {"servers": [server.json…]}}`, ToolHive's extension under
/// `publisher-provided`) or the older one (`{"servers": {"NAME": {…}}}`,
/// short names placed under `namespace`). Errors name the file's problem;
/// an entry that cannot be read is a candidate without manifest.
pub fn toolhive_file(bytes: &[u8], namespace: &str) -> Result<Vec<Candidate>, String> {
    if bytes.len() > MAX_TOOLHIVE_FILE_BYTES {
        return Err(format!(
            "the file is {} bytes; at most {MAX_TOOLHIVE_FILE_BYTES} are read",
            bytes.len()
        ));
    }
    crate::manifest::check_unique_keys(bytes)
        .map_err(|e| format!("not a ToolHive registry file: {e}"))?;
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("not a ToolHive registry file (JSON): {e}"))?;
    let count = |n: usize| {
        if n > MAX_TOOLHIVE_SERVERS {
            Err(format!(
                "{n} servers; at most {MAX_TOOLHIVE_SERVERS} are read from one file"
            ))
        } else {
            Ok(())
        }
    };
    if let Some(servers) = doc.pointer("/data/servers").and_then(Value::as_array) {
        count(servers.len())?;
        return Ok(servers.iter().map(toolhive_upstream_entry).collect());
    }
    if let Some(servers) = doc.get("servers").and_then(Value::as_object) {
        count(servers.len())?;
        return Ok(servers
            .iter()
            .map(|(key, entry)| toolhive_legacy_entry(key, entry, namespace))
            .collect());
    }
    Err("not a ToolHive registry file: neither `data.servers` (a list of server.json) nor `servers` (an object of servers by name)".into())
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// One `server.json` of the upstream format, with ToolHive's extension for
/// its image read for the signer and the egress it declares.
fn toolhive_upstream_entry(server: &Value) -> Candidate {
    let name = str_field(server, "name").unwrap_or_default().to_owned();
    let version = str_field(server, "version").unwrap_or_default().to_owned();
    let extensions = server
        .pointer(&format!(
            "/_meta/{}/{TOOLHIVE_EXTENSION}",
            crate::finding::pointer_token(PUBLISHER_PROVIDED)
        ))
        .and_then(Value::as_object);
    let image = server
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| str_field(p, "registryType") == Some("oci"))
        .and_then(|p| str_field(p, "identifier"));
    let mut findings = Vec::new();
    let declared = match (extensions, image) {
        (Some(ext), Some(image)) => match ext.get(image) {
            Some(ext) => declared_by_toolhive(ext, &mut findings),
            None => Declared::default(),
        },
        _ => Declared::default(),
    };
    let (manifest, more) = manifest_of(server, &declared);
    findings.extend(more);
    let status = extensions
        .zip(image)
        .and_then(|(ext, image)| ext.get(image))
        .and_then(|e| str_field(e, "status"))
        .map(str::to_ascii_lowercase);
    finish(name, version, server.clone(), status, manifest, findings)
}

/// One entry of the older format: `{"image", "description", "transport",
/// "permissions", "provenance", "env_vars", …}` under a short name, with
/// the version read from the image's tag (the format has none).
fn toolhive_legacy_entry(key: &str, entry: &Value, namespace: &str) -> Candidate {
    let name = format!("{namespace}/{key}");
    let image = str_field(entry, "image").unwrap_or_default();
    let mut findings = Vec::new();
    let version = version_of_image(image).unwrap_or_default();
    if version.is_empty() {
        findings.push(
            Finding::error(
                "import-version-unknown",
                "/image",
                format!("`{image}` has no version tag (such as `:1.2.3`) to version the server by"),
            )
            .hint("the older ToolHive format has no version field; tag the image with its version"),
        );
    }
    let mut server = Map::new();
    server.insert("name".into(), Value::String(name.clone()));
    server.insert(
        "description".into(),
        Value::String(
            str_field(entry, "description")
                .unwrap_or_default()
                .chars()
                .take(100)
                .collect(),
        ),
    );
    server.insert("version".into(), Value::String(version.clone()));
    if let Some(url) = str_field(entry, "repository_url") {
        server.insert(
            "repository".into(),
            serde_json::json!({ "url": url, "source": "github" }),
        );
    }
    let transport = str_field(entry, "transport").unwrap_or("stdio");
    let env: Vec<Value> = entry
        .get("env_vars")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            Some(serde_json::json!({
                "name": str_field(v, "name")?,
                "description": str_field(v, "description").unwrap_or_default(),
                "isSecret": v.get("secret").and_then(Value::as_bool).unwrap_or(false),
                "isRequired": v.get("required").and_then(Value::as_bool).unwrap_or(false),
            }))
        })
        .collect();
    server.insert(
        "packages".into(),
        serde_json::json!([{
            "registryType": "oci",
            "identifier": image,
            "transport": { "type": transport },
            "environmentVariables": env,
        }]),
    );
    let server = Value::Object(server);
    let declared = declared_by_toolhive(entry, &mut findings);
    let (manifest, more) = if version.is_empty() {
        (None, Vec::new())
    } else {
        manifest_of(&server, &declared)
    };
    findings.extend(more);
    let status = str_field(entry, "status").map(str::to_ascii_lowercase);
    finish(name, version, entry.clone(), status, manifest, findings)
}

fn finish(
    name: String,
    version: String,
    upstream: Value,
    status: Option<String>,
    manifest: Option<Value>,
    findings: Vec<Finding>,
) -> Candidate {
    let manifest = manifest.filter(|_| !crate::finding::has_errors(&findings));
    Candidate {
        name,
        version,
        upstream,
        status,
        manifest,
        findings,
    }
}

/// The version an image's tag names (`…:v1.2.3` → `1.2.3`), when the tag
/// is a version (digits and dots, with an optional pre-release).
fn version_of_image(image: &str) -> Option<String> {
    let without_digest = image.split('@').next()?;
    let last = without_digest.rsplit('/').next()?;
    let (_, tag) = last.rsplit_once(':')?;
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    // A tag is at most 128 of `[A-Za-z0-9_.-]` (the OCI distribution
    // grammar); `+` is build metadata. Nothing else becomes a version.
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"._-+".contains(&b);
    if tag.is_empty() || tag.len() > 128 || !tag.bytes().all(allowed) {
        return None;
    }
    let core = tag.split(['-', '+']).next()?;
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (numeric && (1..=3).contains(&parts.len())).then(|| tag.to_owned())
}

/// What ToolHive's extension (or an older-format entry) declares: the
/// signer (`provenance`) and the egress (`permissions.network.outbound`).
fn declared_by_toolhive(ext: &Value, findings: &mut Vec<Finding>) -> Declared {
    let mut declared = Declared::default();
    if let Some(p) = ext.get("provenance") {
        declared.provenance = provenance_of(p);
        if declared.provenance.is_none() {
            findings.push(Finding::warning(
                "import-signer-unknown",
                "/provenance",
                "the ToolHive provenance names no certificate issuer and repository: the namespace's signer binding decides",
            ));
        }
    }
    if let Some(outbound) = ext.pointer("/permissions/network/outbound") {
        let all = outbound
            .get("insecure_allow_all")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let hosts: Vec<String> = outbound
            .get("allow_host")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|h| match h.strip_prefix('.') {
                Some(domain) => format!("*.{domain}"),
                None => h.to_owned(),
            })
            .collect();
        let ports: Vec<u64> = outbound
            .get("allow_port")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        declared.network = Some(if all {
            Network::Egress(vec!["*".into()])
        } else if hosts.is_empty() && ports.is_empty() {
            Network::None
        } else if ports.is_empty() {
            Network::Egress(hosts)
        } else if hosts.is_empty() {
            Network::Egress(ports.iter().map(|p| format!("*:{p}")).collect())
        } else {
            Network::Egress(
                hosts
                    .iter()
                    .flat_map(|h| ports.iter().map(move |p| format!("{h}:{p}")))
                    .collect(),
            )
        });
    }
    for (key, what) in [("read", "read"), ("write", "write")] {
        if ext
            .pointer(&format!("/permissions/{key}"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
        {
            findings.push(Finding::warning(
                "import-mounts-left-out",
                format!("/permissions/{key}"),
                format!("host paths the server may {what} are not carried: ToolHive binds the same host path, a manifest declares mounts by their container side"),
            ));
        }
    }
    if ext
        .pointer("/permissions/privileged")
        .and_then(Value::as_bool)
        == Some(true)
    {
        findings.push(Finding::error(
            "import-privileged",
            "/permissions/privileged",
            "the server asks for a privileged container, which no profile here grants",
        ));
    }
    declared
}

/// The signer policy ToolHive's provenance states: the certificate issuer,
/// and the identity a GitHub Actions certificate carries
/// (`REPOSITORY/WORKFLOW@REF`), exact where all three are given.
fn provenance_of(p: &Value) -> Option<ProvenancePolicy> {
    let issuer = str_field(p, "cert_issuer").filter(|s| !s.is_empty())?;
    let repository = str_field(p, "repository_uri")
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('/'));
    let workflow = str_field(p, "signer_identity").filter(|s| !s.is_empty());
    let reference = str_field(p, "repository_ref").filter(|s| !s.is_empty());
    let mut policy = ProvenancePolicy {
        certificate_oidc_issuer: Some(issuer.to_owned()),
        ..ProvenancePolicy::default()
    };
    match (repository, workflow) {
        (_, Some(w)) if w.starts_with("https://") => {
            policy.certificate_identity = Some(w.to_owned());
        }
        (Some(repo), Some(w)) => {
            let w = w.trim_start_matches('/');
            match reference {
                Some(r) => policy.certificate_identity = Some(format!("{repo}/{w}@{r}")),
                None => {
                    policy.certificate_identity_regexp =
                        Some(format!("{}/{}@.+", regex_escape(repo), regex_escape(w)));
                }
            }
        }
        (Some(repo), None) => {
            policy.certificate_identity_regexp = Some(format!("{}/.+", regex_escape(repo)));
        }
        (None, _) => return None,
    }
    Some(policy)
}

/// `s` as a regular expression matching exactly `s`.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn a_server_json_with_the_extension_is_taken_as_it_is() {
        let server = json!({"name": "io.github.acme/w", "version": "1.0.0", "description": "d",
            "_meta": {EXTENSION_KEY: {"image": "x@sha256:00", "tools": []}}});
        let (manifest, findings) = manifest_of(&server, &Declared::default());
        assert_eq!(manifest, Some(server));
        assert!(findings.is_empty());
    }

    #[test]
    fn one_oci_package_becomes_the_image_and_the_guesses_are_named() {
        let server = json!({"name": "io.github.acme/w", "version": "1.0.0", "description": "d",
            "packages": [
                {"registryType": "npm", "identifier": "w"},
                {"registryType": "oci", "identifier": "ghcr.io/acme/w:1.0.0",
                 "transport": {"type": "stdio"},
                 "environmentVariables": [
                    {"name": "API_KEY", "isSecret": true, "isRequired": true},
                    {"name": "LOG_LEVEL"}]}]});
        let (manifest, findings) = manifest_of(&server, &Declared::default());
        let manifest = manifest.unwrap();
        let ext = &manifest["_meta"][EXTENSION_KEY];
        assert_eq!(ext["image"], "ghcr.io/acme/w:1.0.0");
        assert_eq!(ext["network"], json!({"egress": ["*"]}));
        assert_eq!(ext["tools"], json!([]));
        assert_eq!(ext["secrets"][0]["name"], "API_KEY");
        assert_eq!(ext["secrets"][0]["mode"], "env");
        assert_eq!(ext["secrets"].as_array().unwrap().len(), 1);
        assert_eq!(
            codes(&findings),
            ["import-network-unknown", "import-tools-unknown"]
        );
        assert_eq!(
            manifest["packages"], server["packages"],
            "the packages stay"
        );
    }

    #[test]
    fn no_or_several_oci_packages_make_no_manifest() {
        for (packages, code) in [
            (json!([]), "import-no-oci-package"),
            (
                json!([{"registryType": "pypi", "identifier": "w"}]),
                "import-no-oci-package",
            ),
            (
                json!([{"registryType": "oci", "identifier": "a@sha256:00"},
                       {"registryType": "oci", "identifier": "b@sha256:00"}]),
                "import-several-oci-packages",
            ),
            (json!([{"registryType": "oci"}]), "import-field-missing"),
        ] {
            let server =
                json!({"name": "io.github.acme/w", "version": "1.0.0", "packages": packages});
            let (manifest, findings) = manifest_of(&server, &Declared::default());
            assert_eq!(manifest, None);
            assert_eq!(codes(&findings), [code]);
        }
        let (manifest, findings) = manifest_of(&json!([1]), &Declared::default());
        assert_eq!(manifest, None);
        assert_eq!(codes(&findings), ["import-not-server-json"]);
    }

    #[test]
    fn toolhive_provenance_becomes_the_declared_signer() {
        let exact = provenance_of(&json!({
            "cert_issuer": "https://token.actions.githubusercontent.com",
            "repository_uri": "https://github.com/stacklok/fetch/",
            "signer_identity": "/.github/workflows/release.yml",
            "repository_ref": "refs/tags/v1.0.0"}))
        .unwrap();
        assert_eq!(
            exact.certificate_identity.as_deref(),
            Some(
                "https://github.com/stacklok/fetch/.github/workflows/release.yml@refs/tags/v1.0.0"
            )
        );
        let any_ref = provenance_of(&json!({
            "cert_issuer": "https://token.actions.githubusercontent.com",
            "repository_uri": "https://github.com/stacklok/fetch",
            "signer_identity": "/.github/workflows/release.yml"}))
        .unwrap();
        let re = regex::Regex::new(&format!(
            "^(?:{})$",
            any_ref.certificate_identity_regexp.unwrap()
        ))
        .unwrap();
        assert!(re.is_match(
            "https://github.com/stacklok/fetch/.github/workflows/release.yml@refs/tags/v2"
        ));
        assert!(!re.is_match(
            "https://github.com/stacklok/fetchXgithub/workflows/release.yml@refs/tags/v2"
        ));
        assert!(
            !re.is_match("https://github.com/stacklok/fetch-evil/.github/workflows/release.yml@v1")
        );
        assert_eq!(
            provenance_of(&json!({"repository_uri": "https://github.com/a/b"})),
            None
        );
        assert_eq!(provenance_of(&json!({"cert_issuer": "https://i"})), None);
    }

    #[test]
    fn toolhive_files_of_both_formats_are_read() {
        let upstream = json!({"version": "1.0.0", "meta": {"last_updated": "2026-01-01T00:00:00Z"},
            "data": {"servers": [{
                "name": "io.github.stacklok/fetch", "version": "1.2.0", "description": "Fetch",
                "packages": [{"registryType": "oci", "identifier": "ghcr.io/stacklok/fetch@sha256:aa",
                              "transport": {"type": "stdio"}}],
                "_meta": {PUBLISHER_PROVIDED: {TOOLHIVE_EXTENSION: {
                    "ghcr.io/stacklok/fetch@sha256:aa": {
                        "status": "Active",
                        "permissions": {"network": {"outbound": {"allow_host": [".example.com"], "allow_port": [443]}}},
                        "provenance": {"cert_issuer": "https://token.actions.githubusercontent.com",
                                       "repository_uri": "https://github.com/stacklok/fetch"}}}}}}]}});
        let candidates =
            toolhive_file(upstream.to_string().as_bytes(), "io.github.stacklok").unwrap();
        let [c] = candidates.as_slice() else { panic!() };
        assert_eq!(
            (c.name.as_str(), c.version.as_str()),
            ("io.github.stacklok/fetch", "1.2.0")
        );
        assert_eq!(c.status.as_deref(), Some("active"));
        let ext = &c.manifest.as_ref().unwrap()["_meta"][EXTENSION_KEY];
        assert_eq!(ext["network"], json!({"egress": ["*.example.com:443"]}));
        assert_eq!(
            ext["provenance"]["certificateOidcIssuer"],
            "https://token.actions.githubusercontent.com"
        );
        assert_eq!(codes(&c.findings), ["import-tools-unknown"]);

        let legacy = json!({"servers": {
            "fetch": {"image": "ghcr.io/stacklok/fetch:v0.3.1", "description": "Fetch", "transport": "stdio",
                      "permissions": {"network": {"outbound": {"insecure_allow_all": true}}, "privileged": false},
                      "env_vars": [{"name": "TOKEN", "secret": true, "required": true}]},
            "latest": {"image": "ghcr.io/stacklok/x:latest"},
            "root": {"image": "ghcr.io/stacklok/r:1.0", "permissions": {"privileged": true}}}});
        let candidates =
            toolhive_file(legacy.to_string().as_bytes(), "io.github.stacklok").unwrap();
        let fetch = candidates
            .iter()
            .find(|c| c.name == "io.github.stacklok/fetch")
            .unwrap();
        assert_eq!(fetch.version, "0.3.1");
        let ext = &fetch.manifest.as_ref().unwrap()["_meta"][EXTENSION_KEY];
        assert_eq!(ext["network"], json!({"egress": ["*"]}));
        assert_eq!(ext["secrets"][0]["name"], "TOKEN");
        let latest = candidates
            .iter()
            .find(|c| c.name.ends_with("/latest"))
            .unwrap();
        assert_eq!(latest.manifest, None);
        assert_eq!(codes(&latest.findings), ["import-version-unknown"]);
        let root = candidates
            .iter()
            .find(|c| c.name.ends_with("/root"))
            .unwrap();
        assert_eq!(root.manifest, None);
        assert!(codes(&root.findings).contains(&"import-privileged"));
    }

    #[test]
    fn a_file_that_is_not_a_toolhive_registry_is_refused_by_name() {
        for (bytes, says) in [
            (&b"[1]"[..], "neither `data.servers`"),
            (b"{\"servers\": {}, \"servers\": {}}", "appears twice"),
            (b"{", "EOF while parsing"),
        ] {
            let e = toolhive_file(bytes, "ns").unwrap_err();
            assert!(e.contains(says), "{e}");
        }
        let big = vec![b' '; MAX_TOOLHIVE_FILE_BYTES + 1];
        assert!(toolhive_file(&big, "ns").unwrap_err().contains("at most"));
    }

    #[test]
    fn image_tags_give_versions_only_when_they_are_versions() {
        for (image, version) in [
            ("ghcr.io/a/b:v1.2.3", Some("1.2.3")),
            ("ghcr.io/a/b:1.2", Some("1.2")),
            ("localhost:5000/a/b:1.0.0-rc.1", Some("1.0.0-rc.1")),
            ("localhost:5000/a/b", None),
            ("ghcr.io/a/b:latest", None),
            ("ghcr.io/a/b:1.2.3.4", None),
            ("ghcr.io/a/b@sha256:00", None),
            ("ghcr.io/a/b:1.0-\u{1b}[32mok", None),
            ("ghcr.io/a/b:1.0-rc\nverified", None),
        ] {
            assert_eq!(version_of_image(image).as_deref(), version, "{image}");
        }
    }
}
