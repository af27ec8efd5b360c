//! What every list page shares. A list is declared once, as its columns (key, label, whether
//! it sorts, what a row shows in it); that one declaration draws the table (the `list_table`
//! macro of `macros.html`: header with sort links, rows, pager) and writes the CSV export of
//! the whole list (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese right).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use minijinja::{Value, context};

use super::pages::Pages;
use super::{page_language, render_page};
use crate::db::listing::{Page, Window};
use crate::db::users::User;
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;

/// The catalog in the reader's language, for what a cell writes into the CSV.
#[derive(Clone, Copy)]
pub struct Texts<'a> {
    pages: &'a Pages,
    lang: Language,
}

impl<'a> Texts<'a> {
    pub fn new(pages: &'a Pages, lang: Language) -> Texts<'a> {
        Texts { pages, lang }
    }

    pub fn t(&self, key: &str) -> String {
        self.pages.text(self.lang, key)
    }

    /// A message with its values, in the reader's language.
    pub fn say(&self, message: &crate::domain::problem::Problem) -> String {
        crate::catalog::render(self.lang, message)
    }

    pub fn lang(&self) -> Language {
        self.lang
    }
}

/// What a row shows in a column: the value the page draws (a `kind` the `list_cell` macro
/// knows) and the text the CSV holds, made together so the two cannot disagree.
#[derive(Debug, Clone)]
pub struct Cell {
    page: Value,
    csv: String,
}

impl Cell {
    fn of(kind: &str, csv: String, page: Value) -> Cell {
        // Every cell has every key the macro reads: the pages render with strict undefined.
        let (note, below) = (Value::from(()), Value::from(()));
        Cell {
            page: context! { kind, note, below, ..page },
            csv,
        }
    }

    pub fn empty() -> Cell {
        Cell::text("")
    }

    pub fn text(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell::of("text", text.clone(), context! { text })
    }

    /// A link; the CSV holds its text.
    pub fn link(href: impl Into<String>, text: impl Into<String>) -> Cell {
        let (href, text) = (href.into(), text.into());
        Cell::of("link", text.clone(), context! { href, text })
    }

    /// A catalog message (a kind, a reason), in the reader's language in both.
    pub fn label(texts: &Texts, key: impl Into<String>) -> Cell {
        let key = key.into();
        Cell::of("label", texts.t(&key), context! { key })
    }

    /// A state as a badge (`prefix.value` in the catalog), its text alone in the CSV.
    pub fn badge(texts: &Texts, prefix: &str, value: impl std::fmt::Display) -> Cell {
        let value = value.to_string();
        let csv = texts.t(&format!("{prefix}.{value}"));
        Cell::of("badge", csv, context! { prefix, value })
    }

    /// A day, as the `|date` filter writes it; ISO 8601 in the CSV (empty when none).
    pub fn date(day: Option<NaiveDate>) -> Cell {
        let value = day.map(|d| d.to_string());
        Cell::of(
            "date",
            value.clone().unwrap_or_default(),
            context! { value },
        )
    }

    /// An instant, as the `|datetime` filter writes it; RFC 3339 in the CSV.
    pub fn instant(at: Option<NaiveDateTime>) -> Cell {
        let value = at.map(super::view::instant);
        Cell::of(
            "datetime",
            value.clone().unwrap_or_default(),
            context! { value },
        )
    }

    /// An instant, as the `|datetime` filter writes it; in the CSV the company's local
    /// "YYYY-MM-DD HH:MM" (empty when none), as the exports have always written times.
    pub fn local(tz: chrono_tz::Tz, at: Option<NaiveDateTime>) -> Cell {
        let csv = at.map(|at| super::view::local(tz, at)).unwrap_or_default();
        Cell::instant(at).in_csv(csv)
    }

    /// A count, grouped as the `|number` filter writes it; plain digits in the CSV.
    pub fn number(n: i64) -> Cell {
        Cell::of("number", n.to_string(), context! { value => n })
    }

