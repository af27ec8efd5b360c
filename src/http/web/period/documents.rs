//! `/travel-documents`: the register of the passports and permits security holds (证照集中保管)
//! — holder, kind, number, expiry, where each is — with the late filter and its CSV, and the
//! forms that move a document (they post to the JSON API).

use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::super::lists::{self, Cell, Columns, Found, ListPage};
use super::super::people::{person_link, sort_text};
use super::super::view::options;
use crate::db::listing::Sort;
use crate::db::names::{self, EmployeeName};
use crate::db::travel::documents::DocumentFilter;
use crate::db::travel::lists::{self as travel_lists, DocumentRow, DocumentSort};
use crate::domain::FieldErrors;
use crate::domain::problem::Problem;
use crate::domain::roles::SecurityOnly;
use crate::domain::travel_documents::{DocumentKind, DocumentStatus};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{Authorized, Overseers, QueryParams, list_query};

/// What a refusal says, for a page that shows why a form is not offered.
pub(super) fn why(e: Error) -> Option<Problem> {
    match e {
        Error::Refused(p) => Some(p),
        Error::Validation(fields) => fields.0.into_values().next(),
        _ => None,
    }
}

/// A document as the pages show it: its facts and where it is.
pub(crate) fn document_view(r: &DocumentRow) -> Value {
    let d = &r.document;
    context! {
        id => d.id, employee_id => d.employee_id, kind => d.kind, number => d.number,
        expires_on => d.expires_on.to_string(), status => d.status, trip_id => d.trip_id,
        trip_countries => r.trip.as_ref().map(|(c, _)| c.clone()),
        out_since => r.out_since.map(|d| d.to_string()),
    }
}

list_query! {
    /// The register's filters and order.
    pub struct DocumentPageQuery {
        status: Option<String>,
        /// "1": only documents out past their trip's end plus the policy's days.
        late: Option<String>,
        employee_id: Option<String>,
        sort: Option<String>,
    }
}

struct Row {
    doc: DocumentRow,
    holder: Option<EmployeeName>,
}

/// Where a document is, in words: held, out for a trip since a day, given back.
fn whereabouts(r: &DocumentRow, t: &lists::Texts) -> Cell {
    let d = &r.document;
    let label = t.t(&format!("travel.document_status.{}", d.status));
    match (&d.trip_id, &r.trip) {
        (Some(trip_id), Some((countries, _))) if d.status == DocumentStatus::Out => {
            let since = r.out_since.map(|s| s.to_string()).unwrap_or_default();
            let csv = format!("{label} {countries} {since}");
            Cell::custom(
                csv.trim().to_string(),
                context! { status => d.status, trip_id, countries, since },
            )
        }
        _ => Cell::custom(label, context! { status => d.status }),
    }
}

fn columns() -> Columns<Row> {
    Columns::<Row>::new()
        .col("holder", "travel.col.holder", |r, _| {
            let name = r
                .holder
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let no = r.holder.as_ref().map(|p| format!("({})", p.employee_no));
            Cell::link(format!("/employees/{}", r.doc.document.employee_id), &name)
                .note(no)
                .in_csv(name)
        })
        .col("employee_no", "travel.col.employee_no", |r, _| {
            Cell::text(
                r.holder
                    .as_ref()
                    .map(|p| p.employee_no.clone())
                    .unwrap_or_default(),
            )
        })
        .csv_only()
        .col("kind", "travel.col.kind", |r, t| {
            Cell::label(t, format!("travel.kind.{}", r.doc.document.kind))
        })
        .sortable()
        .col("number", "travel.col.number", |r, _| {
            Cell::text(&r.doc.document.number)
        })
        .col("expires_on", "travel.col.expires_on", |r, _| {
            Cell::date(Some(r.doc.document.expires_on))
        })
        .sortable()
        .col("status", "travel.col.where", |r, t| whereabouts(&r.doc, t))
        .sortable()
}

/// GET /travel-documents (admin, HR, security): the register, `?late=1` the late ones,
/// `?format=csv` the whole list.
pub(super) async fn list_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    query: QueryParams<DocumentPageQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.0;
    let window = q.window()?;
    let mut errors = FieldErrors::new();
    let status: Option<DocumentStatus> =
        errors.optional("status", q.status.filter(|s| !s.is_empty()));
    let sort: Option<Sort<DocumentSort>> =
        errors.optional("sort", q.sort.filter(|s| !s.is_empty()));
    errors.finish()?;
    let late = matches!(q.late.as_deref(), Some("1" | "true" | "on"));
    let employee_id = q.employee_id.filter(|e| !e.is_empty());
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    let read = lists::window_for(&req, window);
    let e = employee_id.clone();
    let (found, people) = state
        .db(move |conn| {
            let (_, policy) = crate::db::policy::current(conn)?;
            let filter = DocumentFilter {
                employee_id: e,
                status,
                late_on: late.then_some((today, policy.travel.report_back_days)),
            };
            let found = travel_lists::documents_page(conn, &filter, sort, read)?;
            let ids = found.rows.iter().map(|r| r.document.employee_id.clone());
            let people = names::employees(conn, ids)?;
            Ok((found, people))
        })
        .await?;
    let user = user.0;
    let found = found.map(|doc| Row {
        holder: people.get(&doc.document.employee_id).cloned(),
        doc,
    });
    let page = ListPage {
        columns: columns(),
        csv: "travel-documents",
        template: "period_documents.html",
        anchor: |_| None,
    };
    let sort = sort_text(sort);
    let found = Found {
        rows: found,
        window,
        sort: &sort,
    };
    page.answer(
        &state,
        &req,
        &user,
        found,
        context! {
            filter => context! {
                status => status.map(|s| s.as_str()).unwrap_or_default(),
                late,
                employee_id => employee_id.clone().unwrap_or_default(),
            },
            holder => person_link(&people, employee_id.as_ref()),
            statuses => options("travel.document_status", DocumentStatus::ALL),
            security => user.may::<SecurityOnly>(),
        },
    )
}

/// The documents card of a person's page: their documents with where each is, and the
/// kinds security registers.
pub(crate) fn person_card(rows: &[DocumentRow]) -> Value {
    context! {
        documents => rows.iter().map(document_view).collect::<Vec<_>>(),
        kinds => options("travel.kind", DocumentKind::ALL),
    }
}
