//! Breach reports and cases. Anyone may report (signed in, or on the public routes without an
//! account); the reporter follows their own report with its code and secret; security handles
//! cases; HR sees outcomes; a manager sees only the remedial tasks they own.

mod cases;
mod reports;
mod tasks;

pub use cases::*;
pub use reports::*;
pub use tasks::*;
