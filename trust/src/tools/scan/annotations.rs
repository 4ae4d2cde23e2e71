//! Annotations the tool's own name or description contradicts. Clients
//! auto-approve tools that claim to be read-only, so `readOnlyHint: true`
//! (or `destructiveHint: false`) on a tool that says it deletes, drops,
//! wipes, writes, sends, uploads or executes is an error; on one that says it
//! creates, updates or starts something, a warning. "Remove", "clear",
//! "reset", "kill" are errors when what they act on is data ("removes
//! files") and warnings otherwise ("removes a highlight overlay"); "execute"
//! and "run" are not contradicted by a description that says the query is
//! read-only. Only hints the tool declares are judged: an omitted hint
//! defaults to the cautious value.
//!
//! The verbs are read where a tool says what it does: the first word of its
//! name, an `exec`/`shell`/`eval` anywhere in its name, the first word of its
//! description, and verbs in the third person ("executes", "deletes") in its
//! first sentence.

use super::Hit;
use crate::manifest::Tool;

/// Verbs that destroy data.
const DESTRUCTIVE: &[&str] = &[
    "delete",
    "obliterate",
    "drop",
    "destroy",
    "erase",
    "wipe",
    "purge",
    "truncate",
    "overwrite",
    "format",
    "shred",
    "uninstall",
];

/// Verbs that destroy data when their object is data.
const DESTRUCTIVE_OF_DATA: &[&str] = &["remove", "clear", "reset", "kill", "terminate", "revoke"];

/// Objects that make an ambiguous verb destructive.
const DATA: &[&str] = &[
    "file",
    "files",
    "folder",
    "folders",
    "directory",
    "directories",
    "data",
    "record",
    "records",
    "row",
    "rows",
    "table",
    "tables",
    "database",
    "databases",
    "user",
    "users",
    "account",
    "accounts",
    "repository",
    "repositories",
    "branch",
    "branches",
    "bucket",
    "buckets",
    "object",
    "objects",
    "instance",
    "instances",
    "resource",
    "resources",
    "cluster",
    "clusters",
    "volume",
    "volumes",
    "key",
    "keys",
    "secret",
    "secrets",
    "everything",
    "all",
    "every",
    "process",
    "processes",
    "disk",
    "history",
    "backups",
    "snapshots",
];

/// Verbs that act outside the tool: run code, move data out, write.
const ACTING: &[&str] = &[
    "execute", "exec", "eval", "run", "install", "deploy", "write", "send", "upload", "put",
    "publish", "post", "push", "transfer", "pay", "commit", "merge", "email",
];

/// Verbs read in the third person anywhere in the first sentence: those that
/// are rarely plural nouns ("commits", "posts", "updates" are).
const SAID_ANYWHERE: &[&str] = &[
    "delete",
    "destroy",
    "erase",
    "wipe",
    "purge",
    "truncate",
    "overwrite",
    "uninstall",
    "remove",
    "execute",
    "install",
    "deploy",
    "write",
    "send",
    "upload",
    "publish",
    "transfer",
    "email",
    "obliterate",
];

/// Of [`ACTING`], those a read-only query may honestly do ("runs a read-only query").
const QUERYING: &[&str] = &["execute", "exec", "run"];

/// Words that end the noun phrase after a verb.
const OBJECT_ENDS: &[&str] = &[
    "for", "on", "in", "into", "with", "to", "against", "from", "by", "and", "or", "that", "which",
    "then", "so", "as",
];

/// What a read-only tool honestly runs: a query, a search, a scan, a plan,
/// an analysis ("runs an Elasticsearch query", "runs `terraform plan`",
/// "executes a Davis analyzer"), not a command or code.
const READ_WORK: &[&str] = &[
    "diff",
    "describe",
    "status",
    "logs",
    "preview",
    "validate",
    "validation",
    "inspect",
    "inspection",
    "query",
    "queries",
    "search",
    "searches",
    "scan",
    "scans",
    "scanner",
    "plan",
    "plans",
    "analysis",
    "analyses",
    "analyzer",
    "analyzers",
    "analyser",
    "report",
    "reports",
    "check",
    "checks",
    "lint",
    "linter",
    "log",
    "aggregation",
    "aggregations",
    "explain",
    "lookup",
    "lookups",
    "find",
    "count",
    "audit",
    "diagnostics",
    "dql",
    "kql",
    "promql",
    "logql",
    "jql",
    "soql",
    "select",
    "semgrep",
    "nmap",
    "checkov",
    "trivy",
];

