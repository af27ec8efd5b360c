//! Importing an HR export: GB18030 or UTF-8, a dry run that finds every bad row, an
//! all-or-nothing real run, idempotent by employee number.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::people::manager_client;

const HEADER: &str =
    "employee_no,name,work_email,private_email,language,department,title,manager_no,hire_date\n";
const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
const GIVEN: [&str; 6] = ["伟", "芳", "娜", "敏", "静", "强"];

/// `n` people in a tree (each reports to person (i-1)/10), written with reports before their
/// managers, the way an export sorted by number may come.
fn company_csv(n: usize) -> String {
    let mut out = String::from(HEADER);
    for i in (0..n).rev() {
        let manager = if i == 0 {
            String::new()
        } else {
            format!("E{:05}", (i - 1) / 10)
        };
        let name = format!("{}{}{}", SURNAMES[i % 8], GIVEN[i % 6], GIVEN[(i / 6) % 6]);
        let dept = ["研发部", "市场部", "财务部"][i % 3];
        out.push_str(&format!(
            "E{i:05},{name},e{i:05}@corp.example,,{},{dept},职员,{manager},2015/{}/{}\n",
            if i % 5 == 0 { "en" } else { "zh-CN" },
            i % 12 + 1,
            i % 28 + 1
        ));
    }
    out
}

