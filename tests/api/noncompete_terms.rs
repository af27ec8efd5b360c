//! The non-compete agreement's terms: who may be bound (PRC Labor Contract Law art. 24), the
//! compensation where none was agreed (SPC Interpretation (I) art. 36) and the penalty of a
//! breach (art. 23, SPC art. 40), through the API and the person's page.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, get_json, page, post, submit_form};
use crate::on_both_databases;
use crate::people::small_org;
use crate::upgrade::OldDatabase;

async fn put_terms(
    app: &TestApp,
    hr: &reqwest::Client,
    employee_id: &str,
    body: &Value,
) -> (u16, Value) {
    let r = hr
        .put(app.url(&format!("/api/v1/employees/{employee_id}/non-compete")))
        .json(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap())
}

fn terms() -> Value {
    json!({"months": 12, "monthly_compensation": 8000.0, "currency": "CNY",
           "scope": "竞争对手的研发岗位", "region": "中国大陆", "bound_as": "senior_technical",
           "average_monthly_wage": 20000.0})
}

fn speak(app: &TestApp, email: &str, lang: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::language.eq(lang))
        .execute(&mut app.db())
        .unwrap();
}

/// Departs `employee_id` (left 31 January 2028) and returns their non-compete's id.
async fn depart(app: &TestApp, hr: &reqwest::Client, employee_id: &str) -> String {
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": employee_id, "notice_date": "2028-01-02", "last_working_day": "2028-01-31", "reason": "resignation"
    })).await;
    assert_eq!(s, 201, "{dep}");
    let done = format!(
        "/api/v1/departures/{}/complete",
        dep["id"].as_str().unwrap()
    );
    assert_eq!(
        post(app, hr, &done, json!({"override_reason": "test"}))
            .await
            .0,
        200
    );
    app.past_the_last_working_day().await;
    let page = get_json(
        app,
        hr,
        &format!("/api/v1/obligations?employee_id={employee_id}&kind=non_compete"),
    )
    .await;
    page["items"][0]["id"].as_str().unwrap().to_string()
}

