//! The one error type: what went wrong, in terms the HTTP layer turns into a status and body.

use crate::domain::FieldErrors;
use crate::domain::problem::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 422: the input breaks a rule; each field says why.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// 400: the body is not what the route takes at all.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not signed in")]
    Unauthorized,
    /// 401: a sign-in with an email or password that does not match (never says which).
    #[error("wrong email or password")]
    WrongCredentials,
    /// 401: the password was right; the account's second factor needs its code too.
    #[error("a second-factor code is needed")]
    SecondFactorNeeded,
    /// 401: the second-factor code (or recovery code) is wrong or was used already.
    #[error("wrong second-factor code")]
    WrongSecondFactor,
    /// The user's role needs a second factor and they have none yet: a page sends them to
    /// enrol (303), the API answers 403.
    #[error("a second factor must be enrolled first")]
    EnrolSecondFactor { page: bool },
    /// 403: a form without a valid CSRF token — usually a page left open too long.
    #[error("the form has expired")]
    FormExpired,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// 409: refused in the current state, saying why.
    #[error("refused: {}", .0.code)]
    Refused(Problem),
    #[error("too large")]
    TooLarge,
    /// 415: the body is not of the media type the route takes.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 429, with the seconds to wait.
    #[error("too many attempts")]
    Throttled(u64),
    /// 503: the database (or another dependency) cannot be reached right now.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn field(field: &str, problem: impl Into<Problem>) -> Error {
        Error::Validation(FieldErrors::single(field, problem))
    }

    /// 409 with why.
    pub fn refused(problem: impl Into<Problem>) -> Error {
        Error::Refused(problem.into())
    }
}

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Error {
        Error::Validation(errors)
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Error {
        use diesel::result::{DatabaseErrorKind, Error as D};
        match e {
            D::NotFound => Error::NotFound,
            D::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => Error::Unavailable(format!("database connection lost: {}", info.message())),
            other => Error::Internal(anyhow::Error::new(other).context("database error")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for Error {
    fn from(e: diesel::r2d2::PoolError) -> Error {
        Error::Unavailable(format!("database unreachable: {e}"))
    }
}
