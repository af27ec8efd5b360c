//! `/employees/{id}/pledges/{pledge_id}/print`: a signed (or refused) pledge ready to print,
//! in the language of the person who signed it.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::render_page;
use crate::db::employees::{self, Scope};
use crate::db::pledges;
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{AnyRole, Authorized};

/// The words of the printed pledge, in the language of the person who signed it.
const PRINT_KEYS: [&str; 13] = [
    "heading",
    "name",
    "employee_no",
    "department",
    "kind",
    "version",
    "signed_on",
    "method",
    "signature",
    "date",
    "company",
    "refused",
    "tier",
];

pub(super) async fn print_pledge(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (id, pledge_id) = path.into_inner();
    let who = user.clone();
    let (employee, pledge, text) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let employee = employees::get(conn, &scope, &id)?;
            let pledge = pledges::of_employee(conn, &id)?
                .into_iter()
                .find(|p| p.id == pledge_id)
                .ok_or(Error::NotFound)?;
            let text = pledges::texts(conn, None)?
                .into_iter()
                .find(|t| t.id == pledge.pledge_text_id)
                .ok_or(Error::NotFound)?;
            Ok((employee, pledge, text))
        })
        .await?;
    render_pledge(&state, &req, &user, employee, &text, Some(&pledge))
}

/// `/employees/{id}/pledge-texts/{text_id}/print`: a pledge text on A4 for the person to sign
/// on paper, their details filled in, the signature and date left blank; in their language.
pub(super) async fn print_blank(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (id, text_id) = path.into_inner();
    let who = user.clone();
    let (employee, text) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let employee = employees::get(conn, &scope, &id)?;
            let text = pledges::texts(conn, None)?
                .into_iter()
                .find(|t| t.id == text_id)
                .ok_or(Error::NotFound)?;
            Ok((employee, text))
        })
        .await?;
    render_pledge(&state, &req, &user, employee, &text, None)
}

/// A pledge text as printed, for `employee`: as signed (`pledge`), or blank for signature.
fn render_pledge(
    state: &AppState,
    req: &HttpRequest,
    user: &crate::db::users::User,
    employee: crate::db::employees::Employee,
    text: &pledges::PledgeText,
    pledge: Option<&pledges::Pledge>,
) -> Result<HttpResponse, Error> {
    let doc_lang: Language = employee.language;
    let words: HashMap<&str, String> = PRINT_KEYS
        .iter()
        .map(|k| (*k, state.pages.text(doc_lang, &format!("people.print.{k}"))))
        .collect();
    let (title, body) = match doc_lang {
        Language::ZhCn => (&text.title_zh, &text.body_zh),
        Language::En => (&text.title_en, &text.body_en),
    };
    let paragraphs: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    render_page(
        state,
        req,
        Some(user),
        StatusCode::OK,
        "people_pledge_print.html",
        context! {
            doc_lang => doc_lang.as_str(),
            words,
            title,
            paragraphs,
            kind => state.pages.text(doc_lang, &format!("people.pledge_kind.{}", text.kind)),
            method_text => pledge.map(|p| state.pages.text(doc_lang, &format!("people.pledge_method.{}", p.method))),
            version => text.version,
            signed_on => pledge.map(|p| crate::domain::reminders::written_date(p.signed_on, doc_lang)),
            pledge => pledge.map(|p| context! {
                method => p.method, typed_name => p.typed_name,
                scan_ref => p.scan_ref, refusal_reason => p.refusal_reason,
            }),
            employee => context! {
                id => employee.id, name => employee.name, employee_no => employee.employee_no,
                department => employee.department,
                tier => state.pages.text(doc_lang, &format!("people.tier.{}", employee.clearance_tier)),
            },
        },
    )
}
