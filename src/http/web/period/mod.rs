//! Managing the period beyond its dates (DOMAIN "Managing the period"): the entry-exit filing
//! list and the competitor list. Every action posts to the JSON API; the pages only show.

mod competitors;
mod filing;

use crate::domain::roles::{FilingReaders, Overseers};
use crate::http::routes::PageRoutes;

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/filing", FilingReaders, filing::list_page);
    r.get("/filing/print", FilingReaders, filing::print_page);
    r.get("/filing/changes", FilingReaders, filing::changes_page);
    r.get("/competitors", Overseers, competitors::list_page);
}
