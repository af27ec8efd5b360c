//! Every page each role reaches reads in the reader's language: on a Chinese page no English
//! word shows, on an English page no Chinese, outside the data the test entered and a short
//! list of names that are the same in both.

use std::collections::{BTreeMap, HashSet, VecDeque};

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use crate::helpers::{Backend, TestApp};

/// Words a page may show in either language: formats, standards, the product's name, and
/// each language's own name on the switch between them.
const SAME_IN_BOTH: &[&str] = &[
    "English",
    "中文",
    "CSV",
    "API",
    "SHA",
    "Message-ID",
    "ID",
    "tuomi",
    "PDF",
    "Excel",
    "xlsx",
    "PNG",
    "JPEG",
    "UTF",
    "GB",
    "SMTP",
    // An email's formats, as the reminder page names its parts and its download.
    "HTML",
    "eml",
    "cron",
    "MB",
    "简体中文",
    // A weekday as the cron syntax of the schedule settings writes it.
    "Mon",
    // The law's own terms, quoted beside their English in the texts that explain a duty.
    "脱密期",
    "离职保密义务",
    "竞业限制",
    "商业秘密",
    "一般涉密人员",
    "重要涉密人员",
    "核心涉密人员",
    "秘密",
    "机密",
    "绝密",
    "OpenAPI",
    "JSON",
    "CNY",
    "HR",
    "Bearer",
];

#[derive(diesel::QueryableByName)]
struct Entered {
    #[diesel(sql_type = Text)]
    t: String,
}

/// What the seed and the test put in: names, numbers, emails, departments, titles, carrier
/// tags and descriptions, trips and travel documents. Text the service writes itself
/// (policy, states) is not data.
fn entered(app: &TestApp) -> Vec<String> {
    diesel::sql_query(
        "SELECT name || ' ' || employee_no || ' ' || department || ' ' || title || ' ' || \
         coalesce(work_email, '') || ' ' || coalesce(private_email, '') AS t FROM employees \
         UNION ALL SELECT email || ' ' || name FROM users \
         UNION ALL SELECT tag || ' ' || description FROM carriers \
         UNION ALL SELECT title || ' ' || note FROM departure_lines WHERE carrier_id IS NOT NULL \
         UNION ALL SELECT coalesce(to_address, '') || ' ' || coalesce(message_id, '') FROM reminders \
         UNION ALL SELECT countries || ' ' || purpose || ' ' || invited_by || ' ' || \
         coalesce(decision_reason, '') || ' ' || coalesce(second_reason, '') FROM trips \
         UNION ALL SELECT number FROM travel_documents \
         UNION ALL SELECT employer || ' ' || post FROM whereabouts UNION ALL SELECT name FROM competitors",
    )
    .load::<Entered>(&mut app.db())
    .unwrap()
    .into_iter()
    .map(|e| e.t)
    .collect()
}

/// The text a reader sees: text between tags, and the placeholder, title, alt and
/// aria-label of elements; not scripts, styles, code, nor an element that declares its own
/// language (`lang="en"` on a Chinese page says the words are English on purpose).
fn visible_text(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    // The element being skipped, and how deep inside elements of its name we are.
    let mut skipping: Option<(String, usize)> = None;
    while let Some(open) = rest.find('<') {
        if skipping.is_none() {
            out.push(rest[..open].to_string());
        }
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c + 1);
        let tag = &rest[open..close];
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let void = ["input", "br", "img", "meta", "link", "hr"].contains(&name.as_str())
            || tag.ends_with("/>");
        match &mut skipping {
            Some((skipped, depth)) if *skipped == name && !void => {
                if tag.starts_with("</") {
                    *depth -= 1;
                    if *depth == 0 {
                        skipping = None;
                    }
                } else {
                    *depth += 1;
                }
            }
            Some(_) => {}
            None if tag.starts_with("</") || tag.starts_with("<!") => {}
            None => {
                let own_language = name != "html" && tag.contains(" lang=\"");
                if !void
                    && (own_language
                        || ["script", "style", "code", "pre", "textarea"].contains(&name.as_str()))
                {
                    skipping = Some((name.clone(), 1));
                } else if !own_language {
                    for attr in ["placeholder=\"", "title=\"", "alt=\"", "aria-label=\""] {
                        if let Some(at) = tag.find(attr) {
                            let value = &tag[at + attr.len()..];
                            out.push(value[..value.find('"').unwrap_or(0)].to_string());
                        }
                    }
                }
            }
        }
        rest = &rest[close..];
    }
    out.push(rest.to_string());
    out.into_iter()
        .map(|t| {
            t.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
        })
        .collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// The words of `text` foreign to `lang`: on zh-CN, runs of Latin letters; on en, runs of
