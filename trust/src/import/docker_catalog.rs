//! Docker's MCP catalog (`server.yaml`, with `tools.json` beside it) to
//! manifests. Docker's servers read secrets from environment variables, so
//! secrets import in env mode (a warning); an unpinned image is kept as it
//! is and reported by validation, never silently accepted; a server without
//! `allowHosts` or `disableNetwork` has full network in Docker and imports
//! as `"*"` (reported as open network) rather than as a guess.

use crate::finding::Finding;
use crate::manifest::{
    Access, EXTENSION_KEY, Filesystem, Mount, Network, Secret, SecretMode, SecurityExtension, Tool,
    ValidateOptions, validate_value,
};
use serde_json::{Map, Value, json};

/// Largest `server.yaml` or `tools.json` read, in bytes.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Default namespace for imported servers (`<namespace>/<docker name>`).
pub const DEFAULT_NAMESPACE: &str = "io.github.docker.mcp-registry";

/// The result of importing one catalog entry.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The Docker catalog name (`name:` in server.yaml), when readable.
    pub source_name: Option<String>,
    /// The manifest, unless the entry was rejected.
    pub manifest: Option<Value>,
    /// What the conversion could not carry over; paths point into `server.yaml`
    /// (or into `tools.json`, prefixed `tools.json`).
    pub import_findings: Vec<Finding>,
    /// Validation of the produced manifest; paths point into the manifest.
    pub manifest_findings: Vec<Finding>,
}

impl Imported {
    fn rejected(name: Option<String>, f: Finding) -> Imported {
        Imported {
            source_name: name,
            manifest: None,
            import_findings: vec![f],
            manifest_findings: vec![],
        }
    }
}

/// Converts one `server.yaml` (and its `tools.json`, if any) into a manifest.
pub fn import(server_yaml: &[u8], tools_json: Option<&[u8]>, namespace: &str) -> Imported {
    if server_yaml.len() > MAX_INPUT_BYTES {
        return Imported::rejected(
            None,
            Finding::error(
                "import-too-large",
                "",
                format!(
                    "server.yaml is {} bytes; at most {MAX_INPUT_BYTES} are read",
                    server_yaml.len()
                ),
            ),
        );
    }
    let doc: Value = match serde_norway::from_slice(server_yaml) {
        Ok(v) => v,
        Err(e) => {
            return Imported::rejected(
                None,
                Finding::error(
                    "import-yaml-invalid",
                    "",
                    format!("server.yaml is not valid YAML: {e}"),
                ),
            );
        }
    };
    let mut c = Converter {
        doc: &doc,
        findings: Vec::new(),
    };
    let name = c.str_at("/name").map(str::to_owned);
    let Some(docker_name) = name.clone() else {
        return Imported::rejected(
            None,
            Finding::error("import-field-missing", "/name", "server.yaml has no `name`"),
        );
    };
    let kind = c.str_at("/type").unwrap_or("server");
    if !matches!(kind, "server" | "remote") {
        return Imported::rejected(
            name,
            Finding::error(
                "import-unsupported-type",
                "/type",
                format!("catalog type `{kind}` has no manifest equivalent"),
            )
            .hint("only `server` (a container image) and `remote` entries can be imported"),
        );
    }

    let mut server = Map::new();
    server.insert(
        "$schema".into(),
        json!("https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"),
    );
    server.insert("name".into(), json!(format!("{namespace}/{docker_name}")));
    let description = c
        .str_at("/about/description")
        .or(c.str_at("/about/title"))
        .unwrap_or(&docker_name)
        .trim()
        .to_owned();
    server.insert(
        "description".into(),
        json!(c.truncate("/about/description", &description, 100)),
    );
    if let Some(title) = c.str_at("/about/title") {
        let t = c.truncate("/about/title", title.trim(), 100);
        server.insert("title".into(), json!(t));
    }
    server.insert("version".into(), json!(c.version()));
    if let Some(project) = c.str_at("/source/project") {
        let source = if project.starts_with("https://github.com/") {
            "github"
        } else {
            "git"
        };
        server.insert(
            "repository".into(),
            json!({ "url": project, "source": source }),
        );
    }

    if kind == "remote" {
        let transport = match c.str_at("/remote/transport_type") {
            Some("sse") => "sse",
            _ => "streamable-http",
        };
        match c.str_at("/remote/url") {
            Some(url) => {
                server.insert("remotes".into(), json!([{ "type": transport, "url": url }]));
            }
            None => c.findings.push(Finding::warning(
                "import-field-missing",
                "/remote/url",
                "remote entry without `url`",
            )),
        }
    } else {
        match c.str_at("/image") {
            None => {
                return Imported::rejected(
                    name,
                    Finding::error(
                        "import-field-missing",
                        "/image",
                        "server entry without `image`",
                    ),
                );
            }
            Some(image) => {
                let image = image.to_owned();
                let security = c.security(&image, tools_json);
                server.insert("packages".into(), json!([c.package(&image)]));
                let ext = serde_json::to_value(&security).unwrap_or(Value::Null);
                server.insert("_meta".into(), json!({ EXTENSION_KEY: ext }));
            }
        }
    }
    for (field, what) in [
        ("/oauth", "OAuth flows"),
        ("/config/parameters", "user parameters"),
    ] {
        if c.doc.pointer(field).is_some() {
            c.findings.push(Finding::info(
                "import-not-carried",
                field,
                format!("{what} are configured by the gateway, not by the manifest"),
            ));
        }
    }

    let manifest = Value::Object(server);
    let manifest_findings = validate_value(&manifest, ValidateOptions::default()).findings;
    Imported {
        source_name: name,
        manifest: Some(manifest),
        import_findings: c.findings,
        manifest_findings,
    }
}

