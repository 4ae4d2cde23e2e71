//! The texts of a tool that a model reads, each with its JSON pointer and
//! kind, and the folded form keyword rules match against (compatibility
//! decomposition, combining marks and invisible characters removed,
//! look-alike letters read as ASCII, lowercase, whitespace collapsed) so that
//! full-width letters, a zero-width space or a dot above inside a word, or a
//! Cyrillic `о` in place of an `o`, do not evade them.

use crate::finding::pointer_token;
use crate::manifest::Tool;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// Deepest schema nesting walked.
pub const MAX_SCHEMA_DEPTH: usize = 32;
/// Most texts taken from one tool's schemas.
pub const MAX_SCHEMA_TEXTS: usize = 4096;

/// Where a text sits in a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The tool's name.
    Name,
    /// `title` or `annotations.title`.
    Title,
    /// The tool's `description`.
    Description,
    /// A `description` or `title` inside a schema.
    SchemaDescription,
    /// A string inside a schema keyword other than those below.
    SchemaValue,
    /// A string (or key) inside `default`, `enum`, `const`, `examples`/`example`:
    /// a value the tool supplies, which reaches it as an argument.
    SuppliedValue,
    /// A property name (or other object key) inside a schema.
    PropertyName,
}

impl Kind {
    /// Identifier-like texts (names, property names), matched with separators read as spaces.
    pub fn is_identifier(self) -> bool {
        matches!(self, Kind::Name | Kind::PropertyName)
    }
}

/// One text of a tool.
#[derive(Debug, Clone)]
pub struct TextField<'a> {
    /// Where it sits.
    pub kind: Kind,
    /// JSON pointer in the input.
    pub pointer: String,
    /// The text as given.
    pub raw: &'a str,
    /// The folded text keyword rules match.
    pub folded: String,
}

impl<'a> TextField<'a> {
    fn new(kind: Kind, pointer: String, raw: &'a str) -> Self {
        let folded = fold(raw, kind.is_identifier());
        TextField {
            kind,
            pointer,
            raw,
            folded,
        }
    }
}

/// NFKD with combining marks dropped (so `i\u{307}gnore` reads `ignore`),
/// a non-ASCII letter that is a look-alike of an ASCII one read as that one
/// (UTS #39 skeleton: Cyrillic `і` reads `i`), default-ignorable and control
/// characters dropped, lowercase, whitespace collapsed; for identifiers `_`,
/// `-` and `.` read as spaces and camelCase humps split. ASCII text is never
/// remapped (the skeleton would read `rn` as `m`).
pub fn fold(s: &str, identifier: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut prev_lower = false;
    let letters = s
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(|c| {
            let mut one = [None, None];
            if c.is_ascii() {
                one[0] = Some(c);
            } else {
                let mut buf = [0; 4];
                let mut skel = unicode_security::skeleton(c.encode_utf8(&mut buf));
                one[0] = match (skel.next(), skel.next()) {
                    (Some(a), None) if a.is_ascii_alphanumeric() => Some(a),
                    _ => Some(c),
                };
            }
            one.into_iter().flatten()
        });
    for c in letters {
        if super::chars::is_hidden(c) || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        let sep = c.is_whitespace() || (identifier && matches!(c, '_' | '-' | '.'));
        if identifier && c.is_uppercase() && prev_lower && !space {
            out.push(' ');
        }
        if sep {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
            prev_lower = false;
            continue;
        }
        space = false;
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Every text of a tool, with its pointer below `base`.
pub fn fields<'a>(tool: &'a Tool, base: &str) -> Vec<TextField<'a>> {
    fields_and_cut(tool, base).0
}