    /// Something only this page knows how to draw: the page's `{% call %}` block of
    /// `list_table` gets the column key and `value`; the CSV holds `csv`.
    pub fn custom(csv: impl Into<String>, value: Value) -> Cell {
        Cell::of("custom", csv.into(), context! { value })
    }

    /// The CSV holds `csv` instead of the page's text (a name the export writes
    /// "number name" where the page writes "name (number)").
    pub fn in_csv(mut self, csv: impl Into<String>) -> Cell {
        self.csv = csv.into();
        self
    }

    /// A second, quieter text after the first (a number after a name).
    pub fn note(mut self, note: Option<impl Into<String>>) -> Cell {
        if let Some(note) = note.map(Into::into).filter(|n| !n.is_empty()) {
            self.page = context! { note, ..self.page };
        }
        self
    }

    /// A second, quieter line under the first (a description under a tag).
    pub fn below(mut self, below: Option<impl Into<String>>) -> Cell {
        if let Some(below) = below.map(Into::into).filter(|n| !n.is_empty()) {
            self.page = context! { below, ..self.page };
        }
        self
    }
}

/// Where a column is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Both,
    Page,
    Csv,
}

/// One column of a list: its key (what `sort` names), its label (a catalog key, the same on
/// the page and in the CSV header), whether the page sorts by it, and its cell.
struct Column<R> {
    key: &'static str,
    label: &'static str,
    sortable: bool,
    shown: Shown,
    cell: CellOf<R>,
}

/// What a column shows of a row.
type CellOf<R> = Box<dyn Fn(&R, &Texts) -> Cell>;

/// The columns of a list page, declared once for its table and its CSV, in order:
/// `Columns::new().col("tag", "carriers.col.tag", |r, t| …).sortable().col(…)`.
pub struct Columns<R>(Vec<Column<R>>);

impl<R> Default for Columns<R> {
    fn default() -> Columns<R> {
        Columns(Vec::new())
    }
}

impl<R> Columns<R> {
    pub fn new() -> Columns<R> {
        Columns::default()
    }

    /// A column shown on the page and in the CSV.
    pub fn col(
        mut self,
        key: &'static str,
        label: &'static str,
        cell: impl Fn(&R, &Texts) -> Cell + 'static,
    ) -> Columns<R> {
        self.0.push(Column {
            key,
            label,
            sortable: false,
            shown: Shown::Both,
            cell: Box::new(cell),
        });
        self
    }

    fn last(mut self, change: impl FnOnce(&mut Column<R>)) -> Columns<R> {
        if let Some(column) = self.0.last_mut() {
            change(column);
        }
        self
    }

    /// The page's header sorts by the last column's key.
    pub fn sortable(self) -> Columns<R> {
        self.last(|c| c.sortable = true)
    }

    /// The last column only in the table (a link to open a row, a summary the CSV spells out
    /// in columns of its own).
    pub fn page_only(self) -> Columns<R> {
        self.last(|c| c.shown = Shown::Page)
    }

    /// The last column only in the CSV (details the table leaves to the row's own page).
    pub fn csv_only(self) -> Columns<R> {
        self.last(|c| c.shown = Shown::Csv)
    }
}

impl<R> Columns<R> {
    fn on_page(&self) -> impl Iterator<Item = &Column<R>> {
        self.0.iter().filter(|c| c.shown != Shown::Csv)
    }

    fn in_csv(&self) -> impl Iterator<Item = &Column<R>> {
        self.0.iter().filter(|c| c.shown != Shown::Page)
    }

    /// What the `list_table` macro draws: the header (with the sort in force), each row's
    /// cells (and `anchor`, the row's `id` in the page, when given), the pager and its links.
    pub fn table(
        &self,
        req: &HttpRequest,
        texts: &Texts,
        found: &Page<R>,
        window: Window,
        sort: &str,
        anchor: impl Fn(&R) -> Option<String>,
    ) -> Value {
        let columns: Vec<Value> = self
            .on_page()
            .map(|c| context! { key => c.key, label => c.label, sortable => c.sortable })
            .collect();
        let rows: Vec<Value> = found
            .rows
            .iter()
            .map(|r| {
                let cells: Vec<Value> = self.on_page().map(|c| (c.cell)(r, texts).page).collect();
                context! { cells, anchor => anchor(r) }
            })
            .collect();
        context! {
            columns,
            rows,
            sort,
            total => found.total,
            page => window.page,
            per_page => window.per_page,
            query => query_without(req, &["page", "format"]),
            sort_query => query_without(req, &["page", "sort", "format"]),
        }
    }

