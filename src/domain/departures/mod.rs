//! The departure (离职): from the notice to the last working day, with its checklist of
//! returns and handovers (000 篇7 第八条, 000 篇10 第十二条).

mod checklist;
mod completion;
mod register;

pub use checklist::*;
pub use completion::*;
pub use register::*;

use chrono::NaiveDate;

use super::people::{ClearanceTier, EmployeeStatus};

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
        /// The person's passports and permits lodged with security (证照集中保管), added for
        /// a tiered person of whom security holds no travel document.
        TravelDocuments = "travel_documents",
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

/// A standard line of the checklist template (in the policy), its title in each language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(from = "StoredTemplateLine")]
pub struct TemplateLine {
    pub kind: LineKind,
    /// The title in Chinese.
    pub title: String,
    /// The title in English. A line given without it (as policies were stored before) takes
    /// the English of a "中文 · English" `title`, or the title itself.
    pub title_en: String,
}

/// A template line as policies store it: those saved before the titles were kept per language
/// have one `title` ("中文 · English").
#[derive(serde::Deserialize)]
struct StoredTemplateLine {
    kind: LineKind,
    title: String,
    title_en: Option<String>,
}

impl From<StoredTemplateLine> for TemplateLine {
    fn from(line: StoredTemplateLine) -> TemplateLine {
        let (title, title_en) = match line.title_en {
            Some(en) => (line.title, en),
            None => split_title(&line.title),
        };
        TemplateLine {
            kind: line.kind,
            title,
            title_en,
        }
    }
}

/// One bilingual title, "中文 · English", as its Chinese and English; a title of another shape
/// is the same in both.
pub fn split_title(title: &str) -> (String, String) {
    match title.split_once(" · ") {
        Some((zh, en)) if !zh.is_empty() && !en.is_empty() => (zh.to_string(), en.to_string()),
        _ => (title.to_string(), title.to_string()),
    }
}

/// The default template: the lines every departure gets after its carrier lines.
pub fn default_template() -> Vec<TemplateLine> {
    [
        (
            LineKind::SecretsHandover,
            "涉密文件资料移交接替人",
            "Secret files handed over to the successor",
        ),
        (
            LineKind::AccountsRevoked,
            "账号与权限已注销",
            "Accounts and access revoked",
        ),
        (
            LineKind::ExitPledge,
            "签署离职保密承诺书",
            "Exit confidentiality pledge signed",
        ),
        (
            LineKind::ExitInterview,
            "离职保密谈话",
            "Exit interview held",
        ),
    ]
    .into_iter()
    .map(|(kind, title, title_en)| TemplateLine {
        kind,
        title: title.to_string(),
        title_en: title_en.to_string(),
    })
    .collect()
}

/// Why a departure may not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefusal {
    /// The last working day comes before the notice date.
    LastDayBeforeNotice,
    /// No employee has the id given.
    NoSuchEmployee,
    /// The employee is not active: departing already, or gone.
    NotActive(EmployeeStatus),
    /// The day the person left the classified post is before the notice or after the last
    /// working day.
    LeftPostOutsideNotice,
    /// An earlier day of leaving the post than the last working day needs who approved it.
    LeftPostNotApproved,
    /// The successor named is the departing person.
    OwnSuccessor,
    /// No employee has the successor's id.
    NoSuchSuccessor,
}

/// The successor a departure names, as the register knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Successor {
    /// The successor is the departing person.
    pub is_the_person: bool,
    /// An employee has the successor's id.
    pub exists: bool,
}

/// What the start of a departure is decided on.
#[derive(Debug, Clone, Copy)]
pub struct Start<'a> {
    pub notice_date: NaiveDate,
    pub last_working_day: NaiveDate,
    /// The day the person left the classified post, when HR records one.
    pub left_post_on: Option<NaiveDate>,
    pub left_post_approved_by: Option<&'a str>,
    /// The departing employee's status; `None` when no employee has the id.
    pub employee: Option<EmployeeStatus>,
    pub successor: Option<Successor>,
}