/// Every text of a tool, with its pointer below `base`, and the pointer
/// where its schemas were too deep or too large to read further, if they
/// were: text past that point is not in the list, so a scan must not pass
/// the tool as clean.
pub fn fields_and_cut<'a>(tool: &'a Tool, base: &str) -> (Vec<TextField<'a>>, Option<String>) {
    let mut out = vec![TextField::new(
        Kind::Name,
        format!("{base}/name"),
        &tool.name,
    )];
    if let Some(t) = &tool.title {
        out.push(TextField::new(Kind::Title, format!("{base}/title"), t));
    }
    if let Some(d) = &tool.description {
        out.push(TextField::new(
            Kind::Description,
            format!("{base}/description"),
            d,
        ));
    }
    if let Some(t) = tool.annotations.as_ref().and_then(|a| a.title.as_ref()) {
        out.push(TextField::new(
            Kind::Title,
            format!("{base}/annotations/title"),
            t,
        ));
    }
    let mut budget = Budget {
        left: MAX_SCHEMA_TEXTS,
        cut: None,
    };
    walk_schema(
        &tool.input_schema,
        format!("{base}/inputSchema"),
        0,
        &mut budget,
        &mut out,
    );
    if let Some(o) = &tool.output_schema {
        walk_schema(o, format!("{base}/outputSchema"), 0, &mut budget, &mut out);
    }
    (out, budget.cut)
}

/// Keywords whose values are structure (their strings are still read: a model sees them too).
const STRUCTURAL: &[&str] = &[
    "type",
    "format",
    "pattern",
    "$ref",
    "$schema",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "contentEncoding",
    "contentMediaType",
    "required",
    "dependentRequired",
];

/// Keywords whose values are maps from names to schemas.
pub(crate) const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "dependentSchemas",
];

/// Keywords whose values are data (every string and key in them is text).
pub(crate) const DATA: &[&str] = &["default", "enum", "const", "examples", "example"];

/// Keywords whose values are schemas or arrays of schemas, or plain numbers and flags.
const SCHEMA_KEYWORDS: &[&str] = &[
    "items",
    "additionalProperties",
    "additionalItems",
    "prefixItems",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "description",
    "title",
    "$comment",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "deprecated",
    "readOnly",
    "writeOnly",
    "nullable",
];

/// How the keys of an object being walked are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A schema: keys are keywords (unknown ones are text).
    Schema,
    /// A map of schemas: keys are names (text), values are schemas.
    SchemaMap,
    /// Data: every key and string is text.
    Data,
    /// Data the tool supplies as an argument value (`default`, `enum`, …).
    Supplied,
}

impl Mode {
    /// The kind of a string read in this mode.
    fn value_kind(self) -> Kind {
        match self {
            Mode::Supplied => Kind::SuppliedValue,
            _ => Kind::SchemaValue,
        }
    }
}

/// How many more texts may be taken, and where the walk first stopped short
/// (nesting past [`MAX_SCHEMA_DEPTH`] or texts past [`MAX_SCHEMA_TEXTS`]).
struct Budget {
    left: usize,
    cut: Option<String>,
}

impl Budget {
    fn stop_at(&mut self, at: &str) {
        if self.cut.is_none() {
            self.cut = Some(at.to_owned());
        }
    }
}

fn push<'a>(out: &mut Vec<TextField<'a>>, budget: &mut Budget, kind: Kind, p: String, s: &'a str) {
    if s.is_empty() {
        return;
    }
    if budget.left == 0 {
        budget.stop_at(&p);
        return;
    }
    budget.left -= 1;
    out.push(TextField::new(kind, p, s));
}

fn walk_schema<'a>(
    v: &'a Value,
    at: String,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<TextField<'a>>,
) {
    walk(v, at, Mode::Schema, depth, budget, out);
}