/// The file with one field (0-based column) of one employee's row replaced.
fn edit(csv: &str, employee_no: &str, column: usize, value: &str) -> String {
    csv.lines()
        .map(|line| {
            if line.starts_with(&format!("{employee_no},")) {
                let mut cells: Vec<&str> = line.split(',').collect();
                cells[column] = value;
                cells.join(",")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn gb18030(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

async fn import(app: &TestApp, client: &reqwest::Client, body: Vec<u8>, dry_run: bool) -> Value {
    let r = client
        .post(app.url(&format!("/api/v1/employees/import?dry_run={dry_run}")))
        .header("content-type", "text/csv; charset=gb18030")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn total(app: &TestApp, client: &reqwest::Client) -> i64 {
    let page: Value = client
        .get(app.url("/api/v1/employees?per_page=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["total"].as_i64().unwrap()
}

on_both_databases! {
    async fn hr_imports_thousands_from_gb18030_after_a_dry_run_and_a_second_import_changes_nothing(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let good = company_csv(3000);
        // Three bad rows among them: an email, a manager nobody has, a date not in the calendar.
        let bad = edit(&good, "E00042", 2, "e00042-at-corp");
        let bad = edit(&bad, "E02500", 7, "E99999");
        let bad = edit(&bad, "E01000", 8, "2015/2/30");
        let report = import(&app, &hr, gb18030(&bad), true).await;
        let problems: Vec<(String, String)> = report["errors"].as_array().unwrap().iter()
            .map(|e| (e["field"].as_str().unwrap().to_string(), e["line"].to_string())).collect();
        // Rows are written last number first: E02999 is on line 2, so En is on line 3001 - n.
        let expected = [("work_email", 3001 - 42), ("hire_date", 3001 - 1000), ("manager_no", 3001 - 2500)];
        let mut expected: Vec<(String, String)> = expected.iter().map(|(f, l)| (f.to_string(), l.to_string())).collect();
        expected.sort_by_key(|(_, l)| l.parse::<u64>().unwrap());
        assert_eq!(problems, expected);
        assert_eq!(report["dry_run"], true);
        assert_eq!(total(&app, &hr).await, 0, "a dry run writes nothing");
        // A real run of the bad file writes nothing either.
        let report = import(&app, &hr, gb18030(&bad), false).await;
        assert_eq!(report["dry_run"], true);
        assert_eq!(total(&app, &hr).await, 0);

        let report = import(&app, &hr, gb18030(&good), true).await;
        assert_eq!((report["created"].as_i64(), report["errors"].as_array().unwrap().len()), (Some(3000), 0));
        let report = import(&app, &hr, gb18030(&good), false).await;
        assert_eq!(report["created"], 3000);
        assert_eq!(report["dry_run"], false);
        assert_eq!(total(&app, &hr).await, 3000);

        let again = import(&app, &hr, gb18030(&good), false).await;
        assert_eq!((again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(0), Some(3000)));

        // The hierarchy came through: E00001 manages E00011..E00020 and their reports.
        let manager = manager_client(&app, "e1@example.com", "E00001").await;
        let team: Value = manager.get(app.url("/api/v1/employees?per_page=200")).send().await.unwrap().json().await.unwrap();
        assert_eq!(team["total"], 10 + 100 + 1000, "E00011-E00020, their 100 reports, and their 1000");
        let found: Value = hr.get(app.url("/api/v1/employees?q=e00042")).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["items"][0]["name"], "张伟芳");

        let changed = edit(&good, "E00042", 1, "张伟薇");
        let report = import(&app, &hr, gb18030(&changed), false).await;
        assert_eq!((report["created"].as_i64(), report["updated"].as_i64()), (Some(0), Some(1)));
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 3000, "every row is listed: {}", rows.len());
        let changed: Vec<&Value> = rows.iter().filter(|r| r["outcome"] != "unchanged").collect();
        assert_eq!(changed.len(), 1, "only one row changes: {changed:?}");
        assert_eq!((changed[0]["employee_no"].as_str(), changed[0]["outcome"].as_str(), changed[0]["line"].as_u64()), (Some("E00042"), Some("updated"), Some(3001 - 42)));
        assert_eq!(changed[0]["changes"], serde_json::json!({"name": {"from": "张伟芳", "to": "张伟薇"}}));
        assert_eq!((rows[0]["employee_no"].as_str(), rows[0]["outcome"].as_str(), rows[0]["line"].as_u64()), (Some("E02999"), Some("unchanged"), Some(2)));
    }

    async fn the_people_lists_export_imports_back_unchanged_in_either_language_and_from_excel(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let report = import(&app, &hr, company_csv(30).into_bytes(), false).await;
        assert_eq!(report["created"], 30);
        for lang in ["zh-CN", "en"] {
            let email = format!("hr-{lang}@example.com");
            let page = app.signed_in(&email, &["hr"]).await;
            let r = page.patch(app.url("/api/v1/me")).json(&serde_json::json!({"language": lang})).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let export = page.get(app.url("/employees?format=csv&per_page=200")).send().await.unwrap();
            assert_eq!(export.status(), 200);
            let bytes = export.bytes().await.unwrap().to_vec();
            let header = String::from_utf8_lossy(&bytes).lines().next().unwrap().to_string();
            let expected_first = if lang == "en" { "Employee number" } else { "工号" };
            assert!(header.contains(expected_first), "{header}");
            let back = import(&app, &hr, bytes.clone(), true).await;
            assert_eq!(back["errors"].as_array().unwrap().len(), 0, "{lang}: {back}");
            assert_eq!((back["created"].as_i64(), back["updated"].as_i64(), back["unchanged"].as_i64()), (Some(0), Some(0), Some(30)), "{lang}: nothing changed");
            let ignored: Vec<&str> = back["ignored_columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            let tier = if lang == "en" { "Clearance tier" } else { "涉密等级" };
            assert!(ignored.contains(&tier), "the columns not read are named: {ignored:?}");

            // The same export saved as an Excel workbook, as HR would after editing it.
            let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (c, h) in reader.headers().unwrap().iter().enumerate() {
                sheet.write_string(0, c as u16, h).unwrap();
            }
            for (r, record) in reader.records().enumerate() {
                for (c, cell) in record.unwrap().iter().enumerate() {
                    sheet.write_string(r as u32 + 1, c as u16, cell).unwrap();
                }
            }
            let workbook = book.save_to_buffer().unwrap();
            let r = hr.post(app.url("/api/v1/employees/import?dry_run=true"))
                .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .body(workbook)
                .send().await.unwrap();
            assert_eq!(r.status(), 200);
            let back: Value = r.json().await.unwrap();
            assert_eq!((back["created"].as_i64(), back["updated"].as_i64(), back["unchanged"].as_i64()), (Some(0), Some(0), Some(30)), "{lang} workbook: {back}");
        }
    }

    async fn an_import_that_would_make_a_reporting_cycle_is_refused(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let csv = format!("{HEADER}A1,甲,,,,研发部,,B1,\nB1,乙,,,,研发部,,C1,\nC1,丙,,,,研发部,,A1,\n");
        let report = import(&app, &hr, csv.into_bytes(), false).await;
        assert_eq!(report["errors"].as_array().unwrap().len(), 3, "{report}");
        assert_eq!(report["errors"][0]["message"], "would make a reporting cycle");
        assert_eq!(total(&app, &hr).await, 0);
    }

    async fn import_is_for_hr_and_refuses_what_is_not_csv(app: TestApp) {
        let manager = app.signed_in("m@example.com", &["manager"]).await;
        let r = manager.post(app.url("/api/v1/employees/import")).header("content-type", "text/csv").body(HEADER).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let r = hr.post(app.url("/api/v1/employees/import")).header("content-type", "application/json").body("{}").send().await.unwrap();
        assert_eq!(r.status(), 415);
        let r = hr.post(app.url("/api/v1/employees/import")).header("content-type", "text/csv").body(vec![0x81u8, 0x20, 0xFF]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let r = hr.post(app.url("/api/v1/employees/import")).header("content-type", "text/csv").body("number,name\n1,x\n").send().await.unwrap();
        let report: Value = r.json().await.unwrap();
        assert_eq!(report["errors"][0]["field"], "header");
    }

    async fn the_import_command_reads_a_utf8_file_with_a_bom(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let path = app.dir.path().join("export.csv");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(company_csv(25).as_bytes());
        std::fs::write(&path, bytes).unwrap();
        let out = app.command(&["import", "employees", path.to_str().unwrap(), "--dry-run"]).output().unwrap();
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("25 created, 0 updated, 0 unchanged (would be written"), "{stdout}");
        assert_eq!(total(&app, &hr).await, 0);
        let out = app.command(&["import", "employees", path.to_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(total(&app, &hr).await, 25);
        let out = app.command(&["import", "employees", path.to_str().unwrap()]).output().unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("nothing changed"));
        // The import's events joined the chain unbroken: a user, a token, 25 employees.
        let out = app.command(&["audit", "verify"]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "audit chain intact: 27 events");
    }

    // Generated files (see `fuzz_files`), one after another into the same register: never a
    // 500; a file with any problem, or a dry run, writes nothing at all; a file that is
    // written adds what the report says, and importing it again changes nothing.
    async fn the_import_survives_generated_files_and_never_writes_part_of_a_file(app: TestApp) {
        use proptest::strategy::{Strategy, ValueTree};
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut written, mut refused) = (0, 0);
        for n in 0..200 {
            let (body, dry_run) = fuzz_files::case().new_tree(&mut runner).unwrap().current();
            let shown = String::from_utf8_lossy(&body).into_owned();
            let before = register(&app, &hr).await;
            let (status, report) = fuzz_import(&app, &hr, &body, dry_run).await;
            assert!(status == 200 || status == 422, "case {n}: {status} {report}\n{shown}");
            let after = register(&app, &hr).await;
            if status == 422 || report["dry_run"] == true {
                assert_eq!(after, before, "case {n} wrote something: {report}\n{shown}");
                assert!(status == 422 || dry_run || !report["errors"].as_array().unwrap().is_empty(), "case {n}: {report}");
                refused += 1;
                continue;
            }
            written += 1;
            assert_eq!(report["errors"], serde_json::json!([]), "case {n}");
            let created = report["created"].as_u64().unwrap() as usize;
            assert_eq!(after.len(), before.len() + created, "case {n}: {report}\n{shown}");
            let (status, again) = fuzz_import(&app, &hr, &body, false).await;
            assert_eq!(status, 200, "case {n}: {again}");
            assert_eq!((again["created"].as_u64(), again["updated"].as_u64()), (Some(0), Some(0)), "case {n}: importing again changed something: {again}\n{shown}");
            assert_eq!(register(&app, &hr).await, after, "case {n}");
        }
        // The generator reaches both sides.
        assert!(written >= 10 && refused >= 10, "{written} written, {refused} refused");
    }
}

/// CSV-ish files for the import to choke on: the right header or a wrong one, cells that are
/// fine or break one rule (numbers, emails, languages, dates, lengths, control characters,
/// managers that are missing, themselves or a cycle away), quoted or not (a stray quote, comma
/// or newline breaks the row), rows short or long, CRLF or LF, UTF-8 with or without a BOM or
/// GB18030; and now and then plain random bytes.
mod fuzz_files {
    use proptest::prelude::*;

    const NUMBERS: [&str; 10] = ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10"];

    fn pick(values: &'static [&'static str]) -> impl Strategy<Value = String> {
        proptest::sample::select(values).prop_map(str::to_string)
    }

    fn cell(column: &str) -> BoxedStrategy<String> {
        let odd = prop_oneof![
            Just(String::new()),
            Just("x".repeat(320)),
            Just("a\u{7}b".to_string()),
            Just("  spaced\u{3000}".to_string()),
            "[ -~]{0,12}",
            any::<String>().prop_map(|s| s.chars().take(20).collect()),
        ];
        // Mostly what a good export holds, now and then what breaks a rule.
        let (good, bad): (&'static [&'static str], &'static [&'static str]) = match column {
            "employee_no" => (&NUMBERS, &["e1", "E 7", "E\u{3000}8", "甲1", "E1\u{3000}"]),
            "name" => (
                &["张伟", "王芳", "Li \"Na\"", "李,娜", "O'Neil"],
                &["Zhao\nQiang", ""],
            ),
            "work_email" | "private_email" => (
                &["", "a@corp.example", "B@Corp.Example"],
                &["bad-email", "x@y", "@corp"],
            ),
            "language" => (&["", "zh-CN", "en"], &["EN", "fr", "zh"]),
            "department" => (&["研发部", "市场部", "R&D"], &[""]),
            "title" => (&["", "工程师", "职员", "Lead, Ops"], &["\t"]),
            "manager_no" => (
                &["", "", "", "", "E1", "E2", "E3", "E4", "E5"],
                &["E99", "e1", "甲1", "E 1"],
            ),
            "hire_date" => (
                &["", "2015/1/2", "2015-01-02", "2020/2/29"],
                &[
                    "2015/2/30",
                    "20150102",
                    "1899/1/1",
                    "2999-01-01",
                    "tomorrow",
                ],
            ),
            _ => (&["", "x"], &["y"]),
        };
        prop_oneof![150 => pick(good), 3 => pick(bad), 1 => odd].boxed()
    }

    fn header() -> impl Strategy<Value = Vec<String>> {
        let all: Vec<String> = super::HEADER
            .trim()
            .split(',')
            .map(str::to_string)
            .collect();
        let shuffled = Just(all.clone()).prop_shuffle();
        let required = Just(vec![
            "department".to_string(),
            "name".to_string(),
            "employee_no".to_string(),
        ]);
        let mut without_name = all.clone();
        without_name.retain(|c| c != "name");
        let mut extra = all.clone();
        extra.insert(3, "notes".to_string());
        let shouting: Vec<String> = all.iter().map(|c| c.to_uppercase()).collect();
        prop_oneof![
            6 => Just(all),
            2 => shuffled,
            1 => required,
            1 => Just(without_name),
            1 => Just(extra),
            1 => Just(shouting),
        ]
    }

    /// A cell as written: quoted when it has to be (mode 0), always (1) or never (2, which
    /// breaks the row when the value holds a comma, quote or newline).
    fn render(value: &str, mode: u8) -> String {
        let needed = value.contains([',', '"', '\n', '\r']);
        if mode == 1 || (mode == 0 && needed) {
            format!("\"{}\"", value.replace('"', "\"\""))
        } else {
            value.to_string()
        }
    }

    fn csv_file() -> impl Strategy<Value = Vec<u8>> {
        header()
            .prop_flat_map(|header| {
                let row = header
                    .iter()
                    .map(|c| {
                        (
                            cell(&c.to_lowercase()),
                            prop_oneof![18 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
                        )
                    })
                    .collect::<Vec<_>>();
                let rows = proptest::collection::vec(
                    (
                        row,
                        prop_oneof![8 => Just(0usize), 1 => 1usize..3],
                        prop::bool::weighted(0.03),
                    ),
                    0..6,
                );
                (Just(header), rows, prop::bool::ANY, 0u8..3)
            })
            .prop_map(|(header, rows, crlf, encoding)| {
                let newline = if crlf { "\r\n" } else { "\n" };
                let mut text = header.join(",") + newline;
                for (cells, extra, short) in rows {
                    let mut line: Vec<String> = cells.iter().map(|(v, q)| render(v, *q)).collect();
                    if short {
                        line.truncate(line.len() / 2);
                    }
                    line.extend(std::iter::repeat_n("extra".to_string(), extra));
                    text.push_str(&line.join(","));
                    text.push_str(newline);
                }
                match encoding {
                    0 => text.into_bytes(),
                    1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                    _ => encoding_rs::GB18030.encode(&text).0.into_owned(),
                }
            })
    }

    /// A file, and whether to ask for a dry run.
    pub fn case() -> impl Strategy<Value = (Vec<u8>, bool)> {
        let bytes = prop_oneof![
            10 => csv_file(),
            1 => proptest::collection::vec(any::<u8>(), 0..300),
            1 => (csv_file(), proptest::collection::vec(any::<u8>(), 1..40))
                .prop_map(|(mut file, tail)| { file.extend(tail); file }),
        ];
        (bytes, prop::bool::weighted(0.2))
    }
}

/// Every employee as the API shows them, ordered by id: what "nothing was written" compares.
async fn register(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let page: Value = client
        .get(app.url("/api/v1/employees?per_page=200"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut items = page["items"].as_array().unwrap().clone();
    items.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    items
}

async fn fuzz_import(
    app: &TestApp,
    client: &reqwest::Client,
    body: &[u8],
    dry_run: bool,
) -> (u16, Value) {
    let r = client
        .post(app.url(&format!("/api/v1/employees/import?dry_run={dry_run}")))
        .header("content-type", "text/csv")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status} {text:?}: {e}"));
    (status, body)
}