/// A departure starts for an active employee, its last working day not before the notice
/// date (the day either side declared the end), the successor (if named) someone else in the
/// register.
pub fn may_start(s: &Start<'_>) -> Result<(), StartRefusal> {
    if s.last_working_day < s.notice_date {
        return Err(StartRefusal::LastDayBeforeNotice);
    }
    left_post_on(s)?;
    match s.employee {
        None => return Err(StartRefusal::NoSuchEmployee),
        Some(EmployeeStatus::Active) => {}
        Some(status) => return Err(StartRefusal::NotActive(status)),
    }
    match s.successor {
        Some(Successor {
            is_the_person: true,
            ..
        }) => Err(StartRefusal::OwnSuccessor),
        Some(Successor { exists: false, .. }) => Err(StartRefusal::NoSuchSuccessor),
        _ => Ok(()),
    }
}

/// The 脱密期 starts on leaving the classified post (002 第十一条): the last working day unless
/// HR records an earlier day, between the notice and the last working day, when the person was
/// moved off the post, with who approved it.
pub fn left_post_on(s: &Start<'_>) -> Result<NaiveDate, StartRefusal> {
    let Some(day) = s.left_post_on else {
        return Ok(s.last_working_day);
    };
    if day < s.notice_date || day > s.last_working_day {
        return Err(StartRefusal::LeftPostOutsideNotice);
    }
    let approved = s
        .left_post_approved_by
        .is_some_and(|a| !a.trim().is_empty());
    if day < s.last_working_day && !approved {
        return Err(StartRefusal::LeftPostNotApproved);
    }
    Ok(day)
}

/// A carrier in the departing person's custody, as the register holds it.
#[derive(Debug, Clone, Copy)]
pub struct HeldCarrier<'a> {
    pub id: &'a str,
    pub tag: &'a str,
    pub description: &'a str,
    pub copies: i32,
}

/// A line of a new checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine<'a> {
    pub position: i32,
    pub kind: LineKind,
    pub carrier_id: Option<&'a str>,
    /// The title in Chinese, and in English (a carrier's tag and description in both).
    pub title: String,
    pub title_en: String,
    /// Copies the register says the person holds (1 for a standard line).
    pub expected_count: i32,
}

/// The checklist a departure starts with: a line per carrier held (its tag and description,
/// its copies), then the standard lines of the template, numbered from 1.
/// Whom the documents line is for: a tiered person of whom security holds no travel
/// document record — their passports and permits are to be lodged with the unit for the
/// period (or the record made that they hold none).
pub fn needs_travel_documents_line(tier: ClearanceTier, documents_on_record: usize) -> bool {
    tier != ClearanceTier::None && documents_on_record == 0
}

/// The title of the documents line.
pub const TRAVEL_DOCUMENTS_LINE: (&str, &str) = (
    "出入境证件交保密办集中保管",
    "Passports and travel permits lodged with the security office",
);