fn walk<'a>(
    v: &'a Value,
    at: String,
    mode: Mode,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<TextField<'a>>,
) {
    let has_text = match v {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::String(s) => !s.is_empty(),
        _ => false,
    };
    if has_text && (depth > MAX_SCHEMA_DEPTH || budget.left == 0) {
        budget.stop_at(&at);
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", pointer_token(k));
                let key = k.as_str();
                match mode {
                    Mode::SchemaMap => {
                        push(out, budget, Kind::PropertyName, p.clone(), k);
                        walk(child, p, Mode::Schema, depth + 1, budget, out);
                    }
                    Mode::Data | Mode::Supplied => {
                        push(out, budget, mode.value_kind(), p.clone(), k);
                        walk(child, p, mode, depth + 1, budget, out);
                    }
                    Mode::Schema if STRUCTURAL.contains(&key) => {
                        walk(child, p, Mode::Data, depth + 1, budget, out);
                    }
                    Mode::Schema if SCHEMA_MAPS.contains(&key) => {
                        walk(child, p, Mode::SchemaMap, depth + 1, budget, out);
                    }
                    Mode::Schema if DATA.contains(&key) => {
                        walk(child, p, Mode::Supplied, depth + 1, budget, out);
                    }
                    Mode::Schema => {
                        if !SCHEMA_KEYWORDS.contains(&key) {
                            // An unknown keyword: its name is text the model reads.
                            push(out, budget, Kind::PropertyName, p.clone(), k);
                        }
                        match (key, child) {
                            ("description" | "title" | "$comment", Value::String(s)) => {
                                push(out, budget, Kind::SchemaDescription, p, s);
                            }
                            (_, Value::String(s)) => push(out, budget, Kind::SchemaValue, p, s),
                            _ => walk(child, p, Mode::Schema, depth + 1, budget, out),
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                match child {
                    Value::String(s) => push(out, budget, mode.value_kind(), p, s),
                    _ => walk(child, p, mode, depth + 1, budget, out),
                }
            }
        }
        Value::String(s) => push(out, budget, mode.value_kind(), at, s),
        _ => {}
    }
}

/// Words that negate what follows them in a sentence.
pub(crate) static NEGATION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b(not|never|no|don't|doesn't|dont|avoid|without|nor|cannot|can't|won't)\b")
        .expect("static regex")
});

/// True when a negation stands in the 24 characters just before `at`
/// ("never send", "do not share").
pub(crate) fn negated_just_before(text: &str, at: usize) -> bool {
    NEGATION.is_match(before(text, at, 25))
}

/// True when a negation governs the word at `at` in its own clause ("there
/// is no way to read", "never send"), and the clause is not a condition or
/// a failure ("fails if you do not include", "refused unless") nor a double
/// negative ("not optional", "don't forget"), which both demand the act.
pub(crate) fn negated_in_clause(text: &str, at: usize) -> bool {
    static CLAUSE_NEGATION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(not|never|no|don't|doesn't|dont|cannot|can't|won't|nothing to)\s+(\S+\s+){0,2}?$",
        )
        .expect("static regex")
    });
    static DEMANDS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b(if|unless|otherwise|fails?|failed|refused|rejected|required|or else)\b|\bnot only\b|\bnot optional|\b(don't|do not|never) (forget|fail|omit|skip)\b|\b(can't|cannot) skip\b|\bno exceptions\b")
            .expect("static regex")
    });
    // A negated list of verbs: "do not read, open, or echo any .env file".
    static LISTED_AFTER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b(not|never|don't|dont|cannot|can't|won't)\s+[a-z]+(\s*,\s*[a-z]+)*(\s*,?\s+(or|nor))?\s*,?\s*$")
            .expect("static regex")
    });
    static LIST_GOES_ON: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^[a-z]+(\s*,\s*[a-z]+)*\s*,?\s*(or|nor)\s+[a-z]+\b")
            .expect("static regex")
    });
    let window = before(text, at, 40);
    let clause = window
        .rsplit(['.', ',', ':', ';', '!', '?', '—', '\n'])
        .next()
        .unwrap_or("");
    if CLAUSE_NEGATION.is_match(clause) && !DEMANDS.is_match(clause) {
        return true;
    }
    let sentence = sentence_before(text, at, 80);
    LISTED_AFTER.captures(sentence).is_some_and(|list| {
        let head = list[0].trim_end();
        let joined = head.ends_with(" or")
            || head.ends_with(" nor")
            || head.ends_with(",or")
            || LIST_GOES_ON.is_match(&text[at..]);
        list[0].contains(',') && joined && !DEMANDS.is_match(&list[0])
    })
}

/// True when the sentence holding `at`, up to `chars` characters before it,
/// holds a negation ("do not use this for secrets", "never returns keys").
pub(crate) fn negated_in_sentence(text: &str, at: usize, chars: usize) -> bool {
    NEGATION.is_match(sentence_before(text, at, chars + 1))
}

