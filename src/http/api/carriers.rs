//! The carrier register (载体): registering, custody moves, destruction, history.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::DbConnection;
use crate::db::carriers::{self, Carrier, CarrierDetail, CarrierFilter, Custody};
use crate::db::employees::{self, Scope};
use crate::domain::FieldErrors;
use crate::domain::carriers::{CarrierKind, Classification, NewCarrier};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{
    AnyRole, Authorized, JsonBody, ListPage, Overseers, QueryParams, SecurityOnly, Window,
};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(Overseers, register);
    r.service(AnyRole, list);
    r.service(AnyRole, get);
    r.service(Overseers, assign);
    r.service(Overseers, transfer);
    r.service(Overseers, return_to_pool);
    r.service(SecurityOnly, destroy);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCarrierBody {
    tag: String,
    kind: CarrierKind,
    #[serde(default)]
    description: String,
    classification: Classification,
    /// The employee who holds it; leave out for the pool.
    custodian_id: Option<String>,
    /// The holder's employee number, instead of `custodian_id`.
    custodian_no: Option<String>,
    /// Copies of a document (default 1).
    copies: Option<i32>,
}

list_query! {
    pub struct CarrierQuery {
        /// A person's current custody list.
        custodian_id: Option<String>,
        /// The same, by the person's employee number.
        custodian_no: Option<String>,
        /// Part of the tag or description.
        q: Option<String>,
        /// in_custody, in_pool or destroyed.
        status: Option<String>,
        /// top_secret, secret, confidential or internal.
        classification: Option<String>,
        /// tag, kind, classification, status, copies or updated_at; `-tag` for descending.
        /// Default: by tag.
        sort: Option<String>,
    }
}

impl CarrierQuery {
    /// The filter and the page asked for (the register page takes the same query).
    pub fn resolve(self) -> Result<(CarrierFilter, Window), Error> {
        let window = self.window()?;
        let mut errors = FieldErrors::new();
        let filter = CarrierFilter {
            custodian_id: self.custodian_id.filter(|c| !c.is_empty()),
            custodian_no: self.custodian_no.filter(|c| !c.trim().is_empty()),
            q: self.q,
            status: errors.optional("status", self.status),
            classification: errors.optional("classification", self.classification),
            sort: errors.optional("sort", self.sort),
        };
        errors.finish()?;
        Ok((filter, window))
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Assign {
    /// Required unless `custodian_no` is given.
    custodian_id: Option<String>,
    /// The new holder's employee number, instead of `custodian_id`.
    custodian_no: Option<String>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Transfer {
    /// Required unless `to_custodian_no` is given.
    to_custodian_id: Option<String>,
    /// The new holder's employee number, instead of `to_custodian_id`.
    to_custodian_no: Option<String>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Return {
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Destroy {
    /// Two different employees who witnessed the destruction.
    #[serde(default)]
    witness_ids: Vec<String>,
    /// A witness by employee number (with `witness_2_no`, instead of `witness_ids`).
    witness_1_no: Option<String>,
    /// The second witness by employee number.
    witness_2_no: Option<String>,
    #[serde(default)]
    note: String,
}

/// Registers a carrier, held by a custodian or in the pool.
#[utoipa::path(
    tag = "carriers",
    request_body = NewCarrierBody,
    responses(
        (status = 201, body = Carrier),
        InputErrors
    )
)]
#[post("/carriers")]
pub async fn register(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    body: JsonBody<NewCarrierBody>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let new = NewCarrier::parse(&b.tag, b.kind, &b.description, b.classification, b.copies)?;
    let (custodian_id, custodian_no) = (b.custodian_id, b.custodian_no);
    let (actor, now) = (user.0.id, state.now());
    let carrier = state
        .write(move |conn| {
            let custodian =
                employees::by_id_or_no(conn, custodian_id, custodian_no, "custodian_no")?;
            carriers::register(conn, now, &actor, &new, custodian.as_deref())
        })
        .await?;
    Ok(HttpResponse::Created().json(carrier))
}

/// Carriers, by tag: everyone's for admin, HR and security; a manager's reports' for a manager.
#[utoipa::path(
    tag = "carriers",
    params(CarrierQuery),
    responses(
        (status = 200, body = ListPage<Carrier>),
        (status = 422, body = ErrorBody)
    )
)]
#[get("/carriers")]
pub async fn list(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    query: QueryParams<CarrierQuery>,
) -> Result<web::Json<ListPage<Carrier>>, Error> {
    let (filter, window) = query.0.resolve()?;
    super::scoped_page(&state, user.0, window, move |conn, scope, window| {
        carriers::list(conn, scope, &filter, window)
    })
    .await
}

/// One carrier with its custody history.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = CarrierDetail),
        ReadErrors
    )
)]
#[get("/carriers/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<CarrierDetail>, Error> {
    let (user, id) = (user.0, id.into_inner());
    let detail = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            carriers::get(conn, &scope, &id)
        })
        .await?;
    Ok(web::Json(detail))
}

