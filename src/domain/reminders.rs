//! Reminders (DOMAIN "Reminders", 000 篇6): the occasions, the schedules as cron expressions
//! in the company's time zone, retry timing, and dates written the way each language writes them.

use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::obligations::ObligationKind;
use super::problem::Problem;
use super::users::Language;
use crate::problem;

crate::string_enum! {
    /// Why a message is sent.
    #[derive(PartialOrd, Ord)]
    pub enum ReminderKind ("a reminder kind") {
        /// On the cadence of an obligation kind, listing every active obligation.
        Periodic = "periodic",
        /// Some days before an obligation ends.
        Ending = "ending",
        /// On the first day after an obligation's last day.
        Released = "released",
        /// A fresh link the former employee asked for.
        OnRequest = "on_request",
        /// To a manager: checklist lines still open.
        Nudge = "nudge",
        /// To HR: what needs attention this week.
        Digest = "digest",
        /// To HR and security: a carrier reported missing at a departure.
        Loss = "loss",
        /// To a successor: sign for what was handed over to you.
        Handover = "handover",
        /// To HR: a successor said an item handed over is not as described (the period is
        /// the audit event that recorded it, so each report is told once).
        HandoverDisputed = "handover_disputed",
        /// To security: a breach report arrived (and nothing about who sent it).
        BreachReported = "breach_reported",
        /// To a user: a link to set a new password (asked for, or sent by an administrator).
        PasswordReset = "password_reset",
        /// To the former employee, the moment their departure takes effect: the exit notice
        /// (离职保密告知书), once per departure (the period is the departure).
        ExitNotice = "exit_notice",
        /// To the person who asked to travel abroad: the decision on their trip, once (the
        /// period is the trip).
        TripDecided = "trip_decided",
        /// To HR and security: a former employee's new employer is one their running
        /// restrictions forbid, and a breach case was opened (the period is the record).
        ForbiddenEmployer = "forbidden_employer",
    }
}

impl ReminderKind {
    /// Whether it goes to a former employee (and carries an acknowledgement link).
    pub fn to_former_employee(self) -> bool {
        matches!(
            self,
            ReminderKind::Periodic
                | ReminderKind::Ending
                | ReminderKind::Released
                | ReminderKind::OnRequest
                | ReminderKind::ExitNotice
        )
    }
}

crate::string_enum! {
    pub enum ReminderStatus ("a reminder status") {
        Scheduled = "scheduled",
        Sent = "sent",
        Failed = "failed",
        Acknowledged = "acknowledged",
    }
}

/// How often an obligation kind is reminded of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cadence {
    pub kind: ObligationKind,
    /// A cron expression with seconds, in the company's time zone: sec min hour day month
    /// weekday year, e.g. `0 0 9 1 1,4,7,10 * *` (09:00 on the first day of each quarter).
    pub cron: String,
}

/// The reminder settings of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReminderPolicy {
    pub cadence: Vec<Cadence>,
    /// When the daily work runs: notices before an end, release notices, manager nudges.
    pub daily: String,
    /// The notice before an obligation ends, this many days ahead.
    pub notice_days_before_end: u32,
    /// Checklist lines open longer than this are nudged to the manager.
    pub nudge_after_days: u32,
    /// When HR's digest goes out.
    pub digest: String,
    /// Reminders unacknowledged this many days after sending are escalated in the digest.
    pub escalate_unacknowledged_after_days: u32,
    /// How long an acknowledgement link stays valid.
    pub link_valid_days: u32,
}

pub const QUARTERLY: &str = "0 0 9 1 1,4,7,10 * *";

impl Default for ReminderPolicy {
    fn default() -> ReminderPolicy {
        ReminderPolicy {
            cadence: ObligationKind::ALL
                .iter()
                .map(|&kind| Cadence {
                    kind,
                    cron: QUARTERLY.into(),
                })
                .collect(),
            daily: "0 0 9 * * * *".into(),
            notice_days_before_end: 30,
            nudge_after_days: 3,
            digest: "0 0 9 * * Mon *".into(),
            escalate_unacknowledged_after_days: 14,
            link_valid_days: 60,
        }
    }
}

/// A parsed cron expression.
pub type Schedule = cron::Schedule;

pub fn parse_schedule(expr: &str) -> Result<Schedule, Problem> {
    Schedule::from_str(expr).map_err(|e| {
        problem!(
            "not_a_cron_expression",
            value = format!("{expr:?}"),
            detail = e.to_string()
        )
    })
}

impl ReminderPolicy {
    pub fn check(&self, errors: &mut FieldErrors) {
        for c in &self.cadence {
            if let Err(e) = parse_schedule(&c.cron) {
                errors.add("reminders.cadence", e);
            }
        }
        let mut kinds: Vec<_> = self.cadence.iter().map(|c| c.kind).collect();
        kinds.sort_by_key(|k| k.as_str());
        kinds.dedup();
        if kinds.len() != self.cadence.len() {
            errors.add("reminders.cadence", problem!("cadence_kind_once"));
        }
        for (field, expr) in [
            ("reminders.daily", &self.daily),
            ("reminders.digest", &self.digest),
        ] {
            if let Err(e) = parse_schedule(expr) {
                errors.add(field, e);
            }
        }
        for (field, days, max) in [
            (
                "reminders.notice_days_before_end",
                self.notice_days_before_end,
                366,
            ),
            ("reminders.nudge_after_days", self.nudge_after_days, 90),
            (
                "reminders.escalate_unacknowledged_after_days",
                self.escalate_unacknowledged_after_days,
                366,
            ),
            ("reminders.link_valid_days", self.link_valid_days, 366),
        ] {
            if !(1..=max).contains(&days) {
                errors.add(field, problem!("days_out_of_range", min = 1, max = max));
            }
        }
    }

