//! Managing the period beyond its dates (DOMAIN "Managing the period"): the entry-exit filing
//! list. Every action posts to the JSON API; the pages only show.

mod filing;

use crate::domain::roles::FilingReaders;
use crate::http::routes::PageRoutes;

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/filing", FilingReaders, filing::list_page);
    r.get("/filing/print", FilingReaders, filing::print_page);
    r.get("/filing/changes", FilingReaders, filing::changes_page);
}
