//! Confidentiality pledges: the versioned texts and who signed which.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::employees::{self, Employee, Scope};
use crate::db::pledges::{self, NewText, Pledge, PledgeText};
use crate::domain::people::parse_date;
use crate::domain::pledges::{PledgeKind, Signature, SigningMethod};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{
    Admins, AnyRole, Authorized, JsonBody, ListPage, Overseers, PeopleEditors, QueryParams,
};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(Admins, add_text);
    r.service(AnyRole, texts);
    r.service(PeopleEditors, record);
    r.service(AnyRole, of_employee);
    r.service(Overseers, missing);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewPledgeText {
    kind: PledgeKind,
    title_zh: String,
    body_zh: String,
    title_en: String,
    body_en: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TextQuery {
    /// entry, key_post or exit.
    pub kind: Option<String>,
}

impl TextQuery {
    /// The kind asked for, checked (none: every kind).
    pub fn kind(self) -> Result<Option<PledgeKind>, Error> {
        match self.kind.filter(|k| !k.is_empty()) {
            None => Ok(None),
            Some(k) => Ok(Some(
                k.parse::<PledgeKind>()
                    .map_err(|m| Error::field("kind", m))?,
            )),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewPledge {
    pledge_text_id: String,
    /// e_signed, paper or refused.
    method: SigningMethod,
    /// YYYY-MM-DD
    signed_on: String,
    /// For e_signed: the name the person typed.
    typed_name: Option<String>,
    /// For paper: where the scan is kept.
    scan_ref: Option<String>,
    /// For refused: why.
    refusal_reason: Option<String>,
}

list_query! {
    /// Only the page asked for.
    pub struct PageQuery {}
}

fn required(field: &str, text: &str, max: usize) -> Result<(), Error> {
    let n = text.trim().chars().count();
    if n == 0 || n > max {
        return Err(Error::field(
            field,
            crate::problem!("length_between", min = 1, max = max),
        ));
    }
    Ok(())
}

/// Adds the next version of a pledge text (both languages).
#[utoipa::path(
    tag = "pledges",
    request_body = NewPledgeText,
    responses(
        (status = 201, body = PledgeText),
        InputErrors,
        (status = 409, body = ErrorBody)
    )
)]
#[post("/pledge-texts")]
pub async fn add_text(
    state: web::Data<AppState>,
    user: Authorized<Admins>,
    body: JsonBody<NewPledgeText>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    required("title_zh", &b.title_zh, 200)?;
    required("body_zh", &b.body_zh, 50_000)?;
    required("title_en", &b.title_en, 200)?;
    required("body_en", &b.body_en, 50_000)?;
    let (actor, now) = (user.0.id, state.now());
    let text = state
        .write(move |conn| {
            let new = NewText {
                kind: b.kind,
                title_zh: b.title_zh.trim(),
                body_zh: b.body_zh.trim(),
                title_en: b.title_en.trim(),
                body_en: b.body_en.trim(),
            };
            pledges::add_text(conn, now, &actor, &new)
        })
        .await?;
    Ok(HttpResponse::Created().json(text))
}

/// Pledge texts, newest version first within each kind.
#[utoipa::path(
    tag = "pledges",
    params(TextQuery),
    responses(
        (status = 200, body = Vec<PledgeText>),
        (status = 422, body = ErrorBody)
    )
)]
#[get("/pledge-texts")]
pub async fn texts(
    state: web::Data<AppState>,
    _user: Authorized<AnyRole>,
    query: QueryParams<TextQuery>,
) -> Result<web::Json<Vec<PledgeText>>, Error> {
    let kind = query.0.kind()?;
    let texts = state
        .db(move |conn| Ok(pledges::texts(conn, kind)?))
        .await?;
    Ok(web::Json(texts))
}

/// Records that an employee signed a pledge text (e-signed, on paper) or refused it.
#[utoipa::path(
    tag = "pledges",
    params(("id" = String, Path, description = "the employee")),
    request_body = NewPledge,
    responses(
        (status = 201, body = Pledge),
        ChangeErrors
    )
)]
#[post("/employees/{id}/pledges")]
pub async fn record(
    state: web::Data<AppState>,
    user: Authorized<PeopleEditors>,
    id: web::Path<String>,
    body: JsonBody<NewPledge>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let signed_on = parse_date(&b.signed_on).map_err(|m| Error::field("signed_on", m))?;
    let signature = Signature::parse(
        b.method,
        signed_on,
        b.typed_name.as_deref(),
        b.scan_ref.as_deref(),
        b.refusal_reason.as_deref(),
    )?;
    let (actor, now, id) = (user.0.id, state.now(), id.into_inner());
    let pledge = state
        .write(move |conn| pledges::record(conn, now, &actor, &id, &b.pledge_text_id, &signature))
        .await?;
    Ok(HttpResponse::Created().json(pledge))
}

/// An employee's pledges, newest first.
#[utoipa::path(
    tag = "pledges",
    params(("id" = String, Path, description = "the employee")),
    responses(
        (status = 200, body = Vec<Pledge>),
        ReadErrors
    )
)]
#[get("/employees/{id}/pledges")]
pub async fn of_employee(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<Vec<Pledge>>, Error> {
    let (user, id) = (user.0, id.into_inner());
    let list = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            employees::get(conn, &scope, &id)?;
            Ok(pledges::of_employee(conn, &id)?)
        })
        .await?;
    Ok(web::Json(list))
}

/// People in a classified tier, still employed, without a signed entry pledge.
#[utoipa::path(
    tag = "pledges",
    params(PageQuery),
    responses(
        (status = 200, body = ListPage<Employee>),
        InputErrors
    )
)]
#[get("/pledges/missing")]
pub async fn missing(
    state: web::Data<AppState>,
    _user: Authorized<Overseers>,
    query: QueryParams<PageQuery>,
) -> Result<web::Json<ListPage<Employee>>, Error> {
    let window = query.0.window()?;
    let found = state
        .db(move |conn| Ok(pledges::missing_entry(conn, window)?))
        .await?;
    Ok(web::Json(window.page(found)))
}
