//! Reading an HR export of employees: UTF-8 (with or without BOM) or GB18030, one row a person.

use std::collections::{HashMap, HashSet};

use super::people::{EmployeeFields, EmployeeInput, check_employee_no};
use super::problem::Problem;
use crate::problem;

/// The columns of the file, in any order; other columns are ignored.
pub const COLUMNS: [&str; 9] = [
    "employee_no",
    "name",
    "work_email",
    "private_email",
    "language",
    "department",
    "title",
    "manager_no",
    "hire_date",
];

/// The columns a file must have; the others may be left out.
pub const REQUIRED: [&str; 3] = ["employee_no", "name", "department"];

/// At most this many rows are written in one transaction…
pub const BATCH_ROWS: usize = 500;
/// …and for at most this long: a large file is written batch by batch, so another user's
/// write waits at most about one batch (well under a second, however slow the machine),
/// never the whole file.
pub const BATCH_TIME: std::time::Duration = std::time::Duration::from_millis(250);

/// True when a batch of `rows` rows written in `elapsed` is to be committed now.
pub fn batch_is_full(rows: usize, elapsed: std::time::Duration) -> bool {
    rows >= BATCH_ROWS || elapsed >= BATCH_TIME
}

crate::string_enum! {
    /// What the import does (or, in a dry run, would do) with one row of the file.
    pub enum RowOutcomeKind ("a row outcome") {
        Created = "created",
        Updated = "updated",
        Unchanged = "unchanged",
    }
}

crate::string_enum! {
    /// How far an import that writes has got.
    pub enum ImportState ("an import state") {
        /// Its batches are being written.
        Running = "running",
        Done = "done",
        /// A batch failed (the register changed under it): the batches before it stay
        /// written, and importing the file again writes the rest.
        Failed = "failed",
    }
}

/// A problem with one line of the file (line 1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub field: String,
    pub problem: Problem,
}

impl LineError {
    pub fn new(line: u64, field: &str, problem: impl Into<Problem>) -> LineError {
        LineError {
            line,
            field: field.to_string(),
            problem: problem.into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    pub fields: EmployeeFields,
    pub manager_no: Option<String>,
}

/// What a column may be headed: its own name, or the heading the export writes in each
/// language (people.col.* of the catalogs), in any case and with spaces around.
#[derive(Debug, Clone, Default)]
pub struct Headings(HashMap<String, &'static str>);

impl Headings {
    /// The columns' own names, and `labels` (column, heading) beside them.
    pub fn new<'a>(labels: impl IntoIterator<Item = (&'static str, &'a str)>) -> Headings {
        let mut map: HashMap<String, &'static str> =
            COLUMNS.iter().map(|c| (c.to_string(), *c)).collect();
        for (column, label) in labels {
            map.insert(normalized(label), column);
        }
        Headings(map)
    }

    fn column(&self, heading: &str) -> Option<&'static str> {
        self.0.get(&normalized(heading)).copied()
    }
}

fn normalized(heading: &str) -> String {
    heading.trim().to_lowercase()
}

/// A file as rows of cells: its header, then each line's cells (or why it cannot be read).
#[derive(Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Result<Vec<String>, Problem>)>,
}

/// An Excel workbook (`.xlsx`) starts as a ZIP archive does.
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads the file: an Excel workbook (its first sheet) or CSV text.
pub fn read(bytes: &[u8]) -> Result<Table, Problem> {
    if is_workbook(bytes) {
        read_workbook(bytes)
    } else {
        Ok(read_csv(&decode(bytes)?))
    }
}

/// The text of the file: UTF-8 when it is valid UTF-8 (a BOM is dropped), else GB18030.
pub fn decode(bytes: &[u8]) -> Result<String, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| t.into_owned())
        .ok_or_else(|| problem!("not_utf8_nor_gb18030"))
}

fn read_csv(text: &str) -> Table {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            return Table {
                header: Vec::new(),
                rows: vec![(1, Err(problem!("csv_unreadable", detail = e.to_string())))],
            };
        }
    };
    let rows = reader
        .records()
        .map(|record| match record {
            Ok(r) => (
                r.position().map(|p| p.line()).unwrap_or(0),
                Ok(r.iter().map(str::to_string).collect()),
            ),
            Err(e) => (
                e.position().map(|p| p.line()).unwrap_or(0),
                Err(problem!("csv_unreadable", detail = e.to_string())),
            ),
        })
        .collect();
    Table { header, rows }
}