    /// The whole list as a CSV file: the labels as its header, then a line a row.
    pub fn csv(&self, file_name: &str, texts: &Texts, rows: &[R]) -> HttpResponse {
        let header: Vec<String> = self.in_csv().map(|c| texts.t(c.label)).collect();
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| self.in_csv().map(|c| (c.cell)(r, texts).csv).collect())
            .collect();
        csv_file(file_name, &header, &lines)
    }
}

/// A list page: its columns, the name of its CSV file, its template, and the
/// `id` a row has on the page (for links to it), if any.
pub struct ListPage<R> {
    pub columns: Columns<R>,
    pub csv: &'static str,
    pub template: &'static str,
    pub anchor: fn(&R) -> Option<String>,
}

/// What a list found for a request: the rows, the window asked for and the order in force.
pub struct Found<'a, R> {
    pub rows: Page<R>,
    pub window: Window,
    pub sort: &'a str,
}

impl<R> ListPage<R> {
    /// The whole list as its CSV file when asked for (`?format=csv`), else the page with
    /// the table (`list`) and the page's own values (`extra`).
    pub fn answer(
        &self,
        state: &AppState,
        req: &HttpRequest,
        user: &User,
        found: Found<R>,
        extra: minijinja::Value,
    ) -> std::result::Result<HttpResponse, Error> {
        self.answer_with(state, req, user, StatusCode::OK, found, extra)
    }

    /// The same, with the page's status (a list shown again under a refused form).
    pub fn answer_with(
        &self,
        state: &AppState,
        req: &HttpRequest,
        user: &User,
        status: StatusCode,
        found: Found<R>,
        extra: minijinja::Value,
    ) -> std::result::Result<HttpResponse, Error> {
        let texts = Texts::new(&state.pages, page_language(req, Some(user)));
        if wants_csv(req) {
            return Ok(self.columns.csv(self.csv, &texts, &found.rows.rows));
        }
        let list = self.columns.table(
            req,
            &texts,
            &found.rows,
            found.window,
            found.sort,
            self.anchor,
        );
        let ctx = context! { list, ..extra };
        render_page(state, req, Some(user), status, self.template, ctx)
    }
}

/// A list shown whole, on one page.
pub fn whole<R>(rows: Vec<R>) -> Found<'static, R> {
    Found {
        rows: Page {
            total: rows.len() as i64,
            rows,
        },
        window: Window::first(),
        sort: "",
    }
}

/// The window a list reads: the page asked for, or every row for the CSV export.
pub fn window_for(req: &HttpRequest, window: Window) -> Window {
    if wants_csv(req) {
        window.everything()
    } else {
        window
    }
}

/// The page's query string without the parameters named, ready to be followed by another
/// parameter: `"q=li&status=active&"` (or `""`).
pub fn query_without(req: &HttpRequest, drop: &[&str]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if !drop.contains(&k.as_ref()) && !v.is_empty() {
            out.append_pair(&k, &v);
        }
    }
    let query = out.finish();
    if query.is_empty() {
        query
    } else {
        format!("{query}&")
    }
}

/// The links a list page builds on its query string, for its template: paging (`query`),
/// sorting (`sort_query`) and the CSV export (`csv_query`), each keeping the filters.
pub fn links(req: &HttpRequest) -> minijinja::Value {
    minijinja::context! {
        query => query_without(req, &["page"]),
        sort_query => query_without(req, &["page", "sort"]),
        csv_query => query_without(req, &["page", "format"]),
    }
}

/// True when the list is asked for as a CSV file (`?format=csv`).
pub fn wants_csv(req: &HttpRequest) -> bool {
    form_urlencoded::parse(req.query_string().as_bytes()).any(|(k, v)| k == "format" && v == "csv")
}

