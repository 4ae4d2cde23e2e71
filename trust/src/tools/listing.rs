//! Reading tool lists in the shapes they come in: an MCP `tools/list` result
//! (`{"tools": [...], "nextCursor": ...}`), a JSON-RPC response wrapping one,
//! an array of pages (results, responses, or recorded request/response
//! exchanges) that must form one complete `nextCursor` chain, a bare array of
//! tools as in Docker's `tools.json` (whose `arguments` lists become an
//! `inputSchema`), or a `server.json` manifest's pinned `tools`.
//!
//! Fields outside the pinned set (`icons`, `_meta`, …) are dropped: a tool is
//! read into [`Tool`] with exactly the fields that are hashed and scanned.

use super::ToolsError;
use crate::finding::pointer_token;
use crate::manifest::{EXTENSION_KEY, Tool, ToolAnnotations};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Largest tool-list input read, in bytes.
pub const MAX_LISTING_BYTES: usize = 16 * 1024 * 1024;
/// Most tools accepted in one listing (all pages together).
pub const MAX_TOOLS: usize = 10_000;
/// Most pages accepted in one listing.
pub const MAX_PAGES: usize = 1_000;

/// The shape a tool list was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolSource {
    /// A single `tools/list` result object.
    ListResult,
    /// A JSON-RPC response wrapping a `tools/list` result.
    JsonRpc,
    /// An array of pages chained by `nextCursor`.
    Pages(usize),
    /// A bare array of tools (Docker's `tools.json`).
    BareArray,
    /// A `server.json` manifest's security extension.
    Manifest,
}

/// Tools read from one input, each with the JSON pointer it was read from.
#[derive(Debug, Clone)]
pub struct Listing {
    /// What shape the input had.
    pub source: ToolSource,
    /// The tools, in listing order (pages concatenated).
    pub tools: Vec<Tool>,
    /// For each tool, its JSON pointer in the input.
    pub pointers: Vec<String>,
}

/// Reads a tool list from file bytes: size cap, JSON, then [`parse_listing`].
pub fn parse_tools_file(bytes: &[u8]) -> Result<Listing, ToolsError> {
    if bytes.len() > MAX_LISTING_BYTES {
        return Err(ToolsError::TooLarge {
            size: bytes.len(),
            max: MAX_LISTING_BYTES,
        });
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| ToolsError::Json(e.to_string()))?;
    parse_listing(&value)
}

/// Reads a tool list from any accepted shape (see the module documentation).
pub fn parse_listing(value: &Value) -> Result<Listing, ToolsError> {
    let mut listing = match value {
        Value::Array(items) => {
            if items.first().is_some_and(is_page) {
                parse_pages(items)?
            } else {
                let (tools, pointers) = parse_tool_array(items, "")?;
                Listing {
                    source: ToolSource::BareArray,
                    tools,
                    pointers,
                }
            }
        }
        Value::Object(obj) if is_rpc_response(obj) => {
            let page = parse_page(value, "")?;
            refuse_open_cursor(&page, "the response")?;
            Listing {
                source: ToolSource::JsonRpc,
                tools: page.tools,
                pointers: page.pointers,
            }
        }
        Value::Object(obj) if obj.contains_key("tools") => {
            let page = parse_page(value, "")?;
            refuse_open_cursor(&page, "the result")?;
            Listing {
                source: ToolSource::ListResult,
                tools: page.tools,
                pointers: page.pointers,
            }
        }
        Value::Object(obj) if obj.contains_key("name") && obj.contains_key("version") => {
            parse_manifest(value)?
        }
        _ => {
            return Err(ToolsError::shape(
                "",
                "expected a tools/list result {\"tools\": [...]}, a JSON-RPC response, an array of \
                 pages, an array of tools, or a server.json manifest",
            ));
        }
    };
    if listing.tools.len() > MAX_TOOLS {
        return Err(ToolsError::shape(
            "",
            format!(
                "{} tools listed; at most {MAX_TOOLS} are read",
                listing.tools.len()
            ),
        ));
    }
    listing.tools.shrink_to_fit();
    Ok(listing)
}

