//! A staff user's calendar feed (iCalendar, RFC 5545): each date that concerns them is an
//! all-day event, from a month back to a year ahead, with a link to the page it is about.
//! A calendar program asks again every few hours, so the feed is always drawn afresh.

use chrono::{DateTime, Days, NaiveDate, Utc};
use icalendar::{Calendar, Component, EventLike};

/// Days before today the feed still shows (what was just missed).
pub const DAYS_BACK: u64 = 31;
/// Days after today the feed shows.
pub const DAYS_AHEAD: u64 = 366;
/// Events a feed holds at most, the soonest first: a calendar program is no list.
pub const MOST_EVENTS: usize = 2000;

/// The days a feed covers, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    pub fn holds(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// The feed covers a month back and a year ahead of today.
pub fn window(today: NaiveDate) -> Window {
    Window {
        from: today - Days::new(DAYS_BACK),
        to: today + Days::new(DAYS_AHEAD),
    }
}

/// One date in the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Stable across requests, so a calendar program updates the event rather than adding one.
    pub uid: String,
    pub on: NaiveDate,
    pub summary: String,
    pub description: String,
    /// The page the date is about (absolute).
    pub url: String,
}

/// The entries of the window, the soonest first, at most [`MOST_EVENTS`].
pub fn in_window(mut entries: Vec<Entry>, window: Window) -> Vec<Entry> {
    entries.retain(|e| window.holds(e.on));
    entries.sort_by(|a, b| a.on.cmp(&b.on).then_with(|| a.uid.cmp(&b.uid)));
    entries.truncate(MOST_EVENTS);
    entries
}

/// The feed as iCalendar text. An all-day event ends the next day: its end is exclusive.
pub fn calendar(name: &str, entries: &[Entry], stamp: DateTime<Utc>) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//tuomi//calendar feed//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .name(name);
    for e in entries {
        let mut event = icalendar::Event::new();
        event
            .uid(&e.uid)
            .timestamp(stamp)
            .starts(e.on)
            .ends(e.on + Days::new(1))
            .summary(&e.summary)
            .url(&e.url);
        if !e.description.is_empty() {
            event.description(&e.description);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn entry(uid: &str, on: NaiveDate, summary: &str) -> Entry {
        Entry {
            uid: uid.into(),
            on,
            summary: summary.into(),
            description: String::new(),
            url: "https://tuomi.example/obligations/1".into(),
        }
    }

    #[test]
    fn the_feed_covers_a_month_back_and_a_year_ahead() {
        let w = window(day(2028, 2, 29));
        assert_eq!(w.from, day(2028, 1, 29));
        assert_eq!(w.to, day(2029, 3, 1), "366 days after a leap day");
        let w = window(day(2026, 12, 31));
        assert_eq!((w.from, w.to), (day(2026, 11, 30), day(2028, 1, 1)));
        let kept = in_window(
            vec![
                entry("late", day(2028, 1, 2), "after"),
                entry("before", day(2026, 11, 29), "gone"),
                entry("first", day(2026, 11, 30), "first"),
                entry("last", day(2028, 1, 1), "last"),
            ],
            w,
        );
        let uids: Vec<&str> = kept.iter().map(|e| e.uid.as_str()).collect();
        assert_eq!(uids, ["first", "last"], "both ends held, the soonest first");
    }

    #[test]
    fn an_all_day_event_ends_the_next_day() {
        let stamp = Utc.with_ymd_and_hms(2028, 2, 28, 16, 0, 0).unwrap();
        let text = calendar(
            "tuomi",
            &[
                entry("leap", day(2028, 2, 29), "期满"),
                entry("eve", day(2026, 12, 31), "year end"),
            ],
            stamp,
        );
        let event = |uid: &str| {
            text.split("BEGIN:VEVENT")
                .find(|e| e.contains(&format!("UID:{uid}\r\n")))
                .unwrap()
                .to_string()
        };
        let leap = event("leap");
        assert!(leap.contains("DTSTART;VALUE=DATE:20280229\r\n"), "{text}");
        assert!(leap.contains("DTEND;VALUE=DATE:20280301\r\n"), "{text}");
        assert!(leap.contains("DTSTAMP:20280228T160000Z\r\n"), "{text}");
        let eve = event("eve");
        assert!(eve.contains("DTSTART;VALUE=DATE:20261231\r\n"), "{text}");
        assert!(eve.contains("DTEND;VALUE=DATE:20270101\r\n"), "{text}");
        assert!(
            text.contains("PRODID:-//tuomi//calendar feed//EN\r\n"),
            "{text}"
        );
        assert!(
            text.starts_with("BEGIN:VCALENDAR\r\n") && text.trim_end().ends_with("END:VCALENDAR")
        );
    }

    #[test]
    fn texts_are_escaped_and_long_lines_folded() {
        let long = "王伟的脱密期期满，竞业限制补偿；请于到期前完成核对。".repeat(4);
        let text = calendar(
            "tuomi",
            &[entry("x", day(2027, 1, 1), &format!("a, b; c\n{long}"))],
            Utc::now(),
        );
        assert!(text.contains("SUMMARY:a\\, b\\; c\\n"), "{text}");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "a line of {} octets: {line}", line.len());
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&long), "folding keeps the text whole");
    }
}