struct Converter<'a> {
    doc: &'a Value,
    findings: Vec<Finding>,
}

impl<'a> Converter<'a> {
    fn str_at(&self, p: &str) -> Option<&'a str> {
        self.doc.pointer(p).and_then(Value::as_str)
    }

    fn truncate(&mut self, path: &str, s: &str, max: usize) -> String {
        if s.chars().count() <= max {
            return s.to_owned();
        }
        self.findings.push(Finding::info(
            "import-truncated",
            path,
            format!("shortened to {max} characters, the official limit"),
        ));
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }

    fn version(&mut self) -> String {
        match self.str_at("/source/commit") {
            Some(c) if c.len() >= 12 && c.chars().all(|ch| ch.is_ascii_hexdigit()) => {
                format!("0.0.0-git.{}", &c[..12].to_ascii_lowercase())
            }
            _ => {
                self.findings.push(
                    Finding::warning(
                        "import-version-unknown",
                        "/source/commit",
                        "no source commit to derive a version from; `0.0.0` used",
                    )
                    .hint("set the server's real version in the manifest before publishing"),
                );
                "0.0.0".to_owned()
            }
        }
    }

    fn package(&mut self, image: &str) -> Value {
        let mut pkg =
            json!({ "registryType": "oci", "identifier": image, "transport": { "type": "stdio" } });
        let mut env = Vec::new();
        if let Some(list) = self.doc.pointer("/config/env").and_then(Value::as_array) {
            for (i, e) in list.iter().enumerate() {
                let Some(name) = e.get("name").and_then(Value::as_str) else {
                    self.findings.push(Finding::warning(
                        "import-field-missing",
                        format!("/config/env/{i}/name"),
                        "env entry without `name`",
                    ));
                    continue;
                };
                let mut v = json!({ "name": name });
                if let Some(value) = e.get("value").and_then(Value::as_str) {
                    v["value"] = json!(template_to_official(value));
                }
                if let Some(d) = e.get("description").and_then(Value::as_str) {
                    v["description"] = json!(d);
                }
                env.push(v);
            }
        }
        if let Some(map) = self.doc.pointer("/run/env").and_then(Value::as_object) {
            for (name, value) in map {
                let value = value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| value.to_string());
                env.push(json!({ "name": name, "value": template_to_official(&value) }));
            }
        }
        if !env.is_empty() {
            pkg["environmentVariables"] = Value::Array(env);
        }
        if let Some(cmd) = self.doc.pointer("/run/command").and_then(Value::as_array) {
            let args: Vec<Value> = cmd
                .iter()
                .filter_map(Value::as_str)
                .map(|a| json!({ "type": "positional", "value": template_to_official(a) }))
                .collect();
            if !args.is_empty() {
                pkg["packageArguments"] = Value::Array(args);
            }
        }
        pkg
    }

    fn security(&mut self, image: &str, tools_json: Option<&[u8]>) -> SecurityExtension {
        SecurityExtension {
            image: image.to_owned(),
            provenance: None,
            tools: self.tools(tools_json),
            network: self.network(),
            filesystem: Filesystem {
                mounts: self.mounts(),
            },
            secrets: self.secrets(),
            resources: Default::default(),
            user: self.user(),
        }
    }

    fn network(&mut self) -> Network {
        if self
            .doc
            .pointer("/run/disableNetwork")
            .and_then(Value::as_bool)
            == Some(true)
        {
            return Network::None;
        }
        match self
            .doc
            .pointer("/run/allowHosts")
            .and_then(Value::as_array)
        {
            Some(hosts) => Network::Egress(
                hosts
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            None => Network::Egress(vec!["*".to_owned()]),
        }
    }

    fn mounts(&mut self) -> Vec<Mount> {
        let mut mounts = Vec::new();
        let Some(list) = self.doc.pointer("/run/volumes").and_then(Value::as_array) else {
            return mounts;
        };
        for (i, v) in list.iter().enumerate() {
            let path = format!("/run/volumes/{i}");
            let Some(spec) = v.as_str() else { continue };
            // `{{param|volume|into}}` expands to host:container pairs chosen by the user at run time.
            let parts = split_volume(spec);
            let (host, container, ro) = match parts.as_slice() {
                [h, c] if !c.contains("{{") => (*h, *c, false),
                [h, c, opts] if !c.contains("{{") => (*h, *c, opts.split(',').any(|o| o == "ro")),
                _ => {
                    self.findings.push(
                        Finding::warning("import-mount-unresolved", path, format!("volume `{spec}` is expanded by Docker's gateway at run time; its container path is unknown"))
                            .hint("declare the mount's container path in the manifest by hand"),
                    );
                    continue;
                }
            };
            let host_path =
                (host.starts_with('/') && !host.contains("{{")).then(|| host.to_owned());
            if !host.starts_with('/') && !host.contains("{{") {
                self.findings.push(Finding::info(
                    "import-named-volume",
                    path.clone(),
                    format!(
                        "named volume `{host}` becomes a mount whose host side the gateway chooses"
                    ),
                ));
            }
            mounts.push(Mount {
                container_path: container.to_owned(),
                host_path,
                access: if ro {
                    Access::ReadOnly
                } else {
                    Access::ReadWrite
                },
                description: None,
            });
        }
        mounts
    }

    fn secrets(&mut self) -> Vec<Secret> {
        let mut out = Vec::new();
        let Some(list) = self
            .doc
            .pointer("/config/secrets")
            .and_then(Value::as_array)
        else {
            return out;
        };
        for (i, s) in list.iter().enumerate() {
            let (Some(name), env) = (
                s.get("name").and_then(Value::as_str),
                s.get("env").and_then(Value::as_str),
            ) else {
                self.findings.push(Finding::warning(
                    "import-field-missing",
                    format!("/config/secrets/{i}/name"),
                    "secret without `name`",
                ));
                continue;
            };
            out.push(Secret {
                name: name.to_owned(),
                mode: SecretMode::Env,
                path: None,
                env: env.map(str::to_owned),
                description: s
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                required: s.get("required").and_then(Value::as_bool).unwrap_or(true),
            });
        }
        out
    }

    fn user(&mut self) -> Option<u32> {
        let u = self.doc.pointer("/run/user")?;
        let s = u
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| u.to_string());
        match s.split(':').next().and_then(|uid| uid.parse::<u32>().ok()) {
            Some(uid) => Some(uid),
            None => {
                self.findings.push(Finding::warning(
                    "import-user-unresolved",
                    "/run/user",
                    format!("user `{s}` is not a numeric uid; the default non-root user is used"),
                ));
                None
            }
        }
    }

    fn tools(&mut self, tools_json: Option<&[u8]>) -> Vec<Tool> {
        let mut tools = Vec::new();
        let (list, prefix): (Vec<Value>, &str) = match tools_json {
            Some(bytes) if bytes.len() > MAX_INPUT_BYTES => {
                self.findings.push(Finding::error(
                    "import-too-large",
                    "tools.json",
                    format!(
                        "tools.json is {} bytes; at most {MAX_INPUT_BYTES} are read",
                        bytes.len()
                    ),
                ));
                return tools;
            }
            Some(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(Value::Array(a)) => (a, "tools.json"),
                Ok(Value::Object(mut o)) if o.get("tools").is_some_and(Value::is_array) => {
                    match o.remove("tools") {
                        Some(Value::Array(a)) => (a, "tools.json/tools"),
                        _ => (Vec::new(), "tools.json"),
                    }
                }
                Ok(_) => {
                    self.findings.push(Finding::error(
                        "import-tools-invalid",
                        "tools.json",
                        "tools.json is neither an array of tools nor {\"tools\": [...]}",
                    ));
                    return tools;
                }
                Err(e) => {
                    self.findings.push(Finding::error(
                        "import-tools-invalid",
                        "tools.json",
                        format!("tools.json is not valid JSON: {e}"),
                    ));
                    return tools;
                }
            },
            None => match self.doc.pointer("/tools").and_then(Value::as_array) {
                Some(a) => (a.clone(), ""),
                None => return tools,
            },
        };
        for (i, t) in list.iter().enumerate() {
            match docker_tool(t, &format!("{prefix}/{i}")) {
                Ok(tool) => tools.push(tool),
                Err(why) => self.findings.push(Finding::warning(
                    "import-tool-skipped",
                    format!("{prefix}/{i}"),
                    why,
                )),
            }
        }
        tools
    }
}

