//! The world the matrix asks about: a caller of each role signed in (the former employee
//! with only their emailed link, the anonymous one with nothing), and the records the `{…}`
//! of the paths stand for — each caller's own, and someone else's.

use std::collections::BTreeMap;

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use serde_json::json;

use super::fixtures::{
    Fixtures, carrier, depart, id_of, leaver, obligation_of, propose, report_publicly, task,
};
use super::table::Who;
use crate::helpers::{PASSWORD, TestApp, csrf_of, post};
use crate::people::{add_employee, person};
use crate::reminders::shanghai;

pub(super) struct Caller {
    pub(super) who: Who,
    /// Sends this caller's cookies (session, CSRF) with every request, and keeps none it is
    /// sent back, so a sign-out route does not sign them out of the rest of the matrix.
    pub(super) client: reqwest::Client,
    pub(super) csrf: String,
    pub(super) user_id: Option<String>,
    /// Another session of the same user, for the routes that sign out: they end a session,
    /// which must not be the one the rest of the matrix asks with.
    pub(super) spare: Option<Box<Caller>>,
    /// The id of a third session of theirs, which the matrix ends by its id.
    pub(super) own_session: Option<String>,
}

/// `name=value` of every cookie a response sets.
pub(super) fn cookies_set(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_string)
        .collect()
}

pub(super) fn plain_client(cookies: &[String]) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    if !cookies.is_empty() {
        headers.insert(COOKIE, HeaderValue::from_str(&cookies.join("; ")).unwrap());
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A caller: signed in as `email` when given; with a CSRF cookie and its token either way.
pub(super) async fn caller(
    app: &TestApp,
    who: Who,
    email: Option<&str>,
    user_id: Option<String>,
) -> Caller {
    let mut main = one_session(app, who, email, user_id.clone()).await;
    if email.is_some() {
        main.spare = Some(Box::new(
            one_session(app, who, email, user_id.clone()).await,
        ));
        let third = one_session(app, who, email, user_id).await;
        let listed = third
            .client
            .get(app.url("/api/v1/me/sessions"))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        main.own_session = listed["items"]
            .as_array()
            .and_then(|items| items.iter().find(|s| s["current"] == true))
            .map(id_of);
    }
    main
}

/// One session of a caller (none when no email), with its CSRF cookie and token.
async fn one_session(
    app: &TestApp,
    who: Who,
    email: Option<&str>,
    user_id: Option<String>,
) -> Caller {
    let mut cookies = Vec::new();
    if let Some(email) = email {
        let r = plain_client(&[])
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "sign-in of {email}");
        cookies.extend(cookies_set(&r));
    }
    let r = plain_client(&cookies)
        .get(app.url("/report"))
        .send()
        .await
        .unwrap();
    cookies.extend(cookies_set(&r));
    let csrf = csrf_of(&r.text().await.unwrap());
    Caller {
        who,
        client: plain_client(&cookies),
        csrf,
        user_id,
        spare: None,
        own_session: None,
    }
}

/// Everything the matrix asks about, and its callers.
pub(super) struct World {
    pub(super) callers: Vec<Caller>,
    pub(super) fx: Fixtures,
    /// The other former employee's link and name, for the checks of who sees what.
    pub(super) former_name: String,
    pub(super) other_ack_token: String,
    pub(super) other_former_name: String,
    pub(super) other_reporter: (String, String),
    pub(super) receipt_path: String,
    pub(super) outsider_name: String,
    /// Names and ids of people and records outside the manager's team: no page or answer the
    /// manager gets may hold one.
    pub(super) outside_team: Vec<String>,
}

impl World {
    pub(super) fn caller(&self, who: Who) -> &Caller {
        self.callers.iter().find(|c| c.who == who).unwrap()
    }
}

