//! `tuomi dev seed`: a realistic company for trying the product and measuring it — current
//! employees with tiers and managers, former employees over ten years with their completed
//! departures, checklists and obligations in every state, departures in progress, carriers,
//! and a year of reminder history. The same numbers and seed give the same data.
//!
//! Rows go in as multi-row inserts in batched transactions (bound values, no SQL text built
//! from data), many thousand rows a statement.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

mod rows;

use self::rows::{CarrierRow, DepartureRow, EmployeeRow, LineRow, ObligationRow, ReminderRow};
use super::schema::{carriers, departure_lines, departures, employees, obligations, reminders};
use super::{DbConnection, per_backend, stored_instant, write_tx};
use crate::domain::carriers::{CarrierKind, CarrierStatus, Classification};
use crate::domain::departures::{DepartureReason, DepartureStatus, LineKind, LineStatus};
use crate::domain::obligations::{ObligationKind, ObligationStatus, after_departure, non_compete};
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::domain::policy::Policy;
use crate::domain::reminders::{ReminderKind, ReminderStatus};
use crate::domain::users::Language;

/// How much to make.
#[derive(Debug, Clone, Copy)]
pub struct SeedPlan {
    /// People employed today.
    pub employees: usize,
    /// People who left over the last ten years.
    pub former: usize,
    pub carriers: usize,
    pub seed: u64,
}

impl SeedPlan {
    /// The proportions of a large group: 30 former employees and 300 carriers for every 100
    /// people employed.
    pub fn for_employees(employees: usize) -> SeedPlan {
        SeedPlan {
            employees,
            former: employees * 3 / 10,
            carriers: employees * 3,
            seed: 20_261_125,
        }
    }
}

/// Inserts rows in statements of at most `per_statement` rows, `per_tx` rows a transaction.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        // SQLite takes at most 32,766 bound values a statement; PostgreSQL 65,535.
        let per_statement = 30_000 / $columns;
        for batch in $rows.chunks(per_statement * 10) {
            write_tx($conn, |conn| -> QueryResult<()> {
                for chunk in batch.chunks(per_statement) {
                    per_backend!(conn.conn(), c => diesel::insert_into($table).values(chunk).execute(c))?;
                }
                Ok(())
            })?;
        }
        $rows.len()
    }};
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "华", "玉", "兰", "婷", "雪", "宇", "浩", "欣", "晨", "博", "文",
];
const DEPARTMENTS: &[&str] = &[
    "研发部",
    "测试部",
    "产品部",
    "市场部",
    "销售部",
    "法务部",
    "财务部",
    "人力资源部",
    "保密办",
    "运维部",
    "采购部",
    "质量部",
    "行政部",
    "设计部",
    "数据部",
    "安全部",
    "客服部",
    "战略部",
    "生产部",
    "物流部",
];
const TITLES: &[&str] = &[
    "工程师",
    "高级工程师",
    "专员",
    "主管",
    "分析师",
    "设计师",
    "顾问",
];

fn tier_at(rng: &mut StdRng) -> ClearanceTier {
    match rng.random_range(0..100) {
        0..2 => ClearanceTier::Core,
        2..10 => ClearanceTier::Important,
        10..35 => ClearanceTier::General,
        _ => ClearanceTier::None,
    }
}

fn name_at(rng: &mut StdRng) -> String {
    let mut name = SURNAMES[rng.random_range(0..SURNAMES.len())].to_string();
    for _ in 0..rng.random_range(1..=2) {
        name.push_str(GIVEN[rng.random_range(0..GIVEN.len())]);
    }
    name
}

