//! User administration through the API: adding, listing, changing and deactivating users,
//! one's own API tokens and settings.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, post};
use crate::on_both_databases;

pub async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Value) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn patch(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = client
        .patch(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn bearer(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn new_user(app: &TestApp, admin: &reqwest::Client, email: &str, roles: &[&str]) -> Value {
    let (status, user) = post(
        app,
        admin,
        "/api/v1/users",
        json!({"email": email, "name": "新同事", "roles": roles, "language": "zh-CN",
               "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    user
}

on_both_databases! {
    async fn an_admin_adds_a_user_who_then_signs_in(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let user = new_user(&app, &admin, " Li.Lei@Example.com ", &["hr", "manager"]).await;
        assert_eq!(user["email"], "li.lei@example.com");
        assert_eq!(user["roles"], json!(["hr", "manager"]));
        assert_eq!(user["language"], "zh-CN");
        assert_eq!(user["active"], true);
        assert!(user.get("password").is_none() && user.get("password_hash").is_none());
        assert_eq!(sign_in(&app, "li.lei@example.com", PASSWORD).await, 200);

        // Every field at fault is named at once; nothing is created.
        let (status, refused) = post(
            &app,
            &admin,
            "/api/v1/users",
            json!({"email": "nope", "name": " ", "roles": [], "language": "fr", "password": "short"}),
        )
        .await;
        assert_eq!(status, 422);
        let fields = &refused["error"]["fields"];
        for f in ["email", "name", "roles", "language", "password"] {
            assert!(fields.get(f).is_some(), "{f} in {fields}");
        }
        let (status, taken) = post(
            &app,
            &admin,
            "/api/v1/users",
            json!({"email": "LI.LEI@example.com", "name": "x", "roles": ["hr"], "password": PASSWORD}),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(taken["error"]["fields"]["email"], "a user with this email already exists");

        // The addition is in the audit trail, by the admin.
        let (_, events) = get(
            &app,
            &admin,
            &format!("/api/v1/audit?subject_type=user&subject_id={}", user["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(events["items"][0]["action"], "user.created");
    }

    async fn only_an_admin_administers_users(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        assert_eq!(get(&app, &hr, "/api/v1/users").await.0, 403);
        let (status, _) = post(
            &app,
            &hr,
            "/api/v1/users",
            json!({"email": "x@example.com", "name": "x", "roles": ["admin"], "password": PASSWORD}),
        )
        .await;
        assert_eq!(status, 403);
        let id = app.add_user("other@example.com", &["manager"]);
        assert_eq!(
            patch(&app, &hr, &format!("/api/v1/users/{id}"), json!({"roles": ["admin"]})).await.0,
            403
        );
        assert_eq!(get(&app, &app.client, "/api/v1/users").await.0, 401);
    }

    async fn the_user_list_filters_by_text_role_and_status_and_pages(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        for (email, roles) in [
            ("wang@example.com", vec!["hr"]),
            ("zhao@example.com", vec!["manager"]),
            ("qian@example.com", vec!["manager", "security"]),
        ] {
            new_user(&app, &admin, email, &roles).await;
        }
        let (_, all) = get(&app, &admin, "/api/v1/users").await;
        assert_eq!(all["total"], 4);
        let (_, managers) = get(&app, &admin, "/api/v1/users?role=manager&sort=-email").await;
        assert_eq!(managers["total"], 2);
        assert_eq!(managers["items"][0]["email"], "zhao@example.com");
        assert_eq!(managers["items"][0]["roles"], json!(["manager"]));
        assert_eq!(managers["items"][1]["roles"], json!(["security", "manager"]));
        let (_, found) = get(&app, &admin, "/api/v1/users?q=QIAN").await;
        assert_eq!(found["total"], 1);
        let (_, paged) = get(&app, &admin, "/api/v1/users?per_page=3&page=2&sort=email").await;
        assert_eq!(paged["total"], 4);
        assert_eq!(paged["items"].as_array().unwrap().len(), 1);
        assert_eq!(paged["items"][0]["email"], "zhao@example.com");
        let (status, bad) = get(&app, &admin, "/api/v1/users?role=boss&status=gone&sort=salary").await;
        assert_eq!(status, 422);
        for f in ["role", "status", "sort"] {
            assert!(bad["error"]["fields"].get(f).is_some(), "{f}: {bad}");
        }
        let id = managers["items"][0]["id"].as_str().unwrap().to_string();
        patch(&app, &admin, &format!("/api/v1/users/{id}"), json!({"active": false})).await;
        let (_, inactive) = get(&app, &admin, "/api/v1/users?status=inactive").await;
        assert_eq!(inactive["total"], 1);
        assert_eq!(inactive["items"][0]["id"], id.as_str());
        let (_, active) = get(&app, &admin, "/api/v1/users?status=active").await;
        assert_eq!(active["total"], 3);
    }

    async fn a_deactivated_user_cannot_sign_in_and_their_tokens_are_revoked(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let user = new_user(&app, &admin, "li@example.com", &["hr"]).await;
        let id = user["id"].as_str().unwrap();
        let session = reqwest::Client::builder().cookie_store(true).build().unwrap();
        session
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": "li@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let (_, token) = post(&app, &session, "/api/v1/tokens", json!({"name": "sync"})).await;
        let by_token = bearer(token["token"].as_str().unwrap());
        assert_eq!(get(&app, &by_token, "/api/v1/me").await.0, 200);

        let (status, changed) =
            patch(&app, &admin, &format!("/api/v1/users/{id}"), json!({"active": false})).await;
        assert_eq!(status, 200);
        assert_eq!(changed["active"], false);
        assert_eq!(sign_in(&app, "li@example.com", PASSWORD).await, 401);
        assert_eq!(get(&app, &by_token, "/api/v1/me").await.0, 401);
        assert_eq!(get(&app, &session, "/api/v1/me").await.0, 401, "the open session ends too");

        let (status, _) =
            patch(&app, &admin, &format!("/api/v1/users/{id}"), json!({"active": true})).await;
        assert_eq!(status, 200);
        assert_eq!(sign_in(&app, "li@example.com", PASSWORD).await, 200);
        // The token was revoked, not paused: a reactivation revives none.
        assert_eq!(get(&app, &by_token, "/api/v1/me").await.0, 401);

        let (_, events) = get(
            &app,
            &admin,
            &format!("/api/v1/audit?subject_type=user&subject_id={id}"),
        )
        .await;
        let actions: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["user.reactivated", "user.deactivated", "user.created"]);
    }

    async fn an_admin_changes_name_roles_and_language_but_never_locks_themselves_out(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let user = new_user(&app, &admin, "li@example.com", &["hr"]).await;
        let id = user["id"].as_str().unwrap();
        let (status, changed) = patch(
            &app,
            &admin,
            &format!("/api/v1/users/{id}"),
            json!({"name": "李雷", "roles": ["security", "hr", "security"], "language": "en"}),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["name"], "李雷");
        assert_eq!(changed["roles"], json!(["hr", "security"]));
        assert_eq!(changed["language"], "en");
        let (status, refused) = patch(
            &app,
            &admin,
            &format!("/api/v1/users/{id}"),
            json!({"roles": [], "language": "fr", "name": ""}),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(refused["error"]["fields"]["roles"], "at least one role is required");
        assert!(refused["error"]["fields"].get("language").is_some());
        assert!(refused["error"]["fields"].get("name").is_some());
        let missing = patch(&app, &admin, "/api/v1/users/nobody", json!({"name": "x"})).await;
        assert_eq!(missing.0, 404);

        let (_, me) = get(&app, &admin, "/api/v1/me").await;
        let me_id = me["id"].as_str().unwrap();
        let (status, refused) =
            patch(&app, &admin, &format!("/api/v1/users/{me_id}"), json!({"active": false})).await;
        assert_eq!(status, 409);
        assert_eq!(refused["error"]["message"], "you cannot deactivate yourself");
        let (status, refused) =
            patch(&app, &admin, &format!("/api/v1/users/{me_id}"), json!({"roles": ["hr"]})).await;
        assert_eq!(status, 409);
        assert_eq!(refused["error"]["message"], "you cannot remove your own administrator role");
        let (status, kept) = patch(
            &app,
            &admin,
            &format!("/api/v1/users/{me_id}"),
            json!({"roles": ["admin", "hr"]}),
        )
        .await;
        assert_eq!(status, 200, "adding a role to oneself is fine");
        assert_eq!(kept["roles"], json!(["admin", "hr"]));
    }

    async fn people_list_and_revoke_their_own_tokens_and_an_admin_anyones(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (_, first) = post(&app, &hr, "/api/v1/tokens", json!({"name": "sync"})).await;
        let (_, second) = post(&app, &hr, "/api/v1/tokens", json!({"name": "report"})).await;
        let used = bearer(first["token"].as_str().unwrap());
        assert_eq!(get(&app, &used, "/api/v1/me").await.0, 200);

        let (status, mine) = get(&app, &hr, "/api/v1/tokens").await;
        assert_eq!(status, 200);
        assert_eq!(mine["total"], 2);
        let listed = mine["items"].as_array().unwrap();
        assert!(listed.iter().all(|t| t.get("token").is_none() && t.get("token_hash").is_none()));
        let sync = listed.iter().find(|t| t["name"] == "sync").unwrap();
        assert!(sync["last_used_at"].is_string(), "its use is noted: {sync}");
        assert!(sync["revoked_at"].is_null());
        let report = listed.iter().find(|t| t["name"] == "report").unwrap();
        assert!(report["last_used_at"].is_null());

        // Someone else's tokens are neither listed nor revoked.
        let manager = app.signed_in("m@example.com", &["manager"]).await;
        let (_, theirs) = get(&app, &manager, "/api/v1/tokens").await;
        assert_eq!(theirs["total"], 0);
        let hr_id = get(&app, &hr, "/api/v1/me").await.1["id"].as_str().unwrap().to_string();
        assert_eq!(get(&app, &manager, &format!("/api/v1/tokens?user_id={hr_id}")).await.0, 403);
        let r = manager
            .delete(app.url(&format!("/api/v1/tokens/{}", first["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);

        let r = hr
            .delete(app.url(&format!("/api/v1/tokens/{}", first["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(get(&app, &used, "/api/v1/me").await.0, 401, "a revoked token stops at once");
        let again = hr
            .delete(app.url(&format!("/api/v1/tokens/{}", first["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 409);

        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (status, listed) = get(&app, &admin, &format!("/api/v1/tokens?user_id={hr_id}")).await;
        assert_eq!(status, 200);
        assert_eq!(listed["total"], 2);
        let r = admin
            .delete(app.url(&format!("/api/v1/tokens/{}", second["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let (_, after) = get(&app, &hr, "/api/v1/tokens").await;
        assert!(after["items"].as_array().unwrap().iter().all(|t| t["revoked_at"].is_string()));
        let (_, events) = get(&app, &admin, "/api/v1/audit?subject_type=api_token").await;
        let revoked = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "token.revoked")
            .count();
        assert_eq!(revoked, 2);
    }

    async fn everyone_changes_their_own_name_and_language(app: TestApp) {
        let manager = app.signed_in("m@example.com", &["manager"]).await;
        let (status, me) =
            patch(&app, &manager, "/api/v1/me", json!({"name": "韩梅梅", "language": "zh-CN"})).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["name"], "韩梅梅");
        assert_eq!(me["language"], "zh-CN");
        let (_, me) = get(&app, &manager, "/api/v1/me").await;
        assert_eq!(me["name"], "韩梅梅");
        let (status, refused) =
            patch(&app, &manager, "/api/v1/me", json!({"name": " ", "language": "fr"})).await;
        assert_eq!(status, 422);
        assert!(refused["error"]["fields"].get("name").is_some());
        assert!(refused["error"]["fields"].get("language").is_some());
        // Only the name and the language: roles are not one's own to change.
        let (status, _) = patch(&app, &manager, "/api/v1/me", json!({"roles": ["admin"]})).await;
        assert_eq!(status, 200);
        let (_, me) = get(&app, &manager, "/api/v1/me").await;
        assert_eq!(me["roles"], json!(["manager"]));
    }

    async fn the_new_routes_are_in_the_openapi_document(app: TestApp) {
        let (_, doc) = get(&app, &app.client, "/api/v1/openapi.json").await;
        let paths = &doc["paths"];
        assert!(paths["/api/v1/users"]["get"].is_object());
        assert!(paths["/api/v1/users"]["post"].is_object());
        assert!(paths["/api/v1/users/{id}"]["patch"].is_object());
        assert!(paths["/api/v1/tokens"]["get"].is_object());
        assert!(paths["/api/v1/tokens/{id}"]["delete"].is_object());
        assert!(paths["/api/v1/me"]["patch"].is_object());
    }
}
