//! What completing a departure decides besides its checklist: the trade-secret duty everyone
//! owes unless HR says in writing why not.

use super::{
    ChecklistRefusal, DepartureReason, DepartureStatus, LineKind, LineStatus, in_progress,
    is_resolved,
};
use crate::domain::people::EmployeeStatus;

/// A secret not handed over is treated as a leak (视同泄密, 000 篇7 第八条(二)): the lines a
/// completion leaves unresolved that are carriers or the handover of secret files, each of
/// which opens a loss case. A line already confirmed missing opened its case then.
/// `lines`: each line's key, kind, status and whether the successor signed for it.
pub fn treated_as_leaked<T>(
    lines: impl IntoIterator<Item = (T, LineKind, LineStatus, bool)>,
) -> Vec<T> {
    lines
        .into_iter()
        .filter(|(_, kind, _, _)| matches!(kind, LineKind::Carrier | LineKind::SecretsHandover))
        .filter(|(_, _, status, received)| {
            *status != LineStatus::Missing && !is_resolved(*status, *received)
        })
        .map(|(key, ..)| key)
        .collect()
}

/// Why a completion is refused on one of its own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionRefusal {
    /// The trade-secret duty was unticked without a written reason.
    NoTradeSecretReason,
}

/// Trade secrets bind everyone (002 保密守则 三(八); Anti-Unfair Competition Law art. 9): the
/// duty is created at every completion unless HR unticks it with a written reason. `Ok(None)`:
/// the duty is created; `Ok(Some(reason))`: it is not, for that (trimmed) reason.
pub fn trade_secret_opt_out(
    create: bool,
    no_trade_secret_reason: Option<&str>,
) -> Result<Option<&str>, CompletionRefusal> {
    if create {
        return Ok(None);
    }
    match no_trade_secret_reason.map(str::trim) {
        Some(reason) if !reason.is_empty() => Ok(Some(reason)),
        _ => Err(CompletionRefusal::NoTradeSecretReason),
    }
}

/// When a completion takes effect (the employee's status, tier and accounts change, the
/// obligations start): at the end of the last working day, 24:00 company time (Civil Code
/// art. 203: a day ends at 24:00); a completion recorded after that takes effect at once.
/// Until then the person stays departing and their accounts work.
pub fn takes_effect_at(
    last_working_day: chrono::NaiveDate,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let next = last_working_day
        .succ_opt()
        .unwrap_or(last_working_day)
        .and_time(chrono::NaiveTime::MIN);
    let end = match tz.from_local_datetime(&next) {
        chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
            at.with_timezone(&chrono::Utc)
        }
        // Midnight skipped by a clock change: the day ends when the clock shows the next.
        chrono::LocalResult::None => tz
            .from_local_datetime(&(next + chrono::Duration::hours(1)))
            .earliest()
            .map_or(now, |at| at.with_timezone(&chrono::Utc)),
    };
    end.max(now)
}

/// What the completion of a departure is decided on.
#[derive(Debug, Clone, Copy)]
pub struct Completion<'a> {
    pub status: DepartureStatus,
    pub reason: DepartureReason,
    /// Lines not yet resolved.
    pub open_lines: usize,
    pub override_reason: Option<&'a str>,
}

/// What completion changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completed<'a> {
    /// The person's status from now on.
    pub employee_status: EmployeeStatus,
    /// The override reason given (trimmed), if any.
    pub reason_given: Option<&'a str>,
    /// The override reason kept on the departure: only when lines were left open.
    pub overridden: Option<&'a str>,
}

/// A departure in progress completes with every line resolved, or with a reason to override
/// the open ones (they stay visible); a retirement leaves the person retired, any other
/// departure departed.
pub fn complete<'a>(c: &Completion<'a>) -> Result<Completed<'a>, ChecklistRefusal> {
    in_progress(c.status)?;
    let reason_given = c.override_reason.map(str::trim).filter(|r| !r.is_empty());
    if c.open_lines > 0 && reason_given.is_none() {
        return Err(ChecklistRefusal::LinesOpen(c.open_lines));
    }
    Ok(Completed {
        employee_status: status_after(c.reason),
        reason_given,
        overridden: reason_given.filter(|_| c.open_lines > 0),
    })
}

