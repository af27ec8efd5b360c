//! Clearance tiers change only through their chain (002 第五条、第六条): proposed, reviewed,
//! approved; each step by its own role, never by the proposer, and always with a reason.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, post};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

struct Staff {
    hr: reqwest::Client,
    hr2: reqwest::Client,
    sec: reqwest::Client,
}

async fn staff(app: &TestApp) -> Staff {
    Staff {
        hr: app.token_client("hr@example.com", &["hr"]).await,
        hr2: app.token_client("hr2@example.com", &["hr"]).await,
        sec: app.token_client("sec@example.com", &["security"]).await,
    }
}

async fn employee(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    client
        .get(app.url(&format!("/api/v1/employees/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Runs a change through the whole chain: proposed by hr2, reviewed by hr, approved by security.
async fn change_tier(app: &TestApp, s: &Staff, employee_id: &str, tier: &str) -> Value {
    let (status, change) = post(
        app,
        &s.hr2,
        &format!("/api/v1/employees/{employee_id}/clearance-changes"),
        json!({"to_tier": tier, "reason": "岗位调整"}),
    )
    .await;
    assert_eq!(status, 201, "{change}");
    let id = change["id"].as_str().unwrap();
    let (status, _) = post(
        app,
        &s.hr,
        &format!("/api/v1/clearance-changes/{id}/review"),
        json!({"decision": "approve", "reason": "符合岗位要求"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, change) = post(
        app,
        &s.sec,
        &format!("/api/v1/clearance-changes/{id}/approve"),
        json!({"decision": "approve", "reason": "批准"}),
    )
    .await;
    assert_eq!(status, 200, "{change}");
    change
}

on_both_databases! {
    async fn a_tier_takes_effect_only_when_proposed_reviewed_and_approved(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        let lead = manager_client(&app, "lead@example.com", "L001").await;

        let (status, change) = post(&app, &lead, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "core", "reason": "调入核心研发岗位"})).await;
        assert_eq!(status, 201, "{change}");
        assert_eq!(change["status"], "proposed");
        assert_eq!(change["from_tier"], "none");
        let id = change["id"].as_str().unwrap().to_string();
        assert_eq!(employee(&app, &s.hr, &org.dev).await["clearance_tier"], "none");

        let (status, change) = post(&app, &s.hr, &format!("/api/v1/clearance-changes/{id}/review"),
            json!({"decision": "approve", "reason": "符合条件"})).await;
        assert_eq!(status, 200);
        assert_eq!(change["status"], "reviewed");
        assert_eq!(employee(&app, &s.hr, &org.dev).await["clearance_tier"], "none", "not yet approved");

        let queue: Value = s.sec.get(app.url("/api/v1/clearance-changes?status=reviewed")).send().await.unwrap().json().await.unwrap();
        assert_eq!(queue["total"], 1);

        let (status, change) = post(&app, &s.sec, &format!("/api/v1/clearance-changes/{id}/approve"),
            json!({"decision": "approve", "reason": "同意"})).await;
        assert_eq!(status, 200);
        assert_eq!(change["status"], "approved");
        assert_eq!(change["effective_on"], "2028-02-28");
        assert_eq!(employee(&app, &s.hr, &org.dev).await["clearance_tier"], "core");

        let audit: Value = s.sec.get(app.url(&format!("/api/v1/audit?subject_type=clearance_change&subject_id={id}"))).send().await.unwrap().json().await.unwrap();
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().rev().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["clearance.proposed", "clearance.reviewed", "clearance.approved"]);
        let history: Value = lead.get(app.url(&format!("/api/v1/employees/{}/clearance-history", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(history["changes"][0]["review_reason"], "符合条件");
        assert_eq!(history["changes"][0]["decision_reason"], "同意");
    }

    async fn nobody_approves_their_own_proposal(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        let (_, change) = post(&app, &s.hr, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "general", "reason": "r"})).await;
        let id = change["id"].as_str().unwrap().to_string();
        let (status, _) = post(&app, &s.hr, &format!("/api/v1/clearance-changes/{id}/review"),
            json!({"decision": "approve", "reason": "mine"})).await;
        assert_eq!(status, 403);
        let (status, _) = post(&app, &s.hr2, &format!("/api/v1/clearance-changes/{id}/review"),
            json!({"decision": "approve", "reason": "ok"})).await;
        assert_eq!(status, 200);

        // Someone who is both HR and security still cannot approve a change they proposed.
        let both = app.signed_in("both@example.com", &["hr", "security"]).await;
        let (_, change) = post(&app, &both, &format!("/api/v1/employees/{}/clearance-changes", org.lead),
            json!({"to_tier": "general", "reason": "r"})).await;
        let id2 = change["id"].as_str().unwrap().to_string();
        post(&app, &s.hr, &format!("/api/v1/clearance-changes/{id2}/review"), json!({"decision": "approve", "reason": "ok"})).await;
        let (status, _) = post(&app, &both, &format!("/api/v1/clearance-changes/{id2}/approve"),
            json!({"decision": "approve", "reason": "mine"})).await;
        assert_eq!(status, 403);
    }

    async fn each_step_refuses_the_wrong_role_and_the_wrong_state(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let (_, change) = post(&app, &boss, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "important", "reason": "r"})).await;
        let id = change["id"].as_str().unwrap().to_string();
        let review = format!("/api/v1/clearance-changes/{id}/review");
        let approve = format!("/api/v1/clearance-changes/{id}/approve");
        let yes = json!({"decision": "approve", "reason": "ok"});

        assert_eq!(post(&app, &boss, &review, yes.clone()).await.0, 403, "the proposer does not review, though above the person");
        assert_eq!(post(&app, &s.sec, &review, yes.clone()).await.0, 403, "security does not review");
        assert_eq!(post(&app, &s.sec, &approve, yes.clone()).await.0, 409, "not reviewed yet");
        assert_eq!(post(&app, &s.hr, &review, yes.clone()).await.0, 200);
        assert_eq!(post(&app, &s.hr2, &review, yes.clone()).await.0, 409, "already reviewed");
        assert_eq!(post(&app, &s.hr, &approve, yes.clone()).await.0, 403, "HR does not approve");
        let (status, change) = post(&app, &s.sec, &approve, json!({"decision": "reject", "reason": "不需要"})).await;
        assert_eq!(status, 200);
        assert_eq!(change["status"], "rejected");
        assert_eq!(change["effective_on"], Value::Null);
        assert_eq!(post(&app, &s.sec, &approve, yes.clone()).await.0, 409, "rejected is final");
        assert_eq!(employee(&app, &s.hr, &org.dev).await["clearance_tier"], "none");
        assert_eq!(post(&app, &s.sec, "/api/v1/clearance-changes/no-such-id/approve", yes).await.0, 404);
    }

    async fn a_manager_proposes_tiers_only_for_their_own_reports(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let (status, _) = post(&app, &lead, &format!("/api/v1/employees/{}/clearance-changes", org.outsider),
            json!({"to_tier": "core", "reason": "r"})).await;
        assert_eq!(status, 403);
        let (status, _) = post(&app, &lead, &format!("/api/v1/employees/{}/clearance-changes", org.lead),
            json!({"to_tier": "core", "reason": "myself"})).await;
        assert_eq!(status, 403, "nobody proposes for themselves");
        let r = lead.get(app.url(&format!("/api/v1/employees/{}/clearance-history", org.outsider))).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = lead.get(app.url("/api/v1/clearance-changes")).send().await.unwrap();
        assert_eq!(r.status(), 403);
    }

    async fn every_step_needs_a_reason_and_one_change_waits_at_a_time(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        let path = format!("/api/v1/employees/{}/clearance-changes", org.dev);
        let (status, body) = post(&app, &s.hr, &path, json!({"to_tier": "core", "reason": "  "})).await;
        assert_eq!(status, 422);
        assert!(body["error"]["fields"]["reason"].is_string());
        let (status, body) = post(&app, &s.hr, &path, json!({"to_tier": "top", "reason": "r"})).await;
        assert_eq!(status, 422);
        assert!(body["error"]["fields"]["to_tier"].is_string(), "{body}");
        let (status, body) = post(&app, &s.hr, &path, json!({"to_tier": "none", "reason": "r"})).await;
        assert_eq!(status, 422, "already none: {body}");
        assert_eq!(post(&app, &s.hr, &path, json!({"to_tier": "core", "reason": "r"})).await.0, 201);
        assert_eq!(post(&app, &s.hr, &path, json!({"to_tier": "general", "reason": "r"})).await.0, 409);
    }

    async fn lowering_or_removing_a_tier_records_leaving_a_classified_post(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        change_tier(&app, &s, &org.dev, "important").await;
        let history: Value = s.hr.get(app.url(&format!("/api/v1/employees/{}/clearance-history", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(history["post_exits"], json!([]), "raising a tier leaves no post");

        app.clock.set(Utc.with_ymd_and_hms(2028, 6, 30, 8, 0, 0).unwrap());
        change_tier(&app, &s, &org.dev, "general").await;
        app.clock.set(Utc.with_ymd_and_hms(2029, 1, 31, 8, 0, 0).unwrap());
        change_tier(&app, &s, &org.dev, "none").await;
        let history: Value = s.hr.get(app.url(&format!("/api/v1/employees/{}/clearance-history", org.dev))).send().await.unwrap().json().await.unwrap();
        let exits = history["post_exits"].as_array().unwrap();
        assert_eq!(exits.len(), 2);
        assert_eq!((exits[0]["left_on"].as_str(), exits[0]["tier_held"].as_str()), (Some("2028-06-30"), Some("important")));
        assert_eq!((exits[1]["left_on"].as_str(), exits[1]["tier_held"].as_str()), (Some("2029-01-31"), Some("general")));
        assert_eq!(exits[1]["cause"], "tier_change");
        assert_eq!(history["changes"].as_array().unwrap().len(), 3);
        // Each exit starts the declassification period of the tier held, while the person stays.
        let owed: Value = s.hr.get(app.url(&format!("/api/v1/obligations?employee_id={}&kind=declassification", org.dev))).send().await.unwrap().json().await.unwrap();
        let periods: Vec<(&str, &str, &str)> = owed["items"].as_array().unwrap().iter()
            .map(|o| (o["tier"].as_str().unwrap(), o["starts_on"].as_str().unwrap(), o["ends_on"].as_str().unwrap())).collect();
        assert_eq!(periods, [("general", "2029-02-01", "2030-01-31"), ("important", "2028-07-01", "2030-06-30")]);
    }

    async fn a_change_takes_effect_on_the_company_date_of_its_approval(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        change_tier(&app, &s, &org.dev, "core").await;
        // 16:30 UTC on 29 February is already 1 March in Shanghai.
        app.clock.set(Utc.with_ymd_and_hms(2028, 2, 29, 16, 30, 0).unwrap());
        let change = change_tier(&app, &s, &org.dev, "important").await;
        assert_eq!(change["effective_on"], "2028-03-01");
        let history: Value = s.hr.get(app.url(&format!("/api/v1/employees/{}/clearance-history", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(history["post_exits"][0]["left_on"], "2028-03-01");
        assert_eq!(history["post_exits"][0]["tier_held"], "core");
    }

    async fn the_list_takes_the_proposer_the_employee_and_an_order(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let me: Value = lead.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        let (status, _) = post(&app, &lead, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "general", "reason": "调岗"})).await;
        assert_eq!(status, 201);
        app.clock.advance(chrono::Duration::minutes(1));
        let (status, _) = post(&app, &s.hr2, &format!("/api/v1/employees/{}/clearance-changes", org.lead),
            json!({"to_tier": "core", "reason": "调岗"})).await;
        assert_eq!(status, 201);
        let list = |query: String| {
            let sec = s.sec.clone();
            let url = app.url(&format!("/api/v1/clearance-changes?{query}"));
            async move { sec.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
        };
        let page = list(format!("proposed_by={}", me["id"].as_str().unwrap())).await;
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["employee_id"], json!(org.dev));
        let page = list(format!("employee_id={}", org.lead)).await;
        assert_eq!(page["total"], 1);
        let page = list("sort=-proposed".into()).await;
        assert_eq!(page["items"][0]["employee_id"], json!(org.lead), "newest proposal first");
        let page = list("".into()).await;
        assert_eq!(page["items"][0]["employee_id"], json!(org.dev), "oldest first, a queue");
        let r = s.sec.get(app.url("/api/v1/clearance-changes?sort=name")).send().await.unwrap();
        assert_eq!(r.status(), 422);
    }

    async fn the_proposer_decides_neither_step(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        let all = app.token_client("all@example.com", &["hr", "security", "manager"]).await;
        let (status, change) = post(&app, &all, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "core", "reason": "调入核心岗位"})).await;
        assert_eq!(status, 201, "{change}");
        let id = change["id"].as_str().unwrap().to_string();
        let yes = json!({"decision": "approve", "reason": "ok"});
        let review = format!("/api/v1/clearance-changes/{id}/review");
        let approve = format!("/api/v1/clearance-changes/{id}/approve");
        assert_eq!(post(&app, &all, &review, yes.clone()).await.0, 403, "not the review");
        assert_eq!(post(&app, &s.hr, &review, yes.clone()).await.0, 200);
        assert_eq!(post(&app, &all, &approve, yes.clone()).await.0, 403, "not the approval either");
        assert_eq!(post(&app, &s.sec, &approve, yes).await.0, 200);
        assert_eq!(employee(&app, &s.hr, &org.dev).await["clearance_tier"], "core");
    }

    async fn the_reviewer_may_not_approve(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        // One user holding both roles: they may review someone else's proposal, and then not
        // approve it, so the change never passes through one person alone.
        let both = app.token_client("both@example.com", &["hr", "security"]).await;
        let (_, change) = post(&app, &s.hr2, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "important", "reason": "r"})).await;
        let id = change["id"].as_str().unwrap().to_string();
        let yes = json!({"decision": "approve", "reason": "ok"});
        let (status, reviewed) = post(&app, &both, &format!("/api/v1/clearance-changes/{id}/review"), yes.clone()).await;
        assert_eq!(status, 200, "{reviewed}");
        let approve = format!("/api/v1/clearance-changes/{id}/approve");
        assert_eq!(post(&app, &both, &approve, yes.clone()).await.0, 403, "the reviewer does not approve");
        assert_eq!(post(&app, &both, &approve, json!({"decision": "reject", "reason": "no"})).await.0, 403, "nor reject");
        assert_eq!(employee(&app, &s.hr, &org.dev).await["clearance_tier"], "none");
        let (status, change) = post(&app, &s.sec, &approve, yes).await;
        assert_eq!(status, 200);
        assert_eq!(change["reviewed_by"], reviewed["reviewed_by"]);
        assert_ne!(change["decided_by"], change["reviewed_by"]);
        assert_eq!(employee(&app, &s.hr, &org.dev).await["clearance_tier"], "important");
    }

    async fn a_manager_above_the_person_may_review(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        // The team lead proposes for their report; the department head above them reviews.
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let (_, change) = post(&app, &lead, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "general", "reason": "接触秘密级图纸"})).await;
        let id = change["id"].as_str().unwrap().to_string();
        let (status, change) = post(&app, &boss, &format!("/api/v1/clearance-changes/{id}/review"),
            json!({"decision": "approve", "reason": "部门同意"})).await;
        assert_eq!(status, 200, "{change}");
        assert_eq!(change["status"], "reviewed");
        let (status, _) = post(&app, &boss, &format!("/api/v1/clearance-changes/{id}/approve"),
            json!({"decision": "approve", "reason": "x"})).await;
        assert_eq!(status, 403, "the approval is security's");
        let (status, change) = post(&app, &s.sec, &format!("/api/v1/clearance-changes/{id}/approve"),
            json!({"decision": "approve", "reason": "批准"})).await;
        assert_eq!(status, 200);
        assert_eq!(change["status"], "approved");
        assert_eq!(employee(&app, &s.hr, &org.dev).await["clearance_tier"], "general");

        // The direct manager reviews HR's proposal too.
        let (_, change) = post(&app, &s.hr, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "important", "reason": "r"})).await;
        let id = change["id"].as_str().unwrap().to_string();
        let (status, _) = post(&app, &lead, &format!("/api/v1/clearance-changes/{id}/review"),
            json!({"decision": "reject", "reason": "不需要"})).await;
        assert_eq!(status, 200);
    }

    async fn a_manager_outside_the_line_may_not_review(app: TestApp) {
        let s = staff(&app).await;
        let org = small_org(&app, &s.hr).await;
        let outsider = manager_client(&app, "x@example.com", "X001").await;
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let unlinked = app.token_client("unlinked@example.com", &["manager"]).await;
        let (_, change) = post(&app, &s.hr, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "general", "reason": "r"})).await;
        let to_dev = change["id"].as_str().unwrap().to_string();
        let (_, change) = post(&app, &s.hr, &format!("/api/v1/employees/{}/clearance-changes", org.boss),
            json!({"to_tier": "general", "reason": "r"})).await;
        let to_boss = change["id"].as_str().unwrap().to_string();
        let yes = json!({"decision": "approve", "reason": "ok"});
        let review = |id: &str| format!("/api/v1/clearance-changes/{id}/review");
        assert_eq!(post(&app, &outsider, &review(&to_dev), yes.clone()).await.0, 403, "another line");
        assert_eq!(post(&app, &unlinked, &review(&to_dev), yes.clone()).await.0, 403, "no line at all");
        assert_eq!(post(&app, &lead, &review(&to_boss), yes.clone()).await.0, 403, "above the lead, not below");
        assert_eq!(post(&app, &lead, &review(&to_dev), yes.clone()).await.0, 200);
        // Once reviewed, the stranger still hears 403, not the change's state.
        assert_eq!(post(&app, &outsider, &review(&to_dev), yes).await.0, 403);
    }
}
