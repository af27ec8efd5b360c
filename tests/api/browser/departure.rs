//! A departure from its start to the obligations that follow, each step by its own person in
//! their own browser (HR at a desk, the manager and the successor on phones).

use serde_json::{Value, json};

use super::{Browser, DESKTOP, PHONE, sign_in, tr, user};
use crate::helpers::{Backend, TestApp, post};
use crate::people::{add_employee, person};

/// The people of the departure journey, named in the journey's language.
struct Cast {
    manager: &'static str,
    leaver: &'static str,
    successor: &'static str,
    hr: &'static str,
    /// What HR types to find the leaver.
    leaver_search: &'static str,
}

fn cast(lang: &str) -> Cast {
    if lang == "zh-CN" {
        Cast {
            manager: "刘洋",
            leaver: "张伟",
            successor: "王芳",
            hr: "李静",
            leaver_search: "张",
        }
    } else {
        Cast {
            manager: "Maria Lopez",
            leaver: "Daniel Carter",
            successor: "Olivia Brown",
            hr: "Helen Hart",
            leaver_search: "carter",
        }
    }
}

/// Confirms the first line of those listed with confirmation forms on the page (the start
/// page's "to confirm" section or the departure's), as the line needs: the drawings counted
/// back, the laptop and the secret files handed over to the successor, the other lines done.
async fn confirm_first_line(browser: &Browser, lang: &str, title: &str) {
    let outcome = tr(lang, "结果", "Outcome");
    if title.contains("DOC-7") {
        browser
            .select(
                outcome,
                tr(lang, "已清退（在下方填写份数）", "Returned (count below)"),
            )
            .await;
        browser
            .fill(
                tr(
                    lang,
                    "清点份数（清退时填写）",
                    "Copies counted (when returned)",
                ),
                "3",
            )
            .await;
        browser
            .fill(
                tr(lang, "备注（可选）", "Note (optional)"),
                tr(lang, "清点无误", "All three counted"),
            )
            .await;
    } else if title.contains("LT-7")
        || title.contains(tr(lang, "涉密文件资料移交接替人", "Secret files"))
    {
        browser
            .select(
                outcome,
                tr(lang, "已移交接替人", "Handed over to the successor"),
            )
            .await;
    } else if title.contains(tr(
        lang,
        "签署离职保密承诺书",
        "Exit confidentiality pledge",
    )) {
        // Signed on paper in front of the manager, the scan filed.
        browser
            .select(
                tr(lang, "承诺书签署方式", "How the pledge was given"),
                tr(lang, "纸质签署", "Signed on paper"),
            )
            .await;
        browser
            .fill(
                tr(
                    lang,
                    "扫描件存放位置（纸质签署）",
                    "Where the scan is kept (signed on paper)",
                ),
                "scan/D001-exit.pdf",
            )
            .await;
    }
    let with_outcome = title.contains("DOC-7")
        || title.contains("LT-7")
        || title.contains(tr(lang, "涉密文件", "Secret files"));
    browser
        .click(if with_outcome {
            tr(lang, "确认", "Confirm")
        } else {
            tr(lang, "确认已完成", "Confirm as done")
        })
        .await;
}

