//! `/contribuyente` (the join form) and `/contribuyente/{ticket_id}` (the
//! ticket page: the queue while waiting, then the guide's "Acceso a
//! videoasistencia" screen and the meeting), in the taxpayer's language.
//!
//! The ticket's token never travels in a URL the server sees: the join form
//! keeps it in the browser's localStorage (a `#token` fragment is accepted and
//! moved there), and the page's script sends it as a bearer token. So the
//! ticket page is a shell the script fills in, always with `textContent`,
//! applying each poll body to the page in place.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use engine::ticket::TicketId;
use minijinja::context;
use minijinja::value::Value;

use super::i18n::{self, text};
use super::lang::{Lang, Negotiated};
use super::{not_found_in, templates};
use crate::routes::services::public_services;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contribuyente", get(join_page))
        .route("/contribuyente/{ticket_id}", get(ticket_page))
        .route("/accesibilidad", get(accessibility_page))
}

/// The AEAT's page on personal data, linked from the recording notice.
pub const PRIVACY_URL: &str =
    "https://sede.agenciatributaria.gob.es/Sede/condiciones-uso-sede-electronica/proteccion-datos-personales.html";

/// The Tax Agency's suggestions and complaints, for the accessibility statement.
pub const COMPLAINTS_URL: &str =
    "https://sede.agenciatributaria.gob.es/Sede/quejas-sugerencias.html";

async fn join_page(State(state): State<AppState>, lang: Negotiated) -> Response {
    let services: Vec<Value> = public_services(&state)
        .services
        .iter()
        .map(|service| {
            let nobody = state
                .engine
                .catalog()
                .service_by_text(&service.code)
                .filter(|_| service.open)
                .is_some_and(|found| state.engine.views().waits().on_duty(&found.code) == 0);
            // The notice travels with the option, so that the form shows it
            // as soon as the service is chosen, before joining.
            let notice =
                join_notice(&state, &service.code, service.waiting).map(|id| text(lang.lang, id));
            context! {
                code => &service.code,
                description => &service.description,
                hours => &service.hours,
                open => service.open,
                nobody => nobody,
                notice => notice,
            }
        })
        .collect();
    templates::page(
        StatusCode::OK,
        "join.html",
        lang,
        state.options.secure_cookie,
        context! {
            path => "/contribuyente",
            services => services,
            texts => Value::from_safe_string("{}".to_string()),
            script => Value::from_safe_string(JOIN_JS.to_string()),
        },
    )
}

/// The join form's word about `code` for someone joining now (a message
/// id), if the estimate says their attention would start after closing
/// time today.
fn join_notice(state: &AppState, code: &str, waiting: u32) -> Option<&'static str> {
    let engine = &state.engine;
    let catalog = engine.catalog();
    let service = catalog.service_by_text(code)?;
    let estimate = engine
        .views()
        .estimate(&service.code, waiting, engine.now());
    if !estimate.past_closing {
        return None;
    }
    Some(if catalog.refuse_joins_past_closing {
        "notice-closing-refused"
    } else {
        "notice-closing-warning"
    })
}

const JOIN_JS: &str = include_str!("../../templates/scripts/join.js");
const TICKET_JS: &str = include_str!("../../templates/scripts/ticket.js");

/// The ticket page script's texts: key → message id, with the variables it
/// fills in itself (rendered as `{name}` markers).
const TICKET_TEXTS: &[(&str, &str, &[&str])] = &[
    ("lessThanMinute", "wait-less-than-minute", &[]),
    ("oneMinute", "wait-one-minute", &[]),
    ("minutes", "wait-minutes", &["minutes"]),
    ("noOperator", "no-operator", &[]),
    ("riseOperatorLeft", "rise-operator-left", &[]),
    ("riseRunningLong", "rise-attention-running-long", &[]),
    ("riseOther", "rise-other", &[]),
    ("titleWaiting", "title-waiting", &["position"]),
    ("titleAssigned", "title-assigned", &[]),
    ("titleAccepted", "title-accepted", &[]),
    ("titleMeeting", "title-meeting", &[]),
    ("titleFinished", "title-finished", &[]),
    ("titleAbandoned", "title-abandoned", &[]),
    ("titleNoAccess", "title-no-access", &[]),
    ("announceAssigned", "announce-assigned", &[]),
    ("announceOpened", "announce-meeting-opened", &[]),
    ("announceReady", "announce-meeting-ready", &[]),
    ("announceFinished", "finished-text", &[]),
    ("announceAbandoned", "abandoned-own", &[]),
    ("announceAbsent", "abandoned-absent", &[]),
    ("opening", "meeting-opening", &[]),
    ("confirmAbandon", "abandon-confirm", &[]),
    ("connectionLost", "connection-lost", &[]),
];

