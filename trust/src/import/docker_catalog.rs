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

/// Largest `tools.json` read, in bytes; the CLI also reads at most one byte
/// more of `server.yaml`, whose own, smaller limit is [`MAX_SERVER_YAML_BYTES`].
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Largest `server.yaml` read, in bytes. The largest entry of Docker's
/// catalog (`victoriametrics`, in `testdata/corpus/`) is 4,187 bytes, so
/// 64 KiB is fifteen times the largest real file. The limit is also what
/// bounds the YAML parser's worst case should a document get past the
/// nesting pre-scan: the parser is quadratic in flow nesting, and 64 KiB of
/// the worst pattern (`a: [` repeated) costs it about a second, against
/// 13 minutes under the former 1 MiB (release build, measured).
pub const MAX_SERVER_YAML_BYTES: usize = 64 * 1024;
/// Deepest nesting of `server.yaml` read: flow collections (`[`, `{`) and
/// block indentation levels open at once, counted by a linear scan before
/// the document is parsed. Real entries nest at most 7 levels. The parser's
/// work per token grows with the depth it is at, so without this limit a
/// run of `[` costs it time quadratic in the run's length.
pub const MAX_YAML_DEPTH: usize = 64;
/// Most a parsed `server.yaml` may expand to, counting one per node plus
/// one per byte of each string. Without aliases a document counts at most
/// about 1.5 per byte of YAML (`{a,b,…}`), well under this; aliases
/// (`*name`) repeat their anchor's node, so a few kilobytes could
/// otherwise expand to gigabytes (measured: 50 KB of aliases to a
/// 10,000-element anchor held 17 GB for 90 s).
pub const MAX_YAML_EXPANSION: usize = 4 * MAX_SERVER_YAML_BYTES;
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
    let doc = match parse_server_yaml(server_yaml) {
        Ok(v) => v,
        Err(f) => return Imported::rejected(None, f),
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

/// Reads `server.yaml` within [`MAX_SERVER_YAML_BYTES`], [`MAX_YAML_DEPTH`]
/// and [`MAX_YAML_EXPANSION`], in time linear in its size.
fn parse_server_yaml(bytes: &[u8]) -> Result<Value, Finding> {
    if bytes.len() > MAX_SERVER_YAML_BYTES {
        return Err(Finding::error(
            "import-too-large",
            "",
            format!(
                "server.yaml is {} bytes; at most {MAX_SERVER_YAML_BYTES} are read",
                bytes.len()
            ),
        ));
    }
    let nesting = yaml_guard::nesting(bytes, MAX_YAML_DEPTH);
    if let Some((line, column)) = nesting.over_at {
        return Err(Finding::error(
            "import-yaml-too-deep",
            "",
            format!(
                "server.yaml nests {} levels deep; at most {MAX_YAML_DEPTH} are read (first exceeded at line {line}, column {column})",
                nesting.max
            ),
        )
        .hint("real catalog entries nest a few levels; flatten the document"));
    }
    let budget = yaml_guard::Budget::new(MAX_YAML_EXPANSION);
    let de = serde_norway::Deserializer::from_slice(bytes);
    match serde::de::DeserializeSeed::deserialize(yaml_guard::Node(&budget), de) {
        Ok(v) => Ok(v),
        Err(_) if budget.exhausted() => Err(Finding::error(
            "import-yaml-expansion",
            "",
            format!(
                "server.yaml expands to more than {MAX_YAML_EXPANSION} nodes and string bytes; aliases (`*name`) repeat what their anchor names"
            ),
        )
        .hint("write the repeated parts out, or drop the aliases")),
        Err(e) => Err(Finding::error(
            "import-yaml-invalid",
            "",
            format!("server.yaml is not valid YAML: {e}"),
        )),
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

/// Guards around the YAML parser: a linear pre-scan that measures nesting,
/// and a reader that stops once aliases have expanded the document too far.
mod yaml_guard {
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};
    use std::cell::Cell;
    use std::fmt;

    /// How deep a document nests, found without parsing it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) struct Nesting {
        /// The deepest nesting: flow collections plus block indentation
        /// levels open at once.
        pub(super) max: usize,
        /// Line and column (from 1) where the nesting first went past the limit.
        pub(super) over_at: Option<(usize, usize)>,
    }

    /// Measures nesting the way the parser (libyaml, in `serde_norway`)
    /// tokenizes: this follows libyaml's scanner, token by token, wherever
    /// it succeeds, so the depth found is the depth the parser would reach;
    /// brackets inside quoted and block scalars, plain scalars (`it's [a`)
    /// and comments do not count, and a quote or `#` inside a plain or
    /// block scalar does not hide what follows. Where libyaml would stop
    /// with an error the scan carries on, so it never sees less than the
    /// parser. One pass, constant work per byte.
    pub(super) fn nesting(src: &[u8], limit: usize) -> Nesting {
        let mut s = Scanner {
            src,
            i: 0,
            line: 0,
            col: 0,
            flow: 0,
            indent: None,
            indents: Vec::new(),
            allowed: true,
            key: None,
            limit,
            max: 0,
            over_at: None,
        };
        s.run();
        Nesting {
            max: s.max,
            over_at: s.over_at,
        }
    }

    /// A possible simple key at flow level 0 (libyaml's `yaml_simple_key_t`).
    #[derive(Clone, Copy)]
    struct Key {
        line: usize,
        index: usize,
        col: usize,
    }

    /// The part of libyaml's scanner state that decides where tokens start.
    struct Scanner<'a> {
        src: &'a [u8],
        /// Byte offset.
        i: usize,
        line: usize,
        /// Characters since the line's start, as libyaml counts columns.
        col: usize,
        /// Open flow collections.
        flow: usize,
        /// The block indentation column (`None` is libyaml's -1).
        indent: Option<usize>,
        /// Enclosing block indentation columns: one per open block level.
        indents: Vec<Option<usize>>,
        /// libyaml's `simple_key_allowed`.
        allowed: bool,
        key: Option<Key>,
        limit: usize,
        max: usize,
        over_at: Option<(usize, usize)>,
    }

    impl Scanner<'_> {
        fn at(&self, k: usize) -> u8 {
            self.src.get(self.i + k).copied().unwrap_or(0)
        }

        fn is_z_at(&self, k: usize) -> bool {
            self.i + k >= self.src.len()
        }

        /// Line breaks as libyaml knows them, NEL, LS and PS included.
        fn is_break_at(&self, k: usize) -> bool {
            match self.at(k) {
                b'\r' | b'\n' => true,
                0xC2 => self.at(k + 1) == 0x85,
                0xE2 => self.at(k + 1) == 0x80 && matches!(self.at(k + 2), 0xA8 | 0xA9),
                _ => false,
            }
        }

        fn is_blank_at(&self, k: usize) -> bool {
            !self.is_z_at(k) && matches!(self.at(k), b' ' | b'\t')
        }

        fn is_breakz_at(&self, k: usize) -> bool {
            self.is_break_at(k) || self.is_z_at(k)
        }

        fn is_blankz_at(&self, k: usize) -> bool {
            self.is_blank_at(k) || self.is_breakz_at(k)
        }

        fn starts_with(&self, s: &[u8]) -> bool {
            self.src.get(self.i..).is_some_and(|r| r.starts_with(s))
        }

        /// Moves over one character.
        fn skip(&mut self) {
            let width = match self.at(0) {
                b if b & 0xE0 == 0xC0 => 2,
                b if b & 0xF0 == 0xE0 => 3,
                b if b & 0xF8 == 0xF0 => 4,
                _ => 1,
            };
            self.i = (self.i + width).min(self.src.len());
            self.col += 1;
        }

        /// Moves over the line break here (CR LF is one).
        fn skip_line(&mut self) {
            let width = match self.at(0) {
                b'\r' if self.at(1) == b'\n' => 2,
                b'\r' | b'\n' => 1,
                0xC2 => 2,
                _ => 3,
            };
            self.i = (self.i + width).min(self.src.len());
            self.line += 1;
            self.col = 0;
        }

        fn depth_changed(&mut self) {
            let depth = self.indents.len() + self.flow;
            self.max = self.max.max(depth);
            if depth > self.limit && self.over_at.is_none() {
                self.over_at = Some((self.line + 1, self.col + 1));
            }
        }

        fn roll(&mut self, col: usize) {
            if self.flow == 0 && self.indent < Some(col) {
                self.indents.push(self.indent);
                self.indent = Some(col);
                self.depth_changed();
            }
        }

        fn unroll(&mut self, col: Option<usize>) {
            if self.flow > 0 {
                return;
            }
            while self.indent > col {
                self.indent = self.indents.pop().flatten();
            }
        }

        fn save_key(&mut self) {
            if self.flow == 0 && self.allowed {
                self.key = Some(Key {
                    line: self.line,
                    index: self.i,
                    col: self.col,
                });
            }
        }

        fn remove_key(&mut self) {
            if self.flow == 0 {
                self.key = None;
            }
        }

        fn document_indicator(&self) -> bool {
            self.col == 0
                && (self.starts_with(b"---") || self.starts_with(b"..."))
                && self.is_blankz_at(3)
        }

        fn run(&mut self) {
            loop {
                self.skip_to_token();
                // A simple key lasts one line and 1024 bytes.
                if let Some(k) = self.key
                    && (k.line < self.line || k.index + 1024 < self.i)
                {
                    self.key = None;
                }
                self.unroll(Some(self.col));
                if self.is_z_at(0) {
                    return;
                }
                let start = self.i;
                let c = self.at(0);
                if self.col == 0 && c == b'%' {
                    self.unroll(None);
                    self.remove_key();
                    self.allowed = false;
                    while !self.is_breakz_at(0) {
                        self.skip();
                    }
                    if self.is_break_at(0) {
                        self.skip_line();
                    }
                } else if self.document_indicator() {
                    self.unroll(None);
                    self.remove_key();
                    self.allowed = false;
                    for _ in 0..3 {
                        self.skip();
                    }
                } else {
                    self.token(c);
                }
                if self.i == start {
                    // No token starts here: libyaml stops with an error; the scan moves on.
                    self.skip();
                }
            }
        }

        /// libyaml's `yaml_parser_scan_to_next_token`.
        fn skip_to_token(&mut self) {
            loop {
                if self.col == 0 && self.starts_with(b"\xEF\xBB\xBF") {
                    self.skip();
                }
                while self.at(0) == b' '
                    || ((self.flow > 0 || !self.allowed) && self.at(0) == b'\t')
                {
                    self.skip();
                }
                if self.at(0) == b'#' {
                    while !self.is_breakz_at(0) {
                        self.skip();
                    }
                }
                if !self.is_break_at(0) {
                    return;
                }
                self.skip_line();
                if self.flow == 0 {
                    self.allowed = true;
                }
            }
        }

        /// libyaml's `yaml_parser_fetch_next_token`, past document markers.
        fn token(&mut self, c: u8) {
            match c {
                b'[' | b'{' => {
                    self.save_key();
                    self.flow += 1;
                    self.depth_changed();
                    self.allowed = true;
                    self.skip();
                }
                b']' | b'}' => {
                    self.remove_key();
                    self.flow = self.flow.saturating_sub(1);
                    self.allowed = false;
                    self.skip();
                }
                b',' => {
                    self.remove_key();
                    self.allowed = true;
                    self.skip();
                }
                b'-' if self.is_blankz_at(1) => {
                    self.roll(self.col);
                    self.remove_key();
                    self.allowed = true;
                    self.skip();
                }
                b'?' if self.flow > 0 || self.is_blankz_at(1) => {
                    self.roll(self.col);
                    self.remove_key();
                    self.allowed = self.flow == 0;
                    self.skip();
                }
                b':' if self.flow > 0 || self.is_blankz_at(1) => {
                    if self.flow > 0 {
                        self.allowed = false;
                    } else if let Some(k) = self.key.take() {
                        self.roll(k.col);
                        self.allowed = false;
                    } else {
                        self.roll(self.col);
                        self.allowed = true;
                    }
                    self.skip();
                }
                b'*' | b'&' => {
                    self.save_key();
                    self.allowed = false;
                    self.skip();
                    while self.at(0).is_ascii_alphanumeric() || matches!(self.at(0), b'_' | b'-') {
                        self.skip();
                    }
                }
                b'!' => {
                    self.save_key();
                    self.allowed = false;
                    self.tag();
                }
                b'|' | b'>' if self.flow == 0 => {
                    self.remove_key();
                    self.allowed = true;
                    self.block_scalar();
                }
                b'\'' | b'"' => {
                    self.save_key();
                    self.allowed = false;
                    self.quoted(c);
                }
                _ if self.plain_starts() => {
                    self.save_key();
                    self.allowed = false;
                    self.plain();
                }
                _ => {}
            }
        }

        fn plain_starts(&self) -> bool {
            let c = self.at(0);
            !(self.is_blankz_at(0) || b"-?:,[]{}#&*!|>'\"%@`".contains(&c))
                || (c == b'-' && !self.is_blank_at(1))
                || (self.flow == 0 && matches!(c, b'?' | b':') && !self.is_blankz_at(1))
        }

        /// A tag ends at a blank or line break (or a `,` in a flow collection);
        /// `!<…>` at its `>`. libyaml refuses any other end.
        fn tag(&mut self) {
            if self.at(1) == b'<' {
                self.skip();
                self.skip();
                while !self.is_blankz_at(0) && self.at(0) != b'>' {
                    self.skip();
                }
                if self.at(0) == b'>' {
                    self.skip();
                }
            } else {
                self.skip();
                while !(self.is_blankz_at(0) || (self.flow > 0 && self.at(0) == b',')) {
                    self.skip();
                }
            }
        }

        /// A single- (`''` escapes a quote) or double-quoted (`\` escapes)
        /// scalar, across lines.
        fn quoted(&mut self, quote: u8) {
            self.skip();
            while !self.is_z_at(0) {
                let c = self.at(0);
                if quote == b'\'' && c == b'\'' && self.at(1) == b'\'' {
                    self.skip();
                    self.skip();
                } else if c == quote {
                    self.skip();
                    return;
                } else if quote == b'"' && c == b'\\' {
                    self.skip();
                    if self.is_break_at(0) {
                        self.skip_line();
                    } else if !self.is_z_at(0) {
                        self.skip();
                    }
                } else if self.is_break_at(0) {
                    self.skip_line();
                } else {
                    self.skip();
                }
            }
        }

        /// libyaml's `yaml_parser_scan_plain_scalar`: it goes on over
        /// blanks and onto lines indented deeper than the block, and ends at
        /// `: `, ` #`, a document marker, or (in flow) `,[]{}`.
        fn plain(&mut self) {
            let mut leading_blanks = false;
            loop {
                if self.document_indicator() || self.at(0) == b'#' {
                    break;
                }
                while !self.is_blankz_at(0) {
                    let c = self.at(0);
                    if self.flow > 0
                        && c == b':'
                        && matches!(self.at(1), b',' | b'?' | b'[' | b']' | b'{' | b'}')
                    {
                        // libyaml: "found unexpected ':'".
                        return;
                    }
                    if (c == b':' && self.is_blankz_at(1))
                        || (self.flow > 0 && matches!(c, b',' | b'[' | b']' | b'{' | b'}'))
                    {
                        break;
                    }
                    leading_blanks = false;
                    self.skip();
                }
                if !(self.is_blank_at(0) || self.is_break_at(0)) {
                    break;
                }
                while self.is_blank_at(0) || self.is_break_at(0) {
                    if self.is_blank_at(0) {
                        self.skip();
                    } else {
                        self.skip_line();
                        leading_blanks = true;
                    }
                }
                if self.flow == 0 && Some(self.col) <= self.indent {
                    break;
                }
            }
            if leading_blanks {
                self.allowed = true;
            }
        }

        /// libyaml's `yaml_parser_scan_block_scalar` (`|` or `>`): content
        /// lines at the scalar's indentation, which is given or taken from
        /// the first non-empty line.
        fn block_scalar(&mut self) {
            self.skip();
            let mut increment = 0;
            match self.at(0) {
                b'+' | b'-' => {
                    self.skip();
                    if matches!(self.at(0), b'1'..=b'9') {
                        increment = usize::from(self.at(0) - b'0');
                        self.skip();
                    }
                }
                d @ b'1'..=b'9' => {
                    increment = usize::from(d - b'0');
                    self.skip();
                    if matches!(self.at(0), b'+' | b'-') {
                        self.skip();
                    }
                }
                _ => {}
            }
            while self.is_blank_at(0) {
                self.skip();
            }
            if self.at(0) == b'#' {
                while !self.is_breakz_at(0) {
                    self.skip();
                }
            }
            if !self.is_breakz_at(0) {
                return;
            }
            if self.is_break_at(0) {
                self.skip_line();
            }
            let mut indent = if increment > 0 {
                self.indent.map_or(increment, |n| n + increment)
            } else {
                0
            };
            if !self.block_breaks(&mut indent) {
                return;
            }
            while self.col == indent && !self.is_z_at(0) {
                while !self.is_breakz_at(0) {
                    self.skip();
                }
                if self.is_z_at(0) || !self.block_breaks_after_line(&mut indent) {
                    return;
                }
            }
        }

        fn block_breaks_after_line(&mut self, indent: &mut usize) -> bool {
            self.skip_line();
            self.block_breaks(indent)
        }

        /// libyaml's `yaml_parser_scan_block_scalar_breaks`: empty lines and
        /// indentation; fixes the indentation (0: not yet known). `false`
        /// where libyaml refuses a tab in the indentation.
        fn block_breaks(&mut self, indent: &mut usize) -> bool {
            let mut max_indent = 0;
            loop {
                while (*indent == 0 || self.col < *indent) && self.at(0) == b' ' {
                    self.skip();
                }
                max_indent = max_indent.max(self.col);
                if (*indent == 0 || self.col < *indent) && self.at(0) == b'\t' {
                    return false;
                }
                if !self.is_break_at(0) {
                    break;
                }
                self.skip_line();
            }
            if *indent == 0 {
                *indent = max_indent.max(self.indent.map_or(0, |n| n + 1)).max(1);
            }
            true
        }
    }

    /// What is left of [`super::MAX_YAML_EXPANSION`] while reading.
    #[derive(Debug)]
    pub(super) struct Budget {
        left: Cell<usize>,
        exhausted: Cell<bool>,
    }

    impl Budget {
        pub(super) fn new(units: usize) -> Budget {
            Budget {
                left: Cell::new(units),
                exhausted: Cell::new(false),
            }
        }

        /// Whether reading stopped because the budget ran out.
        pub(super) fn exhausted(&self) -> bool {
            self.exhausted.get()
        }

        fn spend<E: de::Error>(&self, units: usize) -> Result<(), E> {
            match self.left.get().checked_sub(units) {
                Some(left) => {
                    self.left.set(left);
                    Ok(())
                }
                None => {
                    self.exhausted.set(true);
                    Err(E::custom("the document expands past the import's limit"))
                }
            }
        }
    }

    /// Reads one node into a JSON value as `serde_json::Value` does, paying
    /// one unit per node and one per string byte, so alias expansion stops
    /// when the budget is spent instead of when memory is.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct Node<'b>(pub(super) &'b Budget);

    impl<'de> DeserializeSeed<'de> for Node<'_> {
        type Value = Value;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Node<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any valid JSON value")
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
            self.0.spend(1)?;
            Ok(Value::Bool(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
            self.0.spend(1)?;
            Ok(Value::Number(v.into()))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
            self.0.spend(1)?;
            Ok(Value::Number(v.into()))
        }

        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
            self.0.spend(1)?;
            serde::Deserialize::deserialize(de::value::I128Deserializer::<E>::new(v))
                .map(Value::Number)
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
            self.0.spend(1)?;
            serde::Deserialize::deserialize(de::value::U128Deserializer::<E>::new(v))
                .map(Value::Number)
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            self.0.spend(1)?;
            Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            self.0.spend(1 + v.len())?;
            Ok(Value::String(v.to_owned()))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            self.0.spend(1 + v.len())?;
            Ok(Value::String(v))
        }

        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            self.0.spend(1)?;
            Ok(Value::Null)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            self.0.spend(1)?;
            Ok(Value::Null)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            self.deserialize(d)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            self.0.spend(1)?;
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(self)? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            self.0.spend(1)?;
            let mut out = Map::new();
            while let Some(k) = map.next_key_seed(KeyNode(self.0))? {
                let v = map.next_value_seed(self)?;
                out.insert(k, v);
            }
            Ok(Value::Object(out))
        }
    }

    /// A mapping key: a string, as `serde_json::Value` requires.
    #[derive(Debug, Clone, Copy)]
    struct KeyNode<'b>(&'b Budget);

    impl<'de> DeserializeSeed<'de> for KeyNode<'_> {
        type Value = String;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for KeyNode<'_> {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string key")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            self.0.spend(1 + v.len())?;
            Ok(v.to_owned())
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            self.0.spend(1 + v.len())?;
            Ok(v)
        }
    }
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

    /// The code of the finding that rejected the document, if it was rejected.
    fn rejected(yaml: &[u8]) -> Option<String> {
        let i = import(yaml, None, DEFAULT_NAMESPACE);
        i.manifest
            .is_none()
            .then(|| i.import_findings.first().map(|f| f.code.clone()))
            .flatten()
    }

    fn too_deep(yaml: &[u8]) -> bool {
        import(yaml, None, DEFAULT_NAMESPACE)
            .import_findings
            .iter()
            .any(|f| f.code == "import-yaml-too-deep")
    }

    /// How deep the parser itself nests the document (a scalar is 0).
    fn parsed_depth(yaml: &[u8]) -> Option<usize> {
        fn depth(v: &serde_norway::Value) -> usize {
            match v {
                serde_norway::Value::Sequence(s) => 1 + s.iter().map(depth).max().unwrap_or(0),
                serde_norway::Value::Mapping(m) => {
                    1 + m
                        .iter()
                        .map(|(k, v)| depth(k).max(depth(v)))
                        .max()
                        .unwrap_or(0)
                }
                serde_norway::Value::Tagged(t) => depth(&t.value),
                _ => 0,
            }
        }
        serde_norway::from_slice::<serde_norway::Value>(yaml)
            .ok()
            .map(|v| depth(&v))
    }

    fn open_close(n: usize) -> String {
        format!("{}{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn nesting_runs_filling_the_size_limit_are_refused_before_parsing() {
        let cap = MAX_SERVER_YAML_BYTES;
        let cases: [(&str, Vec<u8>, &str); 5] = [
            ("[", vec![b'['; cap], "line 1, column 65)"),
            ("{", vec![b'{'; cap], "line 1, column 65)"),
            ("[{", b"[{".repeat(cap / 2), "line 1, column 65)"),
            // The pattern the parser is slowest on: each level a one-pair mapping.
            ("a: [", b"a: [".repeat(cap / 4), "line 1, column 256)"),
            // Block nesting: every `- ` opens a sequence one level deeper.
            ("- ", b"- ".repeat(cap / 2), "line 1, column 129)"),
        ];
        for (what, doc, at) in cases {
            assert_eq!(doc.len(), cap, "{what}");
            let i = import(&doc, None, DEFAULT_NAMESPACE);
            assert!(i.manifest.is_none(), "{what}");
            let f = &i.import_findings[0];
            assert_eq!(f.code, "import-yaml-too-deep", "{what}: {}", f.message);
            assert_eq!(f.path, "", "{what}");
            assert!(f.message.contains("at most 64 are read"), "{}", f.message);
            assert!(f.message.ends_with(at), "{what}: {}", f.message);
        }
        let f = &import(&vec![b'['; cap], None, DEFAULT_NAMESPACE).import_findings[0];
        assert!(
            f.message.starts_with("server.yaml nests 65536 levels deep"),
            "{}",
            f.message
        );
    }

    #[test]
    fn nesting_at_the_limit_is_parsed() {
        // Flow only: 64 levels parse (and the import then misses `name`), 65 do not.
        assert_eq!(
            rejected(open_close(MAX_YAML_DEPTH).as_bytes()).as_deref(),
            Some("import-field-missing")
        );
        assert_eq!(
            rejected(open_close(MAX_YAML_DEPTH + 1).as_bytes()).as_deref(),
            Some("import-yaml-too-deep")
        );
        // Inside a real entry the top mapping and `about` are two of the 64.
        let entry = |n: usize| {
            format!(
                "name: deep\nimage: mcp/deep\nabout:\n  extra: {}\n",
                open_close(n)
            )
        };
        let i = import(
            entry(MAX_YAML_DEPTH - 2).as_bytes(),
            None,
            DEFAULT_NAMESPACE,
        );
        assert!(i.manifest.is_some(), "{:?}", i.import_findings);
        assert!(too_deep(entry(MAX_YAML_DEPTH - 1).as_bytes()));
        // Block mappings, one indentation level each.
        let block = |n: usize| {
            (0..n)
                .map(|k| format!("{}k{k}:\n", " ".repeat(k)))
                .collect::<String>()
        };
        assert_eq!(
            rejected(block(MAX_YAML_DEPTH).as_bytes()).as_deref(),
            Some("import-field-missing")
        );
        assert!(too_deep(block(MAX_YAML_DEPTH + 1).as_bytes()));
        // A block sequence of flow collections: both kinds add up.
        let mixed = format!("- - {}\n", open_close(MAX_YAML_DEPTH - 2));
        assert_eq!(
            rejected(mixed.as_bytes()).as_deref(),
            Some("import-field-missing")
        );
        let mixed = format!("- - {}\n", open_close(MAX_YAML_DEPTH - 1));
        assert!(too_deep(mixed.as_bytes()));
    }

    #[test]
    fn brackets_that_yaml_reads_as_text_do_not_count() {
        let b = "[{".repeat(500);
        let docs = [
            format!("name: \"{b}\"\nimage: x\n"),
            format!("name: '{b}'\nimage: x\n"),
            // Escaped quotes do not end the scalar.
            format!("name: \"\\\" {b} \\\\\\\"\"\nimage: x\n"),
            format!("name: 'it''s {b} '''\nimage: x\n"),
            format!("name: \"a\n  {b}\n  c\"\nimage: x\n"),
            format!("name: 'a\n\n  {b}'\nimage: x\n"),
            // Comments, whole-line, trailing, and inside a flow collection.
            format!("# {b}\nname: x\nimage: x\n"),
            format!("name: x # {b}\nimage: x\n"),
            format!("name: x\nimage: x\nk: [a, # {b}\n  b]\n"),
            // Block scalars, with what would open a quote or a comment.
            format!(
                "name: x\nabout:\n  description: |\n    it's \"{b}\n\n     # {b}\n    {b}\nimage: x\n"
            ),
            format!("name: x\nabout:\n  description: >2-\n    {b}\n     '\nimage: x\n"),
            // Plain scalars, over several lines.
            format!("name: see {b}\nimage: x\n"),
            format!("name: x\nabout:\n  description: see\n    {b}\n   {b}\nimage: x\n"),
            format!("name: x\nimage: x\nk: a#{b}\n"),
        ];
        for doc in &docs {
            let i = import(doc.as_bytes(), None, DEFAULT_NAMESPACE);
            assert!(
                i.manifest.is_some(),
                "{doc:?}: {:?}",
                i.import_findings.first()
            );
            // The parser agrees that the brackets are text.
            assert!(parsed_depth(doc.as_bytes()).unwrap() <= 3, "{doc:?}");
        }
    }

    #[test]
    fn quotes_and_hashes_that_yaml_reads_as_text_hide_nothing() {
        let deep = open_close(100);
        let docs = [
            // An apostrophe inside a plain scalar opens no quote.
            format!("name: it's\nk: {deep}\n"),
            format!("name: a 'b\nk: {deep}\n"),
            // Nor does a quote on a plain scalar's continuation line.
            format!("name: a\n  'b\nk: {deep}\n"),
            format!("k: [a\n  'b, {deep}]\n"),
            // Nor inside a block scalar.
            format!("d: |\n  it's \"\nk: {deep}\n"),
            format!("d: >\n  '\n\n  \"\nk: {deep}\n"),
            // A block scalar ends at the first line indented less than its content.
            format!("a:\n  d: |\n    text\n  k: {deep}\n"),
            format!("a:\n  d: >-\n\n    text\n   \n  k: {deep}\n"),
            format!("a:\n  d: |1\n    text\n  k: {deep}\n"),
            format!("- |\n  text\n- {deep}\n"),
            // Nor inside a tag.
            format!("k: !a'b {deep}\n"),
            // `#` in a quoted scalar, or after no blank, starts no comment.
            format!("k: [\"a #\", {deep}]\n"),
            format!("k: ['a #', {deep}]\n"),
            format!("k: [a#b, {deep}]\n"),
            format!("k: a#b\nj: {deep}\n"),
            // A comment ends at any of YAML's line breaks.
            format!("# c\u{2028}{deep}\n"),
            format!("# c\u{85}{deep}\n"),
            format!("# c\r{deep}\n"),
            // Anchors, aliases, tags and document markers are tokens of their own.
            format!("k: &a {deep}\n"),
            format!("--- {deep}\n"),
            format!("%YAML 1.1\n--- {deep}\n"),
        ];
        for doc in &docs {
            assert!(too_deep(doc.as_bytes()), "{doc:?}");
            // The parser agrees that the document nests 100 levels.
            assert!(parsed_depth(doc.as_bytes()).unwrap() >= 100, "{doc:?}");
        }
    }

    #[test]
    fn nesting_scan_agrees_with_the_parser_on_generated_documents() {
        // Fragments chosen to confuse a scanner (quotes, escapes, comments,
        // block scalar headers, indentation, tags, line breaks YAML knows),
        // with a run of 30 nested sequences put somewhere in each document:
        // where the parser reads the run as structure, the scan must too.
        const PIECES: &[&str] = &[
            "[",
            "]",
            "{",
            "}",
            ",",
            ": ",
            ":",
            "- ",
            "-",
            "? ",
            "?",
            "'",
            "''",
            "\"",
            "\\\"",
            "\\",
            "#",
            " #",
            "# ",
            "|",
            ">",
            "|-",
            "|2",
            ">+",
            "\n",
            "\n  ",
            "\n    ",
            "\n ",
            " ",
            "\t",
            "a",
            "b: ",
            "*a",
            "&a ",
            "!t ",
            "!",
            "!<x>",
            "---\n",
            "...\n",
            "%YAML 1.2\n",
            "\u{2028}",
            "\u{85}",
            "\r\n",
            "\r",
            "x'y",
            "k: ",
            "\"\n",
            "'\n",
            "@",
            "\u{feff}",
            "é",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % n as u64).unwrap()
        };
        let (mut parsed, mut deep) = (0, 0);
        for _ in 0..40_000 {
            let len = next(30);
            let at = next(len + 1);
            let mut doc = String::new();
            for k in 0..=len {
                if k == at {
                    doc.push_str(&open_close(30));
                }
                if k < len {
                    doc.push_str(PIECES[next(PIECES.len())]);
                }
            }
            let scanned = yaml_guard::nesting(doc.as_bytes(), MAX_YAML_DEPTH).max;
            if let Some(depth) = parsed_depth(doc.as_bytes()) {
                parsed += 1;
                deep += usize::from(depth >= 30);
                // A block level or a `[` opens at most two parsed levels (an
                // indentless sequence; a one-pair mapping as in `[a: b]`).
                assert!(
                    depth <= 2 * scanned + 1,
                    "{doc:?}: parsed {depth} levels, scanned {scanned}"
                );
            }
        }
        assert!(parsed > 3000 && deep > 500, "{parsed} parsed, {deep} deep");
    }

    #[test]
    fn the_real_catalog_nests_far_below_the_limit() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/corpus/docker-mcp-registry");
        let mut deepest = 0;
        let mut largest = 0;
        for e in std::fs::read_dir(corpus).unwrap() {
            let Ok(yaml) = std::fs::read(e.unwrap().path().join("server.yaml")) else {
                continue;
            };
            deepest = deepest.max(yaml_guard::nesting(&yaml, MAX_YAML_DEPTH).max);
            largest = largest.max(yaml.len());
        }
        assert!(deepest > 0 && deepest <= MAX_YAML_DEPTH / 4, "{deepest}");
        assert!(
            largest > 0 && largest <= MAX_SERVER_YAML_BYTES / 10,
            "{largest}"
        );
    }

    #[test]
    fn aliases_cannot_multiply_the_document() {
        // 3,000 aliases of a 3,000-element sequence: 15 KB that would expand
        // to nine million nodes.
        let wide = format!(
            "a: &a [{}]\nb: [{}]\n",
            "x,".repeat(3000),
            "*a,".repeat(3000)
        );
        assert_eq!(
            rejected(wide.as_bytes()).as_deref(),
            Some("import-yaml-expansion")
        );
        // 10,000 aliases of a 30 KB string: 300 MB.
        let long = format!(
            "a: &a {}\nb: [{}]\n",
            "x".repeat(30_000),
            "*a,".repeat(10_000)
        );
        assert_eq!(
            rejected(long.as_bytes()).as_deref(),
            Some("import-yaml-expansion")
        );
        let i = import(long.as_bytes(), None, DEFAULT_NAMESPACE);
        assert!(
            i.import_findings[0].message.contains("262144"),
            "{}",
            i.import_findings[0].message
        );
        // Nested repetition: the parser's own repetition limit stops it first.
        let mut laughs =
            String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            laughs.push_str(&format!(
                "{name}: &{name} [{}]\n",
                format!("*{prev},").repeat(9)
            ));
        }
        let i = import(laughs.as_bytes(), None, DEFAULT_NAMESPACE);
        assert!(i.manifest.is_none());
        assert_eq!(i.import_findings[0].code, "import-yaml-invalid");
        assert!(
            i.import_findings[0]
                .message
                .contains("repetition limit exceeded"),
            "{}",
            i.import_findings[0].message
        );
        // Aliases that stay small are read as before.
        let i = import(
            b"name: x\nimage: mcp/x\nrun:\n  allowHosts: &h [a.com:443]\nextra: *h\n",
            None,
            DEFAULT_NAMESPACE,
        );
        let m = i.manifest.unwrap();
        assert_eq!(
            m["_meta"][EXTENSION_KEY]["network"],
            json!({"egress": ["a.com:443"]})
        );
    }

    #[test]
    fn a_document_without_aliases_stays_within_the_expansion_budget() {
        // The densest documents without aliases: one node (and one byte) per
        // two bytes of input, or one null per byte and a half.
        for doc in [
            format!("[{}a]", "a,".repeat(MAX_SERVER_YAML_BYTES / 2 - 2)),
            format!("{{{}a}}", "a,".repeat(MAX_SERVER_YAML_BYTES / 2 - 2)),
            "- \n".repeat(MAX_SERVER_YAML_BYTES / 3),
        ] {
            assert!(doc.len() <= MAX_SERVER_YAML_BYTES);
            assert_ne!(
                rejected(doc.as_bytes()).as_deref(),
                Some("import-yaml-expansion"),
                "{}",
                &doc[..20]
            );
        }
    }

    #[test]
    fn size_is_checked_before_anything_else() {
        let mut doc = b"name: x\nimage: mcp/x\nd: ".to_vec();
        doc.resize(MAX_SERVER_YAML_BYTES, b'a');
        assert!(import(&doc, None, DEFAULT_NAMESPACE).manifest.is_some());
        doc.push(b'[');
        assert_eq!(rejected(&doc).as_deref(), Some("import-too-large"));
    }
}
