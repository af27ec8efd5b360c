//! The departure (离职): from the notice to the last working day, with its checklist of
//! returns and handovers (000 篇7 第八条, 000 篇10 第十二条).

use chrono::NaiveDate;

use super::FieldErrors;

crate::string_enum! {
    pub enum DepartureReason ("a reason") {
        Resignation = "resignation",
        Dismissal = "dismissal",
        ContractEnd = "contract_end",
        Retirement = "retirement",
        Transfer = "transfer",
        Other = "other",
    }
}

crate::string_enum! {
    pub enum DepartureStatus ("a status") {
        InProgress = "in_progress",
        Completed = "completed",
    }
}

crate::string_enum! {
    pub enum LineKind ("a line kind") {
        /// A carrier in the person's custody, from the register.
        Carrier = "carrier",
        /// Secret-bearing files handed over to the successor by a register (造册、清点、核对、签收).
        SecretsHandover = "secrets_handover",
        AccountsRevoked = "accounts_revoked",
        ExitPledge = "exit_pledge",
        ExitInterview = "exit_interview",
        /// A line HR added.
        Custom = "custom",
    }
}

crate::string_enum! {
    pub enum LineStatus ("a line status") {
        Open = "open",
        Returned = "returned",
        HandedOver = "handed_over",
        Destroyed = "destroyed",
        Missing = "missing",
        /// A step that is not a thing to return (accounts revoked, interview held…).
        Done = "done",
    }
}

crate::string_enum! {
    /// What a list of departures can be sorted by.
    pub enum DepartureSortKey ("a sort key") {
        LastWorkingDay = "last_working_day",
        NoticeDate = "notice_date",
        StartedAt = "started_at",
        /// The departing person's name.
        Name = "name",
    }
}

/// A standard line of the checklist template (in the policy).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TemplateLine {
    pub kind: LineKind,
    pub title: String,
}

/// The default template: the lines every departure gets after its carrier lines.
pub fn default_template() -> Vec<TemplateLine> {
    [
        (
            LineKind::SecretsHandover,
            "涉密文件资料移交接替人 · Secret files handed over to the successor",
        ),
        (
            LineKind::AccountsRevoked,
            "账号与权限已注销 · Accounts and access revoked",
        ),
        (
            LineKind::ExitPledge,
            "签署离职保密承诺书 · Exit confidentiality pledge signed",
        ),
        (
            LineKind::ExitInterview,
            "离职保密谈话 · Exit interview held",
        ),
    ]
    .into_iter()
    .map(|(kind, title)| TemplateLine {
        kind,
        title: title.to_string(),
    })
    .collect()
}

/// The notice date is the day either side declared the end; the last working day cannot come
/// before it.
pub fn check_dates(notice_date: NaiveDate, last_working_day: NaiveDate) -> Result<(), FieldErrors> {
    if last_working_day < notice_date {
        return Err(FieldErrors::single(
            "last_working_day",
            "must not be before notice_date",
        ));
    }
    Ok(())
}

/// The outcomes a line of this kind can be confirmed with.
pub fn allowed_outcomes(kind: LineKind) -> &'static [LineStatus] {
    use LineStatus::*;
    match kind {
        LineKind::Carrier => &[Returned, HandedOver, Destroyed, Missing],
        LineKind::SecretsHandover => &[HandedOver, Missing],
        _ => &[Done],
    }
}

/// Which outcomes a line of this kind can have.
pub fn check_outcome(kind: LineKind, outcome: LineStatus) -> Result<(), String> {
    let allowed = allowed_outcomes(kind);
    if allowed.contains(&outcome) {
        Ok(())
    } else {
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        Err(format!(
            "a {} line is confirmed as {}",
            kind.as_str(),
            names.join(" or ")
        ))
    }
}

/// A line counts as done once confirmed — a handover only once the successor signed for it.
pub fn is_resolved(status: LineStatus, received: bool) -> bool {
    match status {
        LineStatus::Open => false,
        LineStatus::HandedOver => received,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_last_working_day_is_not_before_the_notice_date() {
        assert!(check_dates(d(2028, 2, 29), d(2028, 2, 29)).is_ok());
        assert!(check_dates(d(2028, 1, 31), d(2028, 3, 31)).is_ok());
        let e = check_dates(d(2028, 3, 1), d(2028, 2, 29)).unwrap_err();
        assert_eq!(e.0["last_working_day"], "must not be before notice_date");
    }

    #[test]
    fn each_line_kind_has_its_outcomes() {
        assert!(check_outcome(LineKind::Carrier, LineStatus::Missing).is_ok());
        assert!(check_outcome(LineKind::Carrier, LineStatus::Done).is_err());
        assert!(check_outcome(LineKind::SecretsHandover, LineStatus::Returned).is_err());
        assert!(check_outcome(LineKind::ExitInterview, LineStatus::Done).is_ok());
    }

    #[test]
    fn each_line_kind_offers_only_its_outcomes() {
        assert_eq!(allowed_outcomes(LineKind::ExitPledge), &[LineStatus::Done]);
        assert!(allowed_outcomes(LineKind::Carrier).contains(&LineStatus::Returned));
        assert!(!allowed_outcomes(LineKind::SecretsHandover).contains(&LineStatus::Returned));
    }

    #[test]
    fn a_handover_counts_only_once_the_successor_signed_for_it() {
        assert!(!is_resolved(LineStatus::HandedOver, false));
        assert!(is_resolved(LineStatus::HandedOver, true));
        assert!(is_resolved(LineStatus::Missing, false));
        assert!(!is_resolved(LineStatus::Open, false));
    }
}
