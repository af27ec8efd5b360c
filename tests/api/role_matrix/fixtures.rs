//! The records of the world: what each `{…}` of a path stands for, for whom, and the helpers
//! that make them (people leaving, carriers, departures, tier changes, reports, tasks).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::table::Who;
use crate::helpers::{TestApp, post};
use crate::people::{add_employee, person};

/// The records the `{…}` of the paths stand for. "Own" is what the asking caller may see
/// (for a manager: their report's); "foreign" is someone else's.
pub(super) struct Fixtures {
    pub(super) report: String,
    pub(super) outsider: String,
    pub(super) departure: String,
    pub(super) foreign_departure: String,
    pub(super) confirm_line: String,
    pub(super) foreign_confirm_line: String,
    pub(super) receive_line: String,
    pub(super) foreign_receive_line: String,
    pub(super) carrier: String,
    pub(super) foreign_carrier: String,
    pub(super) change: String,
    pub(super) foreign_change: String,
    pub(super) extension: String,
    pub(super) obligation: String,
    pub(super) foreign_obligation: String,
    pub(super) reminder: String,
    pub(super) case: String,
    pub(super) evidence: String,
    pub(super) pledge: String,
    pub(super) foreign_pledge: String,
    pub(super) pledge_text: String,
    pub(super) other_user: String,
    pub(super) tasks: BTreeMap<Who, String>,
    pub(super) other_task: String,
    pub(super) tokens: BTreeMap<Who, String>,
    pub(super) other_token: String,
    /// A session of each signed-in caller other than the one they ask with, and someone
    /// else's.
    pub(super) sessions: BTreeMap<Who, String>,
    pub(super) other_session: String,
    /// The former employee's reminder link token, and the same link altered to name the
    /// other former employee's reminder.
    pub(super) ack_token: String,
    pub(super) tampered_ack_token: String,
    pub(super) setup_token: Option<String>,
    pub(super) reporter: (String, String),
}

pub(super) const FORGED_TOKEN: &str =
    "0190a0a0-0000-7000-8000-000000000000.4102444800.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

impl Fixtures {
    /// The value of `{param}` that follows `/resource/` in a path (`rest`: what comes after).
    pub(super) fn value(
        &self,
        resource: &str,
        param: &str,
        rest: &str,
        who: Who,
        foreign: bool,
    ) -> Option<String> {
        let pick = |own: &String, other: &String| Some(if foreign { other } else { own }.clone());
        match (resource, param) {
            ("employees", _) => pick(&self.report, &self.outsider),
            ("departures", _) => pick(&self.departure, &self.foreign_departure),
            ("lines", _) if rest.starts_with("receive") => {
                pick(&self.receive_line, &self.foreign_receive_line)
            }
            ("lines", _) => pick(&self.confirm_line, &self.foreign_confirm_line),
            ("carriers", _) => pick(&self.carrier, &self.foreign_carrier),
            ("clearance-changes", _) => pick(&self.change, &self.foreign_change),
            ("extensions", _) => Some(self.extension.clone()),
            ("obligations", _) => pick(&self.obligation, &self.foreign_obligation),
            // The body `{}` lacks the reason: an admitted caller hears 422 before the id is
            // looked up.
            ("payments", _) => Some("no-such-payment".to_string()),
            // Likewise: every action on a trip or a document needs a body field.
            ("trips", _) => Some("no-such-trip".to_string()),
            ("travel-documents", _) => Some("no-such-document".to_string()),
            ("reminders", _) => Some(self.reminder.clone()),
            ("breaches", _) => Some(self.case.clone()),
            ("evidence", _) => Some(self.evidence.clone()),
            ("pledges", _) => pick(&self.pledge, &self.foreign_pledge),
            ("pledge-texts", _) => Some(self.pledge_text.clone()),
            ("users", _) => Some(self.other_user.clone()),
            ("tasks", _) => match self.tasks.get(&who) {
                Some(own) => pick(own, &self.other_task),
                None => Some(self.other_task.clone()),
            },
            ("sessions", _) => match self.sessions.get(&who) {
                Some(own) => pick(own, &self.other_session),
                None => Some(self.other_session.clone()),
            },
            ("tokens", _) => match self.tokens.get(&who) {
                Some(own) => pick(own, &self.other_token),
                None => Some(self.other_token.clone()),
            },
            ("ack" | "whereabouts", _) if who == Who::Former && foreign => {
                Some(self.tampered_ack_token.clone())
            }
            ("ack" | "whereabouts", _) if who == Who::Former => Some(self.ack_token.clone()),
            ("whereabouts", _) => Some(FORGED_TOKEN.to_string()),
            // Taking off a competitor not on the list is a no-op (204).
            ("competitors", _) => Some("no-such-competitor".to_string()),
            ("ack", _) | ("receipt", _) | ("travel", _) => Some(FORGED_TOKEN.to_string()),
            // A calendar feed's token: everyone has a forged one (the real ones are tested in
            // `calendar.rs`).
            ("calendar", _) => Some(format!("{FORGED_TOKEN}.ics")),
            // A reset link is for a user who is none of the callers: everyone has a forged one.
            ("reset", _) => Some(FORGED_TOKEN.to_string()),
            ("setup", _) => Some(
                self.setup_token
                    .clone()
                    .unwrap_or_else(|| FORGED_TOKEN.to_string()),
            ),
            _ => None,
        }
    }

