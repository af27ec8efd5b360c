//! Breach reports and cases. Anyone may report (signed in, or on the public routes without an
//! account); the reporter follows their own report with its code and secret; security handles
//! cases; HR sees outcomes; a manager sees only the remedial tasks they own.

mod cases;
mod penalty;
mod reports;
mod tasks;

pub use cases::*;
pub use penalty::*;
pub use reports::*;
pub use tasks::*;

use crate::domain::roles::{AnyRole, CaseReaders, OutcomeReaders, PenaltyKeepers, SecurityOnly};
use crate::http::routes::{ApiRoutes, Open};

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(AnyRole, report);
    r.service(Open, report_publicly);
    r.service(Open, status);
    r.service(Open, add_information);
    r.service(Open, add_evidence_publicly);
    r.service(CaseReaders, list);
    r.service(OutcomeReaders, outcomes);
    r.service(CaseReaders, get);
    r.service(SecurityOnly, change);
    r.service(SecurityOnly, add_evidence);
    r.service(SecurityOnly, evidence_file);
    r.service(SecurityOnly, add_task);
    r.service(PenaltyKeepers, put_penalty);
    r.service(OutcomeReaders, get_penalty);
    r.service(AnyRole, my_tasks);
    r.service(AnyRole, finish_task);
}
