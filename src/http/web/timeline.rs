//! The timeline picture of a person's obligations, drawn on the server as inline SVG (no
//! script, no style attributes: the classes are in static/style.css). One bar per obligation
//! from its first to its last day; an open end ("until public") runs to the right edge with
//! an arrow; the part an extension added is drawn apart; today is a vertical line.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use crate::db::obligations::Obligation;
use crate::domain::obligations::ObligationStatus;
use crate::domain::reminders::written_date;
use crate::domain::users::Language;

const WIDTH: f64 = 800.0;
/// Where the bars start (the labels are to their left) and end.
const X0: f64 = 190.0;
const X1: f64 = 775.0;
const TOP: f64 = 30.0;
const ROW: f64 = 30.0;
const BAR: f64 = 14.0;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// About how wide a text is in the picture's 12px font: a CJK character a full em, others
/// a little over half.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if u32::from(c) >= 0x2E80 { 12.0 } else { 7.0 })
        .sum()
}

/// The class of a bar by the obligation's status.
fn bar_class(status: ObligationStatus) -> &'static str {
    match status {
        ObligationStatus::Active => "bar",
        ObligationStatus::Breached => "bar breached",
        _ => "bar ended",
    }
}

/// The dates the picture spans: every start and end and today, with a margin each side.
fn span(
    obligations: &[Obligation],
    ends_before: &HashMap<String, NaiveDate>,
    today: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let mut lo = today;
    let mut hi = today;
    for o in obligations {
        lo = lo.min(o.starts_on);
        hi = hi.max(o.starts_on);
        if let Some(end) = o.ends_on {
            hi = hi.max(end);
        }
        if let Some(end) = ends_before.get(&o.id) {
            hi = hi.max(*end);
        }
    }
    // An open end needs room to point right; a short span a readable width.
    if obligations.iter().any(|o| o.ends_on.is_none()) {
        hi = hi.max(lo + chrono::Days::new(365));
    }
    let days = (hi - lo).num_days().max(60);
    let margin = chrono::Days::new((days / 25).max(10) as u64);
    (lo - margin, hi + margin)
}