fn day_before(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days)).unwrap_or(date)
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Fills an empty database; `progress` hears each table as it is done (name, rows).
pub fn seed(
    conn: &mut DbConnection,
    plan: SeedPlan,
    now: DateTime<Utc>,
    today: NaiveDate,
    mut progress: impl FnMut(&str, usize),
) -> anyhow::Result<usize> {
    let existing: i64 = employees::table.count().get_result(conn)?;
    anyhow::ensure!(
        existing == 0,
        "the database already holds {existing} employees; seed an empty one"
    );
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let stamp = stored_instant(now);
    let policy = Policy::default();
    // Who started, confirmed and completed the generated departures: an HR account of the
    // seed, without a password (nobody signs in with it).
    let hr = crate::domain::users::NewUser::parse(
        "seed-hr@corp.example",
        "人事（示例数据）",
        &["hr"],
        Some("zh-CN"),
        None,
    )
    .map_err(|e| anyhow::anyhow!("seed user: {:?}", e.0))?;
    let system = write_tx(conn, |conn| {
        super::users::create(conn, now, &crate::domain::audit::Actor::System, &hr, None)
    })?
    .id;
    let mut total = 0;

    // People: current employees first (each department headed by a manager, one manager for
    // about ten people), then the former.
    let people = plan.employees + plan.former;
    let mut rows = Vec::with_capacity(people);
    let mut managers: Vec<Vec<String>> = vec![Vec::new(); DEPARTMENTS.len()];
    let mut tiers = Vec::with_capacity(people);
    for n in 0..people {
        let department = n % DEPARTMENTS.len();
        let current = n < plan.employees;
        let is_manager = current && n < plan.employees / 10 + DEPARTMENTS.len();
        let tier = tier_at(&mut rng);
        let no = format!("E{:07}", n + 1);
        let name = name_at(&mut rng);
        let work_email = format!("{}@corp.example", no.to_lowercase());
        let private_email = (!current || rng.random_bool(0.3))
            .then(|| format!("{}@home.example", no.to_lowercase()));
        let heads = &managers[department];
        let manager_id =
            (!heads.is_empty()).then(|| heads[rng.random_range(0..heads.len())].clone());
        let this = id();
        if is_manager {
            managers[department].push(this.clone());
        }
        let hire_date = day_before(today, rng.random_range(400..7300));
        let search_text = crate::domain::people::search_text(
            &name,
            &no,
            [Some(work_email.as_str()), private_email.as_deref()],
        );
        tiers.push(tier);
        rows.push(EmployeeRow {
            id: this,
            employee_no: no,
            name,
            work_email: Some(work_email),
            private_email,
            language: if rng.random_bool(0.9) {
                Language::ZhCn
            } else {
                Language::En
            },
            department: DEPARTMENTS[department],
            title: TITLES[rng.random_range(0..TITLES.len())],
            manager_id,
            hire_date: Some(hire_date),
            status: if current {
                EmployeeStatus::Active
            } else {
                EmployeeStatus::Departed
            },
            clearance_tier: tier,
            search_text,
            created_at: stamp,
            updated_at: stamp,
        });
    }
    // About one in two hundred current employees is leaving now.
    let leaving: Vec<usize> = (0..plan.employees).filter(|n| n % 200 == 7).collect();
    for &n in &leaving {
        rows[n].status = EmployeeStatus::Departing;
    }
    total += insert_all!(conn, employees::table, rows, 15);
    progress("employees", rows.len());
    let mut terms = 0;
    for batch in rows.chunks(10_000) {
        let people: Vec<(&str, &str)> = batch
            .iter()
            .map(|r| (r.id.as_str(), r.search_text.as_str()))
            .collect();
        terms += people
            .iter()
            .map(|(_, text)| crate::domain::people::search_terms(text).len())
            .sum::<usize>();
        write_tx(conn, |c| super::employees::index_terms(c, &people))?;
    }
    total += terms;
    progress("search terms", terms);

    // Carriers: those of former employees came back to the pool; the rest are held by
    // current employees, a few destroyed.
    let returned_per_former = 2;
    let mut carrier_rows = Vec::with_capacity(plan.carriers);
    const KINDS: &[CarrierKind] = &[
        CarrierKind::Document,
        CarrierKind::Laptop,
        CarrierKind::RemovableMedia,
        CarrierKind::Phone,
        CarrierKind::Key,
        CarrierKind::Badge,
    ];
    const CLASSES: &[Classification] = Classification::ALL;
    for n in 0..plan.carriers {
        let from_former = n < plan.former * returned_per_former;
        // Each person leaving now holds the next CARRIERS_LEAVING carriers, so their
        // checklist has 30 lines.
        let leaver = n
            .checked_sub(plan.former * returned_per_former)
            .and_then(|i| leaving.get(i / CARRIERS_LEAVING));
        let kind = KINDS[rng.random_range(0..KINDS.len())];
        let (custodian_id, status) = if from_former {
            (None, CarrierStatus::InPool)
        } else if let Some(&holder) = leaver {
            (Some(rows[holder].id.clone()), CarrierStatus::InCustody)
        } else if rng.random_bool(0.05) {
            (None, CarrierStatus::Destroyed)
        } else if rng.random_bool(0.1) {
            (None, CarrierStatus::InPool)
        } else {
            let holder = rng.random_range(0..plan.employees.max(1));
            (
                rows.get(holder).map(|e| e.id.clone()),
                CarrierStatus::InCustody,
            )
        };
        carrier_rows.push(CarrierRow {
            id: id(),
            tag: format!("C-{:08}", n + 1),
            kind,
            description: format!("{kind} {}", n + 1),
            classification: CLASSES[rng.random_range(0..CLASSES.len())],
            copies: if kind == CarrierKind::Document {
                rng.random_range(1..4)
            } else {
                1
            },
            custodian_id,
            status,
            created_at: stamp,
            updated_at: stamp,
        });
    }
    total += insert_all!(conn, carriers::table, carrier_rows, 10);
    progress("carriers", carrier_rows.len());

    // Departures: the former employees' completed ones over ten years, and those in progress.
    let mut departure_rows = Vec::new();
    let mut line_rows = Vec::new();
    let mut obligation_rows = Vec::new();
    let mut reminder_rows = Vec::new();
    let ten_years = (today - day_before(today, 3650)).num_days() as u64;
    for f in 0..plan.former {
        let n = plan.employees + f;
        let employee = &rows[n];
        let last = day_before(today, rng.random_range(1..ten_years));
        let notice = day_before(last, 30);
        let departure_id = id();
        let completed_at = stored_instant(last.and_hms_opt(18, 0, 0).unwrap_or_default().and_utc());
        departure_rows.push(DepartureRow {
            id: departure_id.clone(),
            employee_id: employee.id.clone(),
            notice_date: notice,
            last_working_day: last,
            left_post_on: last,
            reason: [
                DepartureReason::Resignation,
                DepartureReason::ContractEnd,
                DepartureReason::Retirement,
                DepartureReason::Dismissal,
            ][rng.random_range(0..4)],
            successor_id: None,
            status: DepartureStatus::Completed,
            started_by: system.clone(),
            started_at: stamp,
            completed_by: Some(system.clone()),
            completed_at: Some(completed_at),
            override_reason: None,
            takes_effect_at: Some(completed_at),
            in_effect: true,
            register_year: 0,
            register_seq: 0,
        });
        for k in 0..returned_per_former {
            let carrier = &carrier_rows[f * returned_per_former + k];
            let missing = rng.random_bool(0.003);
            line_rows.push(LineRow {
                id: id(),
                departure_id: departure_id.clone(),
                position: k as i32 + 1,
                kind: LineKind::Carrier,
                carrier_id: Some(carrier.id.clone()),
                title: carrier.tag.clone(),
                title_en: carrier.tag.clone(),
                expected_count: carrier.copies,
                status: if missing {
                    LineStatus::Missing
                } else {
                    LineStatus::Returned
                },
                counted: (!missing).then_some(carrier.copies),
                note: String::new(),
                confirmed_by: Some(system.clone()),
                confirmed_at: Some(completed_at),
            });
        }
        for (k, kind) in [LineKind::AccountsRevoked, LineKind::ExitPledge]
            .into_iter()
            .enumerate()
        {
            let (title, title_en) = template_title(kind);
            line_rows.push(LineRow {
                id: id(),
                departure_id: departure_id.clone(),
                position: (returned_per_former + k) as i32 + 1,
                kind,
                carrier_id: None,
                title,
                title_en,
                expected_count: 0,
                status: LineStatus::Done,
                counted: None,
                note: String::new(),
                confirmed_by: Some(system.clone()),
                confirmed_at: Some(completed_at),
            });
        }
        let mut owed = after_departure(&policy, tiers[n], last, last, rng.random_bool(0.05));
        if rng.random_bool(0.1) {
            owed.push(non_compete(last, rng.random_range(6..=24)));
        }
        let mut owes_now = false;
        for o in owed {
            let over = o.ends_on.is_some_and(|end| end < today);
            let non_compete = o.kind == ObligationKind::NonCompete;
            let status = match rng.random_range(0..1000) {
                _ if over => ObligationStatus::Ended,
                0..10 => ObligationStatus::Breached,
                10..20 => ObligationStatus::Superseded,
                20..320 if non_compete => ObligationStatus::Waived,
                320..370 if non_compete => ObligationStatus::Rescinded,
                _ => ObligationStatus::Active,
            };
            owes_now |= ObligationStatus::OWED.contains(&status);
            obligation_rows.push(ObligationRow {
                id: id(),
                employee_id: employee.id.clone(),
                kind: o.kind,
                starts_on: o.starts_on,
                ends_on: o.ends_on,
                status,
                tier: o.tier,
                departure_id: Some(departure_id.clone()),
                created_at: completed_at,
                updated_at: completed_at,
            });
        }
        // A year of quarterly reminders to those who still owe something.
        if owes_now {
            for q in 1..=4u32 {
                let Some(slot) =
                    first_of_quarter(today).checked_sub_months(Months::new(3 * (q - 1)))
                else {
                    continue;
                };
                if slot <= last {
                    continue;
                }
                let due = stored_instant(slot.and_hms_opt(1, 0, 0).unwrap_or_default().and_utc());
                let period = format!("{}T09:00", slot.format("%Y-%m-%d"));
                let reminder_id = id();
                let status = match rng.random_range(0..100) {
                    0..5 => ReminderStatus::Failed,
                    5..55 => ReminderStatus::Sent,
                    _ => ReminderStatus::Acknowledged,
                };
                reminder_rows.push(ReminderRow {
                    unique_key: format!("employee:{}:periodic:{period}", employee.id),
                    employee_id: Some(employee.id.clone()),
                    kind: ReminderKind::Periodic,
                    period,
                    due_at: due,
                    status,
                    to_address: employee.private_email.clone(),
                    message_id: (status != ReminderStatus::Failed)
                        .then(|| format!("<{reminder_id}@corp.example>")),
                    sent_at: (status != ReminderStatus::Failed).then_some(due),
                    last_error: (status == ReminderStatus::Failed)
                        .then(|| "550 mailbox unavailable".to_string()),
                    acknowledged_at: (status == ReminderStatus::Acknowledged)
                        .then(|| due + chrono::Duration::days(3)),
                    id: reminder_id,
                    created_at: due,
                    updated_at: due,
                });
            }
        }
    }
    for (k, &n) in leaving.iter().enumerate() {
        let employee = &rows[n];
        let last = today
            .checked_add_days(Days::new(rng.random_range(0..30)))
            .unwrap_or(today);
        let departure_id = id();
        departure_rows.push(DepartureRow {
            id: departure_id.clone(),
            employee_id: employee.id.clone(),
            notice_date: day_before(last, 30),
            last_working_day: last,
            left_post_on: last,
            reason: DepartureReason::Resignation,
            successor_id: employee.manager_id.clone(),
            status: DepartureStatus::InProgress,
            started_by: system.clone(),
            started_at: stamp,
            completed_by: None,
            completed_at: None,
            override_reason: None,
            takes_effect_at: None,
            in_effect: false,
            register_year: 0,
            register_seq: 0,
        });
        let held: Vec<&CarrierRow> = carrier_rows
            .iter()
            .skip(plan.former * returned_per_former + k * CARRIERS_LEAVING)
            .take(CARRIERS_LEAVING)
            .filter(|c| c.custodian_id.as_deref() == Some(employee.id.as_str()))
            .collect();
        let titles = [
            LineKind::SecretsHandover,
            LineKind::AccountsRevoked,
            LineKind::ExitPledge,
            LineKind::ExitInterview,
        ];
        for (p, kind) in titles.into_iter().enumerate() {
            let (title, title_en) = template_title(kind);
            line_rows.push(LineRow {
                id: id(),
                departure_id: departure_id.clone(),
                position: p as i32 + 1,
                kind,
                carrier_id: None,
                title,
                title_en,
                expected_count: 0,
                status: if p == 0 || rng.random_bool(0.5) {
                    LineStatus::Open
                } else {
                    LineStatus::Done
                },
                counted: None,
                note: String::new(),
                confirmed_by: None,
                confirmed_at: None,
            });
        }
        for (p, carrier) in held.iter().enumerate() {
            line_rows.push(LineRow {
                id: id(),
                departure_id: departure_id.clone(),
                position: (titles.len() + p) as i32 + 1,
                kind: LineKind::Carrier,
                carrier_id: Some(carrier.id.clone()),
                title: carrier.tag.clone(),
                title_en: carrier.tag.clone(),
                expected_count: carrier.copies,
                status: LineStatus::Open,
                counted: None,
                note: String::new(),
                confirmed_by: None,
                confirmed_at: None,
            });
        }
    }
    number_registers(conn, &mut departure_rows)?;
    total += insert_all!(conn, departures::table, departure_rows, 16);
    progress("departures", departure_rows.len());
    total += insert_all!(conn, departure_lines::table, line_rows, 12);
    progress("checklist lines", line_rows.len());
    total += insert_all!(conn, obligations::table, obligation_rows, 10);
    progress("obligations", obligation_rows.len());
    total += insert_all!(conn, reminders::table, reminder_rows, 14);
    progress("reminders", reminder_rows.len());
    Ok(total)
}