fn is_rpc_response(obj: &Map<String, Value>) -> bool {
    obj.contains_key("jsonrpc") || obj.contains_key("result") || obj.contains_key("error")
}

fn is_page(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        is_rpc_response(o) || o.contains_key("tools") || o.contains_key("response")
    })
}

/// One page: its tools, the cursor it was requested with (when recorded) and its `nextCursor`.
struct Page {
    tools: Vec<Tool>,
    pointers: Vec<String>,
    request_cursor: Option<String>,
    next_cursor: Option<String>,
}

fn refuse_open_cursor(page: &Page, what: &str) -> Result<(), ToolsError> {
    match &page.next_cursor {
        Some(c) => Err(ToolsError::Pagination(format!(
            "{what} has nextCursor `{c}`, so more pages exist; give every page as a JSON array in \
             order"
        ))),
        None => Ok(()),
    }
}

fn parse_pages(items: &[Value]) -> Result<Listing, ToolsError> {
    if items.len() > MAX_PAGES {
        return Err(ToolsError::Pagination(format!(
            "{} pages; at most {MAX_PAGES} are read",
            items.len()
        )));
    }
    let mut tools = Vec::new();
    let mut pointers = Vec::new();
    let mut seen_cursors = BTreeSet::new();
    let mut previous_next: Option<String> = None;
    let last = items.len() - 1;
    for (i, item) in items.iter().enumerate() {
        let page = parse_page(item, &format!("/{i}"))?;
        match (&page.request_cursor, &previous_next) {
            (Some(c), None) => {
                return Err(ToolsError::Pagination(format!(
                    "page {i} was requested with cursor `{c}`, but {}",
                    if i == 0 {
                        "the first page is requested without a cursor".to_owned()
                    } else {
                        format!("page {} has no nextCursor", i - 1)
                    }
                )));
            }
            (Some(c), Some(expected)) if c != expected => {
                return Err(ToolsError::Pagination(format!(
                    "page {i} was requested with cursor `{c}`, but page {} returned nextCursor \
                     `{expected}`",
                    i - 1
                )));
            }
            _ => {}
        }
        match (&page.next_cursor, i == last) {
            (None, false) => {
                return Err(ToolsError::Pagination(format!(
                    "page {i} has no nextCursor, yet page {} follows it",
                    i + 1
                )));
            }
            (Some(c), true) => {
                return Err(ToolsError::Pagination(format!(
                    "the last page ({i}) has nextCursor `{c}`: the listing is incomplete"
                )));
            }
            (Some(c), false) if !seen_cursors.insert(c.clone()) => {
                return Err(ToolsError::Pagination(format!(
                    "page {i} repeats nextCursor `{c}`: the pages loop"
                )));
            }
            _ => {}
        }
        previous_next = page.next_cursor;
        tools.extend(page.tools);
        pointers.extend(page.pointers);
        if tools.len() > MAX_TOOLS {
            return Err(ToolsError::shape(
                format!("/{i}"),
                format!("more than {MAX_TOOLS} tools listed"),
            ));
        }
    }
    Ok(Listing {
        source: ToolSource::Pages(items.len()),
        tools,
        pointers,
    })
}