/// Whether byte `i` of `text` ends a sentence: `!`, `?`, `;` or a line
/// break, or a full stop before a space or the end ("example.net",
/// "config.json" and "e.g.," go on).
fn ends_sentence(text: &str, i: usize) -> bool {
    let bytes = text.as_bytes();
    match bytes[i] {
        b'!' | b'?' | b';' | b'\n' => true,
        // "e.g." and "i.e." go on, and so does an ellipsis ("-c core.gitProxy=...").
        b'.' if i >= 2 && bytes[i - 2] == b'.' && bytes[i - 1].is_ascii_alphabetic() => false,
        b'.' if i >= 1 && bytes[i - 1] == b'.' => false,
        b'.' => bytes
            .get(i + 1)
            .is_none_or(|&n| n.is_ascii_whitespace() || matches!(n, b'"' | b'\'' | b')' | b']')),
        _ => false,
    }
}

/// The words of `text`'s sentence before byte `at`, at most `chars` characters.
pub(crate) fn sentence_before(text: &str, at: usize, chars: usize) -> &str {
    let window = before(text, at, chars);
    let offset = at - window.len();
    match (0..window.len())
        .rev()
        .find(|&i| ends_sentence(text, offset + i))
    {
        Some(i) => &window[i + 1..],
        None => window,
    }
}

/// The words of `text`'s sentence from byte `at`, at most `chars` characters.
pub(crate) fn sentence_after(text: &str, at: usize, chars: usize) -> &str {
    let window = after(text, at, chars);
    match (0..window.len()).find(|&i| ends_sentence(text, at + i)) {
        Some(i) => &window[..i],
        None => window,
    }
}

/// At most `chars` characters of `text` ending at byte `at`: the bounded
/// window a rule looks back into, so a text of many matches stays linear.
pub(crate) fn before(text: &str, at: usize, chars: usize) -> &str {
    let from = text[..at]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &text[from..at]
}

/// At most `chars` characters of `text` starting at byte `at`.
pub(crate) fn after(text: &str, at: usize, chars: usize) -> &str {
    let to = text[at..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| at + i);
    &text[at..to]
}

/// The sentence holding bytes `start..end` of `text` (clipped at
/// [`SENTENCE_REACH`] bytes each side).
pub(crate) fn sentence_of(text: &str, start: usize, end: usize) -> &str {
    &text[sentence_span(text, start, end)]
}

/// Whether the words before `at` in its sentence make what follows a
/// mention, not the tool's act: an example or a condition ("problems such
/// as …", "e.g. …", "whether MFA is disabled", "users for whom 2FA is
/// turned off", "unlike yaml.unsafe_load"), or a main verb that observes
/// ("reports", "lists", "audits", "explains", "checks … for") with no verb
/// that acts between it and `at`, or a capability of someone else ("an
/// admin can bypass MFA").
pub(crate) fn mentioned(folded: &str, at: usize) -> bool {
    static EXAMPLE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(such as|e\.g\.|eg\.|for example|for instance|example:|i\.e\.|whether|for whom|unlike|rather than)",
        )
        .expect("static regex")
    });
    static OBSERVES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?:^|[^\w-])(reports?|reporting|lists?|listing|audits?|auditing|checks?|checking|explains?|explaining|detects?|detecting|flags?|flagging|finds?|lints?|linting|analy[sz]es?|reviews?|identifies|describes?|scans?|validates?|warns?|alerts?|surfaces?|highlights?)\b",
        )
        .expect("static regex")
    });
    static ACTS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(runs?|running|adds?|adding|applies|applying|grants?|granting|creates?|creating|disables?|disabling|turns?|turning|switch(es)?|switching|writes?|writing|installs?|installing|executes?|executing|binds?|binding|invites?|inviting|puts?|registers?|removes?|deletes?|changes?|modif(y|ies)|enables?|enabling|sets? up|configures?|then|and then|also)\b",
        )
        .expect("static regex")
    });
    static SOMEONE_ELSE_CAN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(an? |the )?(admins?|administrators?|operators?|users?|owners?|you)\s+(can|may|could|are able to|is able to)\s+$",
        )
        .expect("static regex")
    });
    let lead = sentence_before(folded, at, 160);
    if EXAMPLE.is_match(lead) || SOMEONE_ELSE_CAN.is_match(lead) {
        return true;
    }
    OBSERVES
        .find_iter(lead)
        .any(|o| !ACTS.is_match(&lead[o.end()..]))
}

