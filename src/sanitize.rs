//! Sanitizing of untrusted strings, done once, where the model is built.
//!
//! - C0 controls and DEL become their visible Control Pictures (`\x1b` → `␛`, `\n` → `␊`, DEL → `␡`);
//!   C1 controls (U+0080–U+009F) become the text `\u{9b}`: visible, and never an escape sequence.
//! - Bidi overrides/isolates and zero-width characters (which can spoof numbers on screen) are removed:
//!   U+061C, U+180E, U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF.
//! - Values longer than the cap are cut, ending in `…`.

/// Default cap, in characters, for values shown in the UI.
pub const MAX_CHARS: usize = 256;

/// Sanitizes `s` with the default cap.
pub fn sanitize(s: &str) -> Box<str> {
    sanitize_max(s, MAX_CHARS)
}

/// Sanitizes `s`, keeping at most `max` characters (the last of them `…` when cut).
pub fn sanitize_max(s: &str, max: usize) -> Box<str> {
    // Fast path: printable ASCII that fits, the shape of almost every value a switch sends.
    if s.len() <= max && s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len().min(max.saturating_mul(4)));
    let mut count = 0usize;
    for c in s.chars() {
        if is_invisible(c) {
            continue;
        }
        match c {
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\u{7f}' => out.push('␡'),
            '\u{80}'..='\u{9f}' => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
                count += 5; // `\u{9b}` is 6 characters; one more is counted below
            }
            _ => out.push(c),
        }
        count += 1;
        if count > max {
            break;
        }
    }
    if count > max {
        let keep = max.saturating_sub(1);
        if let Some((at, _)) = out.char_indices().nth(keep) {
            out.truncate(at);
        }
        out.push('…');
    }
    out.into_boxed_str()
}

/// Characters removed outright: bidi controls and zero-width characters.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// True when `s` holds nothing [`sanitize`] would change (used by tests and debug assertions).
pub fn is_clean(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || is_invisible(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_passes_through() {
        assert_eq!(&*sanitize("380441492550"), "380441492550");
        assert_eq!(&*sanitize("Kyivstar Ltd."), "Kyivstar Ltd.");
    }

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(&*sanitize("A\x1b]0;pwned\x07B"), "A␛]0;pwned␇B");
        assert_eq!(&*sanitize("A\x1b[2JB"), "A␛[2JB");
        assert_eq!(&*sanitize("a\tb\r\nc\x7f"), "a␉b␍␊c␡");
        assert_eq!(&*sanitize("A\u{9b}2JB"), "A\\u{9b}2JB");
        assert!(is_clean(&sanitize("x\u{85}\u{9f}\u{0}")));
    }

    #[test]
    fn bidi_and_zero_width_are_removed() {
        assert_eq!(&*sanitize("A\u{202e}cba"), "Acba");
        assert_eq!(&*sanitize("38\u{200b}044\u{2066}1\u{feff}"), "380441");
        assert_eq!(&*sanitize("\u{200f}\u{2069}"), "");
    }

    #[test]
    fn unicode_is_kept() {
        assert_eq!(
            &*sanitize("Київстар 日本語 e\u{301}"),
            "Київстар 日本語 e\u{301}"
        );
    }

    #[test]
    fn long_values_are_cut_with_an_ellipsis() {
        let long = "x".repeat(1000);
        let s = sanitize_max(&long, 10);
        assert_eq!(s.chars().count(), 10);
        assert!(s.ends_with('…'));
        assert_eq!(&*sanitize_max("0123456789", 10), "0123456789");
        let cyr = "ж".repeat(11);
        let s = sanitize_max(&cyr, 10);
        assert_eq!(s.chars().count(), 10);
        assert!(s.ends_with('…'));
        let ctl = "\x1b".repeat(20);
        let s = sanitize_max(&ctl, 5);
        assert!(s.chars().count() <= 5);
        assert!(s.ends_with('…'));
    }
}
