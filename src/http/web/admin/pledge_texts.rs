//! `/admin/pledge-texts`: every version of the pledge texts, in both languages, or as CSV.

use crate::domain::roles::Admins;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::lists::{self, Cell, Columns, Texts};
use super::super::{page_language, render_page};
use crate::db::listing::{Page, Window};
use crate::db::pledges::{self, PledgeText};
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::pledges::TextQuery;
use crate::http::extract::{Authorized, Overseers, QueryParams};

/// A text's lines, each a paragraph of the page (blank lines dropped).
fn paragraphs(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

pub(super) async fn pledge_texts_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    query: QueryParams<TextQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let kind = query.0.kind()?;
    let (texts, names) = state
        .db(move |conn| {
            let texts = pledges::texts(conn, kind)?;
            let ids: Vec<String> = texts.iter().map(|t| t.created_by.clone()).collect();
            let names = crate::db::names::users(conn, ids)?;
            Ok((texts, names))
        })
        .await?;
    let rows: Vec<TextRow> = texts
        .into_iter()
        .map(|text| TextRow {
            by: names
                .get(&text.created_by)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            text,
        })
        .collect();
    let texts = Texts::new(&state.pages, page_language(&req, Some(&user)));
    let columns = columns(state.config.timezone);
    if lists::wants_csv(&req) {
        return Ok(columns.csv("pledge-texts", &texts, &rows));
    }
    let found = Page {
        total: rows.len() as i64,
        rows,
    };
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "admin_pledge_texts.html",
        context! {
            list => columns.table(&req, &texts, &found, Window::first(), "", |_| None),
            kind => kind.map(|k| k.as_str()).unwrap_or_default(),
            kinds => crate::domain::pledges::PledgeKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            query => lists::query_without(&req, &["format"]),
            can_add => user.may::<Admins>(),
        },
    )
}

/// A version of a pledge text and the name of who wrote it.
struct TextRow {
    text: PledgeText,
    by: String,
}

/// The columns of the versions: the page opens each text in both languages under its
/// title, the CSV has the two titles.
fn columns(tz: chrono_tz::Tz) -> Columns<TextRow> {
    Columns::<TextRow>::new()
        .col("kind", "admin.pledges.kind", |r, t| {
            Cell::label(t, format!("admin.pledge_kind.{}", r.text.kind))
        })
        .col("version", "admin.pledges.version", |r, _| {
            Cell::number(i64::from(r.text.version))
        })
        .col("title", "admin.pledges.title_col", |r, _| {
            let t = &r.text;
            Cell::custom(
                "",
                context! {
                    title_zh => t.title_zh, body_zh => paragraphs(&t.body_zh),
                    title_en => t.title_en, body_en => paragraphs(&t.body_en),
                },
            )
        })
        .page_only()
        .col("title_zh", "admin.pledges.title_zh", |r, _| {
            Cell::text(&r.text.title_zh)
        })
        .csv_only()
        .col("title_en", "admin.pledges.title_en", |r, _| {
            Cell::text(&r.text.title_en)
        })
        .csv_only()
        .col("created_at", "admin.pledges.created_at", move |r, _| {
            Cell::local(tz, Some(r.text.created_at))
        })
        .col("created_by", "admin.pledges.created_by", |r, _| {
            Cell::text(&r.by)
        })
}
