//! The people register: adding, searching, editing employees, and who may see whom.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_databases;

/// Adds an employee through the API as `hr`; returns its id.
pub async fn add_employee(app: &TestApp, hr: &reqwest::Client, body: Value) -> String {
    let r = hr
        .post(app.url("/api/v1/employees"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

pub fn person(no: &str, name: &str, manager_id: Option<&str>) -> Value {
    json!({
        "employee_no": no, "name": name, "department": "研发部", "title": "工程师",
        "work_email": format!("{}@corp.example", no.to_lowercase()),
        "language": "zh-CN", "manager_id": manager_id, "hire_date": "2020-02-29"
    })
}

/// A small company: boss → lead → dev, and an outsider in another line.
pub struct Org {
    pub boss: String,
    pub lead: String,
    pub dev: String,
    pub outsider: String,
}

pub async fn small_org(app: &TestApp, hr: &reqwest::Client) -> Org {
    let boss = add_employee(app, hr, person("M001", "刘经理", None)).await;
    let lead = add_employee(app, hr, person("L001", "陈组长", Some(&boss))).await;
    let dev = add_employee(app, hr, person("D001", "张伟", Some(&lead))).await;
    let outsider = add_employee(app, hr, person("X001", "Outsider Olsen", None)).await;
    Org {
        boss,
        lead,
        dev,
        outsider,
    }
}

/// A client signed in as a manager user linked to employee `employee_no`.
pub async fn manager_client(app: &TestApp, email: &str, employee_no: &str) -> reqwest::Client {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    app.add_user(email, &["manager"]);
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::employee_no.eq(employee_no))
        .execute(&mut app.db())
        .unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = client
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": email, "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    client
}

async fn list(app: &TestApp, client: &reqwest::Client, query: &str) -> Value {
    let r = client
        .get(app.url(&format!("/api/v1/employees?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn numbers(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["employee_no"].as_str().unwrap().to_string())
        .collect()
}

on_both_databases! {
    async fn hr_adds_an_employee_who_starts_active_without_a_tier(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let id = add_employee(&app, &hr, person("E100", "王芳", None)).await;
        let e: Value = hr.get(app.url(&format!("/api/v1/employees/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(e["name"], "王芳");
        assert_eq!(e["status"], "active");
        assert_eq!(e["clearance_tier"], "none");
        assert_eq!(e["hire_date"], "2020-02-29");
        assert_eq!(e["work_email"], "e100@corp.example");

        let dup = hr.post(app.url("/api/v1/employees")).json(&person("E100", "Someone", None)).send().await.unwrap();
        assert_eq!(dup.status(), 422);
        let body: Value = dup.json().await.unwrap();
        assert!(body["error"]["fields"]["employee_no"].as_str().unwrap().contains("another employee"));
    }

    async fn a_stored_tier_that_is_no_tier_is_an_error_never_read_as_unclassified(app: TestApp) {
        use diesel::connection::SimpleConnection;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let id = add_employee(&app, &hr, person("E150", "赵敏", None)).await;
        app.db()
            .batch_execute(&format!("UPDATE employees SET clearance_tier = 'top_secret' WHERE id = '{id}'"))
            .unwrap();
        let r = hr.get(app.url(&format!("/api/v1/employees/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), 500, "a corrupt tier must not be shown as some tier");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "internal", "{body}");
        assert!(!body.to_string().contains("\"none\""), "{body}");
        // Put right, the person reads again.
        app.db()
            .batch_execute(&format!("UPDATE employees SET clearance_tier = 'core' WHERE id = '{id}'"))
            .unwrap();
        let e: Value = hr.get(app.url(&format!("/api/v1/employees/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(e["clearance_tier"], "core");
    }

    async fn bad_employee_input_names_each_field_and_changes_nothing(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let r = hr.post(app.url("/api/v1/employees"))
            .json(&json!({"employee_no": "E 1", "name": "", "department": "x", "work_email": "nope",
                          "language": "fr", "hire_date": "2023-02-29", "manager_id": "no-such-id"}))
            .send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        let fields = body["error"]["fields"].as_object().unwrap();
        for f in ["employee_no", "name", "work_email", "language", "hire_date"] {
            assert!(fields.contains_key(f), "{f} missing in {body}");
        }
        let r = hr.post(app.url("/api/v1/employees"))
            .json(&person("E2", "Valid", Some("no-such-id"))).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["fields"]["manager_id"].is_string(), "{body}");
        assert_eq!(list(&app, &hr, "").await["total"], 0);
    }

    async fn search_finds_chinese_names_numbers_and_emails(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        assert_eq!(numbers(&list(&app, &hr, "q=%E5%BC%A0").await), ["D001"], "张");
        assert_eq!(numbers(&list(&app, &hr, "q=l001").await), ["L001"]);
        assert_eq!(numbers(&list(&app, &hr, "q=OLSEN").await), ["X001"]);
        assert_eq!(numbers(&list(&app, &hr, "q=x001%40corp").await), ["X001"]);
        assert_eq!(list(&app, &hr, "q=%25").await["total"], 0, "% is a literal");
        // Any part of a name, a number or email from its start or the start of a part, and
        // every word typed.
        assert_eq!(numbers(&list(&app, &hr, "q=%E4%BC%9F").await), ["D001"], "伟, the given name");
        assert_eq!(numbers(&list(&app, &hr, "q=lsen").await), ["X001"]);
        assert_eq!(numbers(&list(&app, &hr, "q=outsider%20olsen").await), ["X001"]);
        assert_eq!(numbers(&list(&app, &hr, "q=olsen%20d001").await), Vec::<String>::new());
        assert_eq!(list(&app, &hr, "q=corp.example").await["total"], 4);
        assert_eq!(list(&app, &hr, "q=%40corp").await["total"], 4);
        assert_eq!(list(&app, &hr, "q=%40").await["total"], 0, "only a separator finds nobody");
        // A new name is found at once; the old one no longer.
        let r = hr.patch(app.url(&format!("/api/v1/employees/{}", org.dev)))
            .json(&json!({ "name": "张明" })).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(numbers(&list(&app, &hr, "q=%E6%98%8E").await), ["D001"], "明");
        assert_eq!(list(&app, &hr, "q=%E4%BC%9F").await["total"], 0, "伟 no more");
        let page = list(&app, &hr, "per_page=2&page=2").await;
        assert_eq!(page["total"], 4);
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
        let bad = hr.get(app.url("/api/v1/employees?tier=secret")).send().await.unwrap();
        assert_eq!(bad.status(), 422);
        assert_eq!(list(&app, &hr, "tier=none&status=active&department=%E7%A0%94%E5%8F%91%E9%83%A8").await["total"], 4);
    }

    async fn people_registered_without_search_terms_are_found_after_a_restart(app: TestApp) {
        use diesel::prelude::*;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        // As someone registered by an older instance, or before the terms: none written.
        use tuomi::db::schema::person_terms;
        diesel::delete(person_terms::table.filter(person_terms::employee_id.eq(&org.dev)))
            .execute(&mut app.db())
            .unwrap();
        assert_eq!(list(&app, &hr, "q=%E5%BC%A0").await["total"], 0);
        tuomi::db::migrate(&mut app.db()).unwrap();
        assert_eq!(numbers(&list(&app, &hr, "q=%E5%BC%A0").await), ["D001"], "张");
        assert_eq!(list(&app, &hr, "q=corp").await["total"], 4);
    }

    async fn a_manager_sees_their_reports_and_nobody_else(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let mut seen = numbers(&list(&app, &boss, "").await);
        seen.sort();
        assert_eq!(seen, ["D001", "L001"]);
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        assert_eq!(numbers(&list(&app, &lead, "").await), ["D001"]);
        assert_eq!(numbers(&list(&app, &lead, "q=olsen").await), Vec::<String>::new());

        let r = boss.get(app.url(&format!("/api/v1/employees/{}", org.dev))).send().await.unwrap();
        assert_eq!(r.status(), 200, "indirect reports are visible");
        let r = boss.get(app.url(&format!("/api/v1/employees/{}", org.lead))).send().await.unwrap();
        assert_eq!(r.status(), 200, "direct reports are visible");
        let r = boss.get(app.url(&format!("/api/v1/employees/{}", org.outsider))).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = lead.get(app.url(&format!("/api/v1/employees/{}", org.boss))).send().await.unwrap();
        assert_eq!(r.status(), 403, "not their own manager either");

        let unlinked = app.signed_in("loose@example.com", &["manager"]).await;
        assert_eq!(list(&app, &unlinked, "").await["total"], 0);
        let r = boss.post(app.url("/api/v1/employees")).json(&person("Z1", "Z", None)).send().await.unwrap();
        assert_eq!(r.status(), 403, "managers do not edit the register");
    }

    async fn editing_an_employee_changes_only_what_is_sent_and_refuses_a_reporting_cycle(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let url = app.url(&format!("/api/v1/employees/{}", org.boss));
        let r = hr.patch(&url).json(&json!({"manager_id": org.dev})).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["fields"]["manager_id"].as_str().unwrap().contains("own reports"));

        let r = hr.patch(&url).json(&json!({"title": "总监", "private_email": "Liu@Home.example"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["title"], "总监");
        assert_eq!(e["private_email"], "liu@home.example");
        assert_eq!(e["name"], "刘经理");

        let dev_url = app.url(&format!("/api/v1/employees/{}", org.dev));
        let e: Value = hr.patch(&dev_url).json(&json!({"manager_id": null})).send().await.unwrap().json().await.unwrap();
        assert_eq!(e["manager_id"], Value::Null);

        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let audit: Value = sec.get(app.url(&format!("/api/v1/audit?subject_type=employee&subject_id={}", org.boss))).send().await.unwrap().json().await.unwrap();
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["employee.updated", "employee.created"]);
        assert_eq!(audit["items"][0]["details"]["title"]["to"], "总监");
    }

    async fn a_manager_may_be_named_by_employee_number_and_the_register_sorts_by_listed_columns(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let mut body = person("E300", "新人", None);
        body["manager_no"] = json!("L001");
        let id = add_employee(&app, &hr, body).await;
        let e: Value = hr.get(app.url(&format!("/api/v1/employees/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(e["manager_id"], json!(org.lead));

        for (manager_id, manager_no, why) in [
            (None, "NOPE", "no employee has this number"),
            (Some(org.boss.as_str()), "L001", "names another employee"),
        ] {
            let mut body = person("E301", "另一人", manager_id);
            body["manager_no"] = json!(manager_no);
            let r = hr.post(app.url("/api/v1/employees")).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 422);
            let body: Value = r.json().await.unwrap();
            assert!(body["error"]["fields"]["manager_no"].as_str().unwrap().contains(why), "{body}");
        }

        let url = app.url(&format!("/api/v1/employees/{id}"));
        let e: Value = hr.patch(&url).json(&json!({"manager_no": "M001"})).send().await.unwrap().json().await.unwrap();
        assert_eq!(e["manager_id"], json!(org.boss));
        let boss_url = app.url(&format!("/api/v1/employees/{}", org.boss));
        let r = hr.patch(&boss_url).json(&json!({"manager_no": "D001"})).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["fields"]["manager_no"].as_str().unwrap().contains("own reports"), "a cycle, said on the field used: {body}");

        assert_eq!(numbers(&list(&app, &hr, "sort=-employee_no").await), ["X001", "M001", "L001", "E300", "D001"]);
        assert_eq!(numbers(&list(&app, &hr, "sort=employee_no&per_page=2&page=2").await), ["L001", "M001"]);
        let r = hr.get(app.url("/api/v1/employees?sort=salary")).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["fields"]["sort"].is_string(), "{body}");
    }
}