pub(super) async fn build_world(app: &TestApp) -> World {
    // Before the clock moves: two former employees, one in the manager's team, who get their
    // first quarterly reminder on 1 April.
    let setup = app.token_client("setup-hr@example.com", &["hr"]).await;
    app.run_jobs().await;
    let boss = add_employee(app, &setup, person("M001", "Manager Meng", None)).await;
    let report = add_employee(app, &setup, person("D001", "Report Rao", Some(&boss))).await;
    let other_boss = add_employee(app, &setup, person("N001", "Other Ning", None)).await;
    let outsider_name = "Outsider Ou".to_string();
    let outsider = add_employee(
        app,
        &setup,
        person("X001", &outsider_name, Some(&other_boss)),
    )
    .await;
    let former_name = "Former Fang".to_string();
    let former = leaver(
        app,
        &setup,
        "F001",
        &former_name,
        Some(&boss),
        "fang@home.example",
    )
    .await;
    let other_former_name = "Former Guo".to_string();
    let other_former = leaver(
        app,
        &setup,
        "F002",
        &other_former_name,
        None,
        "guo@home.example",
    )
    .await;
    app.clock.set(shanghai(2028, 4, 1, 9, 5));
    app.run_jobs().await;
    let token_in = |email: &str| {
        let mail = app.smtp.to(email);
        let path = mail
            .first()
            .unwrap_or_else(|| panic!("no email to {email}"))
            .ack_path();
        path.trim_start_matches("/ack/").to_string()
    };
    let ack_token = token_in("fang@home.example");
    let other_ack_token = token_in("guo@home.example");
    let reminder = ack_token.split('.').next().unwrap().to_string();
    let other_reminder = other_ack_token.split('.').next().unwrap();
    let tampered_ack_token = ack_token.replacen(&reminder, other_reminder, 1);

    // The callers sign in now (a session lasts hours, not the months just skipped).
    let ids: BTreeMap<Who, String> = [
        (Who::Admin, "admin@example.com", "admin"),
        (Who::Hr, "hr@example.com", "hr"),
        (Who::Security, "security@example.com", "security"),
        (Who::Manager, "manager@example.com", "manager"),
    ]
    .into_iter()
    .map(|(who, email, role)| (who, app.add_user(email, &[role])))
    .collect();
    {
        use diesel::prelude::*;
        use tuomi::db::schema::users;
        diesel::update(users::table.filter(users::email.eq("manager@example.com")))
            .set(users::employee_no.eq("M001"))
            .execute(&mut app.db())
            .unwrap();
    }
    let other_user = app.add_user("other@example.com", &["hr"]);
    app.add_user("probe@example.com", &["manager"]);
    let mut callers = Vec::new();
    for (who, email) in [
        (Who::Admin, Some("admin@example.com")),
        (Who::Hr, Some("hr@example.com")),
        (Who::Security, Some("security@example.com")),
        (Who::Manager, Some("manager@example.com")),
        (Who::Former, None),
        (Who::Anonymous, None),
    ] {
        callers.push(caller(app, who, email, ids.get(&who).cloned()).await);
    }
    let by = |who: Who| &callers.iter().find(|c| c.who == who).unwrap().client;
    let (admin, hr, sec, anon) = (
        by(Who::Admin),
        by(Who::Hr),
        by(Who::Security),
        by(Who::Anonymous),
    );

    // Carriers in the custody of the manager's report and of the outsider.
    let own_carrier = carrier(app, hr, "MX-1", &report).await;
    let foreign_carrier = carrier(app, hr, "MX-2", &outsider).await;

    // Both leave: the report with the manager as successor, the outsider with their own
    // manager. Each has the secrets handed over (waiting for the successor's signature) and
    // an open line to confirm.
    let (departure, receive_line, confirm_line) = depart(app, hr, &report, &boss).await;
    let (foreign_departure, foreign_receive_line, foreign_confirm_line) =
        depart(app, hr, &outsider, &other_boss).await;
    // The report's exit notice is signed on paper, with its scan, so the scan is there to read.
    {
        use tuomi::domain::users::Role;
        let mut conn = app.db();
        let by = tuomi::db::users::active_with_roles(&mut conn, &[Role::Hr]).unwrap()[0]
            .id
            .clone();
        let (now, day) = (
            tuomi::clock::Clock::now(&*app.clock),
            chrono::NaiveDate::from_ymd_opt(2028, 4, 1).unwrap(),
        );
        tuomi::db::write_tx(&mut conn, |tx| {
            tuomi::db::papers::record_signed_exit_notice(
                tx,
                now,
                day,
                &by,
                &departure,
                day,
                Some(("signed.pdf".into(), b"%PDF-1.4 signed".to_vec())),
            )
        })
        .unwrap();
    }
    app.run_jobs().await;
    let receipt_mail = app.smtp.to("n001@corp.example");
    let text = receipt_mail
        .first()
        .expect("the successor's receipt email")
        .text();
    let start = text.find("/receipt/").expect("a signing link");
    let receipt_path = text[start..].split_whitespace().next().unwrap().to_string();

    // Tier changes: one another HR user proposed for the manager's report (HR and the
    // manager, above the report, may review it), one HR proposed for the outsider.
    let proposer = app.token_client("proposer@example.com", &["hr"]).await;
    let change = propose(app, &proposer, &report).await;
    let foreign_change = propose(app, hr, &outsider).await;

    // Obligations: the former employee in the manager's team, and the other one.
    let obligation = obligation_of(app, hr, &former, "non_compete").await;
    let foreign_obligation = obligation_of(app, hr, &other_former, "non_compete").await;
    let declassification = obligation_of(app, hr, &former, "declassification").await;
    let (s, extension) = post(
        app,
        hr,
        &format!("/api/v1/obligations/{declassification}/extensions"),
        json!({"new_end": "2029-12-31", "reason": "still holds the drawings' secrets"}),
    )
    .await;
    assert_eq!(s, 201, "{extension}");

    // A pledge of the report, and one of the outsider (for the pledge pages to come).
    let (s, text) = post(
        app,
        admin,
        "/api/v1/pledge-texts",
        json!({
            "kind": "entry", "title_zh": "保密承诺书", "body_zh": "本人承诺……",
            "title_en": "Confidentiality pledge", "body_en": "I pledge…"
        }),
    )
    .await;
    assert_eq!(s, 201, "{text}");
    let pledge_of = |employee: String| {
        let body = json!({"pledge_text_id": id_of(&text), "method": "paper",
                          "signed_on": "2028-03-30", "scan_ref": "cabinet 3"});
        async move {
            let path = format!("/api/v1/employees/{employee}/pledges");
            let (s, pledge) = post(app, hr, &path, body).await;
            assert_eq!(s, 201, "{pledge}");
            id_of(&pledge)
        }
    };
    // The report's pledge is signed on paper with its scan, so the scan is there to read.
    let pledge = {
        use tuomi::domain::users::Role;
        let mut conn = app.db();
        let by = tuomi::db::users::active_with_roles(&mut conn, &[Role::Hr]).unwrap()[0]
            .id
            .clone();
        let (now, day) = (
            tuomi::clock::Clock::now(&*app.clock),
            chrono::NaiveDate::from_ymd_opt(2028, 3, 30).unwrap(),
        );
        tuomi::db::write_tx(&mut conn, |tx| {
            tuomi::db::papers::record_paper_pledge(
                tx,
                now,
                day,
                &by,
                &report,
                &id_of(&text),
                day,
                Some(("pledge.pdf".into(), b"%PDF-1.4 pledge".to_vec())),
            )
        })
        .unwrap()
        .id
    };
    let foreign_pledge = pledge_of(outsider.clone()).await;

    // Two public reports; security works the first: evidence and a task for each user.
    let reporter = report_publicly(app, anon, "Drawings photographed in the lab").await;
    let other_reporter = report_publicly(app, anon, "A laptop left in a taxi").await;
    let case = crate::breaches::case_id_of(app, sec, &reporter.0).await;
    let r = sec
        .post(app.url(&format!("/api/v1/breaches/{case}/evidence")))
        .header("X-File-Name", "note.txt")
        .header(CONTENT_TYPE, "text/plain")
        .body("what I saw")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let evidence = id_of(&r.json().await.unwrap());
    let mut tasks = BTreeMap::new();
    for (who, id) in &ids {
        tasks.insert(*who, task(app, sec, &case, id).await);
    }
    let other_task = task(app, sec, &case, &other_user).await;

    // An API token of each user.
    let mut tokens = BTreeMap::new();
    for c in &callers {
        if c.user_id.is_some() {
            let (s, t) = post(app, &c.client, "/api/v1/tokens", json!({"name": "matrix"})).await;
            assert_eq!(s, 201, "{t}");
            tokens.insert(c.who, id_of(&t));
        }
    }
    let other = caller(app, Who::Hr, Some("other@example.com"), None).await;
    let (s, t) = post(
        app,
        &other.client,
        "/api/v1/tokens",
        json!({"name": "theirs"}),
    )
    .await;
    assert_eq!(s, 201, "{t}");
    let sessions = callers
        .iter()
        .filter_map(|c| Some((c.who, c.own_session.clone()?)))
        .collect();
    let other_session = other.own_session.clone().expect("their session");

    let outside_team = vec![
        outsider_name.clone(),
        "Other Ning".to_string(),
        other_former_name.clone(),
        outsider.clone(),
        other_boss.clone(),
        other_former.clone(),
        foreign_departure.clone(),
        foreign_carrier.clone(),
        foreign_obligation.clone(),
        foreign_change.clone(),
    ];
    let setup_token = app
        .setup_link
        .as_ref()
        .and_then(|l| l.rsplit('/').next())
        .map(str::to_string);
    World {
        fx: Fixtures {
            report,
            outsider,
            departure,
            foreign_departure,
            confirm_line,
            foreign_confirm_line,
            receive_line,
            foreign_receive_line,
            carrier: own_carrier,
            foreign_carrier,
            change,
            foreign_change,
            extension: id_of(&extension),
            obligation,
            foreign_obligation,
            reminder,
            case,
            evidence,
            pledge,
            foreign_pledge,
            pledge_text: id_of(&text),
            other_user,
            tasks,
            other_task,
            tokens,
            other_token: id_of(&t),
            sessions,
            other_session,
            ack_token,
            tampered_ack_token,
            setup_token,
            reporter,
        },
        callers,
        former_name,
        other_ack_token,
        other_former_name,
        other_reporter,
        receipt_path,
        outside_team,
        outsider_name,
    }
}
