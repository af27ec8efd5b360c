//! An anonymous report followed to its decision, in a desktop browser.

use super::{Browser, DESKTOP, sign_in, tr, user};
use crate::helpers::{Backend, TestApp};

/// Someone without an account reports a suspected leak at /report, keeps the code and secret
/// shown once, follows the report at /report/status and adds to it; a security officer signs
/// in, opens the case from the list and takes it step by step to a decision on its page; the
/// reporter comes back and sees the decision.
async fn an_anonymous_reporter_follows_the_report_to_its_decision(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let test = format!("anonymous_report_{lang}");
    let Some(mut browser) = Browser::open(&app, &format!("{test}/1-reporter"), lang, DESKTOP).await
    else {
        return;
    };

    browser.goto("/report").await;
    browser.screenshot("report-form").await;
    assert_eq!(
        browser.heading().await,
        tr(lang, "报告泄密隐患", "Report a suspected leak")
    );
    let what = tr(
        lang,
        "有人把设计图纸拍照发到了外部群里",
        "Someone posted photos of the design drawings to an outside chat group",
    );
    browser
        .fill(tr(lang, "发生了什么", "What happened"), what)
        .await;
    browser
        .fill(
            tr(lang, "涉及的人员（可选）", "Who it concerns (optional)"),
            tr(lang, "研发部某同事", "Someone in R&D"),
        )
        .await;
    browser
        .fill(
            tr(
                lang,
                "发现日期（可选）",
                "When it was discovered (optional)",
            ),
            "2028-02-27",
        )
        .await;
    let evidence = app.dir.path().join("note.txt");
    std::fs::write(&evidence, "聊天记录截图说明 / what the chat showed").unwrap();
    browser.attach("evidence", &evidence).await;
    browser.screenshot("report-filled").await;
    browser.click(tr(lang, "提交报告", "Send the report")).await;

    browser.screenshot("receipt").await;
    assert_eq!(
        browser.heading().await,
        tr(lang, "报告已收到", "Your report was received")
    );
    let code = browser.text_of("#code").await;
    let secret = browser.text_of("#secret").await;
    assert!(code.starts_with("BR-"), "a case code is shown: {code}");
    assert!(secret.len() >= 8, "a secret is shown: {secret}");

    // Following the report with its code and secret.
    let follow = tr(lang, "查询报告进展", "Follow your report");
    browser.click(follow).await;
    assert_eq!(browser.path().await, "/report/status");
    browser.screenshot("follow-form").await;
    let (code_label, secret_label) = (
        tr(lang, "案件编号", "Case code"),
        tr(lang, "密钥", "Secret"),
    );
    let show = tr(lang, "查看我的报告", "Show my report");
    browser.fill(code_label, &code).await;
    browser.fill(secret_label, &secret).await;
    browser.click(show).await;
    browser.screenshot("status-reported").await;
    assert_eq!(browser.heading().await, follow);
    assert_eq!(
        browser.text_of("#status").await,
        tr(lang, "已收到，尚未处理", "Received, not yet looked at")
    );
    assert!(browser.text().await.contains(&code));

    // Adding information.
    browser
        .fill(
            tr(lang, "补充情况", "Add information"),
            tr(
                lang,
                "群名是“项目交流群”",
                "The group is called “Project chat”",
            ),
        )
        .await;
    browser
        .click(tr(lang, "补充到报告", "Add to the report"))
        .await;
    browser.screenshot("status-added").await;
    let page = browser.text().await;
    let added = tr(lang, "您补充的情况\n1", "Information you added\n1");
    assert!(page.contains(added), "the addition is counted: {page}");

    // Security takes the case to a decision, in its own browser.
    let officer = tr(lang, "赵敏", "Sam Reed");
    user(&app, "sec@example.com", &["security"], officer, lang, None);
    let Some(mut sec) = Browser::open(&app, &format!("{test}/2-security"), lang, DESKTOP).await
    else {
        return;
    };
    sign_in(&mut sec, lang, "sec@example.com").await;
    sec.click(tr(lang, "案件", "Cases")).await;
    sec.screenshot("cases").await;
    assert_eq!(sec.heading().await, tr(lang, "泄密案件", "Breach cases"));
    assert!(sec.text().await.contains(what), "the report is listed");
    sec.click(&code).await;
    sec.screenshot("case").await;
    let case_path = sec.path().await;
    assert!(case_path.starts_with("/breaches/"), "{case_path}");
    assert_eq!(
        sec.heading().await,
        format!(
            "{} {code} {}",
            tr(lang, "案件编号", "Case code"),
            tr(lang, "已报告", "Reported")
        )
    );
    let page = sec.text().await;
    assert!(
        page.contains(what)
            && page.contains(tr(
                lang,
                "群名是“项目交流群”",
                "The group is called “Project chat”"
            )),
        "the report and what the reporter added: {page}"
    );
    let steps = [
        (
            tr(lang, "已初评", "Triaged"),
            tr(lang, "线索具体，值得调查", "Credible enough to look at"),
            Some(tr(lang, "低", "Low")),
        ),
        (
            tr(lang, "调查中", "Investigating"),
            tr(lang, "已询问群成员", "Asked the group's members"),
            None,
        ),
        (
            tr(lang, "不属实", "Unfounded"),
            tr(
                lang,
                "照片拍的是公开宣传册",
                "The photos were of public brochures",
            ),
            None,
        ),
    ];
    for (n, (status, reason, severity)) in steps.into_iter().enumerate() {
        sec.select(tr(lang, "下一步", "Next step"), status).await;
        sec.fill(
            tr(lang, "理由（随该步骤保存）", "Why (kept with the step)"),
            reason,
        )
        .await;
        if let Some(severity) = severity {
            sec.select(
                tr(
                    lang,
                    "严重程度（初评时必填）",
                    "Severity (needed to triage)",
                ),
                severity,
            )
            .await;
        }
        sec.tick(tr(
            lang,
            "我明白此操作无法撤销。",
            "I understand this cannot be undone.",
        ))
        .await;
        sec.screenshot(&format!("step-{}-filled", n + 1)).await;
        sec.click(tr(lang, "推进", "Take the step")).await;
        sec.screenshot(&format!("step-{}-taken", n + 1)).await;
        assert_eq!(sec.path().await, case_path, "back on the case");
        assert_eq!(
            sec.text_of("[role=status]").await,
            tr(
                lang,
                "案件已推进到下一步。",
                "The case moved to its next step."
            )
        );
        assert_eq!(sec.text_of("h1 .badge").await, status);
        assert!(
            sec.text().await.contains(reason),
            "the step's reason is kept"
        );
    }
    let facts = sec.texts("dl.facts dd").await;
    assert!(
        facts.iter().any(|f| f == tr(lang, "低", "Low")),
        "the severity chosen at triage: {facts:?}"
    );

    // The reporter comes back later, in a new browser, and sees the decision.
    let Some(mut browser) =
        Browser::open(&app, &format!("{test}/3-reporter-returns"), lang, DESKTOP).await
    else {
        return;
    };
    browser.goto("/report/status").await;
    browser.fill(code_label, &code).await;
    browser.fill(secret_label, &secret).await;
    browser.screenshot("follow-again").await;
    browser.click(show).await;
    browser.screenshot("status-decided").await;
    assert_eq!(
        browser.text_of("#status").await,
        tr(
            lang,
            "调查结束：报告不属实",
            "Investigated: the report was not confirmed"
        )
    );
}

#[actix_web::test]
async fn an_anonymous_reporter_follows_the_report_to_its_decision_in_chinese() {
    an_anonymous_reporter_follows_the_report_to_its_decision("zh-CN").await;
}

#[actix_web::test]
async fn an_anonymous_reporter_follows_the_report_to_its_decision_in_english() {
    an_anonymous_reporter_follows_the_report_to_its_decision("en").await;
}