/// A person a custody change names: by id or by employee number, and the fields of each.
struct Person {
    id: Option<String>,
    no: Option<String>,
    id_field: &'static str,
    no_field: &'static str,
}

impl Person {
    /// The person given by id or by number, in the fields of those names.
    fn named(
        id: Option<String>,
        no: Option<String>,
        [id_field, no_field]: [&'static str; 2],
    ) -> Self {
        Person {
            id,
            no,
            id_field,
            no_field,
        }
    }

    fn resolve(self, conn: &mut DbConnection) -> Result<String, Error> {
        employees::by_id_or_no(conn, self.id, self.no, self.no_field)?
            .ok_or_else(|| Error::field(self.id_field, crate::problem!("required")))
    }
}

async fn move_custody(
    state: web::Data<AppState>,
    actor: String,
    id: String,
    change: impl FnOnce(&mut DbConnection) -> Result<Custody, Error> + Send + 'static,
    note: String,
) -> Result<web::Json<Carrier>, Error> {
    if note.chars().count() > 2000 {
        return Err(Error::field(
            "note",
            crate::problem!("too_long", max = 2000),
        ));
    }
    let now = state.now();
    let carrier = state
        .write(move |conn| {
            let change = change(conn)?;
            carriers::move_custody(conn, now, &actor, &id, &change, note.trim())
        })
        .await?;
    Ok(web::Json(carrier))
}

/// Hands a carrier to the person named: an assignment from the pool or a transfer.
async fn hand_to(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
    to: Person,
    note: String,
    custody: fn(String) -> Custody,
) -> Result<web::Json<Carrier>, Error> {
    let change = move |conn: &mut DbConnection| Ok(custody(to.resolve(conn)?));
    move_custody(state, user.0.id, id.into_inner(), change, note).await
}

/// Gives a carrier from the pool to a custodian.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    request_body = Assign,
    responses(
        (status = 200, body = Carrier),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "not in the pool")
    )
)]
#[post("/carriers/{id}/assign")]
pub async fn assign(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
    body: JsonBody<Assign>,
) -> Result<web::Json<Carrier>, Error> {
    let b = body.0;
    let to = Person::named(
        b.custodian_id,
        b.custodian_no,
        ["custodian_id", "custodian_no"],
    );
    hand_to(state, user, id, to, b.note, |to| Custody::Assign { to }).await
}

/// Moves a held carrier to another custodian.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    request_body = Transfer,
    responses(
        (status = 200, body = Carrier),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "not held by anyone")
    )
)]
#[post("/carriers/{id}/transfer")]
pub async fn transfer(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
    body: JsonBody<Transfer>,
) -> Result<web::Json<Carrier>, Error> {
    let b = body.0;
    let to = Person::named(
        b.to_custodian_id,
        b.to_custodian_no,
        ["to_custodian_id", "to_custodian_no"],
    );
    hand_to(state, user, id, to, b.note, |to| Custody::Transfer { to }).await
}

/// Takes a held carrier back into the pool.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    request_body = Return,
    responses(
        (status = 200, body = Carrier),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "not held by anyone")
    )
)]
#[post("/carriers/{id}/return")]
pub async fn return_to_pool(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
    body: JsonBody<Return>,
) -> Result<web::Json<Carrier>, Error> {
    move_custody(
        state,
        user.0.id,
        id.into_inner(),
        |_: &mut DbConnection| Ok(Custody::Return),
        body.0.note,
    )
    .await
}

/// Records a carrier's destruction: approved by the security officer who records it, before
/// two witnesses.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    request_body = Destroy,
    responses(
        (status = 200, body = Carrier),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "already destroyed")
    )
)]
#[post("/carriers/{id}/destroy")]
pub async fn destroy(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<Destroy>,
) -> Result<web::Json<Carrier>, Error> {
    let Destroy {
        mut witness_ids,
        witness_1_no,
        witness_2_no,
        note,
    } = body.0;
    let change = move |conn: &mut DbConnection| {
        let mut errors = FieldErrors::new();
        for (field, no) in [
            ("witness_1_no", witness_1_no),
            ("witness_2_no", witness_2_no),
        ] {
            let Some(no) = no.filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            match employees::id_by_no(conn, &no, field) {
                Ok(id) => witness_ids.push(id),
                Err(Error::Validation(e)) => errors.0.extend(e.0),
                Err(e) => return Err(e),
            }
        }
        errors.finish()?;
        Ok(Custody::Destroy {
            witnesses: witness_ids,
        })
    };
    move_custody(state, user.0.id, id.into_inner(), change, note).await
}