/// A departure from start to the obligations that follow, each step by the person who takes
/// it, in their own browser: HR starts it at a desk (finding the person and the successor,
/// dates and reason), the manager confirms the checklist line by line on a phone, the
/// successor signs for the handovers from the emailed links, and HR completes the departure
/// and looks at the obligations now running.
async fn a_departure_runs_through_the_pages_from_start_to_obligations(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let test = format!("departure_{lang}");
    let cast = cast(lang);

    // The company: the leaver reports to the manager, holds drawings and a laptop from the
    // register and an important clearance; the successor has no account.
    let setup = app.token_client("setup@example.com", &["hr"]).await;
    let in_lang = |mut p: Value| {
        p["language"] = json!(lang);
        p["department"] = json!(tr(lang, "研发部", "R&D"));
        p["title"] = json!(tr(lang, "工程师", "Engineer"));
        p
    };
    let boss = add_employee(&app, &setup, in_lang(person("M001", cast.manager, None))).await;
    let leaver = add_employee(
        &app,
        &setup,
        in_lang(person("D001", cast.leaver, Some(&boss))),
    )
    .await;
    add_employee(&app, &setup, in_lang(person("S001", cast.successor, None))).await;
    // The company's exit pledge text, which the exit pledge line records a pledge against.
    let admin = app
        .token_client("admin-setup@example.com", &["admin"])
        .await;
    let (s, text) = post(
        &app,
        &admin,
        "/api/v1/pledge-texts",
        json!({
            "kind": "exit", "title_zh": "离职保密承诺书", "body_zh": "本人承诺……",
            "title_en": "Exit pledge", "body_en": "I pledge…"
        }),
    )
    .await;
    assert_eq!(s, 201, "{text}");
    {
        use diesel::prelude::*;
        use tuomi::db::schema::employees;
        diesel::update(employees::table.find(&leaver))
            .set(employees::clearance_tier.eq("important"))
            .execute(&mut app.db())
            .unwrap();
    }
    for (tag, kind, description, copies) in [
        (
            "DOC-7",
            "document",
            tr(lang, "产品设计图纸", "Product design drawings"),
            3,
        ),
        ("LT-7", "laptop", tr(lang, "笔记本电脑", "Laptop"), 1),
    ] {
        let (s, c) = post(
            &app,
            &setup,
            "/api/v1/carriers",
            json!({
                "tag": tag, "kind": kind, "description": description, "classification": "secret",
                "custodian_id": leaver, "copies": copies
            }),
        )
        .await;
        assert_eq!(s, 201, "{c}");
    }
    user(&app, "hr@example.com", &["hr"], cast.hr, lang, None);
    user(
        &app,
        "boss@example.com",
        &["manager"],
        cast.manager,
        lang,
        Some("M001"),
    );

    // 1. HR starts the departure at a desk.
    let Some(mut hr) = Browser::open(&app, &format!("{test}/1-hr-starts"), lang, DESKTOP).await
    else {
        return;
    };
    sign_in(&mut hr, lang, "hr@example.com").await;
    hr.click(tr(lang, "离职", "Departures")).await;
    hr.screenshot("departures").await;
    assert_eq!(hr.heading().await, tr(lang, "离职", "Departures"));
    let start = tr(lang, "发起离职", "Start a departure");
    hr.click(start).await;
    hr.screenshot("start-form").await;
    assert_eq!(hr.path().await, "/departures/new");
    assert_eq!(hr.heading().await, start);
    hr.fill(
        tr(lang, "查找员工", "Find the employee"),
        cast.leaver_search,
    )
    .await;
    hr.click(tr(lang, "搜索", "Search")).await;
    hr.screenshot("leaver-found").await;
    assert!(hr.text().await.contains(cast.leaver));
    let choose = tr(lang, "选择", "Choose");
    hr.click(choose).await;
    hr.screenshot("leaver-chosen").await;
    hr.fill(tr(lang, "查找接替人", "Find the successor"), "S001")
        .await;
    hr.click(tr(lang, "搜索", "Search")).await;
    hr.screenshot("successor-found").await;
    hr.click(choose).await;
    hr.screenshot("successor-chosen").await;
    let page = hr.text().await;
    assert!(
        page.contains(cast.leaver) && page.contains(cast.successor),
        "{page}"
    );
    hr.fill(tr(lang, "提出日期", "Notice date"), "2028-01-31")
        .await;
    hr.fill(tr(lang, "最后工作日", "Last working day"), "2028-02-29")
        .await;
    hr.select(
        tr(lang, "离职原因", "Reason"),
        tr(lang, "辞职", "Resignation"),
    )
    .await;
    hr.screenshot("start-form-filled").await;
    hr.click(tr(lang, "发起离职", "Start the departure")).await;
    hr.screenshot("departure-started").await;
    let departure = hr.path().await;
    assert!(
        departure.starts_with("/departures/") && departure != "/departures/new",
        "on the new departure's page: {departure}"
    );
    assert_eq!(
        hr.text_of("[role=status]").await,
        tr(
            lang,
            "离职已发起，清单见下方。",
            "The departure has started; its checklist is below."
        )
    );
    assert_eq!(
        hr.heading().await,
        format!("{}{} D001", tr(lang, "离职：", "Departure: "), cast.leaver)
    );
    let checklist = hr.texts("#lines + .table-wrap tbody tr").await;
    assert_eq!(
        checklist.len(),
        7,
        "two carriers, four standard lines and the documents line: {checklist:?}"
    );
    for item in [
        "DOC-7",
        "LT-7",
        tr(
            lang,
            "涉密文件资料移交接替人",
            "Secret files handed over to the successor",
        ),
        tr(lang, "账号与权限已注销", "Accounts and access revoked"),
        tr(
            lang,
            "签署离职保密承诺书",
            "Exit confidentiality pledge signed",
        ),
        tr(lang, "离职保密谈话", "Exit interview held"),
        tr(
            lang,
            "出入境证件交保密办集中保管",
            "Passports and travel permits lodged with the security office",
        ),
    ] {
        assert!(
            checklist.iter().any(|l| l.contains(item)),
            "{item} in {checklist:?}"
        );
    }
    let page = hr.text().await;
    assert!(
        page.contains(cast.successor)
            && page.contains(tr(lang, "辞职", "Resignation"))
            && page.contains(tr(lang, "2028年2月29日", "29 February 2028"))
            && page.contains(tr(lang, "办理中", "In progress")),
        "{page}"
    );
    drop(hr);

    // 2. The manager confirms the lines on a phone, from the start page, the last one on
    // the departure's page.
    let Some(mut boss) =
        Browser::open(&app, &format!("{test}/2-manager-confirms"), lang, PHONE).await
    else {
        return;
    };
    sign_in(&mut boss, lang, "boss@example.com").await;
    assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    assert!(
        boss.text()
            .await
            .contains(tr(lang, "待确认的清单项", "Checklist lines to confirm"))
    );
    let listed = "[aria-labelledby=home-manager] article h3";
    let mut confirmed = 0;
    loop {
        let titles = boss.texts(listed).await;
        if titles.len() <= 1 {
            assert_eq!(titles.len(), 1, "the last line is still listed");
            break;
        }
        assert!(titles[0].starts_with(cast.leaver), "{titles:?}");
        confirm_first_line(&boss, lang, &titles[0]).await;
        confirmed += 1;
        boss.screenshot(&format!("line-{confirmed}-confirmed"))
            .await;
        assert_eq!(boss.path().await, "/");
        assert_eq!(
            boss.text_of("[role=status]").await,
            tr(lang, "该项已确认。", "The line is confirmed.")
        );
        assert_eq!(
            boss.texts(listed).await.len(),
            titles.len() - 1,
            "one line fewer to confirm"
        );
        assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    }
    assert_eq!(confirmed, 6);
    boss.click(tr(lang, "查看离职记录", "Open the departure"))
        .await;
    boss.screenshot("departure").await;
    assert_eq!(boss.path().await, departure);
    assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    let title = boss
        .text_of("[aria-labelledby=to-confirm] article h3")
        .await;
    confirm_first_line(&boss, lang, &title).await;
    boss.screenshot("last-line-confirmed").await;
    assert_eq!(boss.path().await, departure);
    assert_eq!(
        boss.text_of("[role=status]").await,
        tr(lang, "该项已确认。", "The line is confirmed.")
    );
    assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    let checklist = boss.texts("#lines + .table-wrap tbody tr").await;
    let waiting = tr(
        lang,
        "等待接替人签收",
        "waiting for the successor's signature",
    );
    assert_eq!(
        checklist.iter().filter(|l| l.contains(waiting)).count(),
        2,
        "the laptop and the secret files wait for the successor: {checklist:?}"
    );
    assert!(
        checklist
            .iter()
            .any(|l| l.contains("DOC-7") && l.contains(tr(lang, "已清退", "Returned"))),
        "{checklist:?}"
    );
    boss.goto("/").await;
    boss.screenshot("nothing-left").await;
    assert!(
        boss.text()
            .await
            .contains(tr(lang, "没有待确认的事项。", "Nothing to confirm.")),
        "{}",
        boss.text().await
    );
    assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    drop(boss);

    // 3. The successor signs for the handovers from the link in the one email listing them,
    // on a phone: the laptop counted, then the secret files.
    app.run_jobs().await;
    let mails = app.smtp.to("s001@corp.example");
    assert_eq!(mails.len(), 1, "one email for both handovers");
    let Some(mut successor) =
        Browser::open(&app, &format!("{test}/3-successor-signs"), lang, PHONE).await
    else {
        return;
    };
    let mail = &mails[0];
    assert_eq!(
        mail.subject(),
        match lang {
            "zh-CN" => format!("请签收{}移交的物品", cast.leaver),
            _ => format!("Please sign for a handover from {}", cast.leaver),
        }
    );
    let text = mail.text();
    assert!(text.contains("LT-7"), "{text}");
    let at = text.find("/receipt/").expect("a signing link");
    let link = text[at..].split_whitespace().next().unwrap();
    successor.goto(link).await;
    successor.screenshot("handover").await;
    assert_eq!(
        successor.heading().await,
        tr(lang, "签收移交", "Sign for a handover")
    );
    let page = successor.text().await;
    assert!(
        page.contains(cast.leaver) && page.contains(tr(lang, "机密", "Secret")),
        "{page}"
    );
    assert!(
        successor.fits_width().await,
        "no sideways scrolling on a phone"
    );
    successor
        .fill(tr(lang, "清点份数", "Copies you counted"), "1")
        .await;
    for n in 1..=2 {
        successor
            .click(tr(lang, "确认签收", "I have received it"))
            .await;
        successor.screenshot(&format!("handover-{n}-signed")).await;
        assert_eq!(
            successor.texts("[role=status]").await.len(),
            n,
            "{n} signed for"
        );
    }
    assert!(successor.text().await.contains(tr(
        lang,
        "已签收于2028年2月28日",
        "Signed for on 28 February 2028"
    )));
    assert!(
        successor.fits_width().await,
        "no sideways scrolling on a phone"
    );
    drop(successor);

    // 4. HR completes the departure and sees the obligations that follow.
    let Some(mut hr) = Browser::open(&app, &format!("{test}/4-hr-completes"), lang, DESKTOP).await
    else {
        return;
    };
    sign_in(&mut hr, lang, "hr@example.com").await;
    hr.click(cast.leaver).await;
    hr.screenshot("departure").await;
    assert_eq!(hr.path().await, departure);
    let checklist = hr.texts("#lines + .table-wrap tbody tr").await;
    assert_eq!(
        checklist
            .iter()
            .filter(|l| l.contains(tr(lang, "已签收", "signed for")))
            .count(),
        2,
        "both handovers signed for: {checklist:?}"
    );
    let page = hr.text().await;
    assert!(page.contains("0 / 7"), "no line open: {page}");
    // The trade-secret duty binds everyone: created unless HR leaves it out with a reason.
    hr.tick(tr(
        lang,
        "我明白此操作无法撤销。",
        "I understand this cannot be undone.",
    ))
    .await;
    hr.screenshot("complete-ticked").await;
    hr.click(tr(lang, "办结离职", "Complete the departure"))
        .await;
    hr.screenshot("completed").await;
    assert_eq!(hr.path().await, departure);
    assert_eq!(
        hr.text_of("[role=status]").await,
        tr(
            lang,
            "离职已办结，于最后工作日日终生效，届时离职后的各项义务开始计算。",
            "The departure is completed; it takes effect at the end of the last working day, when the obligations after leaving start to run."
        )
    );
    assert_eq!(
        hr.text_of(".facts .badge").await,
        tr(lang, "已办结", "Completed")
    );
    // Completed before the end of the last working day: it takes effect at 24:00 of it.
    app.past_the_last_working_day().await;
    sign_in(&mut hr, lang, "hr@example.com").await;
    hr.goto(&departure).await;
    hr.click(tr(
        lang,
        "查看离职后的义务",
        "See the obligations after leaving",
    ))
    .await;
    hr.screenshot("obligations").await;
    assert_eq!(hr.path().await, "/obligations");
    assert_eq!(
        hr.heading().await,
        tr(lang, "离职后义务", "Obligations after leaving")
    );
    let rows = hr.texts("table tbody tr").await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    // Left on 29 February 2028 holding `important`: two years end on 28 February 2030.
    for (kind, ends) in [
        (
            tr(lang, "脱密期", "Declassification period"),
            tr(lang, "2030年2月28日", "28 February 2030"),
        ),
        (
            tr(lang, "离职后保密义务", "Confidentiality after leaving"),
            tr(lang, "2030年2月28日", "28 February 2030"),
        ),
        (tr(lang, "商业秘密保密义务", "Trade secrets"), ""),
    ] {
        assert!(
            rows.iter().any(|r| r.contains(cast.leaver)
                && r.contains(kind)
                && r.contains(tr(lang, "2028年3月1日", "1 March 2028"))
                && r.contains(ends)),
            "{kind} until {ends}: {rows:?}"
        );
    }
}

#[actix_web::test]
async fn a_departure_runs_through_the_pages_from_start_to_obligations_in_chinese() {
    a_departure_runs_through_the_pages_from_start_to_obligations("zh-CN").await;
}

#[actix_web::test]
async fn a_departure_runs_through_the_pages_from_start_to_obligations_in_english() {
    a_departure_runs_through_the_pages_from_start_to_obligations("en").await;
}
