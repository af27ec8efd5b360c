//! Managing the period beyond its dates (DOMAIN "Managing the period"): the entry-exit filing
//! list, trips abroad, the travel documents security holds and the competitor list. Every
//! action posts to the JSON API; the pages only show.

mod competitors;
pub(crate) mod documents;
mod filing;
mod trips;

use crate::domain::roles::{AnyRole, FilingReaders, Overseers};
use crate::http::routes::{PageRoutes, SignedIn};

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/filing", FilingReaders, filing::list_page);
    r.get("/filing/print", FilingReaders, filing::print_page);
    r.get("/filing/changes", FilingReaders, filing::changes_page);
    r.get("/trips", AnyRole, trips::list_page);
    r.get("/trips/new", SignedIn, trips::new_page);
    r.get("/trips/{id}", AnyRole, trips::trip_page);
    r.get("/travel-documents", Overseers, documents::list_page);
    r.get("/competitors", Overseers, competitors::list_page);
}