/// Reads one page: a result, a JSON-RPC response, or `{"request": …, "response": …}`.
fn parse_page(value: &Value, path: &str) -> Result<Page, ToolsError> {
    let obj = value.as_object().ok_or_else(|| {
        ToolsError::shape(
            path,
            "a page must be a tools/list result or a JSON-RPC response",
        )
    })?;
    if let Some(response) = obj.get("response") {
        let request = obj.get("request").ok_or_else(|| {
            ToolsError::shape(
                path,
                "a recorded exchange needs both `request` and `response`",
            )
        })?;
        let request_cursor = rpc_request_cursor(request, &format!("{path}/request"))?;
        if let (Some(a), Some(b)) = (request.get("id"), response.get("id"))
            && a != b
        {
            return Err(ToolsError::shape(
                path,
                format!("request id {a} and response id {b} differ"),
            ));
        }
        let mut page = parse_page(response, &format!("{path}/response"))?;
        page.request_cursor = request_cursor;
        return Ok(page);
    }
    if is_rpc_response(obj) {
        if let Some(v) = obj.get("jsonrpc")
            && v != "2.0"
        {
            return Err(ToolsError::shape(
                format!("{path}/jsonrpc"),
                format!("JSON-RPC version {v}; only \"2.0\" is accepted"),
            ));
        }
        if let Some(err) = obj.get("error") {
            return Err(ToolsError::RpcError {
                path: path.to_owned(),
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("(no message)")
                    .to_owned(),
            });
        }
        let result = obj.get("result").ok_or_else(|| {
            ToolsError::shape(path, "a JSON-RPC response needs `result` or `error`")
        })?;
        return parse_page(result, &format!("{path}/result"));
    }
    let tools = obj
        .get("tools")
        .ok_or_else(|| ToolsError::shape(path, "a tools/list result needs a `tools` array"))?
        .as_array()
        .ok_or_else(|| ToolsError::shape(format!("{path}/tools"), "`tools` must be an array"))?;
    let (tools, pointers) = parse_tool_array(tools, &format!("{path}/tools"))?;
    Ok(Page {
        tools,
        pointers,
        request_cursor: cursor_field(obj, "cursor", path)?,
        next_cursor: cursor_field(obj, "nextCursor", path)?,
    })
}

fn rpc_request_cursor(request: &Value, path: &str) -> Result<Option<String>, ToolsError> {
    if let Some(m) = request.get("method")
        && m != "tools/list"
    {
        return Err(ToolsError::shape(
            format!("{path}/method"),
            format!("recorded request is {m}, not tools/list"),
        ));
    }
    match request.get("params").and_then(Value::as_object) {
        Some(params) => cursor_field(params, "cursor", &format!("{path}/params")),
        None => Ok(None),
    }
}

fn cursor_field(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, ToolsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ToolsError::shape(
            format!("{path}/{key}"),
            format!("`{key}` must be a string"),
        )),
    }
}

fn parse_manifest(value: &Value) -> Result<Listing, ToolsError> {
    let ext = format!("/_meta/{}", pointer_token(EXTENSION_KEY));
    let tools_path = format!("{ext}/tools");
    let (tools, pointers) = match value.pointer(&tools_path) {
        None => (Vec::new(), Vec::new()),
        Some(Value::Array(items)) => parse_tool_array(items, &tools_path)?,
        Some(_) => return Err(ToolsError::shape(tools_path, "`tools` must be an array")),
    };
    Ok(Listing {
        source: ToolSource::Manifest,
        tools,
        pointers,
    })
}

fn parse_tool_array(items: &[Value], path: &str) -> Result<(Vec<Tool>, Vec<String>), ToolsError> {
    let mut tools = Vec::with_capacity(items.len());
    let mut pointers = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}/{i}");
        tools.push(tool_from_value(item, &p)?);
        pointers.push(p);
    }
    Ok((tools, pointers))
}

