//! Pinning the tool surface: a SHA-256 per tool over the RFC 8785 (JCS)
//! canonical JSON of `{name, title, description, inputSchema, outputSchema,
//! annotations}` with the MCP annotation defaults applied first (so an
//! omitted hint and its default value hash alike), and a set digest over the
//! sorted per-tool digests, so the order in which a server lists its tools
//! does not matter but every tool does.
//!
//! The set digest is the SHA-256 of the canonical JSON array of the sorted
//! per-tool digest strings (`["sha256:…","sha256:…"]`); a tool listed twice
//! appears twice.

use super::ToolsError;
use crate::image::Digest;
use crate::manifest::Tool;
use serde_json::{Map, Value};

/// The canonical document of one tool: the pinned fields, annotation defaults applied.
pub fn canonical_value(tool: &Tool) -> Value {
    let mut doc = Map::new();
    doc.insert("name".into(), Value::String(tool.name.clone()));
    if let Some(t) = &tool.title {
        doc.insert("title".into(), Value::String(t.clone()));
    }
    if let Some(d) = &tool.description {
        doc.insert("description".into(), Value::String(d.clone()));
    }
    doc.insert("inputSchema".into(), tool.input_schema.clone());
    if let Some(o) = &tool.output_schema {
        doc.insert("outputSchema".into(), o.clone());
    }
    let effective = tool.effective_annotations();
    let mut ann = Map::new();
    if let Some(t) = tool.annotations.as_ref().and_then(|a| a.title.as_ref()) {
        ann.insert("title".into(), Value::String(t.clone()));
    }
    ann.insert("readOnlyHint".into(), effective.read_only_hint.into());
    ann.insert("destructiveHint".into(), effective.destructive_hint.into());
    ann.insert("idempotentHint".into(), effective.idempotent_hint.into());
    ann.insert("openWorldHint".into(), effective.open_world_hint.into());
    doc.insert("annotations".into(), Value::Object(ann));
    Value::Object(doc)
}

/// RFC 8785 canonical bytes of one tool's pinned fields.
pub fn canonical_bytes(tool: &Tool) -> Result<Vec<u8>, ToolsError> {
    crate::canonical::to_vec(&canonical_value(tool)).map_err(|e| ToolsError::Canonicalize {
        tool: tool.name.clone(),
        reason: e.to_string(),
    })
}

/// SHA-256 of one tool's canonical bytes.
pub fn tool_digest(tool: &Tool) -> Result<Digest, ToolsError> {
    Ok(Digest::of(&canonical_bytes(tool)?))
}

/// The digests of a tool surface: one per tool (in listing order) and the set digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfaceDigest {
    /// `(tool name, digest)` in listing order.
    pub tools: Vec<(String, Digest)>,
    /// SHA-256 over the sorted per-tool digests.
    pub set: Digest,
}

/// Digests a whole tool surface.
pub fn surface_digest(tools: &[Tool]) -> Result<SurfaceDigest, ToolsError> {
    let per_tool = tools
        .iter()
        .map(|t| Ok((t.name.clone(), tool_digest(t)?)))
        .collect::<Result<Vec<_>, ToolsError>>()?;
    let mut sorted: Vec<&str> = per_tool.iter().map(|(_, d)| d.as_str()).collect();
    sorted.sort_unstable();
    let bytes = crate::canonical::to_vec(&sorted).map_err(|e| ToolsError::Canonicalize {
        tool: "(set)".into(),
        reason: e.to_string(),
    })?;
    Ok(SurfaceDigest {
        tools: per_tool,
        set: Digest::of(&bytes),
    })
}