/// What observes a session without changing it: a trace, a recording.
const INSTRUMENT: &[&str] = &[
    "trace",
    "tracing",
    "recording",
    "video",
    "screencast",
    "profiling",
    "profiler",
];

/// What is drawn over what is shown and leaves it as it was.
const OVERLAY: &[&str] = &[
    "highlight",
    "highlights",
    "overlay",
    "overlays",
    "annotating",
    "chapter",
    "marker",
];

/// Code in what is run, whatever it is called ("a PowerShell one-liner
/// inspection", "an Ansible ad-hoc module plan"): a read-only claim on it
/// is never checked by what it says it reads.
const RUNS_CODE: &[&str] = &[
    "powershell",
    "pwsh",
    "bash",
    "shell",
    "sh",
    "zsh",
    "cmd",
    "cmdlet",
    "cmdlets",
    "script",
    "scripts",
    "command",
    "commands",
    "liner",
    "module",
    "modules",
    "playbook",
    "playbooks",
    "code",
    "program",
    "programs",
    "binary",
    "binaries",
    "hoc",
    "snippet",
    "snippets",
];

/// A write stated anywhere in a description as what happens, not as what
/// may or may not ("… are upgraded in place", "failing controls are
/// remediated", "so that it takes effect"; not "files that are deleted",
/// "nothing is overwritten", "can be removed").
fn stated_write(description: &str) -> Option<String> {
    static WRITE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(is|are|gets?|get)\s+(\w+ly\s+)?(upgraded|overwritten|rewritten|committed|pushed|remediated|regenerated|purged|wiped|installed|uninstalled|written back|destroyed|shredded)\b|\b(is|are|gets?|get)\s+(\w+ly\s+)?(deleted|erased|removed|dropped) from (the |its |their )?(\w+ )?(source|disk|sheet|spreadsheet|database|table|server|account|repository|bucket|drive|folder|directory|system)\b|\bby (\w+ly )?(deleting|erasing|wiping|purging|removing|dropping|truncating|destroying|overwriting) (everything|all|every|each|the (\w+ )?(files?|folders?|director(y|ies)|data|records|rows|tables?))\b|\bso (that )?it takes effect\b",
        )
        .expect("static regex")
    });
    static NOT_ITS_ACT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(that|which|who|whom|where|whether|if|when|once|before|after|until|can|could|would|may|might|must|should|never|not|nothing|no|none)\b[^.;,]{0,30}$",
        )
        .expect("static regex")
    });
    // Someone else's act, or a later one ("… are permanently deleted by the
    // service", "… after 30 days").
    static LATER_OR_ELSEWHERE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
                r"^\s+(by (the |a |its |their )?(\w+ )?(service|server|system|provider|platform|policy|retention|lifecycle|vendor|owner|admin\w*|job|auto-?vacuum|vacuum|daemon|process|rule|gc|garbage collector)|after\b|automatically after|once\b|when\b|within\b|at the end\b|on day\b|\d+ (days?|hours?|weeks?) after\b|as \w+ elapses\b)",
            )
            .expect("static regex")
    });
    let lower = description.to_lowercase();
    WRITE
        .find_iter(&lower)
        .find(|m| {
            !NOT_ITS_ACT.is_match(super::text::sentence_before(&lower, m.start(), 60))
                && !LATER_OR_ELSEWHERE.is_match(&lower[m.end()..])
        })
        .map(|m| format!("\"{}\"", super::excerpt(m.as_str(), 60)))
}

/// Whether a parameter carries code the tool runs (`notebook`, `macro`,
/// `script`): a read-only claim cannot hold for what the caller writes.
fn takes_code(tool: &Tool) -> Option<String> {
    static CODE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(notebook|macro|script|code|command|cmd|playbook|snippet|program|source)$",
        )
        .expect("static regex")
    });
    let param = tool
        .parameter_names()
        .find(|k| CODE.is_match(&super::text::fold(k, true)))?;
    let run = RUN_WORD.is_match(&super::text::name_and_first_sentence(tool));
    run.then(|| format!("it runs the code passed in `{param}`"))
}