/// Reads one tool, keeping only the pinned fields; Docker `arguments` become an `inputSchema`.
pub fn tool_from_value(value: &Value, path: &str) -> Result<Tool, ToolsError> {
    let obj = value
        .as_object()
        .ok_or_else(|| ToolsError::shape(path, "a tool must be a JSON object"))?;
    let name = match obj.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(ToolsError::shape(
                format!("{path}/name"),
                "`name` must be a string",
            ));
        }
        None => return Err(ToolsError::shape(path, "a tool needs a `name`")),
    };
    let input_schema = match (obj.get("inputSchema"), obj.get("arguments")) {
        (Some(Value::Object(s)), _) => Value::Object(s.clone()),
        (Some(_), _) => {
            return Err(ToolsError::shape(
                format!("{path}/inputSchema"),
                "`inputSchema` must be a JSON Schema object",
            ));
        }
        (None, Some(args)) => arguments_to_schema(args, &format!("{path}/arguments"))?,
        (None, None) => json!({"type": "object"}),
    };
    let output_schema = match obj.get("outputSchema") {
        None | Some(Value::Null) => None,
        Some(Value::Object(s)) => Some(Value::Object(s.clone())),
        Some(_) => {
            return Err(ToolsError::shape(
                format!("{path}/outputSchema"),
                "`outputSchema` must be a JSON Schema object",
            ));
        }
    };
    Ok(Tool {
        name,
        title: opt_string(obj, "title", path)?,
        description: opt_string(obj, "description", path)?,
        input_schema,
        output_schema,
        annotations: annotations(obj.get("annotations"), &format!("{path}/annotations"))?,
    })
}

fn opt_string(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, ToolsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ToolsError::shape(
            format!("{path}/{key}"),
            format!("`{key}` must be a string"),
        )),
    }
}

fn opt_bool(obj: &Map<String, Value>, key: &str, path: &str) -> Result<Option<bool>, ToolsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ToolsError::shape(
            format!("{path}/{key}"),
            format!("`{key}` must be true or false"),
        )),
    }
}

fn annotations(value: Option<&Value>, path: &str) -> Result<Option<ToolAnnotations>, ToolsError> {
    let obj = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(ToolsError::shape(path, "`annotations` must be an object")),
    };
    Ok(Some(ToolAnnotations {
        title: opt_string(obj, "title", path)?,
        read_only_hint: opt_bool(obj, "readOnlyHint", path)?,
        destructive_hint: opt_bool(obj, "destructiveHint", path)?,
        idempotent_hint: opt_bool(obj, "idempotentHint", path)?,
        open_world_hint: opt_bool(obj, "openWorldHint", path)?,
    }))
}