/// A tool reduced to the pinned fields, as written into a manifest's `tools` block
/// (annotations as declared: defaults are applied when hashing, not when pinning).
pub fn pinned_value(tool: &Tool) -> Value {
    serde_json::to_value(tool).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::listing::tool_from_value;
    use serde_json::json;

    fn tool(v: Value) -> Tool {
        tool_from_value(&v, "").unwrap()
    }

    fn jcs(s: &str) -> String {
        let v: Value = serde_json::from_str(s).unwrap();
        serde_json_canonicalizer::to_string(&v).unwrap()
    }

    /// RFC 8785 Appendix B: IEEE 754 doubles and their canonical text.
    #[test]
    fn canonicalizer_matches_rfc8785_appendix_b_numbers() {
        let vectors: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for &(bits, want) in vectors {
            let v = json!(f64::from_bits(bits));
            assert_eq!(
                serde_json_canonicalizer::to_string(&v).unwrap(),
                want,
                "{bits:016x}"
            );
        }
    }

    /// RFC 8785 §3.2.2.3: NaN and Infinity have no JSON form; serde_json
    /// already turns them into null, so no tool can carry one into a hash.
    #[test]
    fn non_finite_numbers_cannot_reach_the_canonicalizer() {
        assert_eq!(json!(f64::NAN), Value::Null);
        assert_eq!(json!(f64::INFINITY), Value::Null);
    }

    /// RFC 8785 §3.2.4: the example of the whole transformation (numbers, string escaping, literals).
    #[test]
    fn canonicalizer_matches_rfc8785_main_example() {
        let input = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        assert_eq!(
            jcs(input),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    /// RFC 8785 §3.2.3: keys sorted by UTF-16 code units, so U+1F600 (a surrogate pair
    /// starting 0xD83D) sorts before U+FB33 although its code point is larger.
    #[test]
    fn canonicalizer_sorts_keys_by_utf16_code_units() {
        let input = r#"{
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\ud83d\ude00": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let out = jcs(input);
        let v: Value = serde_json::from_str(&out).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "\r",
                "1",
                "\u{80}",
                "\u{f6}",
                "\u{20ac}",
                "\u{1f600}",
                "\u{fb33}"
            ]
        );
        // Control characters use the short escapes or lowercase \u00XX; other text stays literal.
        assert_eq!(
            jcs(r#""\u0001\b\t\n\f\r\u001f\u007f é""#),
            "\"\\u0001\\b\\t\\n\\f\\r\\u001f\u{7f} é\""
        );
    }

    /// `serde_json/arbitrary_precision` would keep number text verbatim and change every
    /// hash; without it, numbers are f64 and 1e400 is refused.
    #[test]
    fn serde_json_numbers_are_f64_not_arbitrary_precision() {
        let big: Value = serde_json::from_str("123456789012345678901234567890").unwrap();
        assert_eq!(big.to_string(), "1.2345678901234568e+29");
        assert!(serde_json::from_str::<Value>("1e400").is_err());
        let v: Value = serde_json::from_str("[1.0, 1.50, 1e2]").unwrap();
        assert_eq!(
            serde_json_canonicalizer::to_string(&v).unwrap(),
            "[1,1.5,100]"
        );
    }

    #[test]
    fn omitted_hint_and_default_value_hash_alike() {
        let bare = tool(json!({"name": "a", "description": "d"}));
        let defaults = tool(
            json!({"name": "a", "description": "d", "inputSchema": {"type": "object"},
            "annotations": {"readOnlyHint": false, "destructiveHint": true, "idempotentHint": false, "openWorldHint": true}}),
        );
        let empty = tool(json!({"name": "a", "description": "d", "annotations": {}}));
        assert_eq!(tool_digest(&bare).unwrap(), tool_digest(&defaults).unwrap());
        assert_eq!(tool_digest(&bare).unwrap(), tool_digest(&empty).unwrap());
    }

    #[test]
    fn every_pinned_field_changes_the_digest() {
        let base = json!({"name": "a", "title": "A", "description": "d",
            "inputSchema": {"type": "object", "properties": {"x": {"type": "string"}}},
            "outputSchema": {"type": "object"},
            "annotations": {"title": "A", "readOnlyHint": true}});
        let d0 = tool_digest(&tool(base.clone())).unwrap();
        for (ptr, new) in [
            ("/name", json!("b")),
            ("/title", json!("B")),
            ("/description", json!("d ")),
            ("/inputSchema/properties/x/type", json!("integer")),
            ("/outputSchema/type", json!("array")),
            ("/annotations/title", json!("B")),
            ("/annotations/readOnlyHint", json!(false)),
        ] {
            let mut v = base.clone();
            *v.pointer_mut(ptr).unwrap() = new;
            assert_ne!(tool_digest(&tool(v)).unwrap(), d0, "{ptr}");
        }
    }

    #[test]
    fn key_order_and_fields_outside_the_pin_do_not_change_the_digest() {
        let a = tool(
            json!({"name": "a", "inputSchema": {"type": "object", "required": [], "properties": {}}}),
        );
        let b = tool(
            json!({"inputSchema": {"properties": {}, "required": [], "type": "object"}, "name": "a", "icons": [1]}),
        );
        assert_eq!(tool_digest(&a).unwrap(), tool_digest(&b).unwrap());
    }

    #[test]
    fn digest_is_sha256_of_known_canonical_bytes() {
        let t = tool(json!({"name": "a"}));
        let bytes = canonical_bytes(&t).unwrap();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"annotations":{"destructiveHint":true,"idempotentHint":false,"openWorldHint":true,"readOnlyHint":false},"inputSchema":{"type":"object"},"name":"a"}"#
        );
        assert_eq!(tool_digest(&t).unwrap(), Digest::of(&bytes));
    }

    #[test]
    fn set_digest_ignores_order_but_not_membership() {
        let a = tool(json!({"name": "a"}));
        let b = tool(json!({"name": "b"}));
        let ab = surface_digest(&[a.clone(), b.clone()]).unwrap();
        let ba = surface_digest(&[b.clone(), a.clone()]).unwrap();
        assert_eq!(ab.set, ba.set);
        assert_ne!(
            ab.set,
            surface_digest(std::slice::from_ref(&a)).unwrap().set
        );
        assert_ne!(ab.set, surface_digest(&[a.clone(), b, a]).unwrap().set);
        assert_ne!(surface_digest(&[]).unwrap().set, ab.set);
    }

    #[test]
    fn pinned_value_keeps_declared_annotations_only() {
        let t = tool(json!({"name": "a", "annotations": {"readOnlyHint": true}, "icons": []}));
        assert_eq!(
            pinned_value(&t),
            json!({"name": "a", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}})
        );
    }
}
