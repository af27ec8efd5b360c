//! Pledges on paper (issue 19): a pledge text printed on A4 with the person's details filled
//! in and blank signature lines, in the person's language.

use serde_json::json;

use crate::helpers::{page, post};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

/// The paper pledge form of the person's page, sent as the browser sends it.
async fn send_paper(
    app: &crate::helpers::TestApp,
    web: &reqwest::Client,
    employee: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (u16, String) {
    use reqwest::multipart::{Form, Part};
    let (_, html) = page(app, web, &format!("/employees/{employee}")).await;
    let mut form = Form::new().text("csrf", crate::helpers::csrf_of(&html));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    let r = web
        .post(app.url(&format!("/employees/{employee}/pledges/paper")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

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

    async fn a_pledge_signed_on_paper_is_recorded_with_its_scan_which_only_hr_and_security_read(app: TestApp) {
        use chrono::TimeZone;
        app.clock.set(chrono::Utc.with_ymd_and_hms(2028, 2, 10, 3, 0, 0).unwrap());
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let (_, text) = post(&app, &admin, "/api/v1/pledge-texts", json!({
            "kind": "exit", "title_zh": "离职保密承诺书", "body_zh": "本人承诺……",
            "title_en": "Exit confidentiality pledge", "body_en": "I pledge…"
        })).await;
        let text_id = text["id"].as_str().unwrap().to_string();
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        let web = app.signed_in("hr@example.com", &["hr"]).await;
        let pledges = |app: &crate::helpers::TestApp| {
            let path = format!("/api/v1/employees/{}/pledges", org.dev);
            let client = hr_api.clone();
            let url = app.url(&path);
            async move { client.get(url).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
        };
        const SCAN: &[u8] = b"%PDF-1.4 the signed pledge";

        // A day to come, no file, a file that is no scan: 422 on the field, nothing recorded.
        let (s, html) = send_paper(&app, &web, &org.dev, &[("pledge_text_id", &text_id), ("signed_on", "2028-02-11")], Some(("p.pdf", SCAN))).await;
        assert_eq!(s, 422, "{html}");
        assert!(html.contains("must not be after today"), "{html}");
        let (s, html) = send_paper(&app, &web, &org.dev, &[("pledge_text_id", &text_id), ("signed_on", "2028-02-10")], None).await;
        assert_eq!(s, 422);
        assert!(html.contains("attach the scan of the signed paper"), "{html}");
        let (s, html) = send_paper(&app, &web, &org.dev, &[("pledge_text_id", &text_id), ("signed_on", "2028-02-10")], Some(("p.txt", "已签字".as_bytes()))).await;
        assert_eq!(s, 422);
        assert!(html.contains("a scan is a PDF, JPEG or PNG file"), "{html}");
        assert_eq!(pledges(&app).await["items"].as_array().map(Vec::len).unwrap_or(0), 0, "nothing recorded");

        let (s, _) = send_paper(&app, &web, &org.dev, &[("pledge_text_id", &text_id), ("signed_on", "2028-02-10")], Some(("signed pledge.pdf", SCAN))).await;
        assert_eq!(s, 303);
        let list = pledges(&app).await;
        let items = list["items"].as_array().or(list.as_array()).unwrap().clone();
        assert_eq!(items.len(), 1, "{list}");
        let pledge = &items[0];
        assert_eq!(pledge["method"], "paper");
        assert_eq!(pledge["signed_on"], "2028-02-10");
        assert_eq!(pledge["scan_ref"], "signed pledge.pdf");
        assert!(pledge["scan_id"].is_string(), "{pledge}");
        let scan = format!("/employees/{}/pledges/{}/scan", org.dev, pledge["id"].as_str().unwrap());
        let (_, person) = page(&app, &web, &format!("/employees/{}", org.dev)).await;
        assert!(person.contains(&format!("href=\"{scan}\"")), "the person's page links the scan");

        // The scan as it came, to HR and security; audited with its SHA-256.
        let got = web.get(app.url(&scan)).send().await.unwrap();
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["content-type"], "application/pdf");
        assert_eq!(got.bytes().await.unwrap().as_ref(), SCAN);
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        assert_eq!(sec.get(app.url(&scan)).send().await.unwrap().status(), 200);
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        assert_eq!(lead.get(app.url(&scan)).send().await.unwrap().status(), 403);
        let sec_api = app.token_client("sec-api@example.com", &["security"]).await;
        let audit: serde_json::Value = sec_api.get(app.url(&format!("/api/v1/audit?subject_type=employee&subject_id={}", org.dev)))
            .send().await.unwrap().json().await.unwrap();
        let kept = audit["items"].as_array().unwrap().iter().find(|e| e["action"] == "pledge.scan_kept").expect("audited");
        use sha2::{Digest, Sha256};
        assert_eq!(kept["details"]["sha256"], hex::encode(Sha256::digest(SCAN)));
    }
}
