//! How an [`Error`] answers over HTTP: the JSON shape of the public contract.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::catalog;
use crate::domain::problem::Problem;
use crate::error::Error;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code: validation_failed, bad_request, unauthorized,
    /// forbidden, not_found, conflict, too_large, unsupported_media_type, throttled,
    /// unavailable, internal.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For validation_failed: the message of each field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    /// For validation_failed: why each field is at fault, as a stable code (the message
    /// catalog's key) with the values its message names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_problems: Option<BTreeMap<String, Problem>>,
    /// Why, as a stable code (the message catalog's key) with the values its message names;
    /// `message` is its English text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
    /// For internal: the id under which the error is in the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// An error answer as the OpenAPI document gives it: an [`ErrorBody`], with what it means
/// here (empty when the status says it all).
pub fn documented(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

/// Named sets of error answers for the `responses(...)` of an operation's annotation, listed
/// beside its own tuples (`responses((status = 200, body = X), ChangeErrors, (status = 409,
/// body = ErrorBody, description = "why"))`). A status an operation describes in its own
/// words is a tuple of its own, never also in a set it lists. 401 and the security
/// requirements are not here: the route's registration adds them (`http::document_gates`).
macro_rules! error_answers {
    ($($(#[$doc:meta])* $name:ident => [$($status:literal),+];)+) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                [$($status),+]
                    .into_iter()
                    .map(|status| (status.to_string(), documented("").into()))
                    .collect()
            }
        }
    )+};
}

error_answers! {
    /// Reading or acting on one thing: the caller may not (403), or there is none (404).
    ReadErrors => ["403", "404"];
    /// Changing one thing: the caller may not (403), there is none (404), or a field is at
    /// fault (422). The operation lists its own 409, saying when its change is refused.
    ChangeErrors => ["403", "404", "422"];
    /// A request the caller may not make (403), or whose fields or query are at fault (422):
    /// creating something, or a list only some roles read.
    InputErrors => ["403", "422"];
    /// A reporter's request by case code and secret: no such report (404), a field is at
    /// fault (422), or too many wrong guesses (429).
    ReporterErrors => ["404", "422", "429"];
}

const FORM_EXPIRED_PAGE: &str = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>表单已过期 · The form has expired</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\
<body><main><section class=\"card narrow\"><h1>表单已过期</h1><p>请返回上一页，刷新后重新提交。您填写的内容可能需要重新输入。</p>\
<h1 lang=\"en\">The form has expired</h1><p lang=\"en\">Go back, reload the page and send it again. \
You may need to type what you entered once more.</p><p><a href=\"/\">tuomi</a></p></section></main></body></html>";

impl Error {
    fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation_failed",
            Error::BadRequest(_) => "bad_request",
            Error::Unauthorized
            | Error::WrongCredentials
            | Error::SecondFactorNeeded
            | Error::WrongSecondFactor => "unauthorized",
            Error::Forbidden | Error::FormExpired | Error::EnrolSecondFactor { .. } => "forbidden",
            Error::NotFound => "not_found",
            Error::Refused(_) => "conflict",
            Error::TooLarge => "too_large",
            Error::UnsupportedMediaType(_) => "unsupported_media_type",
            Error::Throttled(_) => "throttled",
            Error::Unavailable(_) => "unavailable",
            Error::Internal(_) => "internal",
        }
    }

    /// Why, as a catalog key with its values: the API's `message` is its English text.
    fn problem(&self) -> Option<Problem> {
        use crate::problem;
        Some(match self {
            Error::Validation(_) => problem!("fields_not_valid"),
            Error::Refused(problem) => problem.clone(),
            Error::BadRequest(m) => problem!("bad_request", detail = m.as_str()),
            Error::UnsupportedMediaType(m) => {
                problem!("unsupported_media_type", detail = m.as_str())
            }
            Error::Unauthorized => problem!("sign_in_first"),
            Error::WrongCredentials => problem!("wrong_credentials"),
            Error::SecondFactorNeeded => problem!("second_factor_needed"),
            Error::WrongSecondFactor => problem!("wrong_second_factor"),
            Error::EnrolSecondFactor { .. } => problem!("second_factor_enrolment_required"),
            Error::FormExpired => problem!("form_expired"),
            Error::Forbidden => problem!("forbidden"),
            Error::NotFound => problem!("not_found"),
            Error::TooLarge => problem!("body_too_large"),
            Error::Throttled(secs) => problem!("throttled", seconds = *secs),
            Error::Unavailable(_) => problem!("unavailable"),
            Error::Internal(_) => return None,
        })
    }

    pub fn body(&self) -> ErrorBody {
        let id = match self {
            Error::Internal(e) => {
                let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
                tracing::error!(error_id = %id, error = %format!("{e:#}"), "internal error");
                Some(id)
            }
            _ => None,
        };
        let problem = self.problem();
        let field_problems = match self {
            Error::Validation(fields) => Some(fields.0.clone()),
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: problem.as_ref().map(catalog::english),
                fields: field_problems.as_ref().map(|fields| {
                    fields
                        .iter()
                        .map(|(field, problem)| (field.clone(), catalog::english(problem)))
                        .collect()
                }),
                field_problems,
                problem,
                id,
            },
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized
            | Error::WrongCredentials
            | Error::SecondFactorNeeded
            | Error::WrongSecondFactor => StatusCode::UNAUTHORIZED,
            Error::EnrolSecondFactor { page: true } => StatusCode::SEE_OTHER,
            Error::Forbidden | Error::FormExpired | Error::EnrolSecondFactor { .. } => {
                StatusCode::FORBIDDEN
            }
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Refused(_) => StatusCode::CONFLICT,
            Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Error::Unavailable(reason) = self {
            tracing::warn!(%reason, "answered 503");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Error::FormExpired = self {
            // Forms are HTML pages: the answer is one too, in both languages.
            return response
                .content_type("text/html; charset=utf-8")
                .body(FORM_EXPIRED_PAGE);
        }
        if let Error::EnrolSecondFactor { page: true } = self {
            // A page of a user who must enrol first: the enrolment page instead.
            return response
                .insert_header((header::LOCATION, crate::http::second_factor::ENROL_PAGE))
                .finish();
        }
        if let Error::Throttled(secs) = self {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(*secs)));
        }
        response.json(self.body())
    }
}