async fn patch_case(app: &TestApp, sec: &reqwest::Client, id: &str, body: Value) -> Value {
    let r = sec
        .patch(app.url(&format!("/api/v1/breaches/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn put_penalty(
    app: &TestApp,
    who: &reqwest::Client,
    case: &str,
    body: Value,
) -> (u16, Value) {
    let r = who
        .put(app.url(&format!("/api/v1/breaches/{case}/penalty")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap())
}

/// A substantiated case about `employee_id`'s non-compete (damages of 50,000 agreed):
/// (case, obligation).
async fn substantiated_case(
    app: &TestApp,
    hr: &reqwest::Client,
    sec: &reqwest::Client,
    employee_id: &str,
) -> (String, String) {
    let mut body = terms();
    body["liquidated_damages"] = json!(50000.0);
    assert_eq!(put_terms(app, hr, employee_id, &body).await.0, 200);
    let obligation = depart(app, hr, employee_id).await;
    let (s, receipt) = post(app, hr, "/api/v1/breaches", json!({
        "employee_id": employee_id, "what": "The former engineer joined a competitor's research team.",
    })).await;
    assert_eq!(s, 201, "{receipt}");
    let case = crate::breaches::case_id_of(app, sec, receipt["code"].as_str().unwrap()).await;
    patch_case(
        app,
        sec,
        &case,
        json!({"status": "triaged", "reason": "credible", "severity": "high"}),
    )
    .await;
    patch_case(
        app,
        sec,
        &case,
        json!({"status": "investigating", "reason": "records"}),
    )
    .await;
    patch_case(
        app,
        sec,
        &case,
        json!({"status": "substantiated", "reason": "confirmed", "obligation_id": obligation}),
    )
    .await;
    (case, obligation)
}

on_both_databases! {
    async fn compensation_where_none_was_agreed_is_thirty_percent_of_the_wage_not_below_the_minimum_wage(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let org = small_org(&app, &hr).await;
        let mut policy = get_json(&app, &admin, "/api/v1/policy").await["policy"].clone();
        policy["minimum_wages"] = json!([
            {"region": "上海市", "monthly_minor_units": 269000, "effective_from": "2027-07-01"},
            {"region": "上海市", "monthly_minor_units": 274000, "effective_from": "2028-01-31"},
            {"region": " ", "monthly_minor_units": -1, "effective_from": "2028-01-01"},
        ]);
        let r = admin.put(app.url("/api/v1/policy")).json(&policy).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        let fields = &body["error"]["fields"];
        assert!(fields["minimum_wages.2.region"].is_string() && fields["minimum_wages.2.monthly_minor_units"].is_string(), "{body}");
        policy["minimum_wages"].as_array_mut().unwrap().pop();
        let r = admin.put(app.url("/api/v1/policy")).json(&policy).send().await.unwrap();
        assert_eq!(r.status(), 200);

        // None agreed, no average wage: refused, naming the field.
        let mut body = terms();
        body.as_object_mut().unwrap().remove("monthly_compensation");
        body.as_object_mut().unwrap().remove("average_monthly_wage");
        body["contract_region"] = json!("上海市");
        let (s, answer) = put_terms(&app, &hr, &org.dev, &body).await;
        assert_eq!(s, 422);
        assert!(answer["error"]["fields"]["average_monthly_wage"].as_str().unwrap().contains("art. 36"), "{answer}");
        body["average_monthly_wage"] = json!(8000.0);
        body["contract_region"] = json!("北京市");
        let (s, answer) = put_terms(&app, &hr, &org.dev, &body).await;
        assert_eq!(s, 422, "a region the policy has no minimum wage for");
        assert!(answer["error"]["fields"]["contract_region"].as_str().unwrap().contains("上海市"), "{answer}");

        // Leaving on 31 January 2028, when Shanghai's 2,740 took effect: 30% of 8,000 is 2,400,
        // below it, so each month owes the minimum wage.
        body["contract_region"] = json!("上海市");
        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-01-02", "last_working_day": "2028-01-31", "reason": "resignation"
        })).await;
        assert_eq!(s, 201, "{dep}");
        let (s, answer) = put_terms(&app, &hr, &org.dev, &body).await;
        assert_eq!(s, 200, "{answer}");
        assert_eq!(answer["monthly_compensation"], Value::Null);
        assert_eq!(answer["compensation"]["minimum_wage"], 274000);
        assert_eq!(answer["compensation"]["owed_monthly"], 274000);
        assert_eq!(answer["warning"], Value::Null, "nothing agreed, nothing below the floor");

        // An agreed amount below the floor stands, with a warning.
        body["monthly_compensation"] = json!(2500.0);
        let (s, answer) = put_terms(&app, &hr, &org.dev, &body).await;
        assert_eq!(s, 200);
        assert_eq!(answer["compensation"]["owed_monthly"], 250000);
        assert!(answer["warning"].as_str().unwrap().contains("2740.00"), "{answer}");
        // On the person's page the warning, and a refused region, read in the reader's language.
        let browser = app.signed_in("hr2@example.com", &["hr"]).await;
        let here = format!("/employees/{}", org.dev);
        let nc = format!("/api/v1/employees/{}/non-compete", org.dev);
        for (lang, warned, refused) in [
            ("zh-CN", "月补偿 2500.00 低于下限 2740.00", "制度中没有 &quot;北京市&quot; 的最低工资"),
            ("en", "the monthly compensation 2500.00 is below the floor of 2740.00", "the policy has no minimum wage for &quot;北京市&quot;"),
        ] {
            speak(&app, "hr2@example.com", lang);
            let (_, html) = page(&app, &browser, &here).await;
            assert!(html.contains(warned), "{lang}: {html}");
            let (_, _, html) = submit_form(&app, &browser, &here, &nc, &[
                ("_method", "PUT"), ("months", "12"), ("currency", "CNY"), ("scope", "竞争对手"),
                ("region", "中国大陆"), ("bound_as", "senior_technical"), ("average_monthly_wage", "8000"),
                ("contract_region", "北京市"),
            ]).await;
            assert!(html.contains("id=\"f-contract_region-error\"") && html.contains(refused), "{lang}: {html}");
        }

        body.as_object_mut().unwrap().remove("monthly_compensation");
        body["average_monthly_wage"] = json!(20000.0);
        assert_eq!(put_terms(&app, &hr, &org.dev, &body).await.0, 200);
        let done = format!("/api/v1/departures/{}/complete", dep["id"].as_str().unwrap());
        assert_eq!(post(&app, &hr, &done, json!({"override_reason": "test"})).await.0, 200);
        app.past_the_last_working_day().await;
        let page_ = get_json(&app, &hr, &format!("/api/v1/obligations?employee_id={}&kind=non_compete", org.dev)).await;
        let id = page_["items"][0]["id"].as_str().unwrap().to_string();
        let owed = get_json(&app, &hr, &format!("/api/v1/obligations/{id}/compensation")).await;
        assert_eq!((owed["owed_monthly"].as_i64(), owed["floor"].as_i64()), (Some(600_000), Some(600_000)), "30% of 20,000: {owed}");

        // The obligation page shows it, in the reader's language.
        for (lang, said) in [("zh-CN", "未约定：平均工资的 30%"), ("en", "None agreed: 30% of the average wage")] {
            speak(&app, "hr2@example.com", lang);
            let (status, html) = page(&app, &browser, &format!("/obligations/{id}")).await;
            assert_eq!(status, 200);
            assert!(html.contains(said) && html.contains("6,000.00 CNY") && html.contains("2,740.00 CNY"), "{lang}: {html}");
        }
    }

    async fn the_case_page_records_the_penalty_with_errors_in_both_languages(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        let (case, _) = substantiated_case(&app, &hr, &sec, &org.dev).await;
        let browser = app.signed_in("officer@example.com", &["security"]).await;
        let here = format!("/breaches/{case}");
        let action = format!("/api/v1/breaches/{case}/penalty");
        let (status, html) = page(&app, &browser, &here).await;
        assert_eq!(status, 200);
        assert!(html.contains("Liquidated damages of the non-compete") && html.contains("50,000.00"), "{html}");
        for (lang, said) in [("zh-CN", "违约金须先主张后支付"), ("en", "a penalty is paid only once claimed")] {
            speak(&app, "officer@example.com", lang);
            let (_, _, html) = submit_form(&app, &browser, &here, &action, &[
                ("_method", "PUT"), ("paid_amount", "50000"), ("paid_on", "2028-02-27"),
            ]).await;
            assert!(html.contains("id=\"f-paid_amount-error\"") && html.contains(said), "{lang}: {html}");
            assert!(html.contains("value=\"2028-02-27\""), "what was typed is kept");
        }
        let (_, _, html) = submit_form(&app, &browser, &here, &action, &[
            ("_method", "PUT"), ("_next", "#penalty"), ("_done", "sec_penalty_saved"), ("claimed", "true"),
            ("claimed_amount", "50000"), ("claimed_on", "2028-02-20"), ("paid_amount", "50000"), ("paid_on", "2028-02-27"),
        ]).await;
        assert!(html.contains("The penalty was recorded. The non-compete still runs."), "{html}");
        app.run_jobs().await;
    }

    async fn only_people_who_may_be_bound_can_be_bound_by_a_non_compete(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let mut body = terms();
        body.as_object_mut().unwrap().remove("bound_as");
        let (s, answer) = put_terms(&app, &hr, &org.dev, &body).await;
        assert_eq!(s, 422, "{answer}");
        let message = answer["error"]["fields"]["bound_as"].as_str().unwrap();
        assert!(message.contains("art. 24") && message.contains("senior management"), "{message}");
        body["bound_as"] = json!("intern");
        let (s, answer) = put_terms(&app, &hr, &org.dev, &body).await;
        assert_eq!(s, 422);
        assert!(answer["error"]["fields"]["bound_as"].as_str().unwrap().contains("confidentiality_duty"), "{answer}");
        let (s, answer) = put_terms(&app, &hr, &org.dev, &terms()).await;
        assert_eq!(s, 200, "{answer}");
        assert_eq!(answer["bound_as"], "senior_technical");
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let events = get_json(&app, &admin, &format!("/api/v1/audit?subject_id={}", org.dev)).await;
        assert!(events.to_string().contains("senior_technical"), "audited: {events}");
    }

    async fn the_person_page_asks_why_the_person_may_be_bound_in_both_languages(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let here = format!("/employees/{}", org.dev);
        let nc = format!("/api/v1/employees/{}/non-compete", org.dev);
        let form = [
            ("_method", "PUT"), ("_next", "#non-compete"), ("_done", "people_non_compete_saved"),
            ("months", "12"), ("monthly_compensation", "8000"), ("currency", "CNY"),
            ("scope", "竞争对手研发岗位"), ("region", "中国大陆"),
        ];
        for (lang, said) in [("zh-CN", "仅限高级管理人员"), ("en", "only senior management")] {
            speak(&app, "hr@example.com", lang);
            let (_, _, html) = submit_form(&app, &hr, &here, &nc, &form).await;
            assert!(html.contains("id=\"f-bound_as-error\"") && html.contains(said), "{lang}: {html}");
            assert!(html.contains(">竞争对手研发岗位</textarea>"), "what was typed is kept");
        }
        let mut with = form.to_vec();
        with.push(("bound_as", "senior_management"));
        let (_, _, html) = submit_form(&app, &hr, &here, &nc, &with).await;
        assert!(html.contains("The non-compete terms were saved.") && html.contains("Senior management"), "{html}");
        speak(&app, "hr@example.com", "zh-CN");
        let (_, html) = page(&app, &hr, &here).await;
        assert!(html.contains("<dd>高级管理人员</dd>"), "{html}");
        assert!(html.contains(r#"<option value="senior_management" selected>"#), "{html}");
    }

    async fn the_penalty_of_a_substantiated_non_compete_breach_is_recorded_and_the_duty_goes_on(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let org = small_org(&app, &hr).await;
        let mut body = terms();
        body["liquidated_damages"] = json!(-1.0);
        let (s, answer) = put_terms(&app, &hr, &org.dev, &body).await;
        assert_eq!(s, 422);
        assert!(answer["error"]["fields"]["liquidated_damages"].is_string(), "{answer}");
        body["liquidated_damages"] = json!(50000.0);
        let (s, answer) = put_terms(&app, &hr, &org.dev, &body).await;
        assert_eq!((s, &answer["liquidated_damages"]), (200, &json!(5_000_000)), "{answer}");
        let obligation = depart(&app, &hr, &org.dev).await;

        let (s, receipt) = post(&app, &hr, "/api/v1/breaches", json!({
            "employee_id": org.dev, "what": "The former engineer joined a competitor's research team.",
            "discovered_on": "2028-02-20"
        })).await;
        assert_eq!(s, 201, "{receipt}");
        let case = crate::breaches::case_id_of(&app, &sec, receipt["code"].as_str().unwrap()).await;
        let paid = json!({"claimed": true, "claimed_amount": 50000.0, "claimed_on": "2028-02-25",
                          "paid_amount": 50000.0, "paid_on": "2028-02-28"});
        let (s, answer) = put_penalty(&app, &hr, &case, paid.clone()).await;
        assert_eq!(s, 409, "not substantiated yet: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("substantiated"), "{answer}");

        patch_case(&app, &sec, &case, json!({"status": "triaged", "reason": "credible", "severity": "high"})).await;
        patch_case(&app, &sec, &case, json!({"status": "investigating", "reason": "records"})).await;
        patch_case(&app, &sec, &case, json!({"status": "substantiated", "reason": "confirmed",
            "obligation_id": obligation, "decision": "Claim the liquidated damages"})).await;

        let (s, answer) = put_penalty(&app, &hr, &case, json!({"claimed": false, "paid_amount": 50000.0, "paid_on": "2028-03-01"})).await;
        assert_eq!(s, 422, "{answer}");
        let fields = &answer["error"]["fields"];
        assert!(fields["paid_amount"].is_string() && fields["paid_on"].is_string(), "{answer}");
        assert_eq!(put_penalty(&app, &admin, &case, paid.clone()).await.0, 403, "HR and security only");
        let (s, claimed) = put_penalty(&app, &sec, &case, json!({"claimed": true, "claimed_amount": 50000.0, "claimed_on": "2028-02-25"})).await;
        assert_eq!(s, 200, "{claimed}");
        assert_eq!(claimed["paid_amount"], Value::Null);
        let (s, record) = put_penalty(&app, &hr, &case, paid).await;
        assert_eq!(s, 200, "{record}");
        assert_eq!((record["claimed_amount"].as_i64(), record["paid_on"].as_str()), (Some(5_000_000), Some("2028-02-28")));

        let read = get_json(&app, &hr, &format!("/api/v1/breaches/{case}/penalty")).await;
        assert_eq!(read["agreed_liquidated_damages"], 5_000_000);
        assert_eq!(read["penalty"]["paid_amount"], 5_000_000);
        let events = get_json(&app, &admin, &format!("/api/v1/audit?subject_id={case}")).await;
        let recorded: Vec<&Value> = events["items"].as_array().unwrap().iter()
            .filter(|e| e["action"] == "breach.penalty_recorded").collect();
        assert_eq!(recorded.len(), 2, "each record audited: {events}");
        assert_eq!(recorded[0]["details"]["before"]["paid_amount"], Value::Null, "the correction keeps what it replaced");

        // The non-compete goes on after payment (SPC Interpretation (I) art. 40).
        let o = get_json(&app, &hr, &format!("/api/v1/obligations/{obligation}")).await;
        assert_eq!((o["status"].as_str(), o["ends_on"].as_str()), (Some("breached"), Some("2029-01-31")), "{o}");
        let running = get_json(&app, &hr, &format!("/api/v1/obligations?employee_id={}&kind=non_compete&status=active", org.dev)).await;
        assert_eq!(running["total"], 1, "still counted as running: {running}");
        app.run_jobs().await; // the report's notice to security
    }
}

/// A policy as the version with one minimum wage wrote it.
const OLD_POLICY: &str = r#"
INSERT INTO users (id, email, name, language, password_hash, active, employee_no, created_at,
  updated_at)
VALUES ('admin', 'old-admin@example.com', '管理员', 'zh-CN', NULL, TRUE, NULL,
  '2026-11-30 09:00:00', '2026-11-30 09:00:00');
"#;

async fn a_stored_minimum_wage_becomes_every_regions(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-12-02-000001_line_titles_per_language")
    else {
        return;
    };
    let mut body = serde_json::to_value(tuomi::domain::policy::Policy::default()).unwrap();
    let o = body.as_object_mut().unwrap();
    o.remove("minimum_wages");
    o.insert("minimum_monthly_wage".into(), json!(269050));
    let mut zero = body.clone();
    zero["minimum_monthly_wage"] = json!(0);
    old.sql(OLD_POLICY).sql(&format!(
        "INSERT INTO policy_versions (version, body, created_at, created_by) VALUES          (1, '{zero}', '2026-11-30 09:00:00', 'admin'), (2, '{body}', '2026-12-01 09:00:00', 'admin');"
    ));
    let app = old.upgrade().await;
    let admin = app.token_client("admin@example.com", &["admin"]).await;
    let policy = get_json(&app, &admin, "/api/v1/policy").await;
    assert_eq!(policy["version"], 2);
    assert_eq!(
        policy["policy"]["minimum_wages"],
        json!([{"region": "*", "monthly_minor_units": 269050, "effective_from": "2000-01-01"}])
    );
    assert!(policy["policy"].get("minimum_monthly_wage").is_none());
    use diesel::prelude::*;
    use tuomi::db::schema::policy_versions as v;
    let first: String = v::table
        .filter(v::version.eq(1))
        .select(v::body)
        .first(&mut app.db())
        .unwrap();
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        first["minimum_wages"],
        json!([]),
        "no minimum wage set, none listed"
    );
}

#[actix_web::test]
async fn a_stored_minimum_wage_becomes_every_regions_on_upgrade_on_sqlite() {
    a_stored_minimum_wage_becomes_every_regions(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_stored_minimum_wage_becomes_every_regions_on_upgrade_on_postgres() {
    a_stored_minimum_wage_becomes_every_regions(Backend::Postgres).await;
}

/// An agreement as the version before `bound_as` wrote it.
const OLD_AGREEMENT: &str = "
INSERT INTO users (id, email, name, language, password_hash, active, employee_no, created_at,
  updated_at)
VALUES ('hr', 'old-hr@example.com', '王芳', 'zh-CN', NULL, TRUE, NULL, '2026-11-30 09:00:00',
  '2026-11-30 09:00:00');
INSERT INTO employees (id, employee_no, name, work_email, private_email, language, department,
  title, manager_id, hire_date, status, clearance_tier, search_text, created_at, updated_at)
VALUES ('e1', 'E001', '李雷', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'active',
  'none', 'e001 李雷', '2026-11-30 09:00:00', '2026-11-30 09:00:00');
INSERT INTO non_compete_agreements (employee_id, months, monthly_compensation, currency, scope,
  region, warning, updated_at, updated_by)
VALUES ('e1', 12, 800000, 'CNY', '竞争对手', '中国大陆', NULL, '2026-11-30 09:00:00', 'hr');
";

async fn a_stored_agreement_binds_a_person_with_a_confidentiality_duty(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-12-02-000001_line_titles_per_language")
    else {
        return;
    };
    old.sql(OLD_AGREEMENT);
    let app = old.upgrade().await;
    let hr = app.signed_in("hr@example.com", &["hr"]).await;
    let (status, html) = page(&app, &hr, "/employees/e1").await;
    assert_eq!(status, 200);
    assert!(html.contains("Has a confidentiality duty"), "{html}");
    use diesel::prelude::*;
    use tuomi::db::schema::non_compete_agreements as a;
    let kept: (String, Option<i64>) = a::table
        .select((a::bound_as, a::monthly_compensation))
        .first(&mut app.db())
        .unwrap();
    assert_eq!(kept, ("confidentiality_duty".to_string(), Some(800000)));
}

#[actix_web::test]
async fn stored_agreements_bind_as_confidentiality_duty_on_upgrade_on_sqlite() {
    a_stored_agreement_binds_a_person_with_a_confidentiality_duty(Backend::Sqlite).await;
}

#[actix_web::test]
async fn stored_agreements_bind_as_confidentiality_duty_on_upgrade_on_postgres() {
    a_stored_agreement_binds_a_person_with_a_confidentiality_duty(Backend::Postgres).await;
}