/// A CSV file to download: a header row, then the rows. The one writer of CSV files, so
/// every cell goes through [`inert_cell`]: no export carries a formula to a spreadsheet.
pub fn csv_file(file_name: &str, header: &[String], rows: &[Vec<String>]) -> HttpResponse {
    use crate::domain::spreadsheet::inert_cell;
    let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let mut write = || -> csv::Result<()> {
        writer.write_record(header.iter().map(|c| inert_cell(c).into_owned()))?;
        for row in rows {
            writer.write_record(row.iter().map(|c| inert_cell(c).into_owned()))?;
        }
        writer.flush()?;
        Ok(())
    };
    let written = write();
    let bytes = writer.into_inner().unwrap_or_default();
    if written.is_err() {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row {
        id: &'static str,
        name: &'static str,
        status: &'static str,
    }

    fn columns() -> Columns<Row> {
        Columns::<Row>::new()
            .col("name", "people.col.name", |r, _| {
                Cell::link(format!("/employees/{}", r.id), r.name).note(Some("E1"))
            })
            .sortable()
            .col("status", "people.col.status", |r, t| {
                Cell::badge(t, "people.status", r.status)
            })
            .col("id", "people.col.employee_no", |r, _| Cell::text(r.id))
            .csv_only()
    }

    #[test]
    fn one_declaration_draws_the_table_and_writes_the_csv() {
        let pages = Pages::new(chrono_tz::Asia::Shanghai).unwrap();
        let texts = Texts::new(&pages, Language::En);
        let req = actix_web::test::TestRequest::get()
            .uri("/employees?q=li&page=2&sort=name")
            .to_http_request();
        let found = Page {
            rows: vec![Row {
                id: "e1",
                name: "Li <Wei>",
                status: "active",
            }],
            total: 51,
        };
        let window = Window::new(2, 50).unwrap();
        let list = columns().table(&req, &texts, &found, window, "name", |_| None);
        let html = pages
            .env
            .render_str(
                r#"{% import "macros.html" as m %}{{ m.list_table(list) }}"#,
                minijinja::context! { list },
            )
            .unwrap();
        // (render_str does not escape: pages do, by their .html names.)
        assert!(
            html.contains(r#"aria-sort="ascending"><a href="?q=li&sort=-name">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="/employees/e1">Li <Wei></a> <span class="muted">E1</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="badge people.status-active">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="?q=li&sort=name&page=1" rel="prev""#),
            "{html}"
        );
        assert!(
            !html.contains("e1</td>"),
            "the CSV's own column is not on the page: {html}"
        );
    }

    #[test]
    fn a_custom_cell_is_drawn_by_the_page_and_written_as_its_csv_text() {
        let pages = Pages::new(chrono_tz::Asia::Shanghai).unwrap();
        let texts = Texts::new(&pages, Language::En);
        let req = actix_web::test::TestRequest::get()
            .uri("/tasks")
            .to_http_request();
        let columns = Columns::<Row>::new()
            .col("name", "people.col.name", |r, _| Cell::text(r.name))
            .col("status", "people.col.status", |r, _| {
                Cell::custom(r.status, context! { id => r.id })
            });
        let found = Page {
            rows: vec![Row {
                id: "e1",
                name: "Li",
                status: "open",
            }],
            total: 1,
        };
        let list = columns.table(&req, &texts, &found, Window::first(), "", |_| None);
        let html = pages
            .env
            .render_str(
                r#"{% import "macros.html" as m %}{% call(key, v) m.list_table(list, paged=false) %}<button name="{{ key }}" value="{{ v.id }}">{% endcall %}"#,
                minijinja::context! { list },
            )
            .unwrap();
        assert!(
            html.contains(r#"<button name="status" value="e1">"#),
            "{html}"
        );
        assert!(
            !html.contains("pager"),
            "a list shown whole has no pager: {html}"
        );
        let csv = columns.csv("tasks", &texts, &found.rows);
        let body = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(actix_web::body::to_bytes(csv.into_body()))
            .unwrap();
        assert!(body.ends_with(b"\nLi,open\n"), "{body:?}");
    }
}