static RUN_WORD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b(runs?|executes?|exec|evaluates?|eval)\b").expect("static regex")
});

/// A run said to report what it finds ("… and reports issues such as").
static REPORTS_FINDINGS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"\band (then )?(reports?|returns?|lists?)\s+(the\s+|any\s+|its\s+)?(\w+\s+)?(issues|findings|results|problems|violations|matches|warnings|errors|status)\b",
    )
    .expect("static regex")
});

/// Code handed in by someone rather than fixed by the tool.
const SUPPLIED: &[&str] = &[
    "supplied",
    "given",
    "provided",
    "passed",
    "custom",
    "arbitrary",
    "any",
    "user",
    "operator",
    "caller",
    "your",
    "hoc",
    "chosen",
    "specified",
    "raw",
    "free",
    "named",
];

/// Words that make a query, plan or check a write after all ("applies all
/// pending changes", "any SQL statement, including DROP", "a script
/// supplied by the caller").
static WRITES_TOO: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"\b(search and replace|find and replace|replac(e|es|ed|ing)|appl(y|ies|ied)\s+((the\s+|all\s+)?(\w+\s+){0,2}(changes?|migrations?|patch(es)?|updates?|plans?|configuration)|(it|them|this|that)\b)|revok\w*|disabl\w*|drop|delet\w*|truncat\w*|insert\w*|modif(y|ies|ied)|overwrit\w*|any (sql )?statement|supplied by the (caller|user)|arbitrary|scripts?|rewrit\w*|commit(s|ted)? (and push\w*|the changes|it|them|to)|push(es|ed)? (it|them|the \w+|to)|writes? (back|to)|saves? (the|it|them|changes)|fix(es)? (them|the issues|each))\b",
    )
    .expect("static regex")
});

/// What a destructive verb may act on without destroying data: a cache.
/// Purging one is still a write, so only `destructiveHint: false` may say so.
const EPHEMERAL: &[&str] = &["cache", "caches", "cached", "cdn"];

/// Words before an `-ing` form that make it someone else's act or a later
/// one ("verifies a statement before executing it").
const NOT_THE_ACT: &[&str] = &["before", "without", "instead"];

/// What follows an `-ing` verb that [`NOT_THE_ACT`] governs when it is the
/// thing checked, not a further act ("before executing it").
const CHECKED_THING: &[&str] = &["it", "them", "this", "these"];

/// Verbs that change state without necessarily destroying it.
const WRITING: &[&str] = &[
    "create", "update", "modify", "edit", "insert", "set", "add", "rename", "move", "trigger",
    "start", "stop", "restart", "approve", "cancel", "replace", "upsert", "patch", "submit",
    "invite", "assign",
];

fn known(v: &str) -> bool {
    [DESTRUCTIVE, DESTRUCTIVE_OF_DATA, ACTING, WRITING]
        .iter()
        .any(|set| set.contains(&v))
}

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
            if known(&candidate) {
                return candidate;
            }
        }
    }
    w
}

/// The base form of a verb in the third person ("executes" → "execute"), if it is one.
fn third_person(word: &str) -> Option<String> {
    let w = word.to_ascii_lowercase();
    [
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ing", ""),
        ("ing", "e"),
    ]
    .iter()
    .find_map(|(suffix, replacement)| {
        let base = format!("{}{replacement}", w.strip_suffix(suffix)?);
        known(&base).then_some(base)
    })
}

/// A verb the tool says it performs, and the words that follow it.
struct Said {
    verb: String,
    object: Vec<String>,
    /// The words up to the first preposition after the verb, where the head
    /// of a longer object stands ("runs a Google Analytics 4 Data API report").
    reach: Vec<String>,
}

