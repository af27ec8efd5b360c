//! Pledges on paper (issue 19): a pledge text printed on A4 with the person's details filled
//! in and blank signature lines, in the person's language.

use serde_json::json;

use crate::helpers::{page, post};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

on_both_databases! {
    async fn a_pledge_text_prints_for_signature_with_the_persons_details_filled_in(app: TestApp) {
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let (s, text) = post(&app, &admin, "/api/v1/pledge-texts", json!({
            "kind": "exit", "title_zh": "离职保密承诺书", "body_zh": "本人承诺离职后继续保守所知悉的秘密。\n违反本承诺的，愿承担相应责任。",
            "title_en": "Exit confidentiality pledge", "body_en": "I pledge to keep the secrets I know after leaving."
        })).await;
        assert_eq!(s, 201, "{text}");
        let text_id = text["id"].as_str().unwrap();
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        {
            use diesel::prelude::*;
            use tuomi::db::schema::employees;
            diesel::update(employees::table.find(&org.dev))
                .set(employees::clearance_tier.eq("important"))
                .execute(&mut app.db())
                .unwrap();
        }
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (_, person) = page(&app, &hr, &format!("/employees/{}", org.dev)).await;
        let link = format!("/employees/{}/pledge-texts/{text_id}/print", org.dev);
        assert!(person.contains(&format!("href=\"{link}\"")), "the person's page links to it");

        // In the person's language (张伟 reads Chinese) whatever the reader's, nothing signed
        // yet: the signature and its date are blank lines.
        let (s, html) = page(&app, &hr, &link).await;
        assert_eq!(s, 200);
        let doc = html.split("id=\"pledge\"").nth(1).unwrap().split("</article>").next().unwrap();
        for expected in [
            "lang=\"zh-CN\"", "<h1>离职保密承诺书</h1>", "本人承诺离职后继续保守所知悉的秘密。",
            "<dd>张伟</dd>", "<dd>D001</dd>", "重要涉密人员", "员工签名", "公司（盖章）", "id=\"signatures\"",
        ] {
            assert!(doc.contains(expected), "{expected}: {doc}");
        }
        assert!(!doc.contains("签署方式"), "no way of signing is claimed before it is signed: {doc}");

        // Someone who may not see the person may not print it.
        let outsider = manager_client(&app, "x@example.com", "X001").await;
        let (s, _) = page(&app, &outsider, &link).await;
        assert!(s == 403 || s == 404, "{s}");
        let (s, _) = page(&app, &hr, &format!("/employees/{}/pledge-texts/no-such-text/print", org.dev)).await;
        assert_eq!(s, 404);
    }
}