/// Chinese characters and punctuation. A word inside entered data is not foreign.
fn foreign_words(text: &str, lang: &str, data: &[String]) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let foreign = |c: char| {
        if lang == "en" {
            is_cjk(c)
        } else {
            c.is_ascii_alphabetic() || (c == '-' || c == '_')
        }
    };
    for c in text.chars().chain([' ']) {
        if foreign(c) {
            word.push(c);
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    words
        .into_iter()
        .map(|w| w.trim_matches(['-', '_']).to_string())
        .filter(|w| w.chars().any(|c| c.is_alphabetic()) && w.chars().count() >= 2)
        .filter(|w| !SAME_IN_BOTH.contains(&w.as_str()))
        .filter(|w| !data.iter().any(|d| d.contains(w.as_str())))
        .collect()
}

/// The words of the other language on one page in `lang` (for pages the crawl cannot reach,
/// as those behind a former employee's link), outside the data entered.
pub(crate) fn words_of_the_other_language(app: &TestApp, html: &str, lang: &str) -> Vec<String> {
    let data = entered(app);
    visible_text(html)
        .iter()
        .flat_map(|t| foreign_words(t, lang, &data))
        .collect()
}

/// Crawls from the start page (up to `limit` pages), gathering the foreign words by page.
async fn crawl_for_foreign_words(
    app: &TestApp,
    client: &reqwest::Client,
    lang: &str,
    limit: usize,
) -> (BTreeMap<String, Vec<String>>, usize) {
    crawl_within(app, client, lang, &["/"], limit).await
}

/// Crawls from `starts`, following only links under them (up to `limit` pages).
async fn crawl_within(
    app: &TestApp,
    client: &reqwest::Client,
    lang: &str,
    starts: &[&str],
    limit: usize,
) -> (BTreeMap<String, Vec<String>>, usize) {
    let data = entered(app);
    let mut found = BTreeMap::new();
    let mut queue: VecDeque<String> = starts.iter().map(|s| s.to_string()).collect();
    let mut seen = HashSet::new();
    while let Some(path) = queue.pop_front() {
        if seen.len() >= limit || !seen.insert(path.clone()) {
            continue;
        }
        let r = client.get(app.url(&path)).send().await.unwrap();
        let is_html = r
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
        if !is_html {
            continue;
        }
        let html = r.text().await.unwrap();
        let mut words: Vec<String> = visible_text(&html)
            .iter()
            .flat_map(|t| foreign_words(t, lang, &data))
            .collect();
        words.sort();
        words.dedup();
        if !words.is_empty() {
            found.insert(path.clone(), words);
        }
        for link in html.split("href=\"").skip(1) {
            let href = link[..link.find('"').unwrap_or(0)].replace("&amp;", "&");
            if href.starts_with('/')
                && starts.iter().any(|s| href.starts_with(s))
                && !href.starts_with("//")
                && !href.starts_with("/static/")
                && !href.starts_with("/api/")
                && !href.starts_with("/language")
                && !href.contains("format=csv")
                && !seen.contains(&href)
            {
                queue.push_back(href);
            }
        }
    }
    (found, seen.len())
}

#[actix_web::test]
async fn every_page_each_role_reaches_reads_in_the_readers_language() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let end = app.end_of_test();
    let out = app
        .command(&["dev", "seed", "--employees", "30"])
        .output()
        .unwrap();
    assert!(out.status.success());
    crate::web_travel::a_trip_with_a_document_out(&app).await;
    // The traveller is told the decision: its reminder is among the pages.
    app.run_jobs().await;
    let mut report = Vec::new();
    for lang in ["zh-CN", "en"] {
        for role in ["hr", "security", "admin", "manager"] {
            let email = format!("{role}.{lang}@example.com").to_lowercase();
            let client = app.signed_in(&email, &[role]).await;
            let r = client
                .patch(app.url("/api/v1/me"))
                .json(&serde_json::json!({"language": lang}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let (mut found, pages) = crawl_for_foreign_words(&app, &client, lang, 150).await;
            // The travel pages, which the crawl from the start page may not reach in time.
            let travel = ["/trips", "/travel-documents"];
            let (more, travel_pages) = crawl_within(&app, &client, lang, &travel, 20).await;
            found.extend(more);
            // A manager reads their team's trips and asks for their own (no register).
            let least = if role == "manager" { 2 } else { 4 };
            assert!(
                travel_pages >= least,
                "{role} reached only {travel_pages} travel pages in {lang}"
            );
            // A manager without reports has little to see; the others a whole company.
            let least = if role == "manager" { 5 } else { 100 };
            assert!(
                pages >= least,
                "{role} reached only {pages} pages in {lang}"
            );
            for (path, words) in found {
                // One line for all the pages of one kind (ids written as :id).
                let kind: Vec<String> = path
                    .split(['/', '?', '&'])
                    .map(|part| {
                        if part.len() >= 32 {
                            ":id".into()
                        } else {
                            part.to_string()
                        }
                    })
                    .collect();
                let line = format!("{lang} {role} {}: {}", kind.join("/"), words.join(", "));
                if !report.contains(&line) {
                    report.push(line);
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "pages showing words of the other language:\n{}",
        report.join("\n")
    );
    end.check_jobs();
}
