//! The language switch in every page's header: a signed-in user's choice is kept with their
//! account; anyone else's in a cookie.

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::users;
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{CsrfForm, MaybeUser};

pub const LANGUAGE_COOKIE: &str = "tuomi_lang";

#[derive(Deserialize)]
pub struct Choice {
    lang: String,
    #[serde(default)]
    back: String,
}

pub async fn switch(
    state: web::Data<AppState>,
    user: MaybeUser,
    form: CsrfForm<Choice>,
) -> Result<HttpResponse, Error> {
    let Choice { lang, back } = form.0;
    let language: Language = lang.parse().map_err(|e| Error::field("lang", e))?;
    let back = if back.starts_with('/') && !back.starts_with("//") {
        back
    } else {
        "/".to_string()
    };
    let mut response = HttpResponse::SeeOther();
    response.insert_header((actix_web::http::header::LOCATION, back));
    match user.0 {
        Some(user) => {
            state
                .write(move |tx| Ok(users::set_language(tx, &user.id, language)?))
                .await?
        }
        None => {
            response.cookie(
                Cookie::build(LANGUAGE_COOKIE, language.as_str())
                    .path("/")
                    .same_site(SameSite::Lax)
                    .max_age(time::Duration::days(365))
                    .finish(),
            );
        }
    }
    Ok(response.finish())
}
