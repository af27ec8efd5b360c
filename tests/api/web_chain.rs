//! The page of a tier change tells a reader who may not take its next step why not and who
//! can (002 第五条: the department head reviews, the unit leader approves; two people at
//! least besides the proposer), in both languages.

use serde_json::json;

use crate::helpers::{page, post};
use crate::on_both_databases;
use crate::people::small_org;
use crate::web_security::{manager, speak_chinese};

on_both_databases! {
    async fn the_page_of_a_change_says_why_the_reader_may_not_take_the_next_step_and_who_can(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let both = app.signed_in("both@example.com", &["hr", "security"]).await;
        let org = small_org(&app, &hr).await;
        let lead = manager(&app, "lead@example.com", "L001").await;
        let boss = manager(&app, "boss@example.com", "M001").await;
        let (s, change) = post(&app, &lead, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "core", "reason": "调入核心研发岗位"})).await;
        assert_eq!(s, 201, "{change}");
        let path = format!("/clearance-changes/{}", change["id"].as_str().unwrap());

        // The proposer: neither step is theirs; the review is HR's or the department head's.
        let (_, html) = page(&app, &lead, &path).await;
        assert!(html.contains("You proposed this change: the proposer decides neither step."), "{html}");
        assert!(html.contains("The review: HR, or a manager above 张伟 in the reporting line"), "{html}");
        assert!(!html.contains("/review\""));
        // The department head above the lead sees it and has the review form, no such note.
        let (status, html) = page(&app, &boss, &path).await;
        assert_eq!(status, 200);
        assert!(html.contains("/review\"") && !html.contains("Who takes the next step"), "{html}");
        // Someone holding HR and security reviews it; then the approval is not theirs.
        let (s, _) = post(&app, &both, &format!("/api/v1{}/review", &path),
            json!({"decision": "approve", "reason": "符合条件"})).await;
        assert_eq!(s, 200);
        let (_, html) = page(&app, &both, &path).await;
        assert!(!html.contains("/approve\""), "{html}");
        assert!(html.contains("You reviewed this change: whoever reviewed it does not approve it too"), "{html}");
        assert!(html.contains("The approval: a security officer (for the unit leader) who neither proposed nor reviewed the change."));
        // HR alone: not their step.
        let (_, html) = page(&app, &hr, &path).await;
        assert!(html.contains("The approval is a step for the security officer."), "{html}");

        speak_chinese(&app, &both).await;
        let (_, html) = page(&app, &both, &path).await;
        assert!(html.contains("下一步由谁处理") && html.contains("该变更由您审核：审核人不能再批准，须由另一人批准。"), "{html}");
        assert!(html.contains("批准：由保密员（代单位领导）进行；提议人和审核人除外。"), "{html}");
        speak_chinese(&app, &lead).await;
        let (_, html) = page(&app, &lead, &path).await;
        assert!(html.contains("该变更由您提议：提议人既不审核，也不批准。"), "{html}");
    }
}
