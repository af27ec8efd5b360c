//! The administration pages (users, policy, pledge texts), one's own settings and API tokens,
//! and the administrator's section of the start page, as a browser uses them.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, csrf_of, page, submit_form};
use crate::on_both_databases;
use crate::users::{get, patch};

/// Sends a form of the page at `page_path` to `action` and returns the answer as it is
/// (the pages' own forms answer with a page when they refuse, or with a redirect).
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    page_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (_, html) = page(app, client, page_path).await;
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf_of(&html))];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let r = client
        .post(app.url(action))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

async fn set_language(app: &TestApp, client: &reqwest::Client, lang: &str) {
    let (status, _) = patch(app, client, "/api/v1/me", json!({ "language": lang })).await;
    assert_eq!(status, 200);
}

async fn sign_in_status(app: &TestApp, email: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn my_id(app: &TestApp, client: &reqwest::Client) -> String {
    get(app, client, "/api/v1/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The policy form's fields, filled with the policy in force.
pub(crate) async fn policy_fields(
    app: &TestApp,
    client: &reqwest::Client,
) -> Vec<(String, String)> {
    let (_, body) = get(app, client, "/api/v1/policy").await;
    let p = &body["policy"];
    let mut fields: Vec<(String, String)> = Vec::new();
    for name in [
        "core_months",
        "important_months",
        "general_months",
        "confidentiality_months",
        "non_compete_cap_months",
        "non_compete_grace_months",
        "non_compete_due_after_days",
        "non_compete_floor_percent",
    ] {
        fields.push((name.into(), p[name].to_string()));
    }
    fields.push(("minimum_wages".into(), String::new()));
    let r = &p["reminders"];
    for name in [
        "notice_days_before_end",
        "nudge_after_days",
        "escalate_unacknowledged_after_days",
        "link_valid_days",
    ] {
        fields.push((format!("reminders.{name}"), r[name].to_string()));
    }
    for name in ["daily", "digest"] {
        fields.push((
            format!("reminders.{name}"),
            r[name].as_str().unwrap().into(),
        ));
    }
    for c in r["cadence"].as_array().unwrap() {
        fields.push((
            format!("reminders.cadence.{}", c["kind"].as_str().unwrap()),
            c["cron"].as_str().unwrap().into(),
        ));
    }
    for t in p["restrictions"].as_array().unwrap() {
        let tier = t["tier"].as_str().unwrap();
        for lang in ["zh", "en"] {
            fields.push((
                format!("restrictions.{tier}.{lang}"),
                t[lang].as_str().unwrap().into(),
            ));
        }
    }
    fields
}

fn with(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            let v = changes
                .iter()
                .find(|(name, _)| name == k)
                .map_or(v.clone(), |(_, new)| new.to_string());
            (k.clone(), v)
        })
        .collect()
}

pub(crate) fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

on_both_databases! {
    async fn every_administration_page_renders_in_both_languages(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (_, other) = crate::helpers::post(
            &app,
            &admin,
            "/api/v1/users",
            json!({"email": "li@example.com", "name": "李雷", "roles": ["hr", "manager"],
                   "language": "zh-CN", "password": PASSWORD}),
        )
        .await;
        let other_id = other["id"].as_str().unwrap();
        crate::helpers::post(&app, &admin, "/api/v1/tokens", json!({"name": "同步"})).await;
        let (status, _) = crate::helpers::post(
            &app,
            &admin,
            "/api/v1/pledge-texts",
            json!({"kind": "entry", "title_zh": "保密承诺书", "body_zh": "第一条\n第二条",
                   "title_en": "Confidentiality pledge", "body_en": "One\nTwo"}),
        )
        .await;
        assert_eq!(status, 201);
        let user_page = format!("/admin/users/{other_id}");
        let pages = ["/", "/admin", user_page.as_str(), "/admin/policy", "/admin/pledge-texts", "/settings"];
        for (lang, words) in [
            ("en", ["Administration", "Users", "Policy", "Pledge texts", "Settings", "Add a user"]),
            ("zh-CN", ["系统管理", "用户", "政策", "承诺书文本", "设置", "添加用户"]),
        ] {
            set_language(&app, &admin, lang).await;
            let mut all = String::new();
            for path in pages {
                let (status, html) = page(&app, &admin, path).await;
                assert_eq!(status, 200, "{path} in {lang}: {html}");
                assert!(html.contains(&format!("<html lang=\"{lang}\"")), "{path}");
                all.push_str(&html);
            }
            for word in words {
                assert!(all.contains(word), "{word} in {lang}");
            }
        }
        // The user's page: their details, the edit form, the way to deactivate, the history.
        let (_, html) = page(&app, &admin, &user_page).await;
        assert!(html.contains("李雷") && html.contains("li@example.com"));
        assert!(html.contains("name=\"role_hr\" value=\"true\" checked"), "{html}");
        assert!(!html.contains("name=\"role_admin\" value=\"true\" checked"));
        assert!(html.contains("创建账户"), "the history says the account was created");
        // The list: search, role filter, sort, CSV.
        let (_, html) = page(&app, &admin, "/admin?q=li&role=hr").await;
        assert!(html.contains(&user_page));
        let (_, html) = page(&app, &admin, "/admin?role=security").await;
        assert!(!html.contains(&user_page));
        let (status, _) = page(&app, &admin, "/admin?sort=-created_at&page=1").await;
        assert_eq!(status, 200);
        let r = admin.get(app.url("/admin?format=csv")).send().await.unwrap();
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM first");
        let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(csv.starts_with("姓名,邮箱,角色"), "{csv}");
        assert!(csv.contains("li@example.com") && csv.contains("人事"), "{csv}");
        assert_eq!(csv.lines().count(), 3, "the header and both users");
        let r = admin.get(app.url("/admin/pledge-texts?format=csv")).send().await.unwrap();
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        assert!(String::from_utf8_lossy(&bytes).contains("保密承诺书"));
        // The start page's administrator section.
        let (_, home) = page(&app, &admin, "/").await;
        assert!(home.contains("href=\"/reminders?status=failed\""));
        assert!(home.contains("href=\"/audit\""));
        assert!(home.contains(env!("CARGO_PKG_VERSION")));
        assert!(home.contains("已停用账户"));
    }

    async fn the_administration_is_refused_to_other_roles(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (status, html) = page(&app, &hr, "/admin").await;
        assert_eq!(status, 403);
        assert!(html.contains("Not for your role"), "{html}");
        let id = app.add_user("x@example.com", &["manager"]);
        assert_eq!(page(&app, &hr, &format!("/admin/users/{id}")).await.0, 403);
        // HR reads the policy and the pledge texts, without the forms that change them.
        let (status, html) = page(&app, &hr, "/admin/policy").await;
        assert_eq!(status, 200);
        assert!(html.contains("Declassification period, core tier"));
        assert!(!html.contains("action=\"/admin/policy\""));
        assert!(!html.contains("href=\"/admin\""), "no users tab for HR");
        let (status, html) = page(&app, &hr, "/admin/pledge-texts").await;
        assert_eq!(status, 200);
        assert!(!html.contains("action=\"/api/v1/pledge-texts\""));
        // The pages' own forms refuse too.
        let (status, _, html) = post_form(
            &app,
            &hr,
            "/settings",
            "/admin/users",
            &[("email", "y@example.com"), ("name", "y"), ("role_admin", "true"), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(status, 403);
        assert!(html.contains("Not for your role"));
        assert_eq!(sign_in_status(&app, "y@example.com").await, 401, "nobody was added");
        let manager = app.signed_in("m@example.com", &["manager"]).await;
        assert_eq!(page(&app, &manager, "/admin/policy").await.0, 403);
        assert_eq!(page(&app, &manager, "/settings").await.0, 200);
        // A stranger is asked to sign in first.
        let r = app.get("/admin").await;
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next="));
    }

    async fn a_user_added_through_the_form_signs_in_until_deactivated(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        // A refused form comes back with the messages and what was typed, but not the password.
        let (status, _, html) = post_form(
            &app,
            &admin,
            "/admin",
            "/admin/users",
            &[("email", "new@example.com"), ("name", "王芳"), ("language", "en"), ("password", "short")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("at least one role is required"), "{html}");
        assert!(html.contains("must be at least 12 characters"));
        assert!(html.contains("value=\"new@example.com\""));
        assert!(html.contains("value=\"王芳\""));
        assert!(!html.contains("value=\"short\""));

        let (to, status, html) = submit_form(
            &app,
            &admin,
            "/admin",
            "/admin/users",
            &[
                ("email", "new@example.com"),
                ("name", "王芳"),
                ("role_hr", "true"),
                ("role_security", "true"),
                ("language", "en"),
                ("employee_no", "E7"),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(status, 200);
        assert!(to.starts_with("/admin/users/"), "{to}");
        assert!(html.contains("The user was added"), "{html}");
        let new_user = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let r = new_user
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": "new@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let me: Value = r.json().await.unwrap();
        assert_eq!(me["roles"], json!(["hr", "security"]));
        assert_eq!(me["employee_no"], "E7");

        // Edit: name, roles, language.
        let (to2, status, html) = submit_form(
            &app,
            &admin,
            &to,
            &to,
            &[("name", "王芳芳"), ("role_manager", "true"), ("language", "zh-CN")],
        )
        .await;
        assert_eq!((to2.as_str(), status), (to.as_str(), 200));
        assert!(html.contains("The user&#39;s details were saved") || html.contains("The user's details were saved"), "{html}");
        // The role change signed them out; signed in again, they are what the form made them.
        assert_eq!(get(&app, &new_user, "/api/v1/me").await.0, 401);
        let r = new_user
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": "new@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (_, me) = get(&app, &new_user, "/api/v1/me").await;
        assert_eq!(me["name"], "王芳芳");
        assert_eq!(me["roles"], json!(["manager"]));
        assert_eq!(me["language"], "zh-CN");

        // Deactivation needs its box ticked, then locks the person out.
        let deactivate = [("_method", "PATCH"), ("_irreversible", "1"), ("_done", "user_deactivated"), ("active", "false")];
        let api = format!("/api/v1/users/{}", to.trim_start_matches("/admin/users/"));
        let (_, _, html) = submit_form(&app, &admin, &to, &api, &deactivate).await;
        assert!(html.contains("tick the box to confirm"));
        assert_eq!(sign_in_status(&app, "new@example.com").await, 200, "not yet");
        let mut confirmed = deactivate.to_vec();
        confirmed.push(("_confirm", "yes"));
        let (back, _, html) = submit_form(&app, &admin, &to, &api, &confirmed).await;
        assert_eq!(back, to);
        assert!(html.contains("The user was deactivated"), "{html}");
        assert!(html.contains("Reactivate"));
        assert_eq!(sign_in_status(&app, "new@example.com").await, 401);
        assert_eq!(get(&app, &new_user, "/api/v1/me").await.0, 401, "their session ends too");

        let (_, _, html) = submit_form(
            &app,
            &admin,
            &to,
            &api,
            &[("_method", "PATCH"), ("_done", "user_reactivated"), ("active", "true")],
        )
        .await;
        assert!(html.contains("The user was reactivated"));
        assert_eq!(sign_in_status(&app, "new@example.com").await, 200);
    }

    async fn an_admin_cannot_deactivate_themselves_nor_drop_their_admin_role(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let id = my_id(&app, &admin).await;
        let mine = format!("/admin/users/{id}");
        let (back, status, html) = submit_form(
            &app,
            &admin,
            &mine,
            &format!("/api/v1/users/{id}"),
            &[("_method", "PATCH"), ("_irreversible", "1"), ("_confirm", "yes"), ("active", "false")],
        )
        .await;
        assert_eq!((back.as_str(), status), (mine.as_str(), 200));
        assert!(html.contains("you cannot deactivate yourself"), "{html}");
        assert_eq!(sign_in_status(&app, "admin@example.com").await, 200);

        let (status, _, html) = post_form(
            &app,
            &admin,
            &mine,
            &mine,
            &[("name", "Admin Two"), ("role_hr", "true"), ("language", "en")],
        )
        .await;
        assert_eq!(status, 409);
        assert!(html.contains("you cannot remove your own administrator role"), "{html}");
        assert!(html.contains("value=\"Admin Two\""), "what was typed stays");
        assert!(html.contains("name=\"role_hr\" value=\"true\" checked"));
        assert!(!html.contains("name=\"role_admin\" value=\"true\" checked"));
        let (_, me) = get(&app, &admin, "/api/v1/me").await;
        assert_eq!(me["roles"], json!(["admin"]));

        set_language(&app, &admin, "zh-CN").await;
        let (_, _, html) = post_form(&app, &admin, &mine, &mine, &[("name", "x"), ("role_hr", "true")]).await;
        assert!(html.contains("您不能移除自己的系统管理员角色"), "{html}");
    }

    async fn the_policy_form_saves_a_changed_period_and_refuses_a_bad_schedule(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let fields = policy_fields(&app, &admin).await;
        let (_, before) = get(&app, &admin, "/api/v1/policy").await;
        let (to, status, html) = submit_form(
            &app,
            &admin,
            "/admin/policy",
            "/admin/policy",
            &refs(&with(&fields, &[("general_months", "18"), ("minimum_wages", "上海市, 2690.50, 2025-07-01")])),
        )
        .await;
        assert_eq!((to.as_str(), status), ("/admin/policy", 200));
        assert!(html.contains("The new policy is in force"), "{html}");
        assert!(html.contains("value=\"18\""));
        assert!(html.contains("上海市, 2690.50, 2025-07-01</textarea>"), "{html}");
        assert!(html.contains("Changes") && html.contains("Test User"), "who changed it, when");
        let (_, now) = get(&app, &admin, "/api/v1/policy").await;
        assert_eq!(now["version"], 1);
        assert_eq!(now["policy"]["general_months"], 18);
        assert_eq!(
            now["policy"]["minimum_wages"],
            serde_json::json!([{"region": "上海市", "monthly_minor_units": 269050, "effective_from": "2025-07-01"}])
        );
        assert_eq!(now["policy"]["core_months"], 36, "the rest as it was");
        assert_eq!(now["policy"]["checklist"], before["policy"]["checklist"]);
        assert_eq!(now["policy"]["restrictions"], before["policy"]["restrictions"]);
        assert_eq!(now["policy"]["reminders"], before["policy"]["reminders"]);
        let (_, events) = get(&app, &admin, "/api/v1/audit?subject_type=policy").await;
        assert_eq!(events["items"][0]["action"], "policy.changed");

        let (status, _, html) = post_form(
            &app,
            &admin,
            "/admin/policy",
            "/admin/policy",
            &refs(&with(
                &fields,
                &[
                    ("core_months", "40"),
                    ("reminders.digest", "every monday"),
                    ("reminders.cadence.non_compete", "0 0 9 1 * *  nonsense"),
                    ("important_months", "two"),
                ],
            )),
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"f-reminders.digest-error\""), "{html}");
        assert!(html.contains("id=\"f-reminders.cadence.non_compete-error\""));
        assert!(html.contains("id=\"f-important_months-error\""));
        assert!(html.contains("is not a cron expression with seconds"));
        assert!(html.contains("value=\"every monday\""), "what was typed stays");
        assert!(html.contains("value=\"40\""));
        assert!(html.contains("value=\"two\""));
        let (_, still) = get(&app, &admin, "/api/v1/policy").await;
        assert_eq!(still["version"], 1, "nothing was saved");

        // A rule across fields comes back on its field, in the reader's language.
        set_language(&app, &admin, "zh-CN").await;
        let (status, _, html) = post_form(
            &app,
            &admin,
            "/admin/policy",
            "/admin/policy",
            &refs(&with(&fields, &[("general_months", "48"), ("reminders.daily", "daily")])),
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("较高等级的期限不能短于较低等级"), "{html}");
        assert!(html.contains("不是带秒的 cron 表达式"));
    }

    async fn the_policy_form_shows_and_saves_the_extension_ceilings_and_the_rule_references(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (status, html) = page(&app, &admin, "/admin/policy").await;
        assert_eq!(status, 200);
        assert!(html.contains("Ceilings of declassification periods with their extensions"), "{html}");
        assert!(html.contains("name=\"extension_ceilings.core_months\"") && html.contains("value=\"60\""), "{html}");
        assert!(html.contains("name=\"rule_references.declassification.zh\"") && html.contains("《涉密人员管理制度》第十一条"));
        assert!(html.contains("Staff Confidentiality Rules, art. 8"));

        let mut fields = policy_fields(&app, &admin).await;
        for (name, value) in [
            ("extension_ceilings.core_months", "60"),
            ("extension_ceilings.important_months", "36"),
            ("extension_ceilings.general_months", "24"),
            ("rule_references.declassification.zh", "《涉密人员管理制度》第十一条"),
            ("rule_references.declassification.en", "Rules on Classified Personnel, art. 11"),
            ("rule_references.confidentiality.zh", "《员工保密制度》第八条"),
            ("rule_references.confidentiality.en", "Staff Confidentiality Rules, art. 8"),
        ] {
            fields.push((name.into(), value.into()));
        }
        let (to, status, html) = submit_form(&app, &admin, "/admin/policy", "/admin/policy", &refs(&with(&fields, &[
            ("extension_ceilings.general_months", "30"),
            ("rule_references.confidentiality.en", " Confidentiality Handbook, section 8 "),
            ("rule_references.confidentiality.zh", "《保密手册》第八节"),
        ]))).await;
        assert_eq!((to.as_str(), status), ("/admin/policy", 200));
        assert!(html.contains("The new policy is in force") && html.contains("value=\"30\""), "{html}");
        let (_, now) = get(&app, &admin, "/api/v1/policy").await;
        let p = &now["policy"];
        assert_eq!(p["extension_ceilings"], json!({"core_months": 60, "important_months": 36, "general_months": 30}));
        assert_eq!(p["rule_references"]["confidentiality"], json!({"zh": "《保密手册》第八节", "en": "Confidentiality Handbook, section 8"}));
        assert_eq!(p["rule_references"]["declassification"]["en"], "Rules on Classified Personnel, art. 11");

        // Bad values come back on their fields, in the reader's language; nothing is saved.
        let bad = with(&fields, &[("extension_ceilings.core_months", "20"), ("rule_references.declassification.zh", "  "), ("extension_ceilings.important_months", "many")]);
        let (status, _, html) = post_form(&app, &admin, "/admin/policy", "/admin/policy", &refs(&bad)).await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"f-extension_ceilings.core_months-error\""), "{html}");
        assert!(html.contains("must be from 36 to 600 months"), "{html}");
        assert!(html.contains("id=\"f-rule_references.declassification.zh-error\"") && html.contains("must be from 1 to 200 characters"));
        assert!(html.contains("id=\"f-extension_ceilings.important_months-error\"") && html.contains("must be a whole number"));
        assert!(html.contains("value=\"20\""), "what was typed stays");
        set_language(&app, &admin, "zh-CN").await;
        let (status, _, html) = post_form(&app, &admin, "/admin/policy", "/admin/policy", &refs(&bad)).await;
        assert_eq!(status, 422);
        assert!(html.contains("须为 36 至 600 个月") && html.contains("须为 1 至 200 个字") && html.contains("须为整数"), "{html}");
        assert!(html.contains("脱密期连同延长的上限") && html.contains("脱密期所依据的制度（中文）"));
        let (_, still) = get(&app, &admin, "/api/v1/policy").await;
        assert_eq!(still["version"], now["version"], "nothing was saved");

        // Security reads them, without the form.
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let (_, html) = page(&app, &sec, "/admin/policy").await;
        assert!(!html.contains("action=\"/admin/policy\""));
        assert!(html.contains("General tier, with every extension (months)") && html.contains("Confidentiality Handbook, section 8"), "{html}");
    }

    async fn pledge_texts_are_added_through_the_form(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (to, _, html) = submit_form(
            &app,
            &admin,
            "/admin/pledge-texts",
            "/api/v1/pledge-texts",
            &[("_next", "/admin/pledge-texts"), ("_done", "pledge_text_added"), ("kind", "exit"),
              ("title_zh", "离岗承诺书"), ("body_zh", "我承诺"), ("title_en", "Exit pledge"), ("body_en", "")],
        )
        .await;
        assert_eq!(to, "/admin/pledge-texts");
        assert!(html.contains("is required"), "{html}");
        assert!(html.contains("离岗承诺书"), "what was typed stays");
        let (_, _, html) = submit_form(
            &app,
            &admin,
            "/admin/pledge-texts",
            "/api/v1/pledge-texts",
            &[("_next", "/admin/pledge-texts"), ("_done", "pledge_text_added"), ("kind", "exit"),
              ("title_zh", "离岗承诺书"), ("body_zh", "我承诺"), ("title_en", "Exit pledge"), ("body_en", "I pledge")],
        )
        .await;
        assert!(html.contains("The new version of the pledge text was added"), "{html}");
        let (_, html) = page(&app, &admin, "/admin/pledge-texts?kind=exit").await;
        assert!(html.contains("I pledge") && html.contains("Test User"));
        let (_, html) = page(&app, &admin, "/admin/pledge-texts?kind=entry").await;
        assert!(!html.contains("I pledge"));
    }

    async fn a_token_created_in_the_settings_is_shown_once_and_works_until_revoked(app: TestApp) {
        let manager = app.signed_in("m@example.com", &["manager"]).await;
        let (status, _, html) =
            post_form(&app, &manager, "/settings", "/settings/tokens", &[("token_name", " ")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"f-token_name-error\">must be 1 to 100 characters"), "{html}");
        assert!(!html.contains("id=\"f-name-error\""), "the other form is not at fault");

        let (status, _, html) =
            post_form(&app, &manager, "/settings", "/settings/tokens", &[("token_name", "report script")]).await;
        assert_eq!(status, 201);
        let marker = "id=\"created-token\" value=\"";
        let start = html.find(marker).expect("the token is shown") + marker.len();
        let token = html[start..].split('"').next().unwrap().to_string();
        assert!(token.len() > 20);
        let (_, again) = page(&app, &manager, "/settings").await;
        assert!(!again.contains(&token), "shown only once");
        assert!(again.contains("report script"));

        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        let by_token = reqwest::Client::builder().default_headers(headers).build().unwrap();
        let (status, me) = get(&app, &by_token, "/api/v1/me").await;
        assert_eq!(status, 200);
        assert_eq!(me["email"], "m@example.com");
        let (_, html) = page(&app, &manager, "/settings").await;
        assert!(!html.contains("Never"), "its use shows: {html}");

        let (_, tokens) = get(&app, &manager, "/api/v1/tokens").await;
        let id = tokens["items"][0]["id"].as_str().unwrap().to_string();
        let (to, _, html) = submit_form(
            &app,
            &manager,
            "/settings",
            &format!("/api/v1/tokens/{id}"),
            &[("_method", "DELETE"), ("_irreversible", "1"), ("_confirm", "yes"), ("_done", "token_revoked")],
        )
        .await;
        assert_eq!(to, "/settings");
        assert!(html.contains("The token was revoked"), "{html}");
        assert_eq!(get(&app, &by_token, "/api/v1/me").await.0, 401);
    }

    async fn everyone_sets_their_own_name_and_language_in_the_settings(app: TestApp) {
        let sec = app.signed_in("s@example.com", &["security"]).await;
        let (to, _, html) = submit_form(
            &app,
            &sec,
            "/settings",
            "/api/v1/me",
            &[("_method", "PATCH"), ("_done", "me_saved"), ("name", "赵敏"), ("language", "zh-CN")],
        )
        .await;
        assert_eq!(to, "/settings");
        assert!(html.contains("您的设置已保存"), "{html}");
        assert!(html.contains("赵敏") && html.contains("保密员"));
        let (_, _, html) = submit_form(
            &app,
            &sec,
            "/settings",
            "/api/v1/me",
            &[("_method", "PATCH"), ("language", "xx")],
        )
        .await;
        assert!(html.contains("有些字段需要修改"), "{html}");
    }
}