    /// The path with each `{…}` replaced by the record `who` asks about.
    pub(super) fn fill(&self, path: &str, who: Who, foreign: bool) -> String {
        let segments: Vec<&str> = path.split('/').collect();
        let mut out = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                out.push(segment.to_string());
                continue;
            };
            let rest = segments[i + 1..].join("/");
            let value = self
                .value(segments[i - 1], param, &rest, who, foreign)
                .unwrap_or_else(|| {
                    panic!(
                        "no record for {{{param}}} after /{}/ in {path}: add one to \
                         Fixtures::value in tests/api/role_matrix/fixtures.rs",
                        segments[i - 1]
                    )
                });
            out.push(value);
        }
        out.join("/")
    }
}

pub(super) fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

pub(super) fn line_of(departure: &Value, kind: &str) -> String {
    departure["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == kind)
        .map(id_of)
        .unwrap_or_else(|| panic!("no {kind} line in {departure}"))
}

pub(super) async fn get_json(app: &TestApp, client: &reqwest::Client, path: &str) -> Value {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.unwrap()
}

pub(super) fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

/// Someone who left on 28 February 2028 with a general tier and a non-compete, under
/// `manager_id`; their email in English goes to `private_email`. Returns their id.
pub(super) async fn leaver(
    app: &TestApp,
    hr: &reqwest::Client,
    no: &str,
    name: &str,
    manager_id: Option<&str>,
    private_email: &str,
) -> String {
    let mut body = person(no, name, manager_id);
    body["language"] = json!("en");
    body["private_email"] = json!(private_email);
    let id = add_employee(app, hr, body).await;
    set_tier(app, &id, "general");
    let r = hr
        .put(app.url(&format!("/api/v1/employees/{id}/non-compete")))
        .json(
            &json!({"months": 12, "monthly_compensation": 9000.0, "currency": "CNY",
                      "scope": "竞争对手", "region": "中国大陆", "bound_as": "senior_technical", "average_monthly_wage": 20000.0}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let last = "2028-02-28";
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": id, "notice_date": last, "last_working_day": last, "reason": "resignation"
    }))
    .await;
    assert_eq!(s, 201, "{dep}");
    let (s, done) = post(
        app,
        hr,
        &format!("/api/v1/departures/{}/complete", id_of(&dep)),
        json!({"override_reason": "left before the checklist was kept here"}),
    )
    .await;
    app.past_the_last_working_day().await;
    assert_eq!(s, 200, "{done}");
    id
}

pub(super) async fn obligation_of(
    app: &TestApp,
    client: &reqwest::Client,
    employee: &str,
    kind: &str,
) -> String {
    let page = get_json(
        app,
        client,
        &format!("/api/v1/obligations?employee_id={employee}&kind={kind}"),
    )
    .await;
    id_of(&page["items"][0])
}

pub(super) async fn carrier(
    app: &TestApp,
    hr: &reqwest::Client,
    tag: &str,
    custodian: &str,
) -> String {
    let (s, c) = post(
        app,
        hr,
        "/api/v1/carriers",
        json!({
            "tag": tag, "kind": "document", "classification": "secret",
            "custodian_id": custodian, "copies": 1
        }),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    id_of(&c)
}

/// Starts the departure of `employee` with `successor`; hands the secrets over (waiting for
/// the successor's signature). Returns its id, that line's and the open accounts line's.
pub(super) async fn depart(
    app: &TestApp,
    hr: &reqwest::Client,
    employee: &str,
    successor: &str,
) -> (String, String, String) {
    let (s, dep) = post(
        app,
        hr,
        "/api/v1/departures",
        json!({
            "employee_id": employee, "notice_date": "2028-04-01", "last_working_day": "2028-04-28",
            "reason": "resignation", "successor_id": successor
        }),
    )
    .await;
    assert_eq!(s, 201, "{dep}");
    let id = id_of(&dep);
    let handover = line_of(&dep, "secrets_handover");
    let (s, body) = post(
        app,
        hr,
        &format!("/api/v1/departures/{id}/lines/{handover}/confirm"),
        json!({"outcome": "handed_over"}),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    (id, handover, line_of(&dep, "accounts_revoked"))
}

pub(super) async fn propose(app: &TestApp, client: &reqwest::Client, employee: &str) -> String {
    let (s, change) = post(
        app,
        client,
        &format!("/api/v1/employees/{employee}/clearance-changes"),
        json!({"to_tier": "general", "reason": "works with secret drawings now"}),
    )
    .await;
    assert_eq!(s, 201, "{change}");
    id_of(&change)
}

pub(super) async fn report_publicly(
    app: &TestApp,
    anon: &reqwest::Client,
    what: &str,
) -> (String, String) {
    let (s, receipt) = post(app, anon, "/api/v1/public/breaches", json!({"what": what})).await;
    assert_eq!(s, 201, "{receipt}");
    (
        receipt["code"].as_str().unwrap().to_string(),
        receipt["secret"].as_str().unwrap().to_string(),
    )
}

pub(super) async fn task(app: &TestApp, sec: &reqwest::Client, case: &str, owner: &str) -> String {
    let (s, task) = post(
        app,
        sec,
        &format!("/api/v1/breaches/{case}/tasks"),
        json!({"title": "Lock the lab", "owner_id": owner, "due_on": "2028-05-01"}),
    )
    .await;
    assert_eq!(s, 201, "{task}");
    id_of(&task)
}