/// [`sentence_span`] looked for at most `reach` bytes each side of
/// `start..end` (clipped there): constant work however long the text.
pub(crate) fn sentence_near(
    text: &str,
    start: usize,
    end: usize,
    reach: usize,
) -> std::ops::Range<usize> {
    let low = text.floor_char_boundary(start.saturating_sub(reach));
    let high = text.ceil_char_boundary((end + reach).min(text.len()));
    let (from, stop) = sentence_bounds(text, start, end, low..high);
    from..stop.map_or(high, |i| i + 1)
}

/// How many of a tool's parameters the pass-through rules look for by name
/// in each text: read only once a text names where code runs, and bounded,
/// so a tool of thousands of parameters costs no more per text.
pub(crate) const PARAMS_READ: usize = 64;

/// How far a sentence is looked for each side of a match, in bytes: a rule
/// that reads the sentence around each of its matches does constant work
/// per match, so a description of one endless sentence holding thousands
/// of matches costs time in proportion to its length, not its square.
pub(crate) const SENTENCE_REACH: usize = 6000;

/// Where the sentence holding bytes `start..end` of `text` begins and ends
/// (clipped at [`SENTENCE_REACH`] bytes each side), for rules that compare
/// positions with it.
pub(crate) fn sentence_span(text: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    sentence_near(text, start, end, SENTENCE_REACH)
}

/// The sentences of `text` in order, as byte ranges (each up to the byte
/// that ends it, see [`ends_sentence`]), found in one pass: a rule that
/// reads every sentence once costs time in proportion to the text.
pub(crate) fn sentences(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut from = 0;
    let mut ends = (0..text.len()).filter(|&i| ends_sentence(text, i));
    std::iter::from_fn(move || {
        while from < text.len() {
            let start = from;
            let stop = ends.next().map_or(text.len(), |i| i + 1);
            from = stop;
            if text[start..stop].trim().len() > 1 {
                return Some(start..stop);
            }
        }
        None
    })
}

/// The start of the sentence holding `start..end` within `within` (its
/// start when no sentence ends before), and the byte that ends it, if one
/// does before `within.end`.
fn sentence_bounds(
    text: &str,
    start: usize,
    end: usize,
    within: std::ops::Range<usize>,
) -> (usize, Option<usize>) {
    let from = (within.start..start)
        .rev()
        .find(|&i| ends_sentence(text, i))
        .map_or(within.start, |i| i + 1);
    (from, (end..within.end).find(|&i| ends_sentence(text, i)))
}

/// At most `chars` characters of the sentence after the one spanning
/// `span` (as [`sentence_span`] gives it): where a rule reads what the
/// next sentence says of what this one named.
pub(crate) fn next_sentence<'a>(
    text: &'a str,
    span: &std::ops::Range<usize>,
    chars: usize,
) -> &'a str {
    // One past the byte that ends the sentence, on a character's boundary
    // (the byte after a `;` may open a multi-byte character).
    sentence_after(
        text,
        text.ceil_char_boundary((span.end + 1).min(text.len())),
        chars,
    )
}

/// A tool's name and the first sentence of its description, folded: where
/// a tool says what it is about.
pub(crate) fn name_and_first_sentence(tool: &Tool) -> String {
    let first = tool
        .description
        .as_deref()
        .unwrap_or("")
        .split(['.', '\n'])
        .find(|s| !s.trim().is_empty())
        .unwrap_or("");
    fold(&format!("{} {first}", fold(&tool.name, true)), false)
}

