//! The YAML every profile is written in: block style, and every string a
//! double-quoted scalar holding printable ASCII only.
//!
//! A general YAML serializer leaves strings plain when YAML 1.2 reads them
//! back as strings, but the parsers that read profiles disagree about which
//! those are: YAML 1.1 parsers (PyYAML, Go's yaml.v2, Compose's loader in
//! places) read `yes`, `on`, `12:30:00`, `1_000` or `2001-12-14` as booleans,
//! numbers and dates, and U+0085, U+2028 and U+2029 as line breaks. Quoting
//! every string and escaping every character outside printable ASCII gives
//! one reading to all of them: the string, exactly. Numbers, booleans and
//! null are written as JSON writes them, which every YAML version reads the
//! same way. Mapping keys are plain only when they are unambiguous words.

use serde_json::Value;
use std::fmt::Write;

/// `value` as a YAML document (no `---` line), ending in a newline.
pub(crate) fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => seq(a, 0, &mut out),
        other => {
            scalar(other, &mut out);
            out.push('\n');
        }
    }
    out
}

fn indent(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn map(m: &serde_json::Map<String, Value>, at: usize, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        // The first entry of a map inside a sequence follows its `- `.
        if i > 0 || !out.ends_with("- ") {
            indent(at, out);
        }
        key(k, out);
        out.push(':');
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                map(inner, at + 2, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                seq(items, at, out);
            }
            other => {
                out.push(' ');
                scalar(other, out);
                out.push('\n');
            }
        }
    }
}

fn seq(items: &[Value], at: usize, out: &mut String) {
    for v in items {
        indent(at, out);
        out.push_str("- ");
        match v {
            Value::Object(inner) if !inner.is_empty() => map(inner, at + 2, out),
            Value::Array(inner) if !inner.is_empty() => {
                out.truncate(out.len() - 1);
                out.push('\n');
                seq(inner, at + 2, out);
            }
            other => {
                scalar(other, out);
                out.push('\n');
            }
        }
    }
}

fn scalar(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => quoted(s, out),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        // null, booleans and numbers as JSON writes them.
        other => out.push_str(&other.to_string()),
    }
}

/// Words YAML 1.1 reads as something other than a string.
const AMBIGUOUS: &[&str] = &[
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
];

fn key(k: &str, out: &mut String) {
    let plain = !k.is_empty()
        && k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !AMBIGUOUS.contains(&k.to_ascii_lowercase().as_str());
    if plain {
        out.push_str(k);
    } else {
        quoted(k, out);
    }
}

/// A double-quoted scalar: printable ASCII as itself, everything else escaped.
fn quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn round_trip(v: &Value) {
        let text = to_string(v);
        let back = Value::deserialize(serde_norway::Deserializer::from_str(&text))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(&back, v, "{text}");
        assert!(
            text.chars().all(|c| c == '\n' || (' '..='~').contains(&c)),
            "{text}"
        );
    }

    #[test]
    fn every_string_is_quoted_and_ascii() {
        let v = json!({
            "services": { "x": {
                "environment": { "A": "yes", "B": "on", "C": "12:30:00", "D": "1_000", "E": "2001-12-14", "F": "=", "G": "<<" },
                "command": ["yes", "$HOME", "a\u{2028}b", "é\u{1f600}", "\"\\", "", "- x", "# y", "k: v"],
                "cpus": 1.0, "mem_limit": 536870912, "read_only": true, "none": null,
                "empty": {}, "nothing": [],
                "nested": [[1, "a"], [], [{ "k": "v", "l": ["m"] }]],
            }},
            "yes": 1, "on": 2, "a b": 3, "": 4, "app.kubernetes.io/name": "n",
        });
        round_trip(&v);
        let text = to_string(&v);
        assert!(text.contains("\"yes\": 1"), "{text}");
        assert!(text.contains("app.kubernetes.io/name: \"n\""), "{text}");
        assert!(text.contains("\\u2028"), "{text}");
        assert!(text.contains("\\U0001f600"), "{text}");
    }

    #[test]
    fn scalars_and_empty_documents() {
        for v in [
            json!({}),
            json!([]),
            json!("s"),
            json!(1),
            json!(null),
            json!([{}]),
        ] {
            round_trip(&v);
        }
    }
}
