//! Publisher text made safe to show: HTML-escaped, with every character a
//! reader cannot see (invisible, bidirectional, tag, variation selector,
//! control) written out as a visible, labelled mark, so a description that
//! hides instructions shows them. Links carry names percent-encoded.

use askama::filters::HtmlSafe;
use mcp_trust::tools::scan::chars;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::fmt::{self, Write};

/// Untrusted text as HTML: escaped, hidden characters shown. Templates
/// print it as it is (it is marked safe because it escapes itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl HtmlSafe for Text {}

impl Text {
    /// Wraps `s`.
    pub fn of(s: impl Into<String>) -> Text {
        Text(s.into())
    }

    /// True when the text holds a character a reader cannot see.
    pub fn has_hidden(&self) -> bool {
        self.0.chars().any(is_concealing)
    }
}

/// Most hidden characters marked one by one in a text; the rest are
/// counted in one last mark (a mark is ~80 bytes of HTML for a 3-byte
/// character, so a text of nothing else must not grow a page 25-fold).
pub const MAX_MARKS: usize = 256;

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut marks = 0usize;
        for c in self.0.chars() {
            if is_concealing(c) && marks >= MAX_MARKS {
                marks += 1;
            } else if is_concealing(c) {
                marks += 1;
                f.write_str("<span class=\"hidden-char\" title=\"")?;
                for d in describe(c).chars() {
                    escape_char(f, d)?;
                }
                write!(f, "\">U+{:04X}</span>", c as u32)?;
            } else {
                escape_char(f, c)?;
            }
        }
        if marks > MAX_MARKS {
            write!(
                f,
                "<span class=\"hidden-char\" title=\"{} more hidden characters, not marked one by one\">+{} hidden</span>",
                marks - MAX_MARKS,
                marks - MAX_MARKS
            )?;
        }
        Ok(())
    }
}

/// Writes `c` escaped for HTML text and double- or single-quoted attributes.
fn escape_char(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    match c {
        '&' => f.write_str("&amp;"),
        '<' => f.write_str("&lt;"),
        '>' => f.write_str("&gt;"),
        '"' => f.write_str("&quot;"),
        '\'' => f.write_str("&#39;"),
        c => f.write_char(c),
    }
}

/// A character shown as a mark: what the scanner calls hidden, and every
/// control character except the line breaks and tabs text is laid out with.
fn is_concealing(c: char) -> bool {
    chars::is_hidden(c) || (c.is_control() && !matches!(c, '\n' | '\t'))
}

/// What a shown mark stands for (its tooltip): the code point and its name
/// or class; a tag character also says which ASCII letter it smuggles.
fn describe(c: char) -> String {
    let code = format!("U+{:04X}", c as u32);
    let name = match c {
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        '\u{E0001}' => "LANGUAGE TAG",
        '\u{E007F}' => "CANCEL TAG",
        c if chars::is_tag(c) => {
            let ascii = char::from_u32(c as u32 - 0xE0000).unwrap_or('?');
            return format!("{code} TAG {ascii:?} (hidden ASCII)");
        }
        c if chars::is_variation_selector(c) => "VARIATION SELECTOR",
        c if chars::is_bidi(c) => "BIDIRECTIONAL CONTROL",
        c if c.is_control() => "CONTROL CHARACTER",
        _ => "INVISIBLE CHARACTER",
    };
    format!("{code} {name}")
}

/// Everything but unreserved characters (RFC 3986) is escaped in a path
/// segment or query value, `/` included: a server name is one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` percent-encoded as one path segment or query value.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// `/servers/{name}`.
pub fn server_href(name: &str) -> String {
    format!("/servers/{}", encode(name))
}

/// `/v0.1/servers/{name}/versions/{version}`: the same version as JSON.
pub fn api_version_href(name: &str, version: &str) -> String {
    format!(
        "/v0.1/servers/{}/versions/{}",
        encode(name),
        encode(version)
    )
}

/// `/servers/{name}/{version}`.
pub fn version_href(name: &str, version: &str) -> String {
    format!("/servers/{}/{}", encode(name), encode(version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_hidden_characters_are_shown() {
        let t =
            Text::of("<script>x</script><img src=x onerror=\"a\"> 'q' & i\u{200B}gnore\u{202E}");
        let html = t.to_string();
        assert_eq!(
            html.matches('<').count(),
            html.matches("<span class=\"hidden-char\"").count() + html.matches("</span>").count()
        );
        assert!(
            html.contains("&lt;script&gt;x&lt;/script&gt;&lt;img src=x onerror=&quot;a&quot;&gt;")
        );
        assert!(html.contains("&#39;q&#39; &amp; i"));
        assert!(html.contains(
            "<span class=\"hidden-char\" title=\"U+200B ZERO WIDTH SPACE\">U+200B</span>gnore"
        ));
        assert!(html.contains("title=\"U+202E RIGHT-TO-LEFT OVERRIDE\">U+202E</span>"));
        assert!(!html.contains('\u{200B}') && !html.contains('\u{202E}'));
        assert!(t.has_hidden());
    }

    #[test]
    fn tag_characters_say_what_they_smuggle_and_controls_are_marked() {
        let html = Text::of("a\u{E0041}\u{1B}[2Jb\nc\td").to_string();
        assert!(
            html.contains("title=\"U+E0041 TAG &#39;A&#39; (hidden ASCII)\">U+E0041</span>"),
            "{html}"
        );
        let quote = Text::of("\u{E0022}").to_string();
        assert!(
            quote.contains("TAG &#39;&quot;&#39; (hidden ASCII)"),
            "{quote}"
        );
        assert!(html.contains(">U+001B</span>[2Jb\nc\td"), "{html}");
        assert!(!Text::of("plain\ntext").has_hidden());
    }

    #[test]
    fn a_text_of_hidden_characters_cannot_grow_a_page_without_bound() {
        let html = Text("\u{200B}".repeat(100_000)).to_string();
        assert_eq!(html.matches("class=\"hidden-char\"").count(), MAX_MARKS + 1);
        assert!(
            html.ends_with(">+99744 hidden</span>"),
            "{}",
            &html[html.len() - 120..]
        );
        assert!(html.len() < 40_000, "{} bytes", html.len());
    }

    #[test]
    fn names_are_one_path_segment() {
        assert_eq!(
            server_href("io.github.acme/weather"),
            "/servers/io.github.acme%2Fweather"
        );
        assert_eq!(
            version_href("a/b", "1.0.0+build?x=#y"),
            "/servers/a%2Fb/1.0.0%2Bbuild%3Fx%3D%23y"
        );
        assert_eq!(encode("\"><script>"), "%22%3E%3Cscript%3E");
    }
}