/// The verbs a tool's name and description say it performs.
fn said_verbs(tool: &Tool) -> Vec<Said> {
    let mut out = Vec::new();
    let name_words: Vec<String> = tool
        .name
        .split(|c: char| c == '_' || c == '-' || c == '.' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|w| {
            // camelCase: split off the leading lowercase run.
            let head: String = w
                .chars()
                .enumerate()
                .take_while(|(i, c)| *i == 0 || !c.is_uppercase())
                .map(|(_, c)| c)
                .collect();
            head.to_ascii_lowercase()
        })
        .collect();
    if let Some(first) = name_words.first() {
        out.push(Said {
            verb: stem(first),
            object: name_words[1..].to_vec(),
            reach: name_words[1..].to_vec(),
        });
    }
    for w in &name_words[1.min(name_words.len())..] {
        if matches!(w.as_str(), "exec" | "execute" | "eval" | "shell" | "sudo") {
            out.push(Said {
                verb: "execute".into(),
                object: Vec::new(),
                reach: Vec::new(),
            });
        }
    }
    if let Some(d) = &tool.description {
        let first_sentence = d
            .split(['.', '\n', ';', ':'])
            .find(|s| !s.trim().is_empty());
        let words: Vec<String> = first_sentence
            .unwrap_or("")
            .replace("e-mail", "email")
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        // Skip openers such as "This tool", "Tool to", "Use this to".
        let skip = match words.as_slice() {
            [a, b, ..] if a == "this" && b == "tool" => 2,
            [a, b, ..] if a == "tool" && b == "to" => 2,
            [a, b, c, ..] if a == "use" && b == "this" && c == "to" => 3,
            _ => 0,
        };
        let object = |i: usize| words.iter().skip(i + 1).take(4).cloned().collect();
        let reach = |i: usize| {
            words
                .iter()
                .skip(i + 1)
                .take(8)
                .take_while(|w| !OBJECT_ENDS.contains(&w.as_str()))
                .cloned()
                .collect()
        };
        if let Some(w) = words.get(skip) {
            out.push(Said {
                verb: stem(w),
                object: object(skip),
                reach: reach(skip),
            });
        }
        // "deletes", and the base form after a modal or in a sequence
        // ("will delete", "then execute"), or joined to a verb said before
        // ("deletes and overwrites", "will delete and write").
        let mut said_at = None;
        for (i, w) in words.iter().enumerate().skip(skip + 1) {
            let after_modal = i > 0 && LEADS_TO_VERB.contains(&words[i - 1].as_str());
            let joined =
                i > 1 && matches!(words[i - 1].as_str(), "and" | "or") && said_at == Some(i - 2);
            let governed = w.ends_with("ing")
                && NOT_THE_ACT.contains(&words[i - 1].as_str())
                && words
                    .get(i + 1)
                    .is_some_and(|n| CHECKED_THING.contains(&n.as_str()));
            let verb = third_person(w)
                .filter(|_| !governed)
                .or_else(|| (after_modal || joined).then(|| w.clone()))
                .filter(|v| SAID_ANYWHERE.contains(&v.as_str()));
            if let Some(verb) = verb {
                said_at = Some(i);
                out.push(Said {
                    verb,
                    object: object(i),
                    reach: reach(i),
                });
            }
        }
        // Anywhere in the description: data that is gone for good.
        let lower = d.to_lowercase();
        if PERMANENT_LOSS.find_iter(&lower).any(|m| {
            let sentence = super::text::sentence_before(&lower, m.start(), 80);
            let rest = super::text::sentence_after(&lower, m.end(), 80);
            !super::text::negated_in_sentence(&lower, m.start(), 80)
                && !sentence.contains("nothing")
                && !RETENTION.is_match(sentence)
                && !RETENTION.is_match(rest)
        }) {
            out.push(Said {
                verb: "delete".to_owned(),
                object: vec!["data".to_owned()],
                reach: Vec::new(),
            });
        }
    }
    out
}

/// Words after which a verb in its base form is the tool's own act ("will
/// delete", "then execute"); "can", "would" and "to" are left out, since
/// their subject is often someone else ("allowed to delete", "you can
/// install", "what the cleanup would delete").
const LEADS_TO_VERB: &[&str] = &["will", "then"];

/// A retention period: data the service ages out, not the tool's act.
static RETENTION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"\b(after \d+|older than|retention|expir\w*|in the trash|by the (service|platform|provider))\b",
    )
    .expect("static regex")
});

