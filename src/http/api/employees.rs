//! The people register.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;

use crate::db::employees::{self, Employee, EmployeeFilter, Scope};
use crate::db::import::ImportReport;
use crate::domain::audit::Actor;
use crate::domain::people::EmployeeInput;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{
    AnyRole, Authorized, IMPORT_LIMIT, JsonBody, ListPage, PeopleEditors, QueryParams, Window,
    read_body,
};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(PeopleEditors, import_csv);
    r.service(PeopleEditors, create);
    r.service(AnyRole, list);
    r.service(AnyRole, get);
    r.service(PeopleEditors, update);
    r.service(PeopleEditors, rehire);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewEmployee {
    employee_no: Option<String>,
    name: Option<String>,
    work_email: Option<String>,
    /// Where reminders go after the person has left.
    private_email: Option<String>,
    /// zh-CN or en (default zh-CN).
    language: Option<String>,
    department: Option<String>,
    title: Option<String>,
    /// The id of another employee.
    manager_id: Option<String>,
    /// The manager's employee number, instead of `manager_id` (as the import and the browser
    /// form name managers).
    manager_no: Option<String>,
    /// YYYY-MM-DD
    hire_date: Option<String>,
}

/// Absent: keep; null: clear; a value: set.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// Only the fields sent change. The tier changes only through the approval chain, the status
/// through a departure.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct EmployeePatch {
    employee_no: Option<String>,
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    work_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    private_email: Option<Option<String>>,
    language: Option<String>,
    department: Option<String>,
    title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    manager_id: Option<Option<String>>,
    /// The new manager's employee number, instead of `manager_id`.
    manager_no: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    hire_date: Option<Option<String>>,
}

list_query! {
    pub struct EmployeeQuery {
        /// Part of a name, number or email (any case; Chinese names too).
        q: Option<String>,
        department: Option<String>,
        /// none, general, important or core.
        tier: Option<String>,
        /// active, departing, departed or retired.
        status: Option<String>,
        manager_id: Option<String>,
        /// employee_no, name, department, title, tier, status or hire_date; `-name` for
        /// descending. Default: by department, then name.
        sort: Option<String>,
    }
}

impl EmployeeQuery {
    /// The filter and the page asked for (the list page takes the same query).
    pub fn resolve(self) -> Result<(EmployeeFilter, Window), Error> {
        let window = self.window()?;
        let mut errors = crate::domain::FieldErrors::new();
        let filter = EmployeeFilter {
            q: self.q,
            department: self.department.filter(|d| !d.is_empty()),
            tier: errors.optional("tier", self.tier),
            status: errors.optional("status", self.status),
            manager_id: self.manager_id.filter(|m| !m.is_empty()),
            sort: errors.optional("sort", self.sort),
        };
        errors.finish()?;
        Ok((filter, window))
    }
}

/// A validation error on `from` moved to `to` (a manager named by number is at fault in the
/// number's field).
fn moved_field(e: Error, from: &str, to: &str) -> Error {
    match e {
        Error::Validation(mut errors) => {
            if let Some(message) = errors.0.remove(from) {
                errors.0.insert(to.to_string(), message);
            }
            Error::Validation(errors)
        }
        other => other,
    }
}

/// Adds an employee to the register.
#[utoipa::path(
    tag = "people",
    request_body = NewEmployee,
    responses(
        (status = 201, body = Employee),
        InputErrors
    )
)]
#[post("/employees")]
pub async fn create(
    state: web::Data<AppState>,
    user: Authorized<PeopleEditors>,
    body: JsonBody<NewEmployee>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let fields = EmployeeInput {
        employee_no: b.employee_no,
        name: b.name,
        work_email: b.work_email,
        private_email: b.private_email,
        language: b.language,
        department: b.department,
        title: b.title,
        hire_date: b.hire_date,
    }
    .parse()?;
    let (manager_id, manager_no) = (b.manager_id, b.manager_no);
    let by_no = manager_no.as_deref().is_some_and(|n| !n.trim().is_empty());
    let actor = Actor::User(user.0.id);
    let now = state.now();
    let employee = state
        .write(move |conn| {
            let manager_id = employees::by_id_or_no(conn, manager_id, manager_no, "manager_no")?;
            employees::create(conn, now, &actor, &fields, manager_id.as_deref()).map_err(|e| {
                if by_no {
                    moved_field(e, "manager_id", "manager_no")
                } else {
                    e
                }
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(employee))
}

/// The employees the caller may see: everyone for admin, HR and security; a manager's own
/// reports, direct and indirect.
#[utoipa::path(
    tag = "people",
    params(EmployeeQuery),
    responses(
        (status = 200, body = ListPage<Employee>),
        (status = 422, body = ErrorBody)
    )
)]
#[get("/employees")]
pub async fn list(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    query: QueryParams<EmployeeQuery>,
) -> Result<web::Json<ListPage<Employee>>, Error> {
    let (filter, window) = query.0.resolve()?;
    super::scoped_page(&state, user.0, window, move |conn, scope, window| {
        employees::list(conn, scope, &filter, window)
    })
    .await
}

/// One employee (403 for a manager asking about someone outside their reports).
#[utoipa::path(
    tag = "people",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Employee),
        ReadErrors
    )
)]
#[get("/employees/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<Employee>, Error> {
    let user = user.0;
    let id = id.into_inner();
    let employee = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            employees::get(conn, &scope, &id)
        })
        .await?;
    Ok(web::Json(employee))
}

