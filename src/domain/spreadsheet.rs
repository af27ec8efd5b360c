//! What a CSV cell becomes so a spreadsheet opening the file reads it as text, never as a
//! formula: a cell a spreadsheet would evaluate (starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) gets a leading `'`. A plain number we wrote (`-300.00`, `+5`) stays as it
//! is, so balances and amounts remain numbers; anything else starting that way (a name
//! `+1+1`, a report `=cmd|' /C calc'!A0`, a phone number `+86 …`) is neutralised.

use std::borrow::Cow;

/// The cell as written to a CSV file.
pub fn inert_cell(cell: &str) -> Cow<'_, str> {
    let triggers = |c: char| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r');
    if !cell.starts_with(triggers) || is_plain_number(cell) {
        Cow::Borrowed(cell)
    } else {
        Cow::Owned(format!("'{cell}"))
    }
}

/// A sign, digits, at most one decimal point with digits after it: nothing a spreadsheet
/// could evaluate beyond the number itself.
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

#[cfg(test)]
mod tests {
    use super::inert_cell;

    #[test]
    fn a_cell_a_spreadsheet_would_read_as_a_formula_is_neutralised() {
        for (cell, written) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("+86 138 0000 0000", "'+86 138 0000 0000"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("-1e5", "'-1e5"),
            // Numbers we write stay numbers.
            ("-300.00", "-300.00"),
            ("+5", "+5"),
            ("-7", "-7"),
            ("1200.50", "1200.50"),
            // Text that a spreadsheet reads as text is left alone.
            ("王芳", "王芳"),
            ("a=b", "a=b"),
            ("2026-12-03", "2026-12-03"),
            ("", ""),
        ] {
            assert_eq!(inert_cell(cell), written, "{cell:?}");
        }
    }
}