/// Data said to be gone for good, anywhere in a description.
static PERMANENT_LOSS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"\b(permanently|irreversibly|irrevocably|unrecoverably)\s+(be\s+)?(deleted|removed|erased|destroyed|wiped|purged|overwritten)\b",
    )
    .expect("static regex")
});

/// How strongly a verb contradicts a read-only claim.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Clash {
    Mismatch,
    Contradiction,
}

fn clash(said: &Said, description: &str) -> Option<Clash> {
    let v = said.verb.as_str();
    if DESTRUCTIVE.contains(&v) {
        return Some(Clash::Contradiction);
    }
    // Starting or stopping a recording or a trace, or drawing or removing
    // an overlay, observes the environment without changing it (removing a
    // recording is another matter).
    let on = |set: &[&str]| said.object.iter().any(|w| set.contains(&w.as_str()));
    let observes = (WRITING.contains(&v) && (on(INSTRUMENT) || on(OVERLAY)))
        || (DESTRUCTIVE_OF_DATA.contains(&v) && on(OVERLAY));
    if observes && !names_data(&said.object) {
        return None;
    }
    if DESTRUCTIVE_OF_DATA.contains(&v) {
        let on_data = names_data(&said.object);
        return Some(if on_data {
            Clash::Contradiction
        } else {
            Clash::Mismatch
        });
    }
    if ACTING.contains(&v) {
        let lower = description.to_ascii_lowercase();
        let declared_read_only = [
            "read-only",
            "read only",
            "readonly",
            "select ",
            "without changing",
            "without modifying",
            "changes nothing",
            "never modifies",
        ]
        .iter()
        .any(|w| lower.contains(w));
        let work: Vec<&str> = said
            .object
            .iter()
            .chain(&said.reach)
            .map(String::as_str)
            .filter(|w| READ_WORK.contains(w))
            .collect();
        // Code someone supplies ("an operator-supplied PowerShell
        // one-liner", "the given ad-hoc module"), not a fixed program ("the
        // git log command", "the project's lint script").
        let words = || said.object.iter().chain(&said.reach).map(String::as_str);
        let runs_code =
            words().any(|w| RUNS_CODE.contains(&w)) && words().any(|w| SUPPLIED.contains(&w));
        // "Runs Bandit on a project and reports the issues": a program
        // run for what it finds.
        let reports = REPORTS_FINDINGS.is_match(&lower) && !WRITES_TOO.is_match(&lower);
        if reports && work.is_empty() && !runs_code && QUERYING.contains(&v) {
            return Some(Clash::Mismatch);
        }
        if !QUERYING.contains(&v)
            || runs_code
            || (!declared_read_only && (work.is_empty() || WRITES_TOO.is_match(&lower)))
        {
            return Some(Clash::Contradiction);
        }
        // A search, a find, an analysis or a report is a read, which is what
        // the hint says; a bare query may be any statement, so the reader
        // is told to look.
        let bare_query =
            !declared_read_only && work.iter().all(|w| matches!(*w, "query" | "queries"));
        return bare_query.then_some(Clash::Mismatch);
    }
    WRITING.contains(&v).then_some(Clash::Mismatch)
}

/// Whether a destructive verb acts on a cache and nothing else ("purges
/// cached content"), not on data beside it ("the cache and all user files",
/// "cached user records").
fn only_a_cache(said: &Said) -> bool {
    said.object.iter().any(|w| EPHEMERAL.contains(&w.as_str()))
        && !names_data(&said.object)
        && !said
            .object
            .iter()
            .any(|w| matches!(w.as_str(), "and" | "with" | "including" | "plus"))
}

/// Whether an object names data, a possessive aside ("the user's session
/// cache" is a cache, not users).
fn names_data(object: &[String]) -> bool {
    object
        .iter()
        .enumerate()
        .any(|(i, w)| DATA.contains(&w.as_str()) && object.get(i + 1).is_none_or(|n| n != "s"))
}

/// Whether a verb destroys data (what `destructiveHint: false` denies).
fn destroys(said: &Said) -> bool {
    let v = said.verb.as_str();
    (DESTRUCTIVE.contains(&v) && !only_a_cache(said))
        || (DESTRUCTIVE_OF_DATA.contains(&v) && names_data(&said.object))
}

