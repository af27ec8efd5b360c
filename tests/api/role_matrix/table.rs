//! The table: every route of the service (method, path as registered) and the answer each of
//! the six callers must get from it. Adding a route means adding its row here; the test
//! `every_registered_route_has_a_row_in_the_table` names the missing ones.

/// What a caller gets from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// Let in: 2xx/3xx for a GET (3xx not to the sign-in page); for an action anything but a
    /// refusal (a 4xx about the body or the state still means the caller got in).
    Ok,
    /// Open to anyone, no sign-in involved; checked as `Ok`.
    Public,
    /// 403 (for a page: the "not for your role" page, HTML).
    Denied,
    /// 401 from the API; 303 to /login from a page.
    SignIn,
    /// 404: the caller has no link (or a forged one) and learns nothing.
    NotFound,
    /// Let in about their own (a manager: their reports'); someone else's is refused with
    /// 403 or 404.
    Scoped,
}
use Expect::*;

/// The six callers, in the order of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Who {
    Admin,
    Hr,
    Security,
    Manager,
    /// A former employee: no account, only the signed link of their reminder email.
    Former,
    Anonymous,
}

pub(super) const CALLERS: [Who; 6] = [
    Who::Admin,
    Who::Hr,
    Who::Security,
    Who::Manager,
    Who::Former,
    Who::Anonymous,
];

// The rows most routes share. Columns: admin, hr, security, manager, former (by link), anonymous.
/// Anyone, signed in or not.
pub(super) const ANYONE: [Expect; 6] = [Public; 6];
/// Every staff role; strangers sign in first.
pub(super) const STAFF: [Expect; 6] = [Ok, Ok, Ok, Ok, SignIn, SignIn];
/// Every staff role; a manager only about their own reports.
pub(super) const TEAM: [Expect; 6] = [Ok, Ok, Ok, Scoped, SignIn, SignIn];
/// Every staff role, each only about their own (their remedial tasks).
pub(super) const OWN: [Expect; 6] = [Scoped, Scoped, Scoped, Scoped, SignIn, SignIn];
/// Admin, HR and security (who read the whole register).
pub(super) const OVERSEERS: [Expect; 6] = [Ok, Ok, Ok, Denied, SignIn, SignIn];
pub(super) const ADMIN: [Expect; 6] = [Ok, Denied, Denied, Denied, SignIn, SignIn];
pub(super) const HR: [Expect; 6] = [Denied, Ok, Denied, Denied, SignIn, SignIn];
pub(super) const SECURITY: [Expect; 6] = [Denied, Denied, Ok, Denied, SignIn, SignIn];
/// Admin and security: the audit trail and the breach cases (with their reporters).
pub(super) const ADMIN_SECURITY: [Expect; 6] = [Ok, Denied, Ok, Denied, SignIn, SignIn];
/// HR and security: the penalty of a non-compete breach.
pub(super) const HR_SECURITY: [Expect; 6] = [Denied, Ok, Ok, Denied, SignIn, SignIn];
/// HR and security, and a manager for their own reports: the exit interview record (the
/// manager learns only whether it was held).
pub(super) const INTERVIEW: [Expect; 6] = [Denied, Ok, Ok, Scoped, SignIn, SignIn];
/// Admin and HR: the people register.
pub(super) const ADMIN_HR: [Expect; 6] = [Ok, Ok, Denied, Denied, SignIn, SignIn];
/// HR, and a manager for their own reports (tier proposals and reviews, checklist
/// confirmations).
pub(super) const HR_TEAM: [Expect; 6] = [Denied, Ok, Denied, Scoped, SignIn, SignIn];
/// Only the successor named on the line signs for it (here the manager, for their report).
/// Who asks is checked before the line's state, so the others hear 403 whether or not it
/// has been signed for.
pub(super) const SUCCESSOR: [Expect; 6] = [Denied, Denied, Denied, Scoped, SignIn, SignIn];
/// The former employee's own reminder link; anyone else only has a forged one.
pub(super) const LINK_HOLDER: [Expect; 6] =
    [NotFound, NotFound, NotFound, NotFound, Scoped, NotFound];
/// Links sent to someone who is none of the six callers (a successor's receipt link, the
/// first administrator's setup link, void once a user exists): everyone here tries a forged
/// or void one. The real receipt link is checked in `links_and_reports_open_only_their_own`.
pub(super) const NOBODYS_LINK: [Expect; 6] = [NotFound; 6];