    /// The cadence schedules, kinds sharing one expression together (so a person gets one
    /// email for that slot, whatever mix of obligations they hold).
    pub fn cadence_groups(&self) -> Vec<(String, Vec<ObligationKind>)> {
        let mut groups: Vec<(String, Vec<ObligationKind>)> = Vec::new();
        for c in &self.cadence {
            let expr = c.cron.split_whitespace().collect::<Vec<_>>().join(" ");
            match groups.iter_mut().find(|(e, _)| *e == expr) {
                Some((_, kinds)) => kinds.push(c.kind),
                None => groups.push((expr, vec![c.kind])),
            }
        }
        groups
    }
}

/// The last slot of `schedule` after `after` and at or before `until`, in the company's zone.
/// After downtime this is the one catch-up run: earlier missed slots are not replayed.
pub fn latest_slot(
    schedule: &Schedule,
    tz: Tz,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    slots(schedule, tz, after, until).last()
}

/// The slots of `schedule` after `after` and at or before `until` (for the forecast).
pub fn slots_between(
    schedule: &Schedule,
    tz: Tz,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    slots(schedule, tz, after, until).collect()
}

fn slots(
    schedule: &Schedule,
    tz: Tz,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    schedule
        .after(&after.with_timezone(&tz))
        .map(|slot| slot.with_timezone(&Utc))
        .take_while(move |slot| *slot <= until)
}

/// The day the release notice of a duty whose last day is `last_day` goes out: the first day
/// after it. A day ends at 24:00 (Civil Code art. 203), so on its last day the duty still runs
/// and nobody is told they are released.
pub fn release_day(last_day: NaiveDate) -> NaiveDate {
    last_day.succ_opt().unwrap_or(last_day)
}

/// The last day of the duties whose release notice goes out on `today`.
pub fn released_last_day(today: NaiveDate) -> NaiveDate {
    today.pred_opt().unwrap_or(today)
}

/// A date the way the reader's language writes it.
pub fn written_date(date: NaiveDate, language: Language) -> String {
    match language {
        Language::ZhCn => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Language::En => {
            const MONTHS: [&str; 12] = [
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
            format!(
                "{} {} {}",
                date.day(),
                MONTHS[date.month0() as usize],
                date.year()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn the_default_cadence_is_nine_in_the_morning_company_time_on_each_quarters_first_day() {
        let s = parse_schedule(QUARTERLY).unwrap();
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let slots = slots_between(&s, tz, utc(2028, 1, 1, 0, 0), utc(2029, 1, 1, 0, 0));
        // 09:00 in Shanghai is 01:00 UTC.
        assert_eq!(
            slots,
            vec![
                utc(2028, 1, 1, 1, 0),
                utc(2028, 4, 1, 1, 0),
                utc(2028, 7, 1, 1, 0),
                utc(2028, 10, 1, 1, 0),
            ]
        );
    }

    #[test]
    fn after_downtime_a_missed_schedule_is_caught_up_once_not_once_per_missed_tick() {
        let daily = parse_schedule("0 0 9 * * * *").unwrap();
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // Down from 1 March to the evening of 10 March: one run, for the latest missed slot.
        let got = latest_slot(&daily, tz, utc(2028, 3, 1, 0, 0), utc(2028, 3, 10, 12, 0));
        assert_eq!(got, Some(utc(2028, 3, 10, 1, 0)));
        assert_eq!(
            latest_slot(&daily, tz, utc(2028, 3, 10, 1, 0), utc(2028, 3, 10, 12, 0)),
            None,
            "nothing again until the next slot"
        );
    }

    #[test]
    fn a_schedule_follows_the_company_time_zone_across_the_utc_date_line() {
        // 00:30 on 1 March in Shanghai is still 29 February in UTC.
        let s = parse_schedule("0 30 0 1 * * *").unwrap();
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(
            latest_slot(&s, tz, utc(2028, 2, 20, 0, 0), utc(2028, 3, 1, 0, 0)),
            Some(utc(2028, 2, 29, 16, 30))
        );
    }

    #[test]
    fn a_bad_cron_expression_is_refused_with_the_field_and_an_example() {
        let policy = ReminderPolicy {
            digest: "every monday".into(),
            notice_days_before_end: 0,
            ..ReminderPolicy::default()
        };
        let mut errors = FieldErrors::new();
        policy.check(&mut errors);
        assert!(crate::catalog::english(&errors.0["reminders.digest"]).contains("0 0 9 * * Mon *"));
        assert!(errors.0.contains_key("reminders.notice_days_before_end"));
        let mut ok = FieldErrors::new();
        ReminderPolicy::default().check(&mut ok);
        assert!(ok.is_empty());
    }

    #[test]
    fn kinds_sharing_a_cadence_share_one_email() {
        let groups = ReminderPolicy::default().cadence_groups();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].1.len(), ObligationKind::ALL.len());
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let d = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(written_date(d, Language::ZhCn), "2028年2月29日");
        assert_eq!(written_date(d, Language::En), "29 February 2028");
    }

    #[test]
    fn the_release_notice_goes_out_on_the_first_day_after_the_last_day() {
        let last = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        let next = NaiveDate::from_ymd_opt(2028, 3, 1).unwrap();
        assert_eq!(release_day(last), next);
        assert_eq!(released_last_day(next), last);
        assert_ne!(
            release_day(last),
            last,
            "never on the last day, while it still runs"
        );
    }
}
