//! The company's identity (issue 19): set in the policy, named by every email (From,
//! Reply-To, signature, contacts), never the product's name; until it is set the admin's start
//! page lists what is missing. And every link in an email leads to a page, never the API.

use minijinja::{Value as Ctx, context};
use serde_json::{Value, json};
use tuomi::domain::identity::{Company, CompanyView};
use tuomi::domain::users::Language;

use crate::helpers::{TestApp, page};
use crate::on_both_databases;

/// A complete identity, as an administrator sets it.
pub fn example_identity() -> Value {
    json!({
        "company": {"zh": "示例科技有限公司", "en": "Example Technology Co., Ltd."},
        "sender_name": {"zh": "示例科技人力资源部", "en": "Example Technology HR"},
        "sender_address": "hr@example.com",
        "reply_to": "hr-help@example.com",
        "hr": {"name": {"zh": "李娟", "en": "Li Juan"}, "phone": "010-6000 1001", "email": "lijuan@example.com"},
        "security": {"name": {"zh": "赵刚", "en": "Zhao Gang"}, "phone": "010-6000 1002", "email": "security@example.com"},
    })
}

/// Puts the example identity in force through the policy API, as an admin.
pub async fn set_identity(app: &TestApp) {
    let admin = app
        .token_client("identity-admin@example.com", &["admin"])
        .await;
    let current: Value = admin
        .get(app.url("/api/v1/policy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut policy = current["policy"].clone();
    policy["identity"] = example_identity();
    let r = admin
        .put(app.url("/api/v1/policy"))
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// The example company as a reader in `lang` sees it.
pub fn company(lang: Language) -> CompanyView {
    Company {
        identity: serde_json::from_value(example_identity()).unwrap(),
        rules: Default::default(),
    }
    .view(lang)
}

/// Every email the service sends, with fixed content (the links as the service builds them)
/// and its dates written as the service writes them for a reader in `lang`.
pub fn sample_messages(lang: Language) -> Vec<(&'static str, Ctx)> {
    let base = "http://127.0.0.1:8080";
    let day = |y: i32, m: u32, d: u32| {
        tuomi::domain::reminders::written_date(
            chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            lang,
        )
    };
    let obligations = vec![
        context! { kind => "declassification", starts_on => day(2028, 2, 29), ends_on => day(2031, 2, 28), rule => "《涉密人员管理制度》第十一条" },
        context! { kind => "non_compete", starts_on => day(2028, 2, 29), ends_on => day(2029, 2, 28), rule => () },
        context! { kind => "trade_secret", starts_on => day(2028, 2, 29), ends_on => (), rule => () },
    ];
    vec![
        (
            "exit_notice",
            context! {
                name => "王芳", employee_no => "S001", last_working_day => day(2028, 2, 28),
                obligations,
                restrictions => "不得以任何方式泄露所知悉的秘密。",
                non_compete => context! { scope => "芯片设计", region => "上海市", monthly => "9,000.00 CNY" },
                ack_url => format!("{base}/ack/<token>"), report_url => format!("{base}/report"),
            },
        ),
        (
            "reminder",
            context! {
                name => "王芳", occasion => "periodic", serving => false,
                obligations => vec![context! { kind => "confidentiality", starts_on => "S", ends_on => "E", ended => false, ending_soon => false }],
                restrictions => "R", released_on => (), lasting => (),
                ack_url => format!("{base}/ack/<token>"), report_url => format!("{base}/report"),
                whereabouts_url => format!("{base}/whereabouts/<token>"),
            },
        ),
        (
            "nudge",
            context! {
                name => "陈组长", days => 3,
                lines => vec![context! {
                    employee_name => "张伟", title => "账号已注销", since => day(2028, 2, 28),
                    url => format!("{base}/departures/d-1"),
                }],
            },
        ),
        (
            "loss",
            context! {
                name => "Security Officer", employee_name => "张伟", title => "USB-7 研发资料",
                carrier => "USB-7", not_handed_over => false, on => day(2028, 3, 1), url => format!("{base}/departures/d-1"),
            },
        ),
        (
            "digest",
            context! {
                name => "HR",
                ending => vec![context! { employee_name => "王芳", kind => "declassification", ends_on => day(2028, 3, 28) }],
                unacknowledged => vec![context! { employee_name => "Alice Smith", sent_on => day(2028, 1, 1) }],
                escalate_days => 14,
                payments => vec![context! { employee_name => "李娜", month => 1, due_on => day(2028, 3, 15), status => "late" }],
                rescission => vec![context! { employee_name => "李娜", late => 2, may_rescind => false }],
                failed => vec![context! { recipient => "Nowhere", error => "no deliverable address" }],
                waiting => 3, waiting_since => day(2028, 4, 1),
                losses => Vec::<Ctx>::new(),
                late_trips => vec![context! { employee_name => "张伟", countries => "新加坡", ends_on => day(2028, 2, 29) }],
                late_documents => vec![context! { employee_name => "张伟", kind => "passport", due_back_by => day(2028, 3, 7) }],
                url => format!("{base}/"),
            },
        ),
        (
            "handover",
            context! {
                name => "陈组长", employee_name => "张伟",
                items => vec![
                    context! { title => "LT-9 笔记本电脑", count => 1, classification => "secret" },
                    context! { title => "DOC-3 设计图纸", count => 3, classification => "top_secret" },
                    context! { title => "涉密文件资料移交接替人", count => (), classification => () },
                ],
                receipt_url => format!("{base}/receipt/<token>"),
            },
        ),
        (
            "disputed",
            context! {
                name => "李娟", employee_name => "张伟", successor_name => "王芳",
                title => "DOC-3 设计图纸", note => "只收到2份", on => day(2028, 2, 28),
                url => format!("{base}/departures/d-1"),
            },
        ),
        (
            "forbidden",
            context! {
                name => "李娟", employee_name => "张伟", employer => "某竞争公司", post => "研发工程师",
                kind => "competitor", obligation => "non_compete", starts_on => day(2028, 3, 1),
                url => format!("{base}/employees/e-1#whereabouts"),
                case_url => format!("{base}/breaches/c-1"),
            },
        ),
        (
            "password_reset",
            context! { name => "王芳", hours => 1, url => format!("{base}/password/reset/<token>") },
        ),
        (
            "trip_decided",
            context! {
                name => "王芳", approved => true, countries => "新加坡", starts_on => day(2028, 2, 29),
                ends_on => day(2028, 3, 5), reason => "同意，注意保密纪律。", report_back_days => 7,
                url => format!("{base}/travel/<token>"),
            },
        ),
        (
            "breach",
            context! { name => "Security Officer", code => "BR-7KQ4-MX2P", url => format!("{base}/breaches/c-1") },
        ),
    ]
}

/// Every link of a rendered email: the URLs of its text and the `href`s of its HTML.
fn links(text: &str, html: &str) -> Vec<String> {
    let html = html.replace("&#x2f;", "/");
    let mut found: Vec<String> = text
        .split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(str::to_string)
        .collect();
    found.extend(
        html.split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_string),
    );
    found
}

#[test]
fn every_link_in_every_email_points_at_a_page_never_at_the_api() {
    let templates = tuomi::mail::MailTemplates::load(None).unwrap();
    let messages = sample_messages(Language::ZhCn);
    assert_eq!(
        messages.len(),
        tuomi::mail::templates::MESSAGES.len(),
        "every message is rendered"
    );
    for (message, ctx) in messages {
        for lang in [Language::En, Language::ZhCn] {
            let r = templates
                .render(lang, message, &company(lang), ctx.clone())
                .unwrap();
            let found = links(&r.text, &r.html);
            assert!(!found.is_empty(), "{message}: no link at all");
            for link in found {
                let url = reqwest::Url::parse(&link).unwrap_or_else(|e| panic!("{link}: {e}"));
                assert!(
                    !url.path().starts_with("/api/"),
                    "{message} {lang:?} links to the API: {link}"
                );
            }
        }
    }
}

#[test]
fn no_email_names_the_product_and_each_is_signed_by_the_company() {
    let templates = tuomi::mail::MailTemplates::load(None).unwrap();
    for lang in [Language::En, Language::ZhCn] {
        for (message, ctx) in sample_messages(lang) {
            let company = company(lang);
            let r = templates
                .render(lang, message, &company, ctx.clone())
                .unwrap();
            for part in [&r.subject, &r.text, &r.html] {
                assert!(
                    !part.to_lowercase().contains("tuomi"),
                    "{message} {lang:?} names the product: {part}"
                );
            }
            for part in [&r.text, &r.html] {
                for expected in [
                    &company.name,
                    &company.hr.name,
                    &company.hr.phone,
                    &company.security.email,
                ] {
                    assert!(
                        part.contains(expected.as_str()),
                        "{message} {lang:?} lacks {expected}: {part}"
                    );
                }
            }
        }
    }
}

on_both_databases! {
    async fn until_the_identity_is_set_the_admin_start_page_lists_what_is_missing(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (status, html) = page(&app, &admin, "/").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"identity-missing\""), "{html}");
        assert!(html.contains("href=\"/admin/policy#f-identity.security.email\""), "{html}");
        // Not an outage: the service is ready.
        assert_eq!(app.get("/readyz").await.status(), 200);

        set_identity(&app).await;
        let (_, html) = page(&app, &admin, "/").await;
        assert!(!html.contains("identity-missing"), "{html}");
        // Audited like every policy change, with what it became.
        let audit: Value = app.token_client("auditor@example.com", &["admin"]).await
            .get(app.url("/api/v1/audit?subject_type=policy")).send().await.unwrap().json().await.unwrap();
        let changed = audit["items"].as_array().unwrap().iter()
            .find(|e| e["action"] == "policy.changed").expect("a policy.changed event");
        assert_eq!(changed["details"]["to"]["identity"]["company"]["zh"], "示例科技有限公司");
        // The policy page shows it, each text in its own language.
        let (_, html) = page(&app, &admin, "/admin/policy").await;
        assert!(html.contains("value=\"Example Technology Co., Ltd.\""), "{html}");
        assert!(html.contains("name=\"identity.security.phone\""), "{html}");
    }

    async fn an_identity_address_that_is_not_one_is_refused_naming_the_field(app: TestApp) {
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let current: Value = admin.get(app.url("/api/v1/policy")).send().await.unwrap().json().await.unwrap();
        let mut policy = current["policy"].clone();
        policy["identity"] = example_identity();
        policy["identity"]["reply_to"] = json!("hr at example");
        let r = admin.put(app.url("/api/v1/policy")).json(&policy).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(body.to_string().contains("identity.reply_to"), "{body}");
        let after: Value = admin.get(app.url("/api/v1/policy")).send().await.unwrap().json().await.unwrap();
        assert_eq!(after["version"], current["version"], "nothing changed");
    }
}

#[test]
fn every_email_snapshot_writes_dates_and_punctuation_in_its_own_language() {
    let months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/snapshots");
    let mut faults = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.split("--- html ---").next().unwrap();
        for line in text.lines().filter(|l| !l.contains("http")) {
            let chars: Vec<char> = line.chars().collect();
            // A raw date or instant (2028-03-15, 2026-12-02T04:11) is no date a reader writes.
            let raw_date = chars.windows(10).any(|w| {
                w.iter().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        *c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                })
            });
            let zh = name.contains("zh-CN");
            let foreign_date = if zh {
                months.iter().any(|m| line.contains(&format!(" {m} ")))
            } else {
                line.contains('年') && line.contains('月') && line.contains('日')
            };
            if raw_date || foreign_date {
                faults.push(format!("{name}: {line}"));
            }
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}
