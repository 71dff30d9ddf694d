//! Server-rendered pages, in Spanish with the guide's labels: the operator's
//! console and availability screen, the taxpayer's join form and ticket page.
//!
//! Every text that comes from a person (names, observations, anything typed)
//! goes through [`escape`]; scripts carry a per-response nonce and the
//! Content-Security-Policy allows no other script, so even a missed escape
//! could not run code.

pub mod i18n;
pub mod lang;
pub mod meeting_room;
pub mod operator;
pub mod taxpayer;
pub mod templates;

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use self::lang::{Lang, Negotiated};
use crate::auth::random_token;
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

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

const STYLE: &str = include_str!("../../templates/style.css");

/// Helpers every page script uses: the message table, a JSON fetch, and the
/// held-poll loop (docs/api.md "Instant updates"): `ask` polls with
/// `?wait=WAIT_SECONDS` and says "changed", "same", "failed" or "stop"; a
/// poll that was not held (an error, or a 304 at once because the server
/// holds no more) waits a poll period before the next.
const COMMON_JS: &str = include_str!("../../templates/scripts/common.js");

/// A whole page: `body` is trusted HTML (built with [`escape`]), `script` our own code.
pub struct Page {
    pub title: &'static str,
    /// Extra navigation links (trusted HTML).
    pub nav: String,
    pub body: String,
    pub script: String,
}

impl Page {
    pub fn render(self) -> Response {
        self.render_with_status(StatusCode::OK)
    }

    pub fn render_with_status(self, status: StatusCode) -> Response {
        let nonce = random_token();
        let nav = if self.nav.is_empty() {
            String::new()
        } else {
            format!("<nav>{}</nav>", self.nav)
        };
        let html = format!(
            "<!doctype html>\n<html lang=\"es\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} - Videoasistencia</title><style nonce=\"{nonce}\">{STYLE}</style></head>\
             <body><header><a href=\"/\">Sistema de Videoasistencia al contribuyente</a></header>{nav}\
             <main>{body}</main><script nonce=\"{nonce}\">const MESSAGES={messages};{COMMON_JS}{script}</script></body></html>",
            title = escape(self.title),
            body = self.body,
            messages = i18n::operator_error_table(),
            script = self.script,
        );
        let csp = format!(
            "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        );
        let mut response = (status, Html(html)).into_response();
        let headers = response.headers_mut();
        // unwrap: built from a hex nonce and constants.
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("valid CSP header"),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

async fn home() -> Response {
    Page {
        title: "Inicio",
        nav: String::new(),
        body: "<h1>Sistema de Videoasistencia al contribuyente</h1>\
               <h2>Operadores</h2><ul>\
               <li><a href=\"/operador/disponibilidad\">Gestión disponibilidad operador</a></li>\
               <li><a href=\"/operador\">Acceso a la Consola de Operador</a></li></ul>\
               <h2>Contribuyentes</h2><ul>\
               <li><a href=\"/contribuyente\">Solicitar videoasistencia</a></li></ul>"
            .to_string(),
        script: String::new(),
    }
    .render()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
