//! Where a page may send the browser next: the guard of every `next` and `back` parameter.

/// A path on this site (never another host), or None: the one guard of every `next` and
/// `back` the pages follow (the sign-in's `next`, the forms' `_back` and `_next`). A browser
/// drops tabs and line breaks from a URL and reads `\\` as `/`, so `/%09/evil.example` would
/// leave the site: the text is checked as written and at each round of percent-decoding until
/// it no longer changes, and refused with any control character or backslash, whitespace in
/// its path, or a start other than a single `/`.
pub fn local_path(text: &str) -> Option<String> {
    let safe = |s: &str| {
        let path = s.split(['?', '#']).next().unwrap_or("");
        s.starts_with('/')
            && !s.starts_with("//")
            && !s.contains('\\')
            && !s.chars().any(char::is_control)
            && !path.chars().any(char::is_whitespace)
    };
    let mut current = std::borrow::Cow::Borrowed(text);
    // Each round must stay safe; a text still changing after a few rounds is no link of ours.
    for _ in 0..4 {
        if !safe(&current) {
            return None;
        }
        let decoded = percent_encoding::percent_decode_str(&current)
            .decode_utf8()
            .ok()?
            .into_owned();
        if decoded == current {
            return Some(text.to_string());
        }
        current = std::borrow::Cow::Owned(decoded);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn a_next_or_back_page_is_a_path_on_this_site_whatever_its_encoding() {
        for ok in [
            "/",
            "/people?q=%E7%8E%8B&page=2",
            "/departures/0190a/register#lines",
            "/people?q=%E7%8E%8B+%E8%8A%B3",
        ] {
            assert_eq!(local_path(ok).as_deref(), Some(ok), "{ok}");
        }
        for bypass in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "/%0a/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "%2F%2Fevil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/%ff%fe",
            "/%2509/evil.example",
            "/%252F%252Fevil.example",
            "/%25255cevil.example",
            "\\/evil.example",
            "/%5cevil",
            "/ /evil.example",
            "/%20/evil.example",
            "/%E3%80%80/evil.example",
            " /evil.example",
            "/%00/evil.example",
            "/\u{85}/evil.example",
            "/%2525252F%2525252Fevil.example",
        ] {
            assert_eq!(local_path(bypass), None, "{bypass:?}");
        }
    }
}