/// What the person becomes when the completion takes effect: retired or departed.
pub fn status_after(reason: DepartureReason) -> EmployeeStatus {
    if reason == DepartureReason::Retirement {
        EmployeeStatus::Retired
    } else {
        EmployeeStatus::Departed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completion_before_the_last_working_day_takes_effect_at_the_end_of_that_day() {
        use chrono::{NaiveDate, TimeZone, Utc};
        let tz = chrono_tz::Asia::Shanghai;
        let last = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        // 24:00 of 29 February in Shanghai is 16:00 UTC that day.
        let end = Utc.with_ymd_and_hms(2028, 2, 29, 16, 0, 0).unwrap();
        let before = Utc.with_ymd_and_hms(2028, 2, 27, 2, 0, 0).unwrap();
        assert_eq!(
            takes_effect_at(last, tz, before),
            end,
            "recorded days before"
        );
        let last_minute = Utc.with_ymd_and_hms(2028, 2, 29, 15, 59, 0).unwrap();
        assert_eq!(
            takes_effect_at(last, tz, last_minute),
            end,
            "23:59 on the last working day is still that day"
        );
        assert_eq!(
            takes_effect_at(last, tz, end),
            end,
            "00:00 of the next day: the day has ended, it takes effect at once"
        );
        let after = Utc.with_ymd_and_hms(2028, 3, 2, 1, 0, 0).unwrap();
        assert_eq!(
            takes_effect_at(last, tz, after),
            after,
            "recorded after: at once"
        );
        // Another company's time zone moves the end with it.
        let helsinki = chrono_tz::Europe::Helsinki;
        assert_eq!(
            takes_effect_at(last, helsinki, before),
            Utc.with_ymd_and_hms(2028, 2, 29, 22, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_secret_not_handed_over_is_treated_as_a_leak() {
        use LineKind::*;
        use LineStatus::*;
        let lines = [
            (1, Carrier, Open, false),
            (2, Carrier, Returned, false),
            (3, SecretsHandover, HandedOver, false),
            (4, SecretsHandover, HandedOver, true),
            (5, Carrier, Missing, false),
            (6, ExitInterview, Open, false),
            (7, SecretsHandover, Open, false),
            (8, Custom, Open, false),
        ];
        assert_eq!(
            treated_as_leaked(lines),
            [1, 3, 7],
            "open carriers and handovers not signed for; a missing one has its case already"
        );
    }

    #[test]
    fn trade_secrets_bind_everyone_unless_hr_unticks_them_with_a_written_reason() {
        assert_eq!(trade_secret_opt_out(true, None), Ok(None));
        assert_eq!(
            trade_secret_opt_out(true, Some("ignored")),
            Ok(None),
            "a reason without unticking changes nothing"
        );
        assert_eq!(
            trade_secret_opt_out(false, None),
            Err(CompletionRefusal::NoTradeSecretReason)
        );
        assert_eq!(
            trade_secret_opt_out(false, Some("  ")),
            Err(CompletionRefusal::NoTradeSecretReason)
        );
        assert_eq!(
            trade_secret_opt_out(false, Some(" 实习生，未接触商业秘密 ")),
            Ok(Some("实习生，未接触商业秘密"))
        );
    }

    fn completion(open_lines: usize, override_reason: Option<&str>) -> Completion<'_> {
        Completion {
            status: DepartureStatus::InProgress,
            reason: DepartureReason::Resignation,
            open_lines,
            override_reason,
        }
    }

    #[test]
    fn open_lines_need_an_override_reason_to_complete() {
        assert_eq!(
            complete(&completion(2, None)),
            Err(ChecklistRefusal::LinesOpen(2))
        );
        assert_eq!(
            complete(&completion(2, Some("  "))),
            Err(ChecklistRefusal::LinesOpen(2))
        );
        let done = complete(&completion(2, Some(" left abroad "))).unwrap();
        assert_eq!(done.reason_given, Some("left abroad"));
        assert_eq!(done.overridden, Some("left abroad"));
    }

    #[test]
    fn an_override_reason_is_kept_only_when_lines_were_left_open() {
        let done = complete(&completion(0, Some("not needed"))).unwrap();
        assert_eq!(done.reason_given, Some("not needed"));
        assert_eq!(done.overridden, None);
        assert_eq!(complete(&completion(0, None)).unwrap().reason_given, None);
    }

    #[test]
    fn a_departure_is_completed_only_once() {
        let again = Completion {
            status: DepartureStatus::Completed,
            ..completion(0, None)
        };
        assert_eq!(complete(&again), Err(ChecklistRefusal::Completed));
    }

    #[test]
    fn a_retirement_leaves_the_person_retired_any_other_departure_departed() {
        for reason in DepartureReason::ALL {
            let c = Completion {
                reason: *reason,
                ..completion(0, None)
            };
            let expected = if *reason == DepartureReason::Retirement {
                EmployeeStatus::Retired
            } else {
                EmployeeStatus::Departed
            };
            assert_eq!(complete(&c).unwrap().employee_status, expected);
        }
    }
}
