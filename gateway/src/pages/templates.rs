//! The pages' HTML: minijinja templates under `gateway/templates/`, embedded
//! at compile time, escaping every value by default (`.html` names), with
//! the Fluent texts of [`super::i18n`] as the function `t("id", name=value…)`.
//!
//! [`page`] renders one with the shared layout's needs (nonce, language,
//! style) and answers it with the pages' headers. A template error is our
//! bug, not the visitor's: it is logged and answered with a plain 500 page,
//! never a panic.

use std::sync::LazyLock;

use axum::http::header::{CACHE_CONTROL, CONTENT_LANGUAGE, CONTENT_SECURITY_POLICY, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use fluent_bundle::FluentValue;
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{
    context, AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior,
};

use super::i18n::{self, Args};
use super::lang::{Lang, Negotiated};
use crate::auth::random_token;

/// Every template, by name, embedded in the binary.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../templates/layout.html")),
    (
        "taxpayer_layout.html",
        include_str!("../../templates/taxpayer_layout.html"),
    ),
    (
        "not_found.html",
        include_str!("../../templates/not_found.html"),
    ),
    (
        "operator/layout.html",
        include_str!("../../templates/operator/layout.html"),
    ),
    ("home.html", include_str!("../../templates/home.html")),
    (
        "operator/login.html",
        include_str!("../../templates/operator/login.html"),
    ),
    (
        "operator/console.html",
        include_str!("../../templates/operator/console.html"),
    ),
    (
        "operator/availability.html",
        include_str!("../../templates/operator/availability.html"),
    ),
    (
        "operator/room.html",
        include_str!("../../templates/operator/room.html"),
    ),
    (
        "operator/room_message.html",
        include_str!("../../templates/operator/room_message.html"),
    ),
    ("join.html", include_str!("../../templates/join.html")),
    ("ticket.html", include_str!("../../templates/ticket.html")),
    (
        "accessibility.html",
        include_str!("../../templates/accessibility.html"),
    ),
    ("room.html", include_str!("../../templates/room.html")),
    (
        "room_message.html",
        include_str!("../../templates/room_message.html"),
    ),
];

const STYLE: &str = include_str!("../../templates/style.css");
const COMMON_JS: &str = include_str!("../../templates/scripts/common.js");

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("template {name}: {source:#}")]
    Template {
        name: String,
        #[source]
        source: Error,
    },
}

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(environment);

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // A misspelt variable is an error (caught by the tests), not an empty text.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(html_formatter);
    for (name, source) in TEMPLATES {
        if let Err(error) = env.add_template(name, source) {
            // Rendering that template then fails with "template not found",
            // answered as a 500 page; the tests render every template.
            tracing::error!(template = name, error = %error, "template does not parse");
        }
    }
    env.add_function("t", translate);
    env.add_global(
        "languages",
        Value::from_serialize(
            Lang::ALL
                .iter()
                .map(|lang| serde_json::json!({"code": lang.code(), "name": lang.native_name()}))
                .collect::<Vec<_>>(),
        ),
    );
    env
}

/// Escapes `& < > "` in every value of an `.html` template that is not
/// marked safe. Unlike minijinja's default it leaves `'` and `/` as they are,
/// so that the page's source holds the guide's texts as written ("NIF/NIE",
/// "pulse en 'Aceptar…'"): every attribute in these templates is
/// double-quoted (a unit test checks it), and neither character can end a
/// double-quoted value or open a tag.
fn html_formatter(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    if !matches!(state.auto_escape(), AutoEscape::Html) || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.to_string();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(['&', '<', '>', '"']) {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&quot;",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)?;
    Ok(())
}

/// `t("id", name=value…)`: the message in the page's language (its `lang`).
fn translate(state: &State, id: &str, kwargs: Kwargs) -> Result<String, Error> {
    let lang = state
        .lookup("lang")
        .and_then(|value| value.as_str().and_then(Lang::from_code))
        .ok_or_else(|| Error::new(ErrorKind::UndefinedError, "t() needs `lang` in the context"))?;
    let mut args = Args::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let fluent = match value.kind() {
            ValueKind::Number => match i64::try_from(value.clone()) {
                Ok(whole) => FluentValue::from(whole),
                Err(_) => FluentValue::from(f64::try_from(value).unwrap_or(0.0)),
            },
            _ => FluentValue::from(value.to_string()),
        };
        args.insert(name.to_string().into(), fluent);
    }
    kwargs.assert_all_used()?;
    i18n::try_text(lang, id, Some(&args))
        .ok_or_else(|| Error::new(ErrorKind::UndefinedError, format!("no message {id:?}")))
}

/// Renders template `name` with `context`.
pub fn render(name: &str, context: Value) -> Result<String, PageError> {
    ENVIRONMENT
        .get_template(name)
        .and_then(|template| template.render(context))
        .map_err(|source| PageError::Template {
            name: name.to_string(),
            source,
        })
}