fn read_workbook(bytes: &[u8]) -> Result<Table, Problem> {
    use calamine::{Reader, open_workbook_auto_from_rs};
    let unreadable =
        |e: &dyn std::fmt::Display| problem!("xlsx_unreadable", detail = e.to_string());
    let mut book =
        open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable(&"the workbook has no sheet"))?
        .map_err(|e| unreadable(&e))?;
    // Lines as Excel numbers them: the range may start below row 1.
    let first = range.start().map_or(0, |(row, _)| row) as u64 + 1;
    let mut lines = range
        .rows()
        .map(|cells| cells.iter().map(cell_text).collect::<Vec<_>>());
    let header = lines.next().unwrap_or_default();
    let rows = lines
        .enumerate()
        .map(|(i, cells)| (first + 1 + i as u64, Ok(cells)))
        .collect();
    Ok(Table { header, rows })
}

/// A cell as the text a CSV of it would hold: dates as 2020-02-29, whole numbers (an employee
/// number typed as a number) without a decimal point.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::{Data, DataType};
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(_) | Data::DateTimeIso(_) => cell
            .as_date()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| cell.to_string()),
        other => other.to_string().trim().to_string(),
    }
}

/// A file read: its good rows, the problems of the others, every employee number it names
/// (bad rows included, so a report to a bad row's person is not reported twice), and the
/// columns it has that the import does not read, as headed.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub rows: Vec<ImportRow>,
    pub errors: Vec<LineError>,
    pub numbers: HashSet<String>,
    pub ignored: Vec<String>,
    /// Each column read, as the file heads it (工号, "Employee number", employee_no…): how an
    /// error names the column to the person who made the file.
    pub headed: HashMap<&'static str, String>,
    /// The managers named by bad rows (line, number): checked against the register with the
    /// good rows' managers, so an unknown one is reported with the row's other problems.
    pub bad_rows_managers: Vec<(u64, String)>,
}

impl ParsedFile {
    /// The column as the file heads it, or "" for the header or a whole row.
    pub fn heading(&self, field: &str) -> String {
        self.headed.get(field).cloned().unwrap_or_default()
    }
}

