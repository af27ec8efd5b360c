//! The picture on HR's start page: how many obligations end in each month ahead, as an SVG
//! bar chart drawn here (no script, no outside resource, no inline style — the classes are in
//! static/style.css: `svg.chart`, `.bar`, `.axis`).

use std::fmt::Write as _;

use crate::domain::noncompete::YearMonth;
use crate::domain::users::Language;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 46.0;

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_EN_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A month under its bar: "Mar" / "3月".
fn short_month(m: YearMonth, lang: Language) -> String {
    match lang {
        Language::En => MONTHS_EN[(m.month.clamp(1, 12) - 1) as usize].to_string(),
        Language::ZhCn => format!("{}月", m.month),
    }
}

/// A month written out: "March 2028" / "2028年3月".
pub fn month_label(m: YearMonth, lang: Language) -> String {
    match lang {
        Language::En => format!(
            "{} {}",
            MONTHS_EN_LONG[(m.month.clamp(1, 12) - 1) as usize],
            m.year
        ),
        Language::ZhCn => format!("{}年{}月", m.year, m.month),
    }
}

fn year_label(m: YearMonth, lang: Language) -> String {
    match lang {
        Language::En => m.year.to_string(),
        Language::ZhCn => format!("{}年", m.year),
    }
}

/// What the picture shows, in words (its title and its label for screen readers).
fn description(months: &[(YearMonth, i64)], lang: Language) -> String {
    let total: i64 = months.iter().map(|(_, n)| n).sum();
    let (Some((first, _)), Some((last, _))) = (months.first(), months.last()) else {
        return match lang {
            Language::En => "Obligations ending each month".into(),
            Language::ZhCn => "每月到期的义务".into(),
        };
    };
    match lang {
        Language::En => format!(
            "Obligations ending each month, {} to {}: {total} in all",
            month_label(*first, lang),
            month_label(*last, lang)
        ),
        Language::ZhCn => format!(
            "每月到期的义务，{}至{}：共{total}项",
            month_label(*first, lang),
            month_label(*last, lang)
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The bar chart of (month, obligations ending in it), one bar a month, labelled in `lang`.
pub fn svg(months: &[(YearMonth, i64)], lang: Language) -> String {
    let described = escape(&description(months, lang));
    let plot_height = HEIGHT - TOP - BOTTOM;
    let base = HEIGHT - BOTTOM;
    let slot = (WIDTH - LEFT - RIGHT) / months.len().max(1) as f64;
    let bar_width = (slot * 0.7).max(1.0);
    let max = months.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         role=\"img\" aria-label=\"{described}\"><title>{described}</title>"
    );
    // The axes, and the scale: 0 and the largest count.
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{base}\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>",
        WIDTH - RIGHT,
        LEFT - 6.0,
        TOP + 4.0,
        LEFT - 6.0,
    );
    for (i, (month, n)) in months.iter().enumerate() {
        let n = (*n).max(0);
        let height = plot_height * n as f64 / max as f64;
        let center = LEFT + slot * (i as f64 + 0.5);
        let x = center - bar_width / 2.0;
        let y = base - height;
        let label = escape(&format!("{}: {n}", month_label(*month, lang)));
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_width:.1}\" \
             height=\"{height:.1}\"><title>{label}</title></rect>"
        );
        if n > 0 {
            let _ = write!(
                out,
                "<text x=\"{center:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>",
                y - 4.0
            );
        }
        let _ = write!(
            out,
            "<text x=\"{center:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            base + 16.0,
            escape(&short_month(*month, lang))
        );
        if i == 0 || month.month == 1 {
            let _ = write!(
                out,
                "<text x=\"{center:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                base + 34.0,
                escape(&year_label(*month, lang))
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_years() -> Vec<(YearMonth, i64)> {
        let mut out = Vec::new();
        let (mut year, mut month) = (2028, 2);
        for i in 0..24 {
            out.push((YearMonth { year, month }, [0, 2, 0, 1][i % 4]));
            month += 1;
            if month == 13 {
                month = 1;
                year += 1;
            }
        }
        out
    }

    #[test]
    fn one_bar_for_each_of_the_24_months() {
        let svg = svg(&two_years(), Language::En);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 24);
        assert!(svg.starts_with("<svg class=\"chart\""));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn it_says_what_it_shows_for_screen_readers() {
        let svg = svg(&two_years(), Language::En);
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains(
            "aria-label=\"Obligations ending each month, February 2028 to January 2030: 18 in all\""
        ));
        assert!(svg.contains("<title>Obligations ending each month"));
        assert!(svg.contains("<title>March 2028: 2</title>"));
    }

    #[test]
    fn months_are_labelled_in_the_readers_language() {
        let en = svg(&two_years(), Language::En);
        assert!(en.contains(">Feb</text>") && en.contains(">Dec</text>"));
        assert!(en.contains(">2029</text>"), "the year under each January");
        let zh = svg(&two_years(), Language::ZhCn);
        assert!(zh.contains(">2月</text>") && zh.contains(">12月</text>"));
        assert!(zh.contains(">2029年</text>"));
        assert!(zh.contains("aria-label=\"每月到期的义务，2028年2月至2030年1月：共18项\""));
        assert!(zh.contains("<title>2028年3月: 2</title>"));
    }

    #[test]
    fn no_inline_style_the_policy_would_block() {
        let svg = svg(&two_years(), Language::ZhCn);
        assert!(!svg.contains("style"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn the_tallest_bar_fills_the_plot_and_an_empty_month_has_none() {
        let svg = svg(&two_years(), Language::En);
        let plot = HEIGHT - TOP - BOTTOM;
        assert!(svg.contains(&format!("height=\"{plot:.1}\"><title>March 2028: 2")));
        assert!(svg.contains("height=\"0.0\"><title>February 2028: 0"));
        assert!(svg.contains(&format!("height=\"{:.1}\"><title>May 2028: 1", plot / 2.0)));
    }

    #[test]
    fn nothing_ending_still_draws_the_axes() {
        let empty: Vec<(YearMonth, i64)> = two_years().into_iter().map(|(m, _)| (m, 0)).collect();
        let svg = svg(&empty, Language::En);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 24);
        assert!(svg.contains("class=\"axis\""));
        assert!(svg.contains(": 0 in all"));
    }
}
