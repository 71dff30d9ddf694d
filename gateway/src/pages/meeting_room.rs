//! The local meeting provider's room (demos and tests): it stands in for
//! Zoom, with the buttons that produce the same engine events as Zoom's
//! webhooks, so the consoles can be tried without a Zoom account. With the
//! Zoom provider these pages do not exist.
//!
//! Like Zoom's, the room knows who may press what: the host's buttons
//! (Iniciar, Admitir, Finalizar, and the host's page) need the session of the
//! operator whose console holds the meeting; the taxpayer's (Entrar, Salir)
//! need that ticket's token as a bearer token. The ticket page hands the
//! token to the room in the link's `#fragment`, which never reaches a server;
//! the room's script keeps it in the tab's sessionStorage and sends it.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use engine::domain::OperatorId;
use engine::meeting::activity::MeetingActivity;
use engine::ticket::TicketId;
use engine::views::DutyView;
use serde::Deserialize;

use minijinja::context;
use minijinja::value::Value;

use super::i18n::script_table;
use super::lang::Negotiated;
use super::{not_found_in, operator_page, templates};
use crate::auth::{authenticate, bearer_token};
use crate::metrics::MeetingEventResult;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reunion/{id}", get(room))
        .route("/reunion/{id}/{action}", post(act))
}

#[derive(Debug, Deserialize)]
struct RoomQuery {
    rol: Option<String>,
}

fn host(query: &RoomQuery) -> bool {
    query.rol.as_deref() == Some("anfitrion")
}

/// A local meeting id: the decimal digits of a random 64-bit number. Checked
/// before anything else, so that no id reaches a header or the engine.
fn valid_meeting_id(id: &str) -> bool {
    (1..=20).contains(&id.len()) && id.bytes().all(|byte| byte.is_ascii_digit())
}

/// Who holds a meeting now: the operator whose console has it, and the
/// taxpayer's ticket. One look at each operator's published view.
fn holder(state: &AppState, meeting_id: &str) -> Option<(OperatorId, TicketId)> {
    let views = state.engine.views();
    let catalog = state.engine.catalog();
    // A removed operator may still hold the meeting they are finishing.
    let operators = catalog.operators.iter().chain(catalog.retired_operators());
    operators.into_iter().find_map(|profile| {
        let view = views.operator(&profile.id)?;
        let (assignment, meeting) = match &view.duty {
            DutyView::InMeeting {
                assignment,
                meeting,
            } => (assignment, Some(meeting)),
            DutyView::TaxpayerAbandoned {
                assignment,
                meeting,
                ..
            } => (assignment, meeting.as_ref()),
            _ => return None,
        };
        (meeting?.record.id == meeting_id).then(|| (view.id.clone(), assignment.ticket_id))
    })
}

/// Why a room button was refused: no credentials, or not the right ones.
enum Refusal {
    Unauthenticated,
    Forbidden,
}

/// Whether the request is the host of a meeting held by `operator`.
async fn check_host(
    state: &AppState,
    headers: &HeaderMap,
    operator: &OperatorId,
) -> Result<(), Refusal> {
    match authenticate(state, headers).await {
        Some(caller) if caller == *operator => Ok(()),
        Some(_) => Err(Refusal::Forbidden),
        None => Err(Refusal::Unauthenticated),
    }
}

/// Whether the request carries the token of `ticket`.
fn check_taxpayer(state: &AppState, headers: &HeaderMap, ticket: &TicketId) -> Result<(), Refusal> {
    let token = bearer_token(headers).ok_or(Refusal::Unauthenticated)?;
    let view = state
        .engine
        .views()
        .ticket(ticket)
        .ok_or(Refusal::Forbidden)?;
    if view.token.matches(token) {
        Ok(())
    } else {
        Err(Refusal::Forbidden)
    }
}

fn refused(refusal: Refusal, host: bool, lang: Negotiated, secure: bool) -> Response {
    if !host {
        let (status, message) = match refusal {
            Refusal::Unauthenticated => (StatusCode::UNAUTHORIZED, "room-open-from-link"),
            Refusal::Forbidden => (StatusCode::FORBIDDEN, "room-wrong-link"),
        };
        return templates::page(
            status,
            "room_message.html",
            lang,
            secure,
            context! { path => "/contribuyente", heading => "room-title", message => message },
        );
    }
    let (status, message) = match refusal {
        Refusal::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            "Acceda primero a la Consola de Operador con el operador que atiende esta reunión.",
        ),
        Refusal::Forbidden => (
            StatusCode::FORBIDDEN,
            "Esta reunión la atiende otro operador.",
        ),
    };
    operator_page(
        status,
        "operator/room_message.html",
        context! { message => message },
    )
}

/// A room that cannot exist: the id is shown back, escaped, so the visitor
/// sees what was asked for; in the taxpayer's language unless it was the
/// host's page.
fn no_such_room(id: &str, host: bool, lang: Negotiated, secure: bool) -> Response {
    if !host {
        return templates::page(
            StatusCode::NOT_FOUND,
            "room_message.html",
            lang,
            secure,
            context! {
                path => "/contribuyente",
                heading => "room-not-found-title",
                message => "room-not-found",
                meeting_id => id,
            },
        );
    }
    operator_page(
        StatusCode::NOT_FOUND,
        "operator/room_message.html",
        context! { meeting_id => id },
    )
}

