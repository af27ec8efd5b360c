//! Who may do what: the sets of roles each route admits, asked by the routes, the
//! navigation, the pages and the scopes alike.

use super::users::Role;

/// The roles that may do one thing. Each route names one of these in its signature (so a
/// handler cannot forget its check), and the navigation, the page flags and the scopes ask
/// the same sets, so a page never offers what its route refuses.
pub trait RoleSet {
    const ROLES: &'static [Role];
    /// The set's name, as the route table lists it.
    const NAME: &'static str;
}

macro_rules! role_sets {
    ($($(#[$doc:meta])* $name:ident => [$($role:ident),*];)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;
        impl RoleSet for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),*];
            const NAME: &'static str = stringify!($name);
        }
    )*};
}

role_sets! {
    /// Every staff role.
    AnyRole => [Admin, Hr, Security, Manager];
    /// Who may read the audit trail.
    AuditReaders => [Admin, Security];
    /// Who sees breach cases, with their reporters.
    CaseReaders => [Admin, Security];
    /// Who sees the outcome of substantiated breach cases.
    OutcomeReaders => [Admin, Hr, Security];
    Admins => [Admin];
    /// Who oversees the whole register (reads everyone) and keeps the carrier register.
    Overseers => [Admin, Hr, Security];
    /// Who confirms departure checklist lines (a manager for their reports only).
    LineConfirmers => [Hr, Manager];
    /// Who runs departures.
    HrOnly => [Hr];
    /// Who approves the destruction of a carrier, or an extension of a period.
    SecurityOnly => [Security];
    /// Who keeps the people register.
    PeopleEditors => [Admin, Hr];
    /// Who may propose a clearance tier (a manager only for their own reports).
    TierProposers => [Hr, Manager];
    /// The review step of a tier change: HR, or the department head (a manager above the
    /// person in the reporting line only).
    TierReviewers => [Hr, Manager];
    /// The approval step of a tier change (unit leader / security officer).
    TierApprovers => [Security];
    /// Who takes part in the tier chain: proposes, reviews or approves.
    TierChainParties => [Hr, Security, Manager];
    /// Who asks for or decides extensions of a period.
    ExtensionParties => [Hr, Security];
    /// Who records the penalty of a substantiated non-compete breach (the case is security's,
    /// the money HR's).
    PenaltyKeepers => [Hr, Security];
    /// Who decides trips abroad: security first, a unit leader (administrator) second where
    /// the tier needs it.
    TripDeciders => [Admin, Security];
    /// Who reads the scans of papers signed at a departure or for a pledge: HR files them,
    /// security checks them.
    PaperReaders => [Hr, Security];
    /// Who reads a departure's exit interview record: HR and security in full, a manager of
    /// the person only that it was held.
    InterviewReaders => [Hr, Security, Manager];
    /// Who reads the policy and pledge texts the administrator sets.
    PolicyReaders => [Hr, Security];
    /// Who reads the entry-exit filing list (security records the filings).
    FilingReaders => [Hr, Security];
}