fn ticket_texts(lang: Lang, absent_minutes: u64) -> String {
    let table: serde_json::Map<String, serde_json::Value> = TICKET_TEXTS
        .iter()
        .map(|(key, id, variables)| {
            let mut args: i18n::Args = variables
                .iter()
                .map(|name| ((*name).into(), format!("{{{name}}}").into()))
                .collect();
            // The presence figure is the server's: filled in here.
            if *id == "connection-lost" {
                args.insert("minutes".into(), absent_minutes.into());
            }
            (key.to_string(), i18n::text_with(lang, id, &args).into())
        })
        .collect();
    serde_json::Value::Object(table)
        .to_string()
        .replace('<', "\\u003c")
}

/// Whole minutes of a duration, at least one (for the presence wording).
fn minutes(duration: std::time::Duration) -> u64 {
    (duration.as_secs().div_ceil(60)).max(1)
}

async fn ticket_page(
    State(state): State<AppState>,
    Path(ticket_id): Path<String>,
    lang: Negotiated,
) -> Response {
    let secure = state.options.secure_cookie;
    // Only the id's shape is checked here: whether it exists is the API's
    // answer to the token holder, not something to tell any passer-by.
    if ticket_id.parse::<TicketId>().is_err() {
        return not_found_in(lang, "/contribuyente", secure);
    }
    let presence = &state.engine.catalog().presence;
    templates::page(
        StatusCode::OK,
        "ticket.html",
        lang,
        secure,
        context! {
            path => format!("/contribuyente/{ticket_id}"),
            ticket_id => &ticket_id,
            poll => state.poll_seconds(),
            privacy_url => PRIVACY_URL,
            absent_minutes => minutes(presence.absent_after),
            grace_minutes => minutes(presence.grace),
            texts => Value::from_safe_string(ticket_texts(lang.lang, minutes(presence.absent_after))),
            script => Value::from_safe_string(TICKET_JS.to_string()),
        },
    )
}

/// `/accesibilidad`: the accessibility statement (RD 1112/2018 art. 15).
async fn accessibility_page(State(state): State<AppState>, lang: Negotiated) -> Response {
    let presence = &state.engine.catalog().presence;
    templates::page(
        StatusCode::OK,
        "accessibility.html",
        lang,
        state.options.secure_cookie,
        context! {
            path => "/accesibilidad",
            absent_minutes => minutes(presence.absent_after),
            grace_minutes => minutes(presence.grace),
            complaints_url => COMPLAINTS_URL,
            texts => Value::from_safe_string("{}".to_string()),
            script => Value::from_safe_string(String::new()),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_texts_exist_in_every_language_with_their_markers() {
        for lang in Lang::ALL {
            let table: serde_json::Value =
                serde_json::from_str(&ticket_texts(lang, 3)).expect("a JSON object");
            for (key, id, variables) in TICKET_TEXTS {
                let value = table[key].as_str().unwrap_or_default();
                assert!(!value.is_empty() && value != *id, "{id} in {}", lang.code());
                if *id == "connection-lost" {
                    assert!(value.contains('3') && !value.contains('{'), "{value}");
                }
                for name in *variables {
                    assert!(
                        value.contains(&format!("{{{name}}}")),
                        "{id} in {} lacks {{{name}}}",
                        lang.code()
                    );
                }
            }
        }
    }
}