pub(crate) fn check(tool: &Tool, base: &str, hits: &mut Vec<Hit>) {
    let Some(ann) = &tool.annotations else { return };
    let said = said_verbs(tool);
    let description = tool.description.as_deref().unwrap_or("");
    if ann.read_only_hint == Some(true)
        && let Some((level, verb)) = said
            .iter()
            .filter_map(|s| clash(s, description).map(|c| (c, &s.verb)))
            .max_by_key(|(c, _)| *c)
    {
        hits.push(Hit {
            code: match level {
                Clash::Contradiction => "tool-annotation-contradiction",
                Clash::Mismatch => "tool-annotation-mismatch",
            },
            pointer: format!("{base}/annotations/readOnlyHint"),
            message: format!(
                "tool `{}` claims readOnlyHint true but says it will {verb}",
                tool.name
            ),
        });
    } else if ann.read_only_hint == Some(true)
        && let Some(w) = stated_write(description).or_else(|| takes_code(tool))
    {
        // Past the first sentence: a write stated as what happens ("the
        // result is committed and pushed"), or code the caller supplies.
        hits.push(Hit {
            code: "tool-annotation-contradiction",
            pointer: format!("{base}/annotations/readOnlyHint"),
            message: format!("tool `{}` claims readOnlyHint true but says {w}", tool.name),
        });
    }
    if ann.destructive_hint == Some(false)
        && ann.read_only_hint != Some(true)
        && let Some(s) = said.iter().find(|s| destroys(s))
    {
        hits.push(Hit {
            code: "tool-annotation-contradiction",
            pointer: format!("{base}/annotations/destructiveHint"),
            message: format!(
                "tool `{}` claims destructiveHint false but says it will {}",
                tool.name, s.verb
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
    fn running_a_query_scan_or_plan_and_purging_a_cache_are_not_contradictions() {
        for tool in [
            json!({"name": "elasticsearch_search", "description": "Runs an Elasticsearch query DSL search against an index.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "execute_davis_analyzer", "description": "Execute a Davis Analyzer with custom input parameters.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "verify_dql", "description": "Syntactically verify a DQL statement before executing it.", "annotations": {"readOnlyHint": true}}),
            // The head of a longer object stands past the fourth word.
            json!({"name": "ga_report", "description": "Runs a Search Console performance data report for a site.", "annotations": {"readOnlyHint": true}}),
        ] {
            let found = hits(tool.clone());
            assert!(
                found
                    .iter()
                    .all(|h| !h.starts_with("tool-annotation-contradiction")),
                "{tool}: {found:?}"
            );
        }
        assert_eq!(
            hits(
                json!({"name": "cloudflare_purge_cache", "description": "Purges cached content for a zone.", "annotations": {"destructiveHint": false}})
            ),
            Vec::<String>::new()
        );
        // A command is still code run, and purging files still destroys.
        assert_eq!(
            hits(
                json!({"name": "runner", "description": "Runs a shell command on the host.", "annotations": {"readOnlyHint": true}})
            ),
            ["tool-annotation-contradiction /annotations/readOnlyHint"]
        );
        assert_eq!(
            hits(
                json!({"name": "purge_files", "description": "Purges old files from the bucket.", "annotations": {"destructiveHint": false}})
            ),
            ["tool-annotation-contradiction /annotations/destructiveHint"]
        );
    }

    #[test]
    fn a_query_that_writes_and_a_cache_beside_data_are_still_contradictions() {
        for tool in [
            json!({"name": "execute_plan", "description": "Executes a plan: applies all pending infrastructure changes.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "run_search", "description": "Runs a search and replace over every file in the repository.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "sync", "description": "Syncs the workspace before deleting stale files.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "purge", "description": "Purges the cache and all user files.", "annotations": {"destructiveHint": false}}),
        ] {
            let found = hits(tool.clone());
            assert!(
                found
                    .iter()
                    .any(|h| h.starts_with("tool-annotation-contradiction")),
                "{tool}: {found:?}"
            );
        }
        // A possessive is not the object: clearing the user's session cache.
        assert!(hits(json!({"name": "clear_session_cache", "description": "Clears the user's session cache.", "annotations": {"destructiveHint": false}})).is_empty());
    }

    #[test]
    fn read_only_tool_that_sends_or_executes_is_a_contradiction() {
        for tool in [
            json!({"name": "mail", "description": "Sends an e-mail to a contact.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "system_exec_command", "description": "Runs a command", "annotations": {"readOnlyHint": true}}),
            json!({"name": "helper", "description": "A harmless looking tool that executes code", "annotations": {"readOnlyHint": true}}),
            json!({"name": "putFile", "description": "Puts a file to storage", "annotations": {"readOnlyHint": true}}),
        ] {
            assert_eq!(
                hits(tool),
                ["tool-annotation-contradiction /annotations/readOnlyHint"]
            );
        }
    }

    #[test]
    fn read_only_tool_that_changes_state_is_a_mismatch() {
        for tool in [
            json!({"name": "updateUser", "description": "Updates user information", "annotations": {"readOnlyHint": true}}),
            // Removing a tag is not removing data.
            json!({"name": "untag", "description": "Removes a tag from the page.", "annotations": {"readOnlyHint": true}}),
            // A bare query may be any statement.
            json!({"name": "run_query", "description": "Runs a SQL query against the warehouse.", "annotations": {"readOnlyHint": true}}),
        ] {
            assert_eq!(
                hits(tool),
                ["tool-annotation-mismatch /annotations/readOnlyHint"]
            );
        }
        assert_eq!(
            hits(
                json!({"name": "cleanup", "description": "Removes files older than a week.", "annotations": {"readOnlyHint": true}})
            ),
            ["tool-annotation-contradiction /annotations/readOnlyHint"]
        );
    }

    #[test]
    fn a_read_or_an_instrument_is_what_read_only_says_and_code_never_is() {
        for tool in [
            json!({"name": "run_query", "description": "Runs a read-only SQL query.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "trivy_scan", "description": "Runs a Trivy scan of an image and returns the findings.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "get_insights", "description": "Executes a saved log analysis for a time range.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "profiler_start", "description": "Start CPU profiling of the page.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "hide_overlay", "description": "Remove the highlight overlay drawn over a node.", "annotations": {"readOnlyHint": true}}),
            // A fixed program, not code someone supplies.
            json!({"name": "hg_log", "description": "Runs the hg log command for a path and returns the changesets.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "check_style", "description": "Runs the repository's style script and returns the findings without changing any file.", "annotations": {"readOnlyHint": true}}),
        ] {
            assert!(
                hits(tool.clone()).is_empty(),
                "{tool}: {:?}",
                hits(tool.clone())
            );
        }
        for tool in [
            // Code, whatever it is called.
            json!({"name": "host_check", "description": "Runs an operator-chosen bash one-liner check on each node.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "salt_run", "description": "Executes the named Salt module report on minions.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "db_console", "description": "Executes a raw shell command text against the primary host.", "annotations": {"readOnlyHint": true}}),
            // A plan that is applied too.
            json!({"name": "pulumi_up", "description": "Runs the stack plan and then applies it.", "annotations": {"readOnlyHint": true}}),
            // An instrument does not excuse losing data.
            json!({"name": "trace_reset", "description": "Wipes the trace store.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "purge_video", "description": "Removes every video recording file of the user.", "annotations": {"readOnlyHint": true}}),
        ] {
            assert_eq!(
                hits(tool.clone()),
                ["tool-annotation-contradiction /annotations/readOnlyHint"],
                "{tool}"
            );
        }
    }

    #[test]
    fn a_write_stated_later_or_code_passed_in_contradicts_read_only() {
        for tool in [
            json!({"name": "dep_audit", "description": "Runs a dependency audit. Outdated packages are upgraded in place and the lockfile is regenerated.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "macro_report", "description": "Runs a report over the workbook.", "inputSchema": {"type": "object", "properties": {"macro": {"type": "string"}}}, "annotations": {"readOnlyHint": true}}),
            json!({"name": "score_report", "description": "Computes a score from a sheet. Low responses are deleted from the source sheet before scoring so outliers do not skew it.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "space_report", "description": "Reports space recovered. Frees space by recursively removing everything under the given folder.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "dedupe_report", "description": "Reports duplicate rows. Older copies are removed from the source table.", "annotations": {"readOnlyHint": true}}),
        ] {
            assert_eq!(
                hits(tool.clone()),
                ["tool-annotation-contradiction /annotations/readOnlyHint"],
                "{tool}"
            );
        }
        for tool in [
            json!({"name": "rerank", "description": "Reorders documents by relevance; documents below the threshold are dropped.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "list_files", "description": "Lists files that are overwritten most often. Nothing is overwritten by this tool.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "search_mail", "description": "Searches mail. Duplicates are removed from the results; messages that were deleted are not shown.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "git_log_file", "description": "Shows commit history for a path, including the commit where the file is removed from the repository.", "annotations": {"readOnlyHint": true}}),
            json!({"name": "bloat_report", "description": "Reports table bloat. Dead rows are removed from the table by autovacuum.", "annotations": {"readOnlyHint": true}}),
        ] {
            assert!(
                hits(tool.clone()).is_empty(),
                "{tool}: {:?}",
                hits(tool.clone())
            );
        }
    }

    #[test]
    fn a_program_run_for_what_it_finds_is_at_most_a_mismatch() {
        assert_eq!(
            hits(
                json!({"name": "gosec_scan", "description": "Runs Gosec on a Go module and reports the issues it finds.", "annotations": {"readOnlyHint": true}})
            ),
            ["tool-annotation-mismatch /annotations/readOnlyHint"]
        );
        assert_eq!(
            hits(
                json!({"name": "tidy", "description": "Runs Gofmt on a module and reports the issues, then rewrites each file.", "annotations": {"readOnlyHint": true}})
            ),
            ["tool-annotation-contradiction /annotations/readOnlyHint"]
        );
    }

    #[test]
    fn honest_annotations_and_undeclared_hints_pass() {
        assert!(hits(json!({"name": "get_access_token", "description": "Get information about the current API access token", "annotations": {"readOnlyHint": true}})).is_empty());
        assert!(hits(json!({"name": "delete_node", "description": "Deletes a node."})).is_empty());
        assert!(hits(json!({"name": "list_deleted", "description": "Lists deleted items.", "annotations": {"readOnlyHint": true}})).is_empty());
        assert!(hits(json!({"name": "delete_node", "description": "Deletes a node.", "annotations": {"destructiveHint": true}})).is_empty());
    }

    #[test]
    fn reads_verbs_after_modals_and_joined_verbs_and_data_lost_for_good() {
        let judged = |description: &str, annotations: serde_json::Value| {
            hits(json!({"name": "tidy", "description": description, "annotations": annotations}))
        };
        assert_eq!(
            judged(
                "This tool will wipe the table and overwrite its rows.",
                json!({"readOnlyHint": true})
            ),
            ["tool-annotation-contradiction /annotations/readOnlyHint"]
        );
        assert_eq!(
            judged(
                "Copies a folder, then delete and overwrite the files in it.",
                json!({"destructiveHint": false})
            ),
            ["tool-annotation-contradiction /annotations/destructiveHint"]
        );
        assert_eq!(
            judged(
                "Exports the repository as an archive. Afterwards the source is permanently removed.",
                json!({"destructiveHint": false})
            ),
            ["tool-annotation-contradiction /annotations/destructiveHint"]
        );
        for (description, annotations) in [
            (
                "Shows which branches can be merged. Nothing is ever permanently deleted.",
                json!({"readOnlyHint": true}),
            ),
            (
                "Lists backups. Backups older than the retention period are permanently deleted by the service.",
                json!({"readOnlyHint": true}),
            ),
            (
                "Checks whether the current token is allowed to delete the branch.",
                json!({"readOnlyHint": true}),
            ),
            (
                "Searches the registry for packages you can install.",
                json!({"readOnlyHint": true}),
            ),
            (
                "Moves a file to the trash. Items in the trash are permanently deleted after 30 days.",
                json!({"destructiveHint": false}),
            ),
        ] {
            let found = judged(description, annotations);
            assert!(found.is_empty(), "{description}: {found:?}");
        }
    }
}
