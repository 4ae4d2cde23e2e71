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

/// Characters that render as nothing (or as blank space a reader takes for nothing):
/// the Default_Ignorable code points, assigned or not (browsers and font
/// shapers draw every one of them as nothing), and the object replacement
/// character, which browsers draw as nothing too.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFC}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{2028}' | '\u{2029}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{E0080}'..='\u{E00FF}' | '\u{E01F0}'..='\u{E0FFF}')
}

/// Any character one of the hidden-text rules is about.
pub fn is_hidden(c: char) -> bool {
    is_invisible(c) || is_bidi(c) || is_tag(c) || is_variation_selector(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unassigned_default_ignorables_and_the_object_replacement_character_are_invisible() {
        for u in [
            0x2065, 0xFFF0, 0xFFF8, 0xFFFC, 0xE0080, 0xE00FF, 0xE01F0, 0xE0FFF,
        ] {
            let c = char::from_u32(u).unwrap_or_default();
            assert!(is_invisible(c) && is_hidden(c), "U+{u:04X}");
        }
        for visible in ['a', '\u{FFFD}', '\u{2070}', '\u{E1000}'] {
            assert!(!is_hidden(visible), "{visible:?}");
        }
    }

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
