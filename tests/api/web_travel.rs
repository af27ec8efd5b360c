//! The travel pages (issue 20 items 1 and 2): the list of trips and one trip for each role in
//! both languages (a manager their team's, without the decision form), the request form and
//! its refusal keeping what was typed, both approvals, the return and the documents through
//! the forms, the CSV files and the travel settings of the policy form.

use serde_json::{Value, json};

use crate::helpers::{TestApp, page, post, submit_form};
use crate::obligations::set_tier;
use crate::on_both_databases;
use crate::people::small_org;
use crate::travel::trip;

/// Sets a user's language (a signed-in user's pages follow it).
fn speak(app: &TestApp, email: &str, lang: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::language.eq(lang))
        .execute(&mut app.db())
        .unwrap();
}

/// A signed-in client (redirects not followed) whose account is linked to an employee.
async fn linked(app: &TestApp, email: &str, employee_no: &str) -> reqwest::Client {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    let client = app.signed_in(email, &["manager"]).await;
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::employee_no.eq(employee_no))
        .execute(&mut app.db())
        .unwrap();
    client
}

/// The text of a CSV download, checking the byte-order mark.
async fn csv(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    String::from_utf8(bytes[3..].to_vec()).unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// For the language crawl: in a seeded company, an approved trip of a classified employee
/// with their passport out for it, and another one's trip waiting for security.
pub async fn a_trip_with_a_document_out(app: &TestApp) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    let serving: Vec<(String, String)> = employees::table
        .filter(employees::clearance_tier.ne("none"))
        .filter(employees::status.eq("active"))
        .order(employees::employee_no)
        .select((employees::id, employees::employee_no))
        .limit(2)
        .load(&mut app.db())
        .unwrap();
    let [(traveller, no), (_, other)] = &serving[..] else {
        panic!("the seed has two serving classified employees: {serving:?}");
    };
    let sec = app
        .token_client("crawl-sec@example.com", &["security"])
        .await;
    let admin = app
        .token_client("crawl-admin@example.com", &["admin"])
        .await;
    let me = linked(app, "crawl-traveller@example.com", no).await;
    let (s, asked) = post(app, &me, "/api/v1/trips", trip("2030-03-01", "2030-03-10")).await;
    assert_eq!(s, 201, "{asked}");
    let (s, done) = crate::travel::decide(app, &sec, &asked, "approve").await;
    assert_eq!(s, 200, "{done}");
    if done["status"] == "awaiting_second_approval" {
        assert_eq!(
            crate::travel::decide(app, &admin, &asked, "approve")
                .await
                .0,
            200
        );
    }
    let path = format!("/api/v1/employees/{traveller}/travel-documents");
    let body = json!({"kind": "passport", "number": "E12345678", "expires_on": "2033-05-31"});
    let (s, doc) = post(app, &sec, &path, body).await;
    assert_eq!(s, 201, "{doc}");
    let out = json!({"trip_id": id(&asked), "on": "2030-02-28"});
    let path = format!("/api/v1/travel-documents/{}/hand-out", id(&doc));
    assert_eq!(post(app, &sec, &path, out).await.0, 200);
    // A second person's trip, still waiting for security.
    let them = linked(app, "crawl-traveller-2@example.com", other).await;
    let (s, body) = post(
        app,
        &them,
        "/api/v1/trips",
        trip("2030-06-01", "2030-06-05"),
    )
    .await;
    assert_eq!(s, 201, "{body}");
}

