//! The classes of characters the hidden-text rules are about, below both
//! the text a rule reads ([`super::text`]) and the rules themselves
//! ([`super::unicode`]).

/// Bidirectional formatting characters.
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The Unicode tag block.
pub fn is_tag(c: char) -> bool {
    ('\u{E0000}'..='\u{E007F}').contains(&c)
}

/// Variation selectors (standard, ideographic and Mongolian free variation selectors).
pub fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{180B}'..='\u{180D}' | '\u{180F}')
}

/// Characters that render as nothing (or as blank space a reader takes for nothing).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{206A}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{2028}' | '\u{2029}' | '\u{1BCA0}'..='\u{1BCA3}')
}

/// Any character one of the hidden-text rules is about.
pub fn is_hidden(c: char) -> bool {
    is_invisible(c) || is_bidi(c) || is_tag(c) || is_variation_selector(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthand_format_controls_are_invisible() {
        // U+1BCA0..U+1BCA3 (shorthand format letter overlap, continuing
        // overlap, step down, step up) are format characters that render as
        // nothing.
        for c in ['\u{1BCA0}', '\u{1BCA1}', '\u{1BCA2}', '\u{1BCA3}'] {
            assert!(is_hidden(c), "U+{:04X}", u32::from(c));
        }
        assert!(!is_hidden('\u{1BC9F}'));
        assert!(!is_hidden('a'));
    }
}