/// Converts one tool from Docker's formats (`tools.json` with `arguments`
/// or `inputSchema`; `server.yaml` with `parameters`) into an MCP tool, with
/// the same reader `mcp-verify tools` uses.
pub fn docker_tool(t: &Value, path: &str) -> Result<Tool, String> {
    let mut t = t.clone();
    if let Some(obj) = t.as_object_mut()
        && !obj.contains_key("inputSchema")
        && let Some(parameters) = obj.remove("parameters")
    {
        obj.insert("inputSchema".into(), parameters);
    }
    let mut tool = crate::tools::listing::tool_from_value(&t, path).map_err(|e| e.to_string())?;
    if let Some(schema) = tool.input_schema.as_object_mut() {
        schema.entry("type").or_insert_with(|| json!("object"));
    }
    Ok(tool)
}

/// Docker's `{{a.b}}` placeholders become the official `{a.b}` form.
fn template_to_official(s: &str) -> String {
    s.replace("{{", "{").replace("}}", "}")
}

/// Splits `host:container[:opts]`, keeping `{{…}}` templates (which may hold `:`) whole.
fn split_volume(spec: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let b = spec.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"{{") {
            depth += 1;
            i += 2;
            continue;
        }
        if b[i..].starts_with(b"}}") && depth > 0 {
            depth -= 1;
            i += 2;
            continue;
        }
        if b[i] == b':' && depth == 0 {
            parts.push(&spec[start..i]);
            start = i + 1;
        }
        i += 1;
    }
    parts.push(&spec[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_volumes_around_templates() {
        assert_eq!(
            split_volume("{{a.b|volume-target}}:/src"),
            ["{{a.b|volume-target}}", "/src"]
        );
        assert_eq!(
            split_volume("/var/run/docker.sock:/var/run/docker.sock:ro"),
            ["/var/run/docker.sock", "/var/run/docker.sock", "ro"]
        );
        assert_eq!(split_volume("{{x|volume|into}}"), ["{{x|volume|into}}"]);
    }

    #[test]
    fn arguments_become_an_input_schema() {
        let t = json!({"name": "search", "description": "Search", "arguments": [
            {"name": "q", "type": "string", "desc": "query"},
            {"name": "limit", "type": "integer", "desc": "max", "optional": true}
        ]});
        let tool = docker_tool(&t, "/0").unwrap();
        assert_eq!(
            tool.input_schema,
            json!({"type": "object", "properties": {
            "q": {"type": "string", "description": "query"},
            "limit": {"type": "integer", "description": "max"}
        }, "required": ["q"]})
        );
    }
}
