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
const PRINT_KEYS: [&str; 12] = [
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
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "people_pledge_print.html",
        context! {
            doc_lang => doc_lang.as_str(),
            words,
            title,
            paragraphs,
            kind => state.pages.text(doc_lang, &format!("people.pledge_kind.{}", pledge.kind)),
            method_text => state.pages.text(doc_lang, &format!("people.pledge_method.{}", pledge.method)),
            version => text.version,
            signed_on => crate::domain::reminders::written_date(pledge.signed_on, doc_lang),
            pledge => context! {
                method => pledge.method, typed_name => pledge.typed_name,
                scan_ref => pledge.scan_ref, refusal_reason => pledge.refusal_reason,
            },
            employee => context! {
                id => employee.id, name => employee.name, employee_no => employee.employee_no,
                department => employee.department,
            },
        },
    )
}