/// A secret or personal value, which honest text keeps from view.
pub(crate) static SECRET_VALUE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(
    || {
        regex::Regex::new(
        r"\b(secrets?|secret values?|passwords?|passphrases?|tokens?|api keys?|keys?|credentials?|private keys?|pins?|otp|codes?|ssn|social security|card numbers?|raw values?|plaintext)\b",
    )
    .expect("static regex")
    },
);

/// Whether the noun phrase opening `object` has a secret for its head
/// ("the secret value", "their password"), not as a modifier ("the key fact
/// that …", "the code path") and not before a clause that hides a fact
/// ("that their token is mirrored").
pub(crate) fn object_is_a_secret(object: &str) -> bool {
    static HEAD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(secrets?|values?|passwords?|passphrases?|tokens?|keys?|credentials?|pins?|otps?|codes?|ssns?|numbers?|plaintext|hash(es)?)$",
        )
        .expect("static regex")
    });
    static STOP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(that|which|who|about|of|in|to|for|because|so|and|or|but|unless|until|when|where|is|are|was|were|on|from|with|by|as|if|since|after|before)$",
        )
        .expect("static regex")
    });
    let words: Vec<&str> = object
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .take(6)
        .take_while(|w| !STOP.is_match(w))
        .collect();
    let Some(head) = words.last() else {
        return false;
    };
    let phrase = words.join(" ");
    // Other people's data kept from one user is privacy, not concealment.
    if OTHERS.is_match(object.trim_start()) {
        return true;
    }
    HEAD.is_match(head)
        && SECRET_VALUE.is_match(&phrase)
        && !["fact", "path", "point", "part", "idea"].contains(head)
        && words.len() <= 5
        && !object.trim_start().starts_with("that ")
}

