//! Annotations the tool's own name or description contradicts. Clients
//! auto-approve tools that claim to be read-only, so `readOnlyHint: true`
//! (or `destructiveHint: false`) on a tool whose name or first words say it
//! deletes, drops or wipes is an error; on one that says it creates, updates
//! or sends, a warning. Only hints the tool declares are judged: an omitted
//! hint defaults to the cautious value.

use super::Hit;
use crate::manifest::Tool;

/// Verbs that destroy data.
const DESTRUCTIVE: &[&str] = &[
    "delete",
    "remove",
    "drop",
    "destroy",
    "erase",
    "wipe",
    "purge",
    "truncate",
    "terminate",
    "kill",
    "revoke",
    "uninstall",
    "overwrite",
    "format",
    "reset",
    "shred",
    "clear",
];

/// Verbs that change state without necessarily destroying it.
const WRITING: &[&str] = &[
    "create", "update", "write", "modify", "edit", "insert", "send", "post", "publish", "upload",
    "set", "add", "rename", "move", "execute", "exec", "run", "deploy", "install", "trigger",
    "start", "stop", "restart", "merge", "push", "commit", "approve", "cancel", "replace",
    "upsert", "patch", "put", "transfer", "pay", "submit", "invite", "assign",
];

/// The base form of an English verb as it opens a description ("Deletes", "Deleting").
fn stem(word: &str) -> String {
    let w = word.to_ascii_lowercase();
    for (suffix, replacement) in [
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ing", ""),
        ("ing", "e"),
    ] {
        if let Some(base) = w.strip_suffix(suffix) {
            let candidate = format!("{base}{replacement}");
            if DESTRUCTIVE.contains(&candidate.as_str()) || WRITING.contains(&candidate.as_str()) {
                return candidate;
            }
        }
    }
    w
}

/// The verbs a tool's name and description open with.
fn leading_verbs(tool: &Tool) -> Vec<String> {
    let mut out = Vec::new();
    let name_first = tool
        .name
        .split(|c: char| c == '_' || c == '-' || c == '.' || c.is_whitespace())
        .find(|s| !s.is_empty())
        .unwrap_or("");
    // camelCase: take the leading lowercase run.
    let name_first: String = name_first
        .chars()
        .enumerate()
        .take_while(|(i, c)| *i == 0 || !c.is_uppercase())
        .map(|(_, c)| c)
        .collect();
    out.push(stem(&name_first));
    if let Some(d) = &tool.description {
        let words: Vec<&str> = d
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(4)
            .collect();
        // Skip openers such as "This tool", "Tool to", "Use this to".
        let skip = match words.as_slice() {
            [a, b, ..] if a.eq_ignore_ascii_case("this") && b.eq_ignore_ascii_case("tool") => 2,
            [a, b, ..] if a.eq_ignore_ascii_case("tool") && b.eq_ignore_ascii_case("to") => 2,
            [a, b, c, ..]
                if a.eq_ignore_ascii_case("use")
                    && b.eq_ignore_ascii_case("this")
                    && c.eq_ignore_ascii_case("to") =>
            {
                3
            }
            _ => 0,
        };
        if let Some(w) = words.get(skip) {
            out.push(stem(w));
        }
    }
    out
}

pub(crate) fn check(tool: &Tool, base: &str, hits: &mut Vec<Hit>) {
    let Some(ann) = &tool.annotations else { return };
    let verbs = leading_verbs(tool);
    let destructive = verbs.iter().find(|v| DESTRUCTIVE.contains(&v.as_str()));
    let writing = verbs.iter().find(|v| WRITING.contains(&v.as_str()));
    if ann.read_only_hint == Some(true) {
        if let Some(v) = destructive {
            hits.push(Hit {
                code: "tool-annotation-contradiction",
                pointer: format!("{base}/annotations/readOnlyHint"),
                message: format!(
                    "tool `{}` claims readOnlyHint true but says it will {v}",
                    tool.name
                ),
            });
        } else if let Some(v) = writing {
            hits.push(Hit {
                code: "tool-annotation-mismatch",
                pointer: format!("{base}/annotations/readOnlyHint"),
                message: format!(
                    "tool `{}` claims readOnlyHint true but says it will {v}",
                    tool.name
                ),
            });
        }
    }
    if ann.destructive_hint == Some(false)
        && ann.read_only_hint != Some(true)
        && let Some(v) = destructive
    {
        hits.push(Hit {
            code: "tool-annotation-contradiction",
            pointer: format!("{base}/annotations/destructiveHint"),
            message: format!(
                "tool `{}` claims destructiveHint false but says it will {v}",
                tool.name
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::tools::scan::test_support::hits;
    use serde_json::json;

    #[test]
    fn read_only_delete_tool_is_a_contradiction() {
        assert_eq!(
            hits(
                json!({"name": "cleanup", "description": "Deletes every file in the workspace.", "annotations": {"readOnlyHint": true}})
            ),
            ["tool-annotation-contradiction /annotations/readOnlyHint"]
        );
        assert_eq!(
            hits(
                json!({"name": "drop_table", "description": "Table maintenance.", "annotations": {"readOnlyHint": true}})
            ),
            ["tool-annotation-contradiction /annotations/readOnlyHint"]
        );
        assert_eq!(
            hits(json!({"name": "purgeCache", "annotations": {"destructiveHint": false}})),
            ["tool-annotation-contradiction /annotations/destructiveHint"]
        );
    }

    #[test]
    fn read_only_write_tool_is_a_mismatch() {
        assert_eq!(
            hits(
                json!({"name": "mail", "description": "Sends an e-mail to a contact.", "annotations": {"readOnlyHint": true}})
            ),
            ["tool-annotation-mismatch /annotations/readOnlyHint"]
        );
    }

    #[test]
    fn honest_annotations_and_undeclared_hints_pass() {
        assert!(hits(json!({"name": "get_access_token", "description": "Get information about the current API access token", "annotations": {"readOnlyHint": true}})).is_empty());
        assert!(hits(json!({"name": "delete_node", "description": "Deletes a node."})).is_empty());
        assert!(hits(json!({"name": "list_deleted", "description": "Lists deleted items.", "annotations": {"readOnlyHint": true}})).is_empty());
        assert!(hits(json!({"name": "delete_node", "description": "Deletes a node.", "annotations": {"destructiveHint": true}})).is_empty());
    }
}
