//! What every list page shares: links that keep the filters, and the CSV export of the
//! whole list (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese right).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

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

/// A CSV file to download: a header row, then the rows.
pub fn csv_file(file_name: &str, header: &[String], rows: &[Vec<String>]) -> HttpResponse {
    let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let mut write = || -> csv::Result<()> {
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(row)?;
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