/// Every route: method, path as registered, and the answer of each caller. Adding a route
/// means adding its row here (the test names the missing ones).
pub(super) const ROUTES: &[(&str, &str, [Expect; 6])] = &[
    // --- Operations, outside the API prefix.
    ("GET", "/healthz", ANYONE),
    ("GET", "/readyz", ANYONE),
    // Only with the metrics token, which none of the callers holds.
    ("GET", "/metrics", NOBODYS_LINK),
    // --- The JSON API: sessions and tokens.
    ("GET", "/api/v1/openapi.json", ANYONE),
    ("POST", "/api/v1/session", ANYONE),
    ("DELETE", "/api/v1/session", ANYONE),
    ("GET", "/api/v1/me", STAFF),
    ("PATCH", "/api/v1/me", STAFF),
    // Passwords: one's own; an administrator's reset link for a user.
    ("PUT", "/api/v1/me/password", STAFF),
    ("POST", "/api/v1/users/{id}/password-reset", ADMIN),
    // Two-step sign-in: one's own; an administrator's reset of a user's.
    ("GET", "/api/v1/me/second-factor", STAFF),
    ("POST", "/api/v1/me/second-factor", STAFF),
    ("POST", "/api/v1/me/second-factor/confirm", STAFF),
    ("POST", "/api/v1/me/second-factor/recovery-codes", STAFF),
    ("POST", "/api/v1/me/second-factor/off", STAFF),
    ("DELETE", "/api/v1/users/{id}/second-factor", ADMIN),
    ("GET", "/api/v1/me/sessions", STAFF),
    // Before the one that ends all the others: each caller ends a session of their own.
    ("DELETE", "/api/v1/me/sessions/{id}", OWN),
    ("DELETE", "/api/v1/me/sessions", STAFF),
    ("GET", "/api/v1/me/calendar-feed", STAFF),
    ("POST", "/api/v1/me/calendar-feed", STAFF),
    ("DELETE", "/api/v1/me/calendar-feed", STAFF),
    ("POST", "/api/v1/tokens", STAFF),
    ("GET", "/api/v1/tokens", STAFF),
    // An administrator revokes anyone's token; the others only their own.
    (
        "DELETE",
        "/api/v1/tokens/{id}",
        [Ok, Scoped, Scoped, Scoped, SignIn, SignIn],
    ),
    // Users and the audit trail.
    ("GET", "/api/v1/users", ADMIN),
    ("POST", "/api/v1/users", ADMIN),
    ("GET", "/api/v1/users/{id}", ADMIN),
    ("PATCH", "/api/v1/users/{id}", ADMIN),
    ("GET", "/api/v1/audit", ADMIN_SECURITY),
    // People, tiers, carriers, pledges.
    ("POST", "/api/v1/employees/import", ADMIN_HR),
    ("POST", "/api/v1/employees", ADMIN_HR),
    ("GET", "/api/v1/employees", STAFF),
    ("GET", "/api/v1/employees/{id}", TEAM),
    ("PATCH", "/api/v1/employees/{id}", ADMIN_HR),
    ("POST", "/api/v1/employees/{id}/rehire", ADMIN_HR),
    ("POST", "/api/v1/employees/{id}/clearance-changes", HR_TEAM),
    ("POST", "/api/v1/clearance-changes/{id}/review", HR_TEAM),
    ("POST", "/api/v1/clearance-changes/{id}/approve", SECURITY),
    ("GET", "/api/v1/clearance-changes", OVERSEERS),
    ("GET", "/api/v1/employees/{id}/clearance-history", TEAM),
    ("POST", "/api/v1/carriers", OVERSEERS),
    ("GET", "/api/v1/carriers", STAFF),
    ("GET", "/api/v1/carriers/{id}", TEAM),
    ("POST", "/api/v1/carriers/{id}/assign", OVERSEERS),
    ("POST", "/api/v1/carriers/{id}/transfer", OVERSEERS),
    ("POST", "/api/v1/carriers/{id}/return", OVERSEERS),
    ("POST", "/api/v1/carriers/{id}/destroy", SECURITY),
    ("POST", "/api/v1/pledge-texts", ADMIN),
    ("GET", "/api/v1/pledge-texts", STAFF),
    ("POST", "/api/v1/employees/{id}/pledges", ADMIN_HR),
    ("GET", "/api/v1/employees/{id}/pledges", TEAM),
    ("GET", "/api/v1/pledges/missing", OVERSEERS),
    // Departures and obligations.
    ("POST", "/api/v1/departures", HR),
    ("GET", "/api/v1/departures", STAFF),
    ("GET", "/api/v1/departures/{id}", TEAM),
    ("POST", "/api/v1/departures/{id}/lines", HR),
    (
        "POST",
        "/api/v1/departures/{id}/lines/{line_id}/confirm",
        HR_TEAM,
    ),
    (
        "POST",
        "/api/v1/departures/{id}/lines/{line_id}/receive",
        SUCCESSOR,
    ),
    ("POST", "/api/v1/departures/{id}/complete", HR),
    ("GET", "/api/v1/departures/{id}/exit-interview", INTERVIEW),
    ("POST", "/api/v1/departures/{id}/exit-interview", HR),
    ("GET", "/api/v1/obligations", STAFF),
    ("GET", "/api/v1/obligations/{id}", TEAM),
    ("PUT", "/api/v1/employees/{id}/non-compete", HR),
    ("POST", "/api/v1/obligations/{id}/payments", HR),
    (
        "POST",
        "/api/v1/obligations/{id}/payments/{payment_id}/reverse",
        HR,
    ),
    ("GET", "/api/v1/obligations/{id}/ledger", OVERSEERS),
    ("GET", "/api/v1/obligations/{id}/compensation", OVERSEERS),
    ("POST", "/api/v1/obligations/{id}/waive", HR),
    ("POST", "/api/v1/departures/{id}/non-compete/waive", HR),
    ("POST", "/api/v1/obligations/{id}/rescind", HR),
    ("POST", "/api/v1/obligations/{id}/extensions", OVERSEERS),
    ("POST", "/api/v1/extensions/{id}/approve", SECURITY),
    ("GET", "/api/v1/extensions", OVERSEERS),
    // Travel abroad: anyone signed in asks for their own trip; security decides, a unit
    // leader gives the second approval; the lists are scoped (a manager: their reports').
    ("POST", "/api/v1/trips", STAFF),
    ("POST", "/api/v1/trips/unapproved", SECURITY),
    ("GET", "/api/v1/trips", STAFF),
    ("POST", "/api/v1/trips/{id}/decision", ADMIN_SECURITY),
    ("POST", "/api/v1/trips/{id}/return", SECURITY),
    // The travel documents security holds.
    ("POST", "/api/v1/employees/{id}/travel-documents", SECURITY),
    ("GET", "/api/v1/travel-documents", OVERSEERS),
    ("POST", "/api/v1/travel-documents/{id}/hand-out", SECURITY),
    ("POST", "/api/v1/travel-documents/{id}/take-back", SECURITY),
    ("POST", "/api/v1/travel-documents/{id}/give-back", SECURITY),
    // Where former employees work now: HR records, admin, HR and security read (a manager
    // not); the competitor list HR keeps (taking off one not listed is a no-op, 204).
    ("POST", "/api/v1/employees/{id}/whereabouts", HR),
    ("GET", "/api/v1/employees/{id}/whereabouts", OVERSEERS),
    ("GET", "/api/v1/competitors", OVERSEERS),
    ("POST", "/api/v1/competitors", HR),
    ("DELETE", "/api/v1/competitors/{id}", HR),
    // The entry-exit filing list: HR and security read it, security records a filing.
    ("GET", "/api/v1/entry-exit-filing", HR_SECURITY),
    ("GET", "/api/v1/entry-exit-filing/changes", HR_SECURITY),
    ("POST", "/api/v1/entry-exit-filings", SECURITY),
    ("GET", "/api/v1/policy", STAFF),
    ("PUT", "/api/v1/policy", ADMIN),
    // Reminders.
    ("GET", "/api/v1/reminders", OVERSEERS),
    ("GET", "/api/v1/reminders/forecast", OVERSEERS),
    ("GET", "/api/v1/reminders/{id}", OVERSEERS),
    ("POST", "/api/v1/reminders/{id}/resend", HR),
    ("GET", "/api/v1/reminders/{id}/message", OVERSEERS),
    ("GET", "/api/v1/jobs", OVERSEERS),
    // Breaches: anyone reports; the reporter follows with code and secret; security handles.
    ("POST", "/api/v1/breaches", STAFF),
    ("POST", "/api/v1/public/breaches", ANYONE),
    ("POST", "/api/v1/public/breaches/status", ANYONE),
    ("POST", "/api/v1/public/breaches/information", ANYONE),
    ("POST", "/api/v1/public/breaches/evidence", ANYONE),
    ("GET", "/api/v1/breaches", ADMIN_SECURITY),
    ("GET", "/api/v1/breaches/outcomes", OVERSEERS),
    ("GET", "/api/v1/breaches/{id}", ADMIN_SECURITY),
    ("PATCH", "/api/v1/breaches/{id}", SECURITY),
    ("POST", "/api/v1/breaches/{id}/evidence", SECURITY),
    (
        "GET",
        "/api/v1/breaches/{id}/evidence/{evidence_id}",
        SECURITY,
    ),
    ("POST", "/api/v1/breaches/{id}/tasks", SECURITY),
    ("PUT", "/api/v1/breaches/{id}/penalty", HR_SECURITY),
    ("GET", "/api/v1/breaches/{id}/penalty", OVERSEERS),
    ("GET", "/api/v1/tasks", STAFF),
    ("POST", "/api/v1/tasks/{id}/done", OWN),
    // --- Pages: the shell, signing in, links and the public report.
    ("GET", "/static/style.css", ANYONE),
    ("GET", "/", STAFF),
    ("GET", "/login", ANYONE),
    ("POST", "/login", ANYONE),
    // The code step, without a right password just before: back to the password.
    ("GET", "/login/code", [SignIn; 6]),
    ("POST", "/login/code", [SignIn; 6]),
    ("POST", "/logout", ANYONE),
    ("POST", "/language", ANYONE),
    ("GET", "/setup/{token}", NOBODYS_LINK),
    ("POST", "/setup/{token}", NOBODYS_LINK),
    ("GET", "/ack", ANYONE),
    ("POST", "/ack", ANYONE),
    ("GET", "/ack/{token}", LINK_HOLDER),
    ("POST", "/ack/{token}", LINK_HOLDER),
    // The travel link of a person in a period: everyone here has a forged one (the real one
    // is checked in `travel_link.rs`).
    ("GET", "/travel/{token}", NOBODYS_LINK),
    ("POST", "/travel/{token}", NOBODYS_LINK),
    ("POST", "/travel/{token}/return", NOBODYS_LINK),
    // The person's report of a new employer, through the same link.
    ("GET", "/whereabouts/{token}", LINK_HOLDER),
    ("POST", "/whereabouts/{token}", LINK_HOLDER),
    ("GET", "/receipt/{token}", NOBODYS_LINK),
    ("POST", "/receipt/{token}", NOBODYS_LINK),
    ("GET", "/report", ANYONE),
    ("POST", "/report", ANYONE),
    ("GET", "/report/status", ANYONE),
    ("POST", "/report/status", ANYONE),
    // Departures and obligations.
    ("GET", "/departures", STAFF),
    ("GET", "/employees", STAFF),
    ("GET", "/employees/new", ADMIN_HR),
    ("GET", "/employees/import", ADMIN_HR),
    ("GET", "/employees/import/template", ADMIN_HR),
    ("POST", "/employees/import", ADMIN_HR),
    ("GET", "/employees/{id}", TEAM),
    ("GET", "/employees/{id}/pledges/{pledge_id}/print", TEAM),
    ("GET", "/employees/{id}/pledge-texts/{text_id}/print", TEAM),
    ("POST", "/employees/{id}/pledges/paper", HR),
    (
        "GET",
        "/employees/{id}/pledges/{pledge_id}/scan",
        HR_SECURITY,
    ),
    ("GET", "/carriers", OVERSEERS),
    ("GET", "/carriers/new", OVERSEERS),
    ("GET", "/carriers/{id}", TEAM),
    ("GET", "/departures/new", HR),
    ("GET", "/departures/{id}", TEAM),
    ("GET", "/departures/{id}/register", TEAM),
    ("GET", "/departures/{id}/exit-notice", TEAM),
    // The signed paper and its scan: HR records it; HR and security read the scan.
    ("POST", "/departures/{id}/exit-notice/signed", HR),
    ("GET", "/departures/{id}/exit-notice/scan", HR_SECURITY),
    ("GET", "/departures/{id}/exit-interview", INTERVIEW),
    ("POST", "/departures/{id}/exit-interview", HR),
    ("GET", "/departures/{id}/exit-interview/print", HR_SECURITY),
    ("GET", "/obligations", OVERSEERS),
    ("GET", "/obligations/{id}", OVERSEERS),
    ("GET", "/obligations/{id}/waive", HR),
    ("GET", "/obligations/{id}/rescind", HR),
    ("GET", "/reminders", OVERSEERS),
    ("GET", "/reminders/{id}", OVERSEERS),
    // People and carriers (src/http/web/people.rs, carriers.rs, timeline.rs): their rows go
    // here as they land; `{id}` after /employees/ is the manager's report (someone else's: the
    // outsider), after /carriers/ a carrier in the report's custody, after /pledges/ a pledge
    // of the report.
    // Security: the tier chain, extensions, cases, tasks, the audit trail. A manager's list
    // of tier changes holds only what they proposed, and a change's page only opens for them.
    ("GET", "/clearance-changes", STAFF),
    ("GET", "/clearance-changes/{id}", TEAM),
    ("GET", "/extensions", OVERSEERS),
    ("GET", "/extensions/{id}", OVERSEERS),
    ("GET", "/filing", HR_SECURITY),
    ("GET", "/filing/print", HR_SECURITY),
    ("GET", "/filing/changes", HR_SECURITY),
    // Trips abroad: every staff role reads the list (a manager their reports'); anyone
    // signed in asks for their own trip. `{id}` is a trip nobody has: the role check lets
    // every staff role in, who then hear 404 (the manager's scope: tests/api/web_travel.rs).
    ("GET", "/trips", STAFF),
    ("GET", "/trips/new", STAFF),
    (
        "GET",
        "/trips/{id}",
        [NotFound, NotFound, NotFound, NotFound, SignIn, SignIn],
    ),
    ("GET", "/travel-documents", OVERSEERS),
    ("GET", "/competitors", OVERSEERS),
    // HR reads the outcomes of cases there, not the cases.
    ("GET", "/breaches", OVERSEERS),
    ("GET", "/breaches/new", STAFF),
    ("POST", "/breaches/new", STAFF),
    ("GET", "/breaches/{id}", ADMIN_SECURITY),
    ("POST", "/breaches/{id}/evidence", SECURITY),
    ("GET", "/tasks", STAFF),
    ("GET", "/audit", ADMIN_SECURITY),
    ("GET", "/audit/verify", ADMIN_SECURITY),
    // Administration and one's own settings. The two GETs that only forward to another page
    // answer everyone with the same redirect, which reveals nothing.
    ("GET", "/admin", ADMIN),
    ("GET", "/admin/users", ANYONE),
    ("POST", "/admin/users", ADMIN),
    ("GET", "/admin/users/{id}", ADMIN),
    ("POST", "/admin/users/{id}", ADMIN),
    ("GET", "/admin/policy", OVERSEERS),
    ("POST", "/admin/policy", ADMIN),
    ("GET", "/admin/pledge-texts", OVERSEERS),
    ("GET", "/settings", STAFF),
    ("GET", "/settings/tokens", ANYONE),
    ("POST", "/settings/tokens", STAFF),
    ("GET", "/settings/calendar", ANYONE),
    ("POST", "/settings/calendar", STAFF),
    // A feed's token is its key: a forged one is a stranger's.
    ("GET", "/calendar/{file}", NOBODYS_LINK),
    ("GET", "/settings/second-factor", STAFF),
    ("POST", "/settings/second-factor/start", STAFF),
    ("POST", "/settings/second-factor/confirm", STAFF),
    ("POST", "/settings/second-factor/recovery-codes", STAFF),
    ("POST", "/settings/second-factor/off", STAFF),
    // Passwords: "forgot password?", the reset page a link opens, the admin's hand-over.
    ("GET", "/password/forgot", ANYONE),
    ("POST", "/password/forgot", ANYONE),
    ("GET", "/password/reset/{token}", NOBODYS_LINK),
    ("POST", "/password/reset/{token}", NOBODYS_LINK),
    ("POST", "/admin/users/{id}/password-reset", ADMIN),
];

/// Page forms sent as multipart (they carry a file).
pub(super) const MULTIPART_PAGES: &[&str] = &[
    "/report",
    "/breaches/new",
    "/breaches/{id}/evidence",
    "/employees/import",
    "/departures/{id}/exit-notice/signed",
    "/employees/{id}/pledges/paper",
];