on_both_databases! {
    async fn each_role_reads_the_trips_it_may_in_both_languages(app: TestApp) {
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        set_tier(&app, &org.dev, "important");
        let dev = linked(&app, "dev@example.com", "D001").await;
        let (s, asked) = post(&app, &dev, "/api/v1/trips", trip("2028-03-01", "2028-03-10")).await;
        assert_eq!(s, 201, "{asked}");
        let trip_page = format!("/trips/{}", id(&asked));

        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (s, html) = page(&app, &hr, "/trips").await;
        assert_eq!(s, 200);
        assert!(html.contains("Trips abroad") && html.contains("张伟") && html.contains("日本"), "{html}");
        assert!(html.contains("Waiting for security"), "{html}");
        assert!(html.contains(&format!("href=\"{trip_page}\"")), "{html}");
        let (s, html) = page(&app, &hr, &trip_page).await;
        assert_eq!(s, 200);
        assert!(html.contains("参加学术会议") && html.contains("东京大学"), "{html}");
        assert!(!html.contains("Record the decision"), "HR decides nothing: {html}");
        assert!(html.contains("Security decides this trip"), "{html}");
        speak(&app, "hr@example.com", "zh-CN");
        let (_, html) = page(&app, &hr, "/trips").await;
        assert!(html.contains("出境审批") && html.contains("待保密部门审批"), "{html}");
        let (_, html) = page(&app, &hr, &trip_page).await;
        assert!(html.contains("该出境由保密部门审批"), "{html}");

        // The manager of the team reads the trip, without any form; another manager does not.
        let lead = linked(&app, "lead@example.com", "L001").await;
        let (s, html) = page(&app, &lead, "/trips").await;
        assert_eq!(s, 200);
        assert!(html.contains("张伟"), "{html}");
        let (s, html) = page(&app, &lead, &trip_page).await;
        assert_eq!(s, 200);
        assert!(!html.contains("/decision") && !html.contains("Record the decision"), "{html}");
        let stranger = linked(&app, "outsider@example.com", "X001").await;
        let (_, html) = page(&app, &stranger, "/trips").await;
        assert!(!html.contains("张伟") && html.contains("Nothing"), "{html}");
        assert!([403, 404].contains(&page(&app, &stranger, &trip_page).await.0));
        // The travel documents are the overseers'.
        assert_eq!(page(&app, &lead, "/travel-documents").await.0, 403);
        let (s, html) = page(&app, &hr, "/travel-documents").await;
        assert_eq!(s, 200);
        assert!(html.contains("证照保管"), "{html}");
    }

    async fn a_trip_asked_through_the_form_is_refused_with_what_was_typed(app: TestApp) {
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        let dev = linked(&app, "dev@example.com", "D001").await;
        let fields = [
            ("countries", "新加坡"), ("purpose", "探亲"), ("starts_on", "2028-05-01"),
            ("ends_on", "2028-05-09"), ("invited_by", "本人家属"),
            ("_next", "/trips/{id}"), ("_done", "trip_requested"),
        ];
        // No tier, no period: no approval is needed, said on the first day's field.
        let (to, s, html) = submit_form(&app, &dev, "/trips/new", "/api/v1/trips", &fields).await;
        assert_eq!((to.as_str(), s), ("/trips/new", 200));
        assert!(html.contains("no approval is needed"), "{html}");
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"f-starts_on-error\""), "{html}");
        assert!(html.contains("value=\"新加坡\"") && html.contains("探亲</textarea>"), "{html}");
        speak(&app, "dev@example.com", "zh-CN");
        let (_, _, html) = submit_form(&app, &dev, "/trips/new", "/api/v1/trips", &fields).await;
        assert!(html.contains("无需审批") && html.contains("value=\"新加坡\""), "{html}");

        set_tier(&app, &org.dev, "general");
        speak(&app, "dev@example.com", "en");
        let (to, s, html) = submit_form(&app, &dev, "/trips/new", "/api/v1/trips", &fields).await;
        assert_eq!(s, 200);
        assert!(to.starts_with("/trips/") && to != "/trips/new", "{to}");
        assert!(html.contains("Your trip was asked for") && html.contains("新加坡"), "{html}");

        // An account linked to nobody reads why it cannot ask.
        let nobody = app.signed_in("nobody@example.com", &["hr"]).await;
        let (s, html) = page(&app, &nobody, "/trips/new").await;
        assert_eq!(s, 200, "{html}");
        assert!(html.contains("your account is not linked to an employee record"), "{html}");
        assert!(!html.contains("action=\"/api/v1/trips\""), "{html}");
    }

    async fn both_approvals_the_return_and_the_documents_go_through_the_forms(app: TestApp) {
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        set_tier(&app, &org.dev, "core");
        let dev = linked(&app, "dev@example.com", "D001").await;
        let (_, asked) = post(&app, &dev, "/api/v1/trips", trip("2028-03-01", "2028-03-10")).await;
        let here = format!("/trips/{}", id(&asked));
        let decision = format!("/api/v1/trips/{}/decision", id(&asked));
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        // The leader's turn comes after security's: the page says why there is no form yet.
        let (_, html) = page(&app, &admin, &here).await;
        assert!(!html.contains(&decision), "{html}");
        assert!(html.contains("You cannot decide this trip now"), "{html}");

        let approve = [
            ("decision", "approve"), ("reason", "学术交流，符合规定"), ("_confirm", "yes"),
            ("_irreversible", "1"), ("_done", "trip_decided"),
        ];
        let (to, _, html) = submit_form(&app, &sec, &here, &decision, &approve).await;
        assert_eq!(to, here);
        assert!(html.contains("The decision was recorded") && html.contains("Waiting for the unit leader"), "{html}");
        assert!(html.contains("学术交流，符合规定"), "the reason is shown: {html}");
        assert!(html.contains("the second approval is given by a unit leader"), "security may not give it: {html}");
        let (_, html) = page(&app, &admin, &here).await;
        assert!(html.contains("Second approval") && html.contains(&decision), "{html}");
        let (_, _, html) = submit_form(&app, &admin, &here, &decision, &approve).await;
        assert!(html.contains(">Approved<") && html.contains("Unit leader"), "{html}");

        // Security registers the passport on the person's page and hands it out for the trip.
        let person = format!("/employees/{}", org.dev);
        let register = format!("/api/v1/employees/{}/travel-documents", org.dev);
        let (_, _, html) = submit_form(&app, &sec, &person, &register, &[
            ("kind", "passport"), ("number", "E7654321"), ("expires_on", "2033-05-31"),
            ("_done", "document_registered"),
        ]).await;
        assert!(html.contains("The document was registered") && html.contains("E7654321"), "{html}");
        assert!(html.contains("Held by security"), "{html}");
        let (_, html) = page(&app, &sec, &here).await;
        let doc_id = html.split("/api/v1/travel-documents/").nth(1).unwrap().split('/').next().unwrap().to_string();
        let hand_out = format!("/api/v1/travel-documents/{doc_id}/hand-out");
        let (_, _, html) = submit_form(&app, &sec, &here, &hand_out, &[
            ("trip_id", id(&asked).as_str()), ("on", "2028-02-28"), ("_done", "document_handed_out"),
        ]).await;
        assert!(html.contains("The document was handed out") && html.contains("Out for a trip"), "{html}");
        // Given back for good while the person still serves: the refusal is the message.
        let give_back = format!("/api/v1/travel-documents/{doc_id}/give-back");
        let (_, html) = page(&app, &sec, "/travel-documents").await;
        assert!(html.contains("E7654321") && html.contains("日本"), "where it is: {html}");
        let (to, _, html) = submit_form(&app, &sec, &person, &give_back, &[("on", "2028-03-20")]).await;
        assert_eq!(to, person);
        assert!(html.contains("security does not hold this document now"), "{html}");

        // Back: the return and the document, through the trip's forms.
        let back = format!("/api/v1/trips/{}/return", id(&asked));
        let (_, _, html) = submit_form(&app, &sec, &here, &back, &[("returned_on", "2028-03-10"), ("_done", "trip_returned")]).await;
        assert!(html.contains("The return was recorded") && !html.contains(&back), "{html}");
        let take_back = format!("/api/v1/travel-documents/{doc_id}/take-back");
        let (_, _, html) = submit_form(&app, &sec, &here, &take_back, &[("on", "2028-03-11"), ("_done", "document_taken_back")]).await;
        assert!(html.contains("The document was taken back") && html.contains("back with security"), "{html}");
        let (to, _, html) = submit_form(&app, &sec, &person, &give_back, &[("on", "2028-03-20")]).await;
        assert_eq!(to, person);
        assert!(html.contains("the person still serves on a classified post"), "{html}");
        speak(&app, "sec@example.com", "zh-CN");
        let (_, _, html) = submit_form(&app, &sec, &person, &give_back, &[("on", "2028-03-20")]).await;
        assert!(html.contains("此人仍在涉密岗位或脱密期内"), "{html}");
        // The traveller is told the decision.
        app.run_jobs().await;
        assert_eq!(app.smtp.to("d001@corp.example").iter().filter(|m| m.subject().contains("出境申请已批准")).count(), 1);
    }

    async fn security_refuses_a_trip_with_its_reason_in_both_languages(app: TestApp) {
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        set_tier(&app, &org.dev, "important");
        let dev = linked(&app, "dev@example.com", "D001").await;
        let (_, asked) = post(&app, &dev, "/api/v1/trips", trip("2028-03-01", "2028-03-10")).await;
        let here = format!("/trips/{}", id(&asked));
        let decision = format!("/api/v1/trips/{}/decision", id(&asked));
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let (_, html) = page(&app, &sec, &here).await;
        assert!(html.contains(&format!("action=\"{decision}\"")), "security decides: {html}");
        // Without a reason the form comes back with the field at fault.
        let (to, _, html) = submit_form(&app, &sec, &here, &decision, &[
            ("decision", "reject"), ("reason", ""), ("_confirm", "yes"), ("_irreversible", "1"),
        ]).await;
        assert_eq!(to, here);
        assert!(html.contains("aria-describedby=\"f-reason-error\""), "{html}");
        let (_, _, html) = submit_form(&app, &sec, &here, &decision, &[
            ("decision", "reject"), ("reason", "行程与工作无关"), ("_confirm", "yes"),
            ("_irreversible", "1"), ("_done", "trip_decided"),
        ]).await;
        assert!(html.contains(">Refused<") && html.contains("行程与工作无关"), "{html}");
        assert!(!html.contains(&format!("action=\"{decision}\"")), "decided once: {html}");
        speak(&app, "sec@example.com", "zh-CN");
        let (_, html) = page(&app, &sec, &here).await;
        assert!(html.contains("未批准") && html.contains("行程与工作无关"), "{html}");
        assert!(!html.contains("您现在不能审批该出境"), "nothing left to decide: {html}");
        // The traveller reads the outcome of their own trip.
        let (s, html) = page(&app, &dev, &here).await;
        assert_eq!(s, 200);
        assert!(html.contains("Refused") && html.contains("行程与工作无关"), "{html}");
        // And is told it by email, with the reason.
        app.run_jobs().await;
        let told = app.smtp.to("d001@corp.example");
        assert!(told.iter().any(|m| m.subject().contains("出境申请未获批准") && m.text().contains("审批意见：行程与工作无关")), "{}", told.len());
    }

    async fn security_records_a_trip_taken_without_approval_and_reaches_its_case(app: TestApp) {
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        set_tier(&app, &org.dev, "important");
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let (_, html) = page(&app, &sec, "/trips/new?employee_no=NOBODY").await;
        assert!(html.contains("No employee has this number"), "{html}");
        let (_, html) = page(&app, &sec, "/trips/new?employee_no=D001").await;
        assert!(html.contains("Record a trip taken without approval") && html.contains("张伟"), "{html}");
        let here = format!("/trips/new?employee_id={}", org.dev);
        let (to, _, html) = submit_form(&app, &sec, &here, "/api/v1/trips/unapproved", &[
            ("employee_id", org.dev.as_str()), ("countries", "泰国"), ("purpose", "旅游"),
            ("starts_on", "2028-02-10"), ("ends_on", "2028-02-14"), ("invited_by", "无"),
            ("_next", "/trips/{id}"), ("_done", "trip_recorded_unapproved"),
        ]).await;
        assert!(to.starts_with("/trips/"), "{to}");
        assert!(html.contains("a breach case opened") && html.contains("Taken without approval"), "{html}");
        let case = html.split("href=\"/breaches/").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(page(&app, &sec, &format!("/breaches/{case}")).await.0, 200);
        app.run_jobs().await;
    }

    async fn the_lists_download_as_csv_with_their_cells(app: TestApp) {
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        set_tier(&app, &org.dev, "important");
        let dev = linked(&app, "dev@example.com", "D001").await;
        let (_, asked) = post(&app, &dev, "/api/v1/trips", trip("2028-02-28", "2028-02-29")).await;
        let sec_api = app.token_client("sec-api@example.com", &["security"]).await;
        assert_eq!(crate::travel::decide(&app, &sec_api, &asked, "approve").await.0, 200);
        let path = format!("/api/v1/employees/{}/travel-documents", org.dev);
        let body = json!({"kind": "hk_macao_permit", "number": "C1234567", "expires_on": "2031-01-31"});
        let (_, doc) = post(&app, &sec_api, &path, body).await;
        let out = json!({"trip_id": id(&asked), "on": "2028-02-27"});
        let hand_out = format!("/api/v1/travel-documents/{}/hand-out", id(&doc));
        assert_eq!(post(&app, &sec_api, &hand_out, out).await.0, 200);

        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let text = csv(&app, &hr, "/trips?format=csv").await;
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("Person,Employee no.,Countries or regions,First day,Last day,Purpose,Status,Decided by,Back on,Asked for"));
        let row = lines.next().unwrap();
        assert!(row.starts_with("张伟,D001,日本,2028-02-28,2028-02-29,参加学术会议,Approved,Test User 测试,,"), "{row}");
        // Due back by 7 March: overdue on the 8th, the filter finds it.
        app.clock.set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2028, 3, 8, 8, 0, 0).unwrap());
        let hr = app.signed_in("hr2@example.com", &["hr"]).await;
        let (_, html) = page(&app, &hr, "/trips?overdue=1").await;
        assert!(html.contains("张伟"), "{html}");
        let (_, html) = page(&app, &hr, "/trips?status=refused").await;
        assert!(!html.contains("张伟"), "{html}");
        let text = csv(&app, &hr, "/travel-documents?late=1&format=csv").await;
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("Holder,Employee no.,Kind,Number,Expires,Where it is"));
        assert_eq!(lines.next(), Some("张伟,D001,Hong Kong and Macao permit,C1234567,2031-01-31,Out for a trip 日本 2028-02-27"));
        speak(&app, "hr2@example.com", "zh-CN");
        let text = csv(&app, &hr, "/trips?format=csv").await;
        assert!(text.starts_with("人员,工号,前往国家或地区"), "{text}");
        assert!(text.contains(",已批准,"), "{text}");
        app.run_jobs().await;
    }

    async fn the_policy_form_saves_the_travel_and_employer_settings(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (_, html) = page(&app, &admin, "/admin/policy").await;
        assert!(html.contains("Travel abroad") && html.contains("name=\"travel.report_back_days\" type=\"number\" value=\"7\""), "{html}");
        assert!(html.contains("name=\"travel.second_approval.core\" value=\"true\" checked"), "{html}");
        let mut fields = crate::web_admin::policy_fields(&app, &admin).await;
        fields.push(("travel.report_back_days".into(), "10".into()));
        // The set of tiers as the page sends it: its mark, and the boxes ticked.
        fields.push(("travel.second_approval".into(), "1".into()));
        // The tiers that forbid a foreign employer are boxes the same way: core alone now.
        fields.push(("whereabouts.foreign_forbidden".into(), "1".into()));
        fields.push(("whereabouts.foreign_forbidden.core".into(), "true".into()));
        fields.push(("travel.second_approval.important".into(), "true".into()));
        let (to, _, html) = submit_form(&app, &admin, "/admin/policy", "/admin/policy", &crate::web_admin::refs(&fields)).await;
        assert_eq!(to, "/admin/policy");
        assert!(html.contains("value=\"10\""), "{html}");
        assert!(html.contains("name=\"travel.second_approval.important\" value=\"true\" checked"), "{html}");
        assert!(!html.contains("name=\"travel.second_approval.core\" value=\"true\" checked"), "{html}");
        let now = crate::helpers::get_json(&app, &admin, "/api/v1/policy").await;
        assert_eq!(now["policy"]["travel"], json!({"second_approval_tiers": ["important"], "report_back_days": 10}));
        assert_eq!(now["policy"]["whereabouts"]["foreign_forbidden_tiers"], json!(["core"]));
        assert!(html.contains("name=\"whereabouts.foreign_forbidden.core\" value=\"true\" checked"), "{html}");
        assert!(!html.contains("name=\"whereabouts.foreign_forbidden.important\" value=\"true\" checked"), "{html}");
        // Security reads them.
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        speak(&app, "sec@example.com", "zh-CN");
        let (_, html) = page(&app, &sec, "/admin/policy").await;
        assert!(html.contains("出境管理") && html.contains("出境结束后报告回国的天数"), "{html}");
    }
}