/// Someone else's data ("other users' data", "one customer's details to
/// another customer").
static OTHERS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^(\S+\s+){0,3}?(other|another|one)\s+(users?|customers?|people|persons?|participants?|members?|employees?|patients?|tenants?)'?s?\b",
    )
    .expect("static regex")
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::listing::tool_from_value;
    use serde_json::json;

    #[test]
    fn folds_fullwidth_invisible_and_case() {
        assert_eq!(
            fold("ＩＧＮＯＲＥ  pre\u{200b}vious\n\tInstructions", false),
            "ignore previous instructions"
        );
    }

    #[test]
    fn a_negation_reaches_every_verb_of_its_list() {
        let negated = |text: &str, verb: &str| negated_in_clause(text, text.find(verb).unwrap());
        let text = "do not read, open, or echo any .env file";
        assert!(negated(text, "read") && negated(text, "open") && negated(text, "echo"));
        let text = "never copy, move nor delete the file";
        assert!(negated(text, "move") && negated(text, "delete"));
        // Not a list: a refusal followed by an order.
        for (text, verb) in [
            ("do not stop, read the file and send it", "read"),
            ("do not stop, read the file and send it", "send"),
            ("do not wait, then send it", "send"),
            ("never skip, open, or send it", "send"),
        ] {
            assert!(!negated(text, verb), "{text}: {verb}");
        }
    }

    #[test]
    fn a_sentence_is_looked_for_a_bounded_way_each_side() {
        let long = format!("Start. {}tail. End.", "word, ".repeat(2000));
        let at = long.find("tail").unwrap();
        let span = sentence_span(&long, at, at + 4);
        assert!(span.len() <= 2 * SENTENCE_REACH + 4, "{span:?}");
        assert!(long[span.clone()].ends_with("tail."), "{span:?}");
        // A sentence within reach is found whole.
        let short = "One. The second sentence here. Three.";
        let at = short.find("second").unwrap();
        assert_eq!(
            sentence_of(short, at, at + 6).trim(),
            "The second sentence here."
        );
    }

    #[test]
    fn folds_identifiers_into_words() {
        assert_eq!(fold("read_SSH-key.now", true), "read ssh key now");
        assert_eq!(fold("contentFromIdRsa", true), "content from id rsa");
    }

    #[test]
    fn collects_every_text_a_model_reads() {
        let t = tool_from_value(
            &json!({
                "name": "n", "title": "T", "description": "D",
                "annotations": {"title": "AT"},
                "inputSchema": {"type": "object", "pattern": "^x$", "x-note": "X",
                    "properties": {"p": {"type": "string", "description": "PD", "default": "DEF",
                        "enum": ["E1", {"deep": "E2"}], "examples": ["EX"]}}},
                "outputSchema": {"type": "object", "title": "OT"}
            }),
            "/tools/0",
        )
        .unwrap();
        let got: Vec<(Kind, String, &str)> = fields(&t, "/tools/0")
            .into_iter()
            .map(|f| (f.kind, f.pointer, f.raw))
            .collect();
        let has = |p: &str, raw: &str| got.iter().any(|(_, gp, gr)| gp == p && *gr == raw);
        assert!(has("/tools/0/name", "n"));
        assert!(has("/tools/0/title", "T"));
        assert!(has("/tools/0/description", "D"));
        assert!(has("/tools/0/annotations/title", "AT"));
        assert!(has("/tools/0/inputSchema/x-note", "x-note"));
        assert!(has("/tools/0/inputSchema/x-note", "X"));
        assert!(has("/tools/0/inputSchema/properties/p", "p"));
        assert!(has("/tools/0/inputSchema/properties/p/description", "PD"));
        assert!(has("/tools/0/inputSchema/properties/p/default", "DEF"));
        assert!(has("/tools/0/inputSchema/properties/p/enum/0", "E1"));
        assert!(has("/tools/0/inputSchema/properties/p/enum/1/deep", "E2"));
        assert!(has("/tools/0/inputSchema/properties/p/examples/0", "EX"));
        assert!(has("/tools/0/outputSchema/title", "OT"));
        assert!(has("/tools/0/inputSchema/pattern", "^x$"));
        assert!(
            !got.iter()
                .any(|(k, _, r)| *k == Kind::PropertyName && (*r == "type" || *r == "pattern"))
        );
    }

    #[test]
    fn property_named_like_a_keyword_is_still_walked() {
        let t = tool_from_value(
            &json!({"name": "n", "inputSchema": {"type": "object",
            "properties": {"type": {"type": "string", "description": "hidden here"}}}}),
            "",
        )
        .unwrap();
        let f = fields(&t, "");
        assert!(
            f.iter().any(|f| f.raw == "hidden here"
                && f.pointer == "/inputSchema/properties/type/description")
        );
        assert!(
            f.iter()
                .any(|f| f.raw == "type" && f.kind == Kind::PropertyName)
        );
    }

    #[test]
    fn schema_walk_is_bounded_in_depth() {
        let mut v = json!({"description": "bottom"});
        for _ in 0..(MAX_SCHEMA_DEPTH + 10) {
            v = json!({"type": "object", "properties": {"p": v}});
        }
        let t = tool_from_value(&json!({"name": "n", "inputSchema": v}), "").unwrap();
        let (texts, cut) = fields_and_cut(&t, "");
        assert!(!texts.iter().any(|f| f.raw == "bottom"));
        let cut = cut.expect("a walk that stopped short says where");
        assert_eq!(
            cut.matches("/properties/p").count(),
            MAX_SCHEMA_DEPTH / 2,
            "{cut}"
        );
    }

    #[test]
    fn schema_walk_says_where_the_text_budget_ran_out() {
        let many: Vec<String> = (0..MAX_SCHEMA_TEXTS).map(|i| format!("v{i}")).collect();
        let t = tool_from_value(
            &json!({"name": "n", "inputSchema": {"type": "object", "properties": {
                "a": {"type": "string", "enum": many},
                "z": {"type": "string", "description": "hidden past the budget"}
            }}}),
            "",
        )
        .unwrap();
        let (texts, cut) = fields_and_cut(&t, "");
        assert!(!texts.iter().any(|f| f.raw == "hidden past the budget"));
        assert!(cut.is_some());
        let small = tool_from_value(
            &json!({"name": "n", "inputSchema": {"type": "object", "properties": {
                "z": {"type": "string", "description": "read"}
            }}}),
            "",
        )
        .unwrap();
        assert_eq!(fields_and_cut(&small, "").1, None);
    }
}