/// Parses every row; a row with any problem is left out and its problems reported.
pub fn parse(table: &Table, headings: &Headings) -> ParsedFile {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut numbers = HashSet::new();
    if table.header.is_empty() {
        let errors = table
            .rows
            .iter()
            .filter_map(|(line, r)| {
                r.as_ref()
                    .err()
                    .map(|p| LineError::new(*line, "header", p.clone()))
            })
            .collect();
        return ParsedFile {
            errors,
            ..Default::default()
        };
    }
    let mut position: HashMap<&str, usize> = HashMap::new();
    let mut headed: HashMap<&'static str, String> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, heading) in table.header.iter().enumerate() {
        match headings.column(heading) {
            Some(column) => {
                position.entry(column).or_insert(i);
                headed
                    .entry(column)
                    .or_insert_with(|| heading.trim().to_string());
            }
            None if heading.trim().is_empty() => {}
            None => ignored.push(heading.trim().to_string()),
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !position.contains_key(c))
        .collect();
    if !missing.is_empty() {
        // Each column named as the reader's export heads it, all at once.
        let errors = missing
            .iter()
            .map(|c| {
                let column = super::problem::Arg::label("people.col", c);
                LineError::new(
                    1,
                    "header",
                    problem!("missing_column", column = column, name = *c),
                )
            })
            .collect();
        return ParsedFile {
            errors,
            ignored,
            headed,
            ..Default::default()
        };
    }
    let mut bad_rows_managers = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for (line, record) in &table.rows {
        let line = *line;
        let record = match record {
            Ok(r) => r,
            Err(problem) => {
                errors.push(LineError::new(line, "row", problem.clone()));
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |name: &str| {
            position
                .get(name)
                .and_then(|&i| record.get(i))
                .map(|c| c.trim().to_string())
        };
        if let Some(no) = cell("employee_no") {
            numbers.insert(no);
        }
        let input = EmployeeInput {
            employee_no: cell("employee_no"),
            name: cell("name"),
            work_email: cell("work_email"),
            private_email: cell("private_email"),
            language: cell("language"),
            department: cell("department"),
            title: cell("title"),
            hire_date: cell("hire_date"),
        };
        let mut row_errors: Vec<LineError> = Vec::new();
        let fields = input.parse().map_err(|fe| {
            row_errors.extend(fe.0.into_iter().map(|(f, m)| LineError::new(line, &f, m)))
        });
        let manager_no = match cell("manager_no").filter(|m| !m.is_empty()) {
            None => None,
            Some(m) => match check_employee_no(&m) {
                Ok(m) => Some(m),
                Err(msg) => {
                    row_errors.push(LineError::new(line, "manager_no", msg));
                    None
                }
            },
        };
        if let Ok(fields) = &fields {
            if manager_no.as_deref() == Some(fields.employee_no.as_str()) {
                row_errors.push(LineError::new(line, "manager_no", problem!("own_manager")));
            }
            if let Some(first) = first_line.insert(fields.employee_no.clone(), line) {
                row_errors.push(LineError::new(
                    line,
                    "employee_no",
                    problem!(
                        "number_already_on_line",
                        number = fields.employee_no.as_str(),
                        line = first
                    ),
                ));
            }
        }
        match fields {
            Ok(fields) if row_errors.is_empty() => rows.push(ImportRow {
                line,
                fields,
                manager_no,
            }),
            _ => {
                errors.extend(row_errors);
                bad_rows_managers.extend(manager_no.map(|m| (line, m)));
            }
        }
    }
    ParsedFile {
        rows,
        errors,
        numbers,
        ignored,
        headed,
        bad_rows_managers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_csv(text: &str) -> ParsedFile {
        parse(
            &read_csv(text),
            &Headings::new([
                ("employee_no", "工号"),
                ("name", "姓名"),
                ("department", "部门"),
                ("manager_no", "直接上级工号"),
            ]),
        )
    }

    const HEADER: &str = "employee_no,name,work_email,private_email,language,department,title,manager_no,hire_date\n";

    #[test]
    fn utf8_with_a_bom_and_gb18030_both_read_as_the_same_text() {
        let text = format!("{HEADER}E1,张伟,,,zh-CN,研发部,工程师,,2020/2/29\n");
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(text.as_bytes());
        let (gb, _, _) = encoding_rs::GB18030.encode(&text);
        assert_eq!(decode(&with_bom).unwrap(), text);
        assert_eq!(decode(&gb).unwrap(), text);
        assert!(decode(&[0x81, 0x20, 0xFF]).is_err());
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_field() {
        let text = format!(
            "{HEADER}E1,张伟,bad-email,,zh-CN,研发部,,,2020-01-01\n\
             E2,李娜,,,en,研发部,,E2,\n\
             E1,王芳,,,zh-CN,研发部,,,\n\
             E3,,,,zh-CN,,,,2021-02-30\n\
             E4,赵敏,,,zh-CN,研发部,,E1,\n"
        );
        let ParsedFile { rows, errors, .. } = parse_csv(&text);
        let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            [
                (2, "work_email"),
                (3, "manager_no"),
                (5, "department"),
                (5, "hire_date"),
                (5, "name")
            ]
        );
        // Line 4 repeats E1, whose first line was itself bad: it is read as the first E1.
        let numbers: Vec<&str> = rows.iter().map(|r| r.fields.employee_no.as_str()).collect();
        assert_eq!(numbers, ["E1", "E4"]);
    }

    #[test]
    fn a_number_twice_in_the_file_is_an_error_on_the_second_line() {
        let text = format!("{HEADER}E1,张伟,,,,研发部,,,\nE1,王芳,,,,研发部,,,\n");
        let ParsedFile { rows, errors, .. } = parse_csv(&text);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            errors,
            [LineError::new(
                3,
                "employee_no",
                problem!("number_already_on_line", number = "E1", line = 2u64)
            )]
        );
    }

    #[test]
    fn a_file_without_the_required_columns_is_refused_at_the_header() {
        let errors = parse_csv("number,name\n1,x\n").errors;
        let missing: Vec<(u64, &str, String)> = errors
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.field.as_str(),
                    crate::catalog::english(&e.problem),
                )
            })
            .collect();
        assert_eq!(missing.len(), 2, "{missing:?}");
        assert!(
            missing
                .iter()
                .all(|(line, field, _)| (*line, *field) == (1, "header"))
        );
        // Each named as the people list heads it, with its own name.
        assert!(
            missing[0]
                .2
                .starts_with("no column \"Employee number\" (employee_no);"),
            "{missing:?}"
        );
        assert!(
            missing[1]
                .2
                .starts_with("no column \"Department\" (department);"),
            "{missing:?}"
        );
    }

    #[test]
    fn the_exports_headings_are_read_in_any_order_and_other_columns_are_named() {
        let text = "涉密等级,部门, 姓名 ,工号,直接上级工号,Status\n核心,研发部,张伟,E1,,在职\n一般,研发部,李娜,E2,E1,在职\n";
        let file = parse_csv(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.ignored, ["涉密等级", "Status"]);
        let got: Vec<(&str, &str, Option<&str>)> = file
            .rows
            .iter()
            .map(|r| {
                (
                    r.fields.employee_no.as_str(),
                    r.fields.name.as_str(),
                    r.manager_no.as_deref(),
                )
            })
            .collect();
        assert_eq!(got, [("E1", "张伟", None), ("E2", "李娜", Some("E1"))]);
    }

    #[test]
    fn an_excel_workbook_reads_as_the_same_rows_as_its_csv() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (col, heading) in ["工号", "姓名", "部门", "hire_date"].iter().enumerate() {
            sheet.write_string(0, col as u16, *heading).unwrap();
        }
        // An employee number typed as a number, and a hire date as an Excel date.
        sheet.write_number(1, 0, 1001).unwrap();
        sheet.write_string(1, 1, "张伟").unwrap();
        sheet.write_string(1, 2, "研发部").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2020, 2, 29).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_datetime_with_format(1, 3, &date, &format)
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(is_workbook(&bytes));
        let table = read(&bytes).unwrap();
        assert_eq!(
            table.rows[0],
            (
                2,
                Ok(vec![
                    "1001".into(),
                    "张伟".into(),
                    "研发部".into(),
                    "2020-02-29".into()
                ])
            )
        );
        let file = parse(
            &table,
            &Headings::new([
                ("employee_no", "工号"),
                ("name", "姓名"),
                ("department", "部门"),
            ]),
        );
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.rows[0].fields.employee_no, "1001");
        assert_eq!(
            file.rows[0].fields.hire_date,
            chrono::NaiveDate::from_ymd_opt(2020, 2, 29)
        );
    }

    #[test]
    fn a_batch_is_committed_at_500_rows_or_after_a_quarter_second() {
        use std::time::Duration;
        assert!(!batch_is_full(499, Duration::from_millis(249)));
        assert!(batch_is_full(500, Duration::ZERO));
        assert!(batch_is_full(1, Duration::from_millis(250)));
    }

    #[test]
    fn a_bad_rows_manager_is_kept_to_be_checked_and_columns_are_named_as_headed() {
        let text = "工号,姓名,工作邮箱,部门,直接上级工号\nE1,张伟,bad-email,研发部,E9\nE2,李娜,,研发部,E1\n";
        let file = parse(
            &read_csv(text),
            &Headings::new([
                ("employee_no", "工号"),
                ("name", "姓名"),
                ("work_email", "工作邮箱"),
                ("department", "部门"),
                ("manager_no", "直接上级工号"),
            ]),
        );
        assert_eq!(file.bad_rows_managers, [(2, "E9".to_string())]);
        assert_eq!(file.heading("work_email"), "工作邮箱");
        assert_eq!(file.heading("manager_no"), "直接上级工号");
        assert_eq!(file.heading("row"), "");
    }

    #[test]
    fn a_file_that_is_no_workbook_inside_its_zip_is_refused_with_the_reason() {
        let err = read(b"PK\x03\x04 not really").unwrap_err();
        assert_eq!(err.code, "problem.xlsx_unreadable");
    }
}
