//! The non-compete agreement's terms: who may be bound (PRC Labor Contract Law art. 24), the
//! compensation where none was agreed (SPC Interpretation (I) art. 36) and the penalty of a
//! breach (art. 23, SPC art. 40), through the API and the person's page.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, get_json, page, submit_form};
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

on_both_databases! {
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
    let kept: (String, i64) = a::table
        .select((a::bound_as, a::monthly_compensation))
        .first(&mut app.db())
        .unwrap();
    assert_eq!(kept, ("confidentiality_duty".to_string(), 800000));
}

#[actix_web::test]
async fn stored_agreements_bind_as_confidentiality_duty_on_upgrade_on_sqlite() {
    a_stored_agreement_binds_a_person_with_a_confidentiality_duty(Backend::Sqlite).await;
}

#[actix_web::test]
async fn stored_agreements_bind_as_confidentiality_duty_on_upgrade_on_postgres() {
    a_stored_agreement_binds_a_person_with_a_confidentiality_duty(Backend::Postgres).await;
}