/// A whole page: template `name` with `context`, plus what the layout needs
/// (`lang`, `nonce`, `style`, `common_js`), and the pages' headers: a
/// nonce'd Content-Security-Policy, `no-store`, the language, and the
/// language cookie when a `?lang=` choice is to be remembered.
pub fn page(
    status: StatusCode,
    name: &str,
    lang: Negotiated,
    secure: bool,
    context: Value,
) -> Response {
    let nonce = random_token();
    let full = context! {
        lang => lang.lang.code(),
        nonce => &nonce,
        style => Value::from_safe_string(STYLE.to_string()),
        messages => Value::from_safe_string(i18n::error_table(lang.lang)),
        common_js => Value::from_safe_string(COMMON_JS.to_string()),
        ..context
    };
    let html = match render(name, full) {
        Ok(html) => html,
        Err(error) => return error.into_response(),
    };
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    // expect: built from a hex nonce and constants.
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp(&nonce)).expect("valid CSP header"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(CONTENT_LANGUAGE, HeaderValue::from_static(lang.lang.code()));
    if let Some(cookie) = lang.cookie(secure) {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.insert(SET_COOKIE, value);
        }
    }
    response
}

/// The pages' Content-Security-Policy: only our nonce'd script and style.
pub fn csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "a page could not be rendered");
        let mut response = (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(
                "<!doctype html>\n<html lang=\"es\"><head><meta charset=\"utf-8\"><title>Error</title></head>\
                 <body><h1>No se ha podido mostrar la página</h1>\
                 <p>Se ha producido un error interno. Inténtelo de nuevo más tarde.</p></body></html>",
            ),
        )
            .into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiated(lang: Lang) -> Negotiated {
        Negotiated {
            lang,
            remember: false,
        }
    }

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            ENVIRONMENT
                .get_template(name)
                .unwrap_or_else(|error| panic!("{name}: {error:#}"));
        }
    }

    #[test]
    fn every_page_template_renders_in_every_language() {
        let services = vec![
            context! { code => "CLAVE", description => "d", hours => "h", open => false, nobody => true, notice => "n", available => true },
        ];
        assert!(TEMPLATES.len() >= 14, "every page's template is listed");
        // The console's own, for a screen that uses every part.
        let console = crate::pages::operator::console_sample_context();
        for lang in Lang::ALL {
            for (name, _) in TEMPLATES
                .iter()
                .filter(|(name, _)| !name.contains("layout"))
            {
                let context = context! {
                    lang => lang.code(), nonce => "n", style => "", common_js => "", messages => "{}",
                    path => "/x", services => services.clone(), texts => "{}", script => "",
                    ticket_id => "t", poll => 9, privacy_url => "https://x", absent_minutes => 3,
                    grace_minutes => 10, complaints_url => "https://y", meeting_id => "12",
                    heading => "room-title", message => "room-not-found",
                    // The operator pages' own (Spanish only, same loop).
                    operator => "op-0001", name => "n", logout => true, operator_messages => "{}",
                    nav => true, sso => false,
                    ..console.clone()
                };
                render(name, context)
                    .unwrap_or_else(|error| panic!("{name} in {}: {error:?}", lang.code()));
            }
        }
    }

    #[test]
    fn every_attribute_is_double_quoted() {
        // What lets the formatter leave `'` unescaped.
        for (name, source) in TEMPLATES {
            assert!(
                !source.contains("='"),
                "{name} has a single-quoted attribute"
            );
        }
    }

    #[test]
    fn values_are_escaped_by_default() {
        let html = render(
            "not_found.html",
            context! { lang => "es", nonce => "n", style => "", common_js => "", messages => "{}", path => "/x\"><script>" },
        )
        .expect("renders");
        assert!(!html.contains("<script>\"") && !html.contains("\"><script>"));
        assert!(html.contains("&quot;&gt;&lt;script&gt;"), "{html}");
    }

    #[test]
    fn a_template_error_is_a_500_page_not_a_panic() {
        let missing = render("no-such.html", context! {}).expect_err("no such template");
        assert!(missing.to_string().contains("no-such.html"));
        let response = page(
            StatusCode::OK,
            "no-such.html",
            negotiated(Lang::Es),
            false,
            context! {},
        );
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn t_translates_with_arguments_and_refuses_unknown_ids() {
        let mut env = Environment::new();
        env.add_function("t", translate);
        env.add_template("x.html", "{{ t('not-found-title') }}|{{ t('nope') }}")
            .expect("parses");
        let error = env
            .get_template("x.html")
            .and_then(|template| template.render(context! { lang => "eu" }))
            .expect_err("nope is not a message");
        assert!(error.to_string().contains("nope"), "{error}");
        let html = page(
            StatusCode::NOT_FOUND,
            "not_found.html",
            negotiated(Lang::Eu),
            false,
            context! { path => "/x" },
        );
        assert_eq!(html.status(), StatusCode::NOT_FOUND);
        assert_eq!(html.headers()[CONTENT_LANGUAGE], "eu");
    }
}