pub fn checklist<'a>(
    held: &[HeldCarrier<'a>],
    template: &[TemplateLine],
    travel_documents: bool,
) -> Vec<NewLine<'a>> {
    let carriers = held.iter().map(|c| {
        let title = if c.description.is_empty() {
            c.tag.to_string()
        } else {
            format!("{} · {}", c.tag, c.description)
        };
        NewLine {
            position: 0,
            kind: LineKind::Carrier,
            carrier_id: Some(c.id),
            title_en: title.clone(),
            title,
            expected_count: c.copies,
        }
    });
    let standard = template.iter().map(|t| NewLine {
        position: 0,
        kind: t.kind,
        carrier_id: None,
        title: t.title.clone(),
        title_en: t.title_en.clone(),
        expected_count: 1,
    });
    let documents = travel_documents.then(|| NewLine {
        position: 0,
        kind: LineKind::TravelDocuments,
        carrier_id: None,
        title: TRAVEL_DOCUMENTS_LINE.0.to_string(),
        title_en: TRAVEL_DOCUMENTS_LINE.1.to_string(),
        expected_count: 1,
    });
    carriers
        .chain(standard)
        .chain(documents)
        .zip(1..)
        .map(|(line, position)| NewLine { position, ..line })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn start(notice_date: NaiveDate, last_working_day: NaiveDate) -> Start<'static> {
        Start {
            notice_date,
            last_working_day,
            left_post_on: None,
            left_post_approved_by: None,
            employee: Some(EmployeeStatus::Active),
            successor: None,
        }
    }

    #[test]
    fn the_last_working_day_is_not_before_the_notice_date() {
        assert_eq!(may_start(&start(d(2028, 2, 29), d(2028, 2, 29))), Ok(()));
        assert_eq!(may_start(&start(d(2028, 1, 31), d(2028, 3, 31))), Ok(()));
        assert_eq!(may_start(&start(d(2027, 12, 31), d(2028, 1, 1))), Ok(()));
        assert_eq!(
            may_start(&start(d(2028, 3, 1), d(2028, 2, 29))),
            Err(StartRefusal::LastDayBeforeNotice)
        );
        // The dates are checked before the person: the form's own mistake is named first.
        let nobody = Start {
            employee: None,
            ..start(d(2029, 3, 1), d(2029, 2, 28))
        };
        assert_eq!(may_start(&nobody), Err(StartRefusal::LastDayBeforeNotice));
    }

    #[test]
    fn the_declassification_period_starts_on_leaving_the_classified_post() {
        let s = start(d(2028, 1, 31), d(2028, 2, 29));
        assert_eq!(
            left_post_on(&s),
            Ok(d(2028, 2, 29)),
            "by default the last working day"
        );
        let at = |day, by| Start {
            left_post_on: Some(day),
            left_post_approved_by: by,
            ..s
        };
        assert_eq!(
            left_post_on(&at(d(2028, 1, 31), Some("王主任"))),
            Ok(d(2028, 1, 31))
        );
        assert_eq!(
            left_post_on(&at(d(2028, 2, 1), None)),
            Err(StartRefusal::LeftPostNotApproved)
        );
        assert_eq!(
            left_post_on(&at(d(2028, 2, 1), Some("  "))),
            Err(StartRefusal::LeftPostNotApproved)
        );
        assert_eq!(left_post_on(&at(d(2028, 2, 29), None)), Ok(d(2028, 2, 29)));
        for outside in [d(2028, 1, 30), d(2028, 3, 1)] {
            assert_eq!(
                left_post_on(&at(outside, Some("王主任"))),
                Err(StartRefusal::LeftPostOutsideNotice)
            );
            assert_eq!(
                may_start(&at(outside, Some("王主任"))),
                Err(StartRefusal::LeftPostOutsideNotice)
            );
        }
    }

    #[test]
    fn only_an_active_employee_can_start_a_departure() {
        let s = start(d(2028, 1, 31), d(2028, 2, 29));
        for status in [
            EmployeeStatus::Departing,
            EmployeeStatus::Departed,
            EmployeeStatus::Retired,
        ] {
            let s = Start {
                employee: Some(status),
                ..s
            };
            assert_eq!(may_start(&s), Err(StartRefusal::NotActive(status)));
        }
        let nobody = Start {
            employee: None,
            ..s
        };
        assert_eq!(may_start(&nobody), Err(StartRefusal::NoSuchEmployee));
    }

    #[test]
    fn the_successor_is_someone_else_in_the_register() {
        let s = start(d(2028, 2, 29), d(2028, 3, 31));
        let with = |is_the_person, exists| Start {
            successor: Some(Successor {
                is_the_person,
                exists,
            }),
            ..s
        };
        assert_eq!(may_start(&with(false, true)), Ok(()));
        assert_eq!(
            may_start(&with(true, true)),
            Err(StartRefusal::OwnSuccessor)
        );
        assert_eq!(
            may_start(&with(false, false)),
            Err(StartRefusal::NoSuchSuccessor)
        );
        let not_active = Start {
            employee: Some(EmployeeStatus::Departing),
            ..with(true, true)
        };
        assert_eq!(
            may_start(&not_active),
            Err(StartRefusal::NotActive(EmployeeStatus::Departing))
        );
    }

    #[test]
    fn a_checklist_lists_the_carriers_held_then_the_standard_lines() {
        let held = [
            HeldCarrier {
                id: "c1",
                tag: "DOC-1",
                description: "图纸",
                copies: 3,
            },
            HeldCarrier {
                id: "c2",
                tag: "KEY-7",
                description: "",
                copies: 1,
            },
        ];
        let lines = checklist(&held, &default_template(), false);
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[0].title, "DOC-1 · 图纸");
        assert_eq!(
            lines[0].title_en, "DOC-1 · 图纸",
            "a carrier's tag and description in both"
        );
        assert_eq!(
            (lines[0].carrier_id, lines[0].expected_count),
            (Some("c1"), 3)
        );
        assert_eq!(lines[1].title, "KEY-7");
        assert_eq!(lines[2].kind, LineKind::SecretsHandover);
        assert_eq!(
            (lines[2].title.as_str(), lines[2].title_en.as_str()),
            (
                "涉密文件资料移交接替人",
                "Secret files handed over to the successor"
            )
        );
        assert_eq!((lines[2].carrier_id, lines[2].expected_count), (None, 1));
        let positions: Vec<i32> = lines.iter().map(|l| l.position).collect();
        assert_eq!(positions, [1, 2, 3, 4, 5, 6]);
        assert_eq!(checklist(&[], &[], false), []);
    }

    #[test]
    fn holding_no_record_of_a_tiered_persons_documents_is_a_checklist_line() {
        assert!(needs_travel_documents_line(ClearanceTier::Core, 0));
        assert!(needs_travel_documents_line(ClearanceTier::General, 0));
        assert!(
            !needs_travel_documents_line(ClearanceTier::Important, 1),
            "on record"
        );
        assert!(
            !needs_travel_documents_line(ClearanceTier::None, 0),
            "no tier"
        );
        let lines = checklist(&[], &default_template(), true);
        let last = lines.last().unwrap();
        assert_eq!((last.kind, last.position), (LineKind::TravelDocuments, 5));
        assert_eq!(last.title, "出入境证件交保密办集中保管");
        assert!(
            !has_copies(LineKind::TravelDocuments),
            "an act, not a thing"
        );
    }

    #[test]
    fn a_template_line_stored_with_one_bilingual_title_reads_as_its_two_languages() {
        let old: TemplateLine = serde_json::from_str(
            r#"{"kind": "exit_interview", "title": "离职保密谈话 · Exit interview held"}"#,
        )
        .unwrap();
        assert_eq!(
            (old.title.as_str(), old.title_en.as_str()),
            ("离职保密谈话", "Exit interview held")
        );
        // One title of another shape is the title in both languages.
        let one: TemplateLine =
            serde_json::from_str(r#"{"kind": "custom", "title": "交还门禁卡"}"#).unwrap();
        assert_eq!(
            (one.title.as_str(), one.title_en.as_str()),
            ("交还门禁卡", "交还门禁卡")
        );
        assert_eq!(
            split_title(" · 只有后半"),
            (" · 只有后半".into(), " · 只有后半".into())
        );
        // A line stored with both keeps both, and reads back as it was written.
        let both = TemplateLine {
            kind: LineKind::Custom,
            title: "门禁卡 · 工牌".into(),
            title_en: "Access card".into(),
        };
        let again: TemplateLine =
            serde_json::from_str(&serde_json::to_string(&both).unwrap()).unwrap();
        assert_eq!(again, both);
    }
}
