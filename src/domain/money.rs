//! Amounts as people read them, in every page and email: one format.

/// An amount in minor units (分) with thousands grouped and two decimals: 21,000.00.
pub fn money(minor: i64) -> String {
    let units = minor.unsigned_abs() / 100;
    let cents = minor.unsigned_abs() % 100;
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{grouped}.{cents:02}")
}
