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

/// A file read: its good rows, the problems of the others, and every employee number it
/// names (bad rows included, so a report to a bad row's person is not reported twice).
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub rows: Vec<ImportRow>,
    pub errors: Vec<LineError>,
    pub numbers: HashSet<String>,
}

/// Parses every row; a row with any problem is left out and its problems reported.
pub fn parse(text: &str) -> ParsedFile {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut numbers = HashSet::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => {
            return ParsedFile {
                errors: vec![LineError::new(
                    1,
                    "header",
                    problem!("csv_unreadable", detail = e.to_string()),
                )],
                ..Default::default()
            };
        }
    };
    let position: HashMap<&str, usize> = COLUMNS
        .iter()
        .filter_map(|c| header.iter().position(|h| h == c).map(|i| (*c, i)))
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !position.contains_key(c))
        .collect();
    if !missing.is_empty() {
        let problem = problem!("missing_columns", columns = missing.join(", "));
        return ParsedFile {
            errors: vec![LineError::new(1, "header", problem)],
            ..Default::default()
        };
    }
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(LineError::new(
                    line,
                    "row",
                    problem!("csv_unreadable", detail = e.to_string()),
                ));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cell = |name: &str| {
            position
                .get(name)
                .and_then(|&i| record.get(i))
                .map(str::to_string)
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
            _ => errors.extend(row_errors),
        }
    }
    ParsedFile {
        rows,
        errors,
        numbers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let ParsedFile { rows, errors, .. } = parse(&text);
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
        let ParsedFile { rows, errors, .. } = parse(&text);
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
        let errors = parse("number,name\n1,x\n").errors;
        assert_eq!(errors[0].line, 1);
        assert_eq!(
            errors[0].problem,
            problem!("missing_columns", columns = "employee_no, department")
        );
    }
}