/// The picture, or None when the person has no obligations. `text` gives the catalog's
/// message for a key in the page's language.
pub fn draw(
    obligations: &[Obligation],
    ends_before: &HashMap<String, NaiveDate>,
    today: NaiveDate,
    lang: Language,
    text: impl Fn(&str) -> String,
) -> Option<String> {
    if obligations.is_empty() {
        return None;
    }
    let (lo, hi) = span(obligations, ends_before, today);
    let scale = (X1 - X0) / (hi - lo).num_days() as f64;
    let x = |d: NaiveDate| X0 + (d - lo).num_days() as f64 * scale;
    let axis_y = TOP + ROW * obligations.len() as f64 + 4.0;
    // What the colours mean, in words too: as many on a line as fit.
    let legend = [
        ("bar", "people.timeline.legend_active"),
        ("extension", "people.timeline.legend_extension"),
        ("bar ended", "people.timeline.legend_ended"),
        ("bar breached", "people.timeline.legend_breached"),
    ];
    let mut placed = Vec::new();
    let (mut lx, mut ly) = (4.0, axis_y + 40.0);
    for (class, key) in legend {
        let label = text(key);
        let width = 17.0 + text_width(&label) + 24.0;
        if lx > 4.0 && lx + width > WIDTH {
            (lx, ly) = (4.0, ly + 20.0);
        }
        placed.push((class, label, lx, ly));
        lx += width;
    }
    let height = ly + 16.0;
    let title = text("people.timeline.title");
    let date = |d: NaiveDate| written_date(d, lang);

    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(&title)
    );
    let mut described = Vec::new();

    for (i, o) in obligations.iter().enumerate() {
        let label = text(&format!("obligation.{}", o.kind));
        let top = TOP + ROW * i as f64;
        let y = top + (ROW - BAR) / 2.0;
        let class = bar_class(o.status);
        let status = text(&format!("people.obligation_status.{}", o.status));
        let start = x(o.starts_on);
        let until = match o.ends_on {
            Some(end) => date(end),
            None => text("people.timeline.until_public"),
        };
        let mut about = format!("{label}: {} – {until} ({status})", date(o.starts_on));
        let extended_from = ends_before
            .get(&o.id)
            .copied()
            .filter(|before| o.ends_on.is_some_and(|end| end > *before));
        if let Some(before) = extended_from {
            about.push_str(&format!(
                "; {} {}",
                text("people.timeline.extended_from"),
                date(before)
            ));
        }
        let _ = write!(
            out,
            "<g class=\"obligation\"><title>{about}</title>\
             <text x=\"4\" y=\"{ty:.1}\">{label}</text>",
            about = escape(&about),
            ty = y + BAR - 3.0,
            label = escape(&label),
        );
        // A day is drawn as its full width: the bar ends at the end of its last day.
        let day = scale.max(0.5);
        match (o.ends_on, extended_from) {
            (Some(end), Some(before)) => {
                let _ = write!(
                    out,
                    "<rect class=\"{class}\" x=\"{start:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR}\"/>\
                     <rect class=\"extension\" x=\"{ex:.1}\" y=\"{y:.1}\" width=\"{ew:.1}\" height=\"{BAR}\"/>",
                    w = (x(before) + day - start).max(1.0),
                    ex = x(before) + day,
                    ew = (x(end) - x(before)).max(1.0),
                );
            }
            (Some(end), None) => {
                let _ = write!(
                    out,
                    "<rect class=\"{class}\" x=\"{start:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR}\"/>",
                    w = (x(end) + day - start).max(1.0),
                );
            }
            (None, _) => {
                // Until public: to the right edge, and an arrow past it.
                let _ = write!(
                    out,
                    "<rect class=\"{class}\" x=\"{start:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR}\"/>\
                     <polygon class=\"{class} open\" points=\"{X1:.1},{a:.1} {tip:.1},{m:.1} {X1:.1},{b:.1}\"/>",
                    w = (X1 - start).max(1.0),
                    a = y - 3.0,
                    b = y + BAR + 3.0,
                    m = y + BAR / 2.0,
                    tip = X1 + 12.0,
                );
            }
        }
        out.push_str("</g>");
        described.push(about);
    }

    // The axis, with the first day of each year.
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{X0}\" y1=\"{axis_y:.1}\" x2=\"{X1}\" y2=\"{axis_y:.1}\"/>"
    );
    let mut year = lo.year() + 1;
    while let Some(jan1) = NaiveDate::from_ymd_opt(year, 1, 1) {
        if jan1 > hi {
            break;
        }
        let label = match lang {
            Language::ZhCn => format!("{year}年"),
            Language::En => year.to_string(),
        };
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{p:.1}\" y1=\"{axis_y:.1}\" x2=\"{p:.1}\" y2=\"{t:.1}\"/>\
             <text x=\"{p:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\">{label}</text>",
            p = x(jan1),
            t = axis_y + 5.0,
            ly = axis_y + 18.0,
        );
        year += 1;
    }

    // Today.
    let now = x(today);
    let _ = write!(
        out,
        "<line class=\"today\" x1=\"{now:.1}\" y1=\"{a:.1}\" x2=\"{now:.1}\" y2=\"{axis_y:.1}\"><title>{t}</title></line>\
         <text x=\"{now:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\">{label}</text>",
        a = TOP - 6.0,
        ty = TOP - 12.0,
        t = escape(&format!(
            "{} {}",
            text("people.timeline.today"),
            date(today)
        )),
        label = escape(&text("people.timeline.today")),
    );

    for (class, label, lx, ly) in placed {
        let _ = write!(
            out,
            "<rect class=\"{class}\" x=\"{lx:.1}\" y=\"{ry:.1}\" width=\"12\" height=\"12\"/>\
             <text x=\"{tx:.1}\" y=\"{ly:.1}\">{label}</text>",
            ry = ly - 10.0,
            tx = lx + 17.0,
            label = escape(&label),
        );
    }
    let _ = write!(out, "<desc>{}</desc></svg>", escape(&described.join("; ")));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn obligation(
        id: &str,
        kind: &str,
        start: NaiveDate,
        end: Option<NaiveDate>,
        status: &str,
    ) -> Obligation {
        let at = day(2028, 1, 1).and_hms_opt(0, 0, 0).unwrap();
        Obligation {
            id: id.into(),
            employee_id: "e".into(),
            kind: kind.parse().unwrap(),
            starts_on: start,
            ends_on: end,
            status: status.parse().unwrap(),
            tier: None,
            departure_id: None,
            post_exit_id: None,
            created_at: at,
            updated_at: at,
        }
    }

    fn words(key: &str) -> String {
        format!("[{key}]")
    }

    /// The x position and width of each `<rect class="…">` with exactly this class.
    fn rects(svg: &str, class: &str) -> Vec<(f64, f64)> {
        let marker = format!("<rect class=\"{class}\" x=\"");
        svg.match_indices(&marker)
            .map(|(i, _)| {
                let rest = &svg[i + marker.len()..];
                let x: f64 = rest.split('"').next().unwrap().parse().unwrap();
                let w = rest.split("width=\"").nth(1).unwrap();
                let w: f64 = w.split('"').next().unwrap().parse().unwrap();
                (x, w)
            })
            .collect()
    }

    fn sample() -> Vec<Obligation> {
        vec![
            obligation(
                "a",
                "declassification",
                day(2028, 2, 1),
                Some(day(2031, 1, 31)),
                "active",
            ),
            obligation(
                "b",
                "confidentiality",
                day(2028, 2, 1),
                Some(day(2030, 1, 31)),
                "breached",
            ),
            obligation(
                "c",
                "non_compete",
                day(2028, 2, 1),
                Some(day(2028, 7, 31)),
                "waived",
            ),
            obligation("d", "trade_secret", day(2028, 2, 1), None, "active"),
        ]
    }

    #[test]
    fn one_bar_per_obligation_coloured_by_status_with_labels_from_the_catalog() {
        let svg = draw(
            &sample(),
            &HashMap::new(),
            day(2028, 6, 1),
            Language::En,
            words,
        )
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\" aria-label=\"[people.timeline.title]\""));
        assert!(svg.contains("<title>[people.timeline.title]</title>"));
        assert_eq!(svg.matches("<g class=\"obligation\">").count(), 4);
        assert_eq!(
            rects(&svg, "bar").len(),
            3,
            "two active bars and the legend's"
        );
        assert_eq!(
            rects(&svg, "bar breached").len(),
            2,
            "the bar and the legend's"
        );
        assert_eq!(rects(&svg, "bar ended").len(), 2);
        for kind in [
            "declassification",
            "confidentiality",
            "non_compete",
            "trade_secret",
        ] {
            assert!(
                svg.contains(&format!(">[obligation.{kind}]</text>")),
                "{kind}"
            );
        }
        assert!(!svg.contains("style="), "the CSP forbids style attributes");
    }

    #[test]
    fn an_open_end_runs_to_the_right_edge_with_a_marker() {
        let svg = draw(
            &sample(),
            &HashMap::new(),
            day(2028, 6, 1),
            Language::En,
            words,
        )
        .unwrap();
        let open = rects(&svg, "bar")[1];
        assert!((open.0 + open.1 - X1).abs() < 0.2, "{open:?}");
        assert!(svg.contains("<polygon class=\"bar open\""));
        assert!(svg.contains("[people.timeline.until_public]"));
    }

    #[test]
    fn today_is_a_vertical_line_between_the_start_and_the_end() {
        let svg = draw(
            &sample(),
            &HashMap::new(),
            day(2029, 6, 1),
            Language::En,
            words,
        )
        .unwrap();
        let line = svg.split("<line class=\"today\" x1=\"").nth(1).unwrap();
        let x1: f64 = line.split('"').next().unwrap().parse().unwrap();
        let x2: f64 = line
            .split("x2=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(x1, x2, "vertical");
        let bar = rects(&svg, "bar")[0];
        assert!(x1 > bar.0 && x1 < bar.0 + bar.1);
        assert!(svg.contains("[people.timeline.today] 1 June 2029"));
    }

    #[test]
    fn an_extension_is_drawn_after_the_original_end_in_its_own_colour() {
        let o = vec![obligation(
            "a",
            "declassification",
            day(2028, 2, 1),
            Some(day(2032, 1, 31)),
            "active",
        )];
        let before = HashMap::from([("a".to_string(), day(2031, 1, 31))]);
        let svg = draw(&o, &before, day(2028, 6, 1), Language::ZhCn, words).unwrap();
        let base = rects(&svg, "bar")[0];
        let added = rects(&svg, "extension")[0];
        assert!(
            (base.0 + base.1 - added.0).abs() < 0.2,
            "{base:?} then {added:?}"
        );
        assert!(added.1 > 0.0 && added.1 < base.1, "one year added to three");
        assert!(
            svg.contains("[people.timeline.extended_from] 2031年1月31日"),
            "{svg}"
        );
        assert!(svg.contains(">2030年</text>"), "years on the axis");
        // Without an extension, the same obligation has no extension part.
        let svg = draw(&o, &HashMap::new(), day(2028, 6, 1), Language::En, words).unwrap();
        assert_eq!(rects(&svg, "extension").len(), 1, "only the legend's");
    }

    #[test]
    fn a_long_legend_wraps_instead_of_overlapping() {
        let long = |key: &str| {
            if key.contains("legend") {
                "a rather long explanation of a colour".to_string()
            } else {
                key.to_string()
            }
        };
        let svg = draw(
            &sample(),
            &HashMap::new(),
            day(2028, 6, 1),
            Language::En,
            long,
        )
        .unwrap();
        let mut xs: Vec<(f64, f64)> = Vec::new();
        for part in svg.split("<rect class=\"").skip(1) {
            if part.contains("width=\"12\" height=\"12\"") {
                let x: f64 = part
                    .split("x=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                let y: f64 = part
                    .split("y=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                xs.push((x, y));
            }
        }
        assert_eq!(xs.len(), 4);
        for pair in xs.windows(2) {
            let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
            assert!(y2 > y1 || x2 - x1 >= 17.0 + 7.0 * 37.0, "{xs:?}");
        }
        let height: f64 = svg
            .split("viewBox=\"0 0 800 ")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            height > xs.last().unwrap().1 + 12.0,
            "the picture holds its legend"
        );
    }

    #[test]
    fn text_is_escaped_and_no_obligations_draw_nothing() {
        let o = vec![obligation(
            "a",
            "confidentiality",
            day(2028, 2, 1),
            Some(day(2030, 1, 31)),
            "active",
        )];
        let svg = draw(&o, &HashMap::new(), day(2028, 6, 1), Language::En, |_| {
            "<b>&".into()
        })
        .unwrap();
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("&lt;b&gt;&amp;"));
        assert!(draw(&[], &HashMap::new(), day(2028, 6, 1), Language::En, words).is_none());
    }
}