/// Carriers held by each person leaving now (with four other lines: 30 on the checklist).
const CARRIERS_LEAVING: usize = 26;

fn first_of_quarter(day: NaiveDate) -> NaiveDate {
    let month0 = day.month0() / 3 * 3;
    NaiveDate::from_ymd_opt(day.year(), month0 + 1, 1).unwrap_or(day)
}

/// The titles (Chinese, English) the default policy gives a line of this kind, as a real
/// departure's line has.
fn template_title(kind: LineKind) -> (String, String) {
    crate::domain::departures::default_template()
        .into_iter()
        .find(|line| line.kind == kind)
        .map_or_else(
            || (kind.as_str().to_string(), kind.as_str().to_string()),
            |line| (line.title, line.title_en),
        )
}

/// Numbers the seeded departures' handover registers per year in the order they started,
/// after the numbers the database already holds.
fn number_registers(conn: &mut DbConnection, rows: &mut [DepartureRow]) -> QueryResult<()> {
    rows.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    let mut highest: std::collections::HashMap<i32, i32> = std::collections::HashMap::new();
    for row in rows.iter_mut() {
        let year = row.started_at.year();
        let seq = match highest.get(&year) {
            Some(n) => *n,
            None => departures::table
                .filter(departures::register_year.eq(year))
                .select(diesel::dsl::max(departures::register_seq))
                .first::<Option<i32>>(conn)?
                .unwrap_or(0),
        } + 1;
        highest.insert(year, seq);
        row.register_year = year;
        row.register_seq = seq;
    }
    Ok(())
}