/// Changes an employee's own fields or manager.
#[utoipa::path(
    tag = "people",
    params(("id" = String, Path)),
    request_body = EmployeePatch,
    responses(
        (status = 200, body = Employee),
        ChangeErrors
    )
)]
#[patch("/employees/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    user: Authorized<PeopleEditors>,
    id: web::Path<String>,
    body: JsonBody<EmployeePatch>,
) -> Result<web::Json<Employee>, Error> {
    let patch = body.0;
    let id = id.into_inner();
    let actor = Actor::User(user.0.id);
    let now = state.now();
    let employee = state
        .write(move |conn| {
            let current = employees::find(conn, &id)?.ok_or(Error::NotFound)?;
            let was = current.fields();
            let input = EmployeeInput {
                employee_no: Some(patch.employee_no.unwrap_or(was.employee_no)),
                name: Some(patch.name.unwrap_or(was.name)),
                work_email: patch.work_email.unwrap_or(was.work_email),
                private_email: patch.private_email.unwrap_or(was.private_email),
                language: Some(
                    patch
                        .language
                        .unwrap_or_else(|| was.language.as_str().to_string()),
                ),
                department: Some(patch.department.unwrap_or(was.department)),
                title: Some(patch.title.unwrap_or(was.title)),
                hire_date: patch
                    .hire_date
                    .unwrap_or_else(|| was.hire_date.map(|d| d.to_string())),
            };
            let fields = input.parse()?;
            let by_no = patch
                .manager_no
                .as_deref()
                .is_some_and(|n| !n.trim().is_empty());
            let manager_id = if by_no {
                let given = patch.manager_id.clone().flatten();
                employees::by_id_or_no(conn, given, patch.manager_no.clone(), "manager_no")?
            } else {
                patch
                    .manager_id
                    .clone()
                    .unwrap_or_else(|| current.manager_id.clone())
                    .filter(|m| !m.trim().is_empty())
            };
            employees::update(conn, now, &actor, &current, &fields, manager_id.as_deref())
                .map_err(|e| {
                    if by_no {
                        moved_field(e, "manager_id", "manager_no")
                    } else {
                        e
                    }
                })?;
            employees::find(conn, &id)?.ok_or(Error::NotFound)
        })
        .await?;
    Ok(web::Json(employee))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// true: report what would change and every bad row, write nothing.
    dry_run: Option<bool>,
}

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Imports employees from an HR export: a CSV file (UTF-8, with or without BOM, or GB18030)
/// or an Excel workbook (.xlsx, its first sheet) with the columns employee_no, name,
/// work_email, private_email, language, department, title, manager_no, hire_date — headed by
/// these names or by the headings the people list's CSV export writes (工号, 姓名, 部门, …, or
/// "Employee number", …), in any order; other columns are ignored and named in the answer.
/// A file with any bad row writes nothing and lists every problem of every row (line, the
/// column as headed, why); a good file is written in batches of up to 500 rows (or a quarter
/// second), one transaction each, so other users' writes are not held up; `import_id` names
/// its progress row.
/// Importing the same file twice changes nothing the second time.
#[utoipa::path(
    tag = "people",
    params(ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )),
    responses(
        (status = 200, body = ImportReport),
        (status = 400, body = ErrorBody),
        InputErrors,
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody, description = "the body is neither text/csv nor an .xlsx workbook")
    )
)]
#[post("/employees/import")]
pub async fn import_csv(
    state: web::Data<AppState>,
    user: Authorized<PeopleEditors>,
    req: HttpRequest,
    query: QueryParams<ImportQuery>,
    payload: web::Payload,
) -> Result<web::Json<ImportReport>, Error> {
    let is_csv = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let mime = v.split(';').next().unwrap_or("").trim();
            mime.eq_ignore_ascii_case("text/csv") || mime.eq_ignore_ascii_case(XLSX)
        });
    if !is_csv {
        return Err(Error::UnsupportedMediaType(format!(
            "send the file as the body with Content-Type: text/csv, or {XLSX} for an Excel workbook"
        )));
    }
    let bytes = read_body(payload, IMPORT_LIMIT).await?;
    let dry_run = query.0.dry_run.unwrap_or(false);
    let report = import_file(&state, Actor::User(user.0.id), &bytes, dry_run).await?;
    Ok(web::Json(report))
}

/// Imports an employee file (the API's body, or a file uploaded on the import page). A file
/// that is not text in a known encoding is an error on `body`.
pub async fn import_file(
    state: &AppState,
    actor: Actor,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, Error> {
    let file = crate::db::import::read(bytes).map_err(|m| Error::field("body", m))?;
    let now = state.now();
    // Written batch by batch, each its own transaction: other users' writes go between them.
    state
        .db(move |conn| crate::db::import::run(conn, now, &actor, &file, dry_run, |_, _| {}))
        .await
}

/// Takes back someone who left: active again, their post-departure obligations superseded
/// (kept in the record). A running non-compete ends with the rehire (the months after it are
/// not owed, the months before stay owed); the earlier contract's agreement no longer applies,
/// so a later departure binds only by terms recorded for the new contract.
#[utoipa::path(
    tag = "people",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Employee),
        ReadErrors,
        (status = 409, body = ErrorBody, description = "the employee has not left")
    )
)]
#[post("/employees/{id}/rehire")]
pub async fn rehire(
    state: web::Data<AppState>,
    user: Authorized<PeopleEditors>,
    id: web::Path<String>,
) -> Result<web::Json<Employee>, Error> {
    let (actor, id, now) = (Actor::User(user.0.id), id.into_inner(), state.now());
    let today = crate::clock::company_date(now, state.config.timezone);
    let employee = state
        .write(move |conn| employees::rehire(conn, now, today, &actor, &id))
        .await?;
    Ok(web::Json(employee))
}
