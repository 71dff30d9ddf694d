//! Server-rendered pages: the operator's console and availability screen in
//! the guide's Spanish, the taxpayer's join form and ticket page in the
//! taxpayer's language.
//!
//! Every page is a minijinja template ([`templates`]) that escapes every
//! value it is given, so a text that comes from a person (names,
//! observations, anything typed) can never become markup; scripts carry a
//! per-response nonce and the Content-Security-Policy allows no other
//! script, so even a value marked safe by mistake could not run code.

pub mod i18n;
pub mod lang;
pub mod meeting_room;
pub mod operator;
pub mod taxpayer;
pub mod templates;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use minijinja::context;
use minijinja::value::{merge_maps, Value};

use self::lang::{Lang, Negotiated};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        // Browsers ask for it on every page; there is none.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .merge(meeting_room::router())
        .merge(operator::router())
        .merge(taxpayer::router())
}

/// A page of the operator's side, in the guide's Spanish: template `name`
/// (extending `operator/layout.html`) with `context`, the operator's error
/// texts for its script, and the pages' headers (no language cookie: the
/// language is not the visitor's choice here). Unless `context` says
/// otherwise the page has no operator's links (`nav`) and no script of its
/// own.
pub fn operator_page(status: StatusCode, name: &str, context: Value) -> Response {
    let defaults = context! {
        nav => false,
        logout => false,
        script => Value::from_safe_string(String::new()),
    };
    templates::page(
        status,
        name,
        Negotiated {
            lang: Lang::Es,
            remember: false,
        },
        false,
        context! {
            operator_messages => Value::from_safe_string(i18n::operator_error_table()),
            // The last map wins: `context` over the defaults.
            ..merge_maps([defaults, context])
        },
    )
}

async fn home() -> Response {
    operator_page(StatusCode::OK, "home.html", context! {})
}

/// The page for an unknown path, in Spanish (the operator's pages).
pub async fn not_found_page() -> Response {
    not_found_in(
        Negotiated {
            lang: Lang::Es,
            remember: false,
        },
        "/",
        false,
    )
}

/// The page for an unknown path, in the visitor's language; `path` is what
/// the language selector links back to.
pub fn not_found_in(lang: Negotiated, path: &str, secure: bool) -> Response {
    templates::page(
        StatusCode::NOT_FOUND,
        "not_found.html",
        lang,
        secure,
        minijinja::context! { path => path },
    )
}
