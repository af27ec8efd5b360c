//! Every CSV export a role can reach: a cell a spreadsheet would read as a formula comes out
//! as text (a leading `'`), while the numbers we write stay numbers.

use serde_json::json;

use crate::helpers::{TestApp, get_json, post};
use crate::on_both_databases;

/// Would a spreadsheet evaluate this cell? (Our plain numbers, `-300.00`, are numbers.)
fn live_formula(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !(digits(whole) && digits(fraction))
}

/// The file name an export is downloaded as, and its cells.
async fn export(client: &reqwest::Client, app: &TestApp, path: &str) -> (String, Vec<String>) {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let name = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .split("filename=\"")
        .nth(1)
        .and_then(|n| n.split('"').next())
        .unwrap()
        .to_string();
    let bytes = r.bytes().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[..]);
    let cells = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    (name, cells)
}

/// Every export, by the name it downloads as, and the planted value a cell of it must start
/// with (as text).
/// An export the crawl finds that is not here fails the test: give it a planted case.
const PLANTED: &[(&str, &str)] = &[
    ("audit.csv", "'=HYPERLINK(1)"),
    ("carriers.csv", "'-2+3"),
    ("cases.csv", "'=cmd|' /C calc'!A0"),
    ("departures.csv", "'+1+1"),
    ("employees.csv", "'+1+1"),
    ("entry-exit-filing.csv", "'+1+1"),
    ("extensions.csv", "'=1+3"),
    ("obligations.csv", "'+1+1"),
    ("outcomes.csv", "'=DECIDE()"),
    ("pledge-texts.csv", "'@SUM(1+1)"),
    ("reminders-forecast.csv", "'+1+1"),
    ("reminders.csv", "'+1+1"),
    ("tasks.csv", "'=1+4"),
    ("tier-changes.csv", "'=1+2"),
    ("travel-documents.csv", "'+1+1"),
    ("trips.csv", "'+1+1"),
    ("users.csv", "'=HYPERLINK(1)"),
];

/// What a stranger, an import or a colleague could type, planted where each export shows it.
async fn plant(app: &TestApp, clients: &[(&str, reqwest::Client)]) {
    use diesel::prelude::*;
    use tuomi::db::schema::{carriers, employees, users};
    let [(_, hr), (_, sec), (_, admin)] = clients else {
        panic!("hr, security and admin");
    };
    let (s, receipt) = post(
        app,
        &reqwest::Client::new(),
        "/api/v1/public/breaches",
        json!({
            "what": "=cmd|' /C calc'!A0", "person": "=cmd|' /C calc'!A0"
        }),
    )
    .await;
    assert_eq!(s, 201);
    let case = crate::breaches::case_id_of(app, sec, receipt["code"].as_str().unwrap()).await;
    let owner = get_json(app, sec, "/api/v1/me").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, body) = post(
        app,
        sec,
        &format!("/api/v1/breaches/{case}/tasks"),
        json!({
            "title": "=1+4", "owner_id": owner, "due_on": "2028-05-01"
        }),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let (s, body) = post(
        app,
        admin,
        "/api/v1/pledge-texts",
        json!({
            "kind": "entry", "title_zh": "@SUM(1+1)", "body_zh": "本人承诺……",
            "title_en": "@SUM(1+1)", "body_en": "I pledge…"
        }),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    // A decided case about an employee, for HR's outcomes.
    let employee = get_json(app, hr, "/api/v1/employees?per_page=1").await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, staff) = post(
        app,
        hr,
        "/api/v1/breaches",
        json!({
            "employee_id": employee, "what": "Drawings posted online."
        }),
    )
    .await;
    assert_eq!(s, 201, "{staff}");
    let decided = crate::breaches::case_id_of(app, sec, staff["code"].as_str().unwrap()).await;
    for step in [
        json!({"status": "triaged", "reason": "credible", "severity": "low"}),
        json!({"status": "investigating", "reason": "interviews"}),
        json!({"status": "substantiated", "reason": "confirmed", "decision": "=DECIDE()"}),
    ] {
        let r = sec
            .patch(app.url(&format!("/api/v1/breaches/{decided}")))
            .json(&step)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    let (s, body) = post(
        app,
        hr,
        &format!("/api/v1/employees/{employee}/clearance-changes"),
        json!({
            "to_tier": "core", "reason": "=1+2"
        }),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    // A declassification period running on the test's clock (the seed dates from today).
    let former = crate::reminders::former(app, hr, "F001", "+1+1", "zh-CN", None, "core").await;
    let period = get_json(
        app,
        hr,
        &format!("/api/v1/obligations?employee_id={former}&kind=declassification"),
    )
    .await["items"][0]
        .clone();
    let ends: chrono::NaiveDate = period["ends_on"].as_str().unwrap().parse().unwrap();
    let (s, body) = post(
        app,
        hr,
        &format!(
            "/api/v1/obligations/{}/extensions",
            period["id"].as_str().unwrap()
        ),
        json!({"new_end": (ends + chrono::Duration::days(90)).to_string(), "reason": "=1+3"}),
    )
    .await;
    assert!(s == 201 || s == 200, "{body}");
    // A trip abroad with a passport out for it: the traveller's name is in both lists.
    crate::web_travel::a_trip_with_a_document_out(app).await;
    // What an import or a profile edit could have left in every name.
    let mut conn = app.db();
    diesel::update(employees::table)
        .set(employees::name.eq("+1+1"))
        .execute(&mut conn)
        .unwrap();
    diesel::update(users::table)
        .set(users::name.eq("=HYPERLINK(1)"))
        .execute(&mut conn)
        .unwrap();
    diesel::update(carriers::table)
        .set(carriers::description.eq("-2+3"))
        .execute(&mut conn)
        .unwrap();
}

on_both_databases! {
    async fn every_csv_export_writes_a_planted_formula_as_text(app: TestApp) {
        let out = app.command(&["dev", "seed", "--employees", "30"]).output().unwrap();
        assert!(out.status.success());
        let mut clients = Vec::new();
        for role in ["hr", "security", "admin"] {
            clients.push((role, app.signed_in(&format!("{role}@example.com"), &[role]).await));
        }
        // The security officer is given the task, so it is on their list.
        plant(&app, &clients).await;
        let mut found = std::collections::BTreeMap::<String, Vec<String>>::new();
        for (_, client) in &clients {
            let walk = crate::crawl::walk(&app, client, "/", 250).await;
            for path in walk.exports {
                let (name, cells) = export(client, &app, &path).await;
                let live: Vec<&String> = cells.iter().filter(|c| live_formula(c)).collect();
                assert!(live.is_empty(), "{path} ({name}) carries formulas: {live:?}");
                found.entry(name).or_default().extend(cells);
            }
        }
        let names: Vec<&str> = found.keys().map(String::as_str).collect();
        let listed: Vec<&str> = PLANTED.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, listed, "every export the pages link to has a planted case, and no more");
        for (name, planted) in PLANTED {
            assert!(
                found[*name].iter().any(|c| c.starts_with(planted)),
                "{name} shows {planted:?} as text"
            );
        }
        // Only what a spreadsheet would evaluate was given a quote: our numbers stay numbers.
        let quoted: Vec<&str> = found.values().flatten().filter_map(|c| c.strip_prefix('\'')).collect();
        assert!(quoted.iter().all(|c| live_formula(c)), "{quoted:?}");
        app.run_jobs().await;
    }
}
