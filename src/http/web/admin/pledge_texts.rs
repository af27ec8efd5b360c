//! `/admin/pledge-texts`: every version of the pledge texts, in both languages, or as CSV.

use crate::domain::roles::Admins;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::super::view::{instant, local};
use super::super::{lists, page_language, render_page};
use crate::db::pledges;
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
    let by = |id: &str| names.get(id).map(|u| u.name.clone()).unwrap_or_default();
    if lists::wants_csv(&req) {
        let lang = page_language(&req, Some(&user));
        let text = |key: &str| state.pages.text(lang, key);
        let header: Vec<String> = [
            "admin.pledges.kind",
            "admin.pledges.version",
            "admin.pledges.title_zh",
            "admin.pledges.title_en",
            "admin.pledges.created_at",
            "admin.pledges.created_by",
        ]
        .iter()
        .map(|k| text(k))
        .collect();
        let rows: Vec<Vec<String>> = texts
            .iter()
            .map(|t| {
                vec![
                    text(&format!("admin.pledge_kind.{}", t.kind)),
                    t.version.to_string(),
                    t.title_zh.clone(),
                    t.title_en.clone(),
                    local(state.config.timezone, t.created_at),
                    by(&t.created_by),
                ]
            })
            .collect();
        return Ok(lists::csv_file("pledge-texts", &header, &rows));
    }
    let items: Vec<Value> = texts
        .iter()
        .map(|t| {
            context! {
                kind => t.kind, version => t.version, title_zh => t.title_zh,
                body_zh => paragraphs(&t.body_zh), title_en => t.title_en,
                body_en => paragraphs(&t.body_en),
                created_at => instant(t.created_at), created_by => by(&t.created_by),
            }
        })
        .collect();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "admin_pledge_texts.html",
        context! {
            texts => items,
            kind => kind.map(|k| k.as_str()).unwrap_or_default(),
            kinds => crate::domain::pledges::PledgeKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            query => lists::query_without(&req, &["format"]),
            can_add => user.may::<Admins>(),
        },
    )
}