async fn room(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Query(query): Query<RoomQuery>,
    lang: Negotiated,
    headers: HeaderMap,
) -> Response {
    let secure = state.options.secure_cookie;
    if state.zoom_webhooks.is_some() {
        return not_found_in(lang, "/contribuyente", secure);
    }
    let id = match path {
        Ok(Path(id)) if valid_meeting_id(&id) => id,
        Ok(Path(id)) => return no_such_room(&id, host(&query), lang, secure),
        Err(_) => return not_found_in(lang, "/contribuyente", secure),
    };
    if !host(&query) {
        return templates::page(
            StatusCode::OK,
            "room.html",
            lang,
            secure,
            context! {
                path => format!("/reunion/{id}"),
                meeting_id => &id,
                texts => Value::from_safe_string(script_table(
                    lang.lang,
                    [("openFromLink", "room-open-from-link"), ("wrongLink", "room-wrong-link")],
                )),
                script => Value::from_safe_string(TAXPAYER_JS.to_string()),
            },
        );
    }
    let Some((operator, _)) = holder(&state, &id) else {
        return no_such_room(&id, true, lang, secure);
    };
    if let Err(refusal) = check_host(&state, &headers, &operator).await {
        return refused(refusal, true, lang, secure);
    }
    operator_page(
        StatusCode::OK,
        "operator/room.html",
        context! { meeting_id => &id },
    )
}

/// The taxpayer's buttons: the token comes in the link's fragment (from the
/// ticket page) and stays in this tab; each button posts with it.
const TAXPAYER_JS: &str = r#"
const sala=document.getElementById('sala');
const key='ventanilla_room_'+sala.dataset.reunion;
if(location.hash.length>1){sessionStorage.setItem(key,decodeURIComponent(location.hash.slice(1)));history.replaceState(null,'',location.pathname+location.search);}
const roomToken=sessionStorage.getItem(key);
function roomError(text){document.getElementById('error-sala').textContent=text;}
document.querySelectorAll('form[data-contribuyente]').forEach(function(form){
  form.addEventListener('submit',async function(event){
    event.preventDefault();
    if(!roomToken){roomError(TEXTS.openFromLink);return;}
    let response=null;
    try{response=await fetch(form.action,{method:'POST',headers:{'Authorization':'Bearer '+roomToken},credentials:'same-origin',cache:'no-store'});}catch(e){}
    if(response&&response.ok){location.replace(location.pathname);return;}
    roomError(response?TEXTS.wrongLink:messageFor('network'));
  });
});
"#;

async fn act(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    Query(query): Query<RoomQuery>,
    lang: Negotiated,
    headers: HeaderMap,
) -> Response {
    let secure = state.options.secure_cookie;
    if state.zoom_webhooks.is_some() {
        return not_found_in(lang, "/contribuyente", secure);
    }
    let (id, action) = match path {
        Ok(Path((id, action))) if valid_meeting_id(&id) => (id, action),
        Ok(Path((id, _))) => return no_such_room(&id, host(&query), lang, secure),
        Err(_) => return not_found_in(lang, "/contribuyente", secure),
    };
    let (activity, by_host) = match action.as_str() {
        "iniciar" => (
            MeetingActivity::Started {
                at: state.engine.now(),
            },
            true,
        ),
        "entrar" => (MeetingActivity::TaxpayerInWaitingRoom, false),
        "admitir" => (MeetingActivity::TaxpayerJoined, true),
        "salir" => (MeetingActivity::TaxpayerLeft, false),
        "finalizar" => (MeetingActivity::Ended, true),
        _ => return not_found_in(lang, "/contribuyente", secure),
    };
    let kind = crate::metrics::meeting_event_kind(Some(&activity));
    let result = match holder(&state, &id) {
        // Nobody holds it: like a Zoom event for a meeting no console has,
        // it changes nothing and is only counted.
        None => {
            tracing::debug!(meeting = %id, "local room event for a meeting no console holds");
            MeetingEventResult::UnknownMeeting
        }
        Some((operator, ticket)) => {
            let allowed = if by_host {
                check_host(&state, &headers, &operator).await
            } else {
                check_taxpayer(&state, &headers, &ticket)
            };
            if let Err(refusal) = allowed {
                return refused(refusal, by_host, lang, secure);
            }
            if state.engine.meeting_activity(&id, activity).await {
                MeetingEventResult::Applied
            } else {
                MeetingEventResult::UnknownMeeting
            }
        }
    };
    crate::metrics::record_meeting_event("local", kind, result);
    let back = if host(&query) { "?rol=anfitrion" } else { "" };
    // The id is digits only (checked above): a safe Location.
    Redirect::to(&format!("/reunion/{id}{back}")).into_response()
}