/// Docker's `arguments: [{name, type, desc, items?, optional?}]` as a JSON Schema;
/// an argument is required unless it says `optional: true` (or `required: false`).
fn arguments_to_schema(args: &Value, path: &str) -> Result<Value, ToolsError> {
    let items = args
        .as_array()
        .ok_or_else(|| ToolsError::shape(path, "`arguments` must be an array"))?;
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (i, arg) in items.iter().enumerate() {
        let p = format!("{path}/{i}");
        let obj = arg
            .as_object()
            .ok_or_else(|| ToolsError::shape(&p, "an argument must be an object"))?;
        let name = opt_string(obj, "name", &p)?
            .ok_or_else(|| ToolsError::shape(&p, "an argument needs a `name`"))?;
        let mut prop = Map::new();
        if let Some(t) = opt_string(obj, "type", &p)? {
            prop.insert("type".into(), Value::String(t));
        }
        if let Some(d) = opt_string(obj, "desc", &p)?.or(opt_string(obj, "description", &p)?) {
            prop.insert("description".into(), Value::String(d));
        }
        if let Some(items) = obj.get("items") {
            prop.insert("items".into(), items.clone());
        }
        let optional = opt_bool(obj, "optional", &p)?.unwrap_or(false)
            || opt_bool(obj, "required", &p)? == Some(false);
        if !optional {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name, Value::Object(prop));
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    Ok(Value::Object(schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str) -> Value {
        json!({"name": name, "description": format!("{name} things"), "inputSchema": {"type": "object"}})
    }

    fn names(l: &Listing) -> Vec<&str> {
        l.tools.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn reads_single_result() {
        let l = parse_listing(&json!({"tools": [tool("a"), tool("b")]})).unwrap();
        assert_eq!(l.source, ToolSource::ListResult);
        assert_eq!(names(&l), ["a", "b"]);
        assert_eq!(l.pointers, ["/tools/0", "/tools/1"]);
    }

    #[test]
    fn reads_single_result_with_null_next_cursor() {
        let l = parse_listing(&json!({"tools": [tool("a")], "nextCursor": null})).unwrap();
        assert_eq!(names(&l), ["a"]);
    }

    #[test]
    fn rejects_single_result_with_next_cursor_as_incomplete() {
        let e = parse_listing(&json!({"tools": [tool("a")], "nextCursor": "p2"})).unwrap_err();
        assert!(
            matches!(e, ToolsError::Pagination(ref m) if m.contains("p2")),
            "{e}"
        );
    }

    #[test]
    fn reads_json_rpc_response() {
        let l =
            parse_listing(&json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [tool("a")]}}))
                .unwrap();
        assert_eq!(l.source, ToolSource::JsonRpc);
        assert_eq!(l.pointers, ["/result/tools/0"]);
    }

    #[test]
    fn rejects_json_rpc_error_response() {
        let e = parse_listing(
            &json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "no such method"}}),
        )
        .unwrap_err();
        assert!(
            matches!(e, ToolsError::RpcError { code: -32601, .. }),
            "{e}"
        );
    }

    #[test]
    fn rejects_wrong_json_rpc_version() {
        let e = parse_listing(&json!({"jsonrpc": "1.0", "id": 1, "result": {"tools": []}}))
            .unwrap_err();
        assert!(
            matches!(e, ToolsError::Shape { ref path, .. } if path == "/jsonrpc"),
            "{e}"
        );
    }

    #[test]
    fn reads_pages_in_cursor_order() {
        let l = parse_listing(&json!([
            {"tools": [tool("a")], "nextCursor": "c1"},
            {"jsonrpc": "2.0", "id": 2, "result": {"tools": [tool("b")], "nextCursor": "c2"}},
            {"tools": [tool("c")]}
        ]))
        .unwrap();
        assert_eq!(l.source, ToolSource::Pages(3));
        assert_eq!(names(&l), ["a", "b", "c"]);
        assert_eq!(l.pointers[1], "/1/result/tools/0");
    }

    #[test]
    fn rejects_pages_with_missing_cursor_in_the_middle() {
        let e =
            parse_listing(&json!([{"tools": [tool("a")]}, {"tools": [tool("b")]}])).unwrap_err();
        assert!(
            matches!(e, ToolsError::Pagination(ref m) if m.contains("page 0 has no nextCursor")),
            "{e}"
        );
    }

    #[test]
    fn rejects_pages_whose_last_page_has_a_cursor() {
        let e = parse_listing(&json!([
            {"tools": [tool("a")], "nextCursor": "c1"},
            {"tools": [tool("b")], "nextCursor": "c2"}
        ]))
        .unwrap_err();
        assert!(
            matches!(e, ToolsError::Pagination(ref m) if m.contains("incomplete")),
            "{e}"
        );
    }

    #[test]
    fn rejects_pages_that_loop() {
        let e = parse_listing(&json!([
            {"tools": [], "nextCursor": "c1"},
            {"tools": [], "nextCursor": "c1"},
            {"tools": []}
        ]))
        .unwrap_err();
        assert!(
            matches!(e, ToolsError::Pagination(ref m) if m.contains("loop")),
            "{e}"
        );
    }

    #[test]
    fn checks_recorded_request_cursors_against_the_previous_page() {
        let req = |cursor: Option<&str>| match cursor {
            Some(c) => {
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"cursor": c}})
            }
            None => json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        };
        let resp = |t: &str, next: Option<&str>| json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [tool(t)], "nextCursor": next}});
        let good = json!([
            {"request": req(None), "response": resp("a", Some("c1"))},
            {"request": req(Some("c1")), "response": resp("b", None)}
        ]);
        assert_eq!(names(&parse_listing(&good).unwrap()), ["a", "b"]);
        let swapped = json!([
            {"request": req(None), "response": resp("a", Some("c1"))},
            {"request": req(Some("other")), "response": resp("b", None)}
        ]);
        let e = parse_listing(&swapped).unwrap_err();
        assert!(
            matches!(e, ToolsError::Pagination(ref m) if m.contains("`other`")),
            "{e}"
        );
        let first_with_cursor = json!([{"request": req(Some("c0")), "response": resp("a", None)}]);
        assert!(matches!(
            parse_listing(&first_with_cursor).unwrap_err(),
            ToolsError::Pagination(_)
        ));
    }

    #[test]
    fn reads_docker_arguments_as_input_schema() {
        let l = parse_listing(&json!([{
            "name": "query",
            "description": "Run a query",
            "arguments": [
                {"name": "sql", "type": "string", "desc": "SQL text"},
                {"name": "limit", "type": "integer", "desc": "Row cap", "optional": true},
                {"name": "tags", "type": "array", "items": {"type": "string"}, "desc": "Tags"}
            ]
        }]))
        .unwrap();
        assert_eq!(l.source, ToolSource::BareArray);
        assert_eq!(
            l.tools[0].input_schema,
            json!({
                "type": "object",
                "properties": {
                    "sql": {"type": "string", "description": "SQL text"},
                    "limit": {"type": "integer", "description": "Row cap"},
                    "tags": {"type": "array", "description": "Tags", "items": {"type": "string"}}
                },
                "required": ["sql", "tags"]
            })
        );
    }

    #[test]
    fn reads_empty_bare_array() {
        let l = parse_listing(&json!([])).unwrap();
        assert!(l.tools.is_empty());
    }

    #[test]
    fn reads_manifest_tools() {
        let m: Value = serde_json::from_str(include_str!(
            "../../../testdata/manifests/valid/weather.server.json"
        ))
        .unwrap();
        let l = parse_listing(&m).unwrap();
        assert_eq!(l.source, ToolSource::Manifest);
        assert_eq!(names(&l), ["get_forecast"]);
        assert_eq!(l.pointers, ["/_meta/dev.mcp-trust~1security/tools/0"]);
    }

    #[test]
    fn drops_fields_outside_the_pin_and_defaults_input_schema() {
        let l = parse_listing(&json!({"tools": [{"name": "a", "icons": [], "_meta": {"x": 1}}]}))
            .unwrap();
        assert_eq!(l.tools[0].input_schema, json!({"type": "object"}));
    }

    #[test]
    fn rejects_wrongly_typed_fields_with_their_path() {
        let e = parse_listing(&json!({"tools": [{"name": "a", "description": 5}]})).unwrap_err();
        assert!(
            matches!(e, ToolsError::Shape { ref path, .. } if path == "/tools/0/description"),
            "{e}"
        );
        let e = parse_listing(
            &json!({"tools": [{"name": "a", "annotations": {"readOnlyHint": "yes"}}]}),
        )
        .unwrap_err();
        assert!(
            matches!(e, ToolsError::Shape { ref path, .. } if path == "/tools/0/annotations/readOnlyHint"),
            "{e}"
        );
        let e = parse_listing(&json!({"tools": [{"description": "x"}]})).unwrap_err();
        assert!(
            matches!(e, ToolsError::Shape { ref path, .. } if path == "/tools/0"),
            "{e}"
        );
    }

    #[test]
    fn rejects_unknown_shapes_and_oversized_input() {
        assert!(matches!(
            parse_listing(&json!({"foo": 1})).unwrap_err(),
            ToolsError::Shape { .. }
        ));
        assert!(matches!(
            parse_listing(&json!("x")).unwrap_err(),
            ToolsError::Shape { .. }
        ));
        let big = vec![b' '; MAX_LISTING_BYTES + 1];
        assert!(matches!(
            parse_tools_file(&big).unwrap_err(),
            ToolsError::TooLarge { .. }
        ));
        assert!(matches!(
            parse_tools_file(b"{").unwrap_err(),
            ToolsError::Json(_)
        ));
    }
}
