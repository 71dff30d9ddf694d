//! The local meeting provider's room (demos and tests): it stands in for
//! Zoom, with the buttons that produce the same engine events as Zoom's
//! webhooks, so the consoles can be tried without a Zoom account. With the
//! Zoom provider these pages do not exist.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use engine::meeting::activity::MeetingActivity;
use serde::Deserialize;

use super::{escape, not_found_page, Page};
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

/// A button that posts one room action and comes back to the room.
fn button(id: &str, action: &str, label: &str, host: bool) -> String {
    let back = if host { "?rol=anfitrion" } else { "" };
    format!(
        "<form method=\"post\" action=\"/reunion/{id}/{action}{back}\"><button class=\"boton\" id=\"sala-{action}\" type=\"submit\">{label}</button></form>",
        id = escape(id),
        label = escape(label),
    )
}

async fn room(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<RoomQuery>,
) -> Response {
    if state.zoom_webhooks.is_some() {
        return not_found_page().await;
    }
    let body = if host(&query) {
        format!(
            "<h1>Sala de videoasistencia (anfitrión)</h1>\
             <p>Reunión <strong>{}</strong>: proveedor de reuniones local, para demostraciones (no hay vídeo). \
             Estos botones hacen lo que en Zoom harían Iniciar, Participantes › Admitir y Finalizar la reunión para todos.</p>\
             {}{}{}",
            escape(&id),
            button(&id, "iniciar", "Iniciar la reunión", true),
            button(&id, "admitir", "Admitir al contribuyente", true),
            button(&id, "finalizar", "Finalizar la reunión para todos", true),
        )
    } else {
        format!(
            "<h1>Sala de videoasistencia</h1>\
             <p>Reunión <strong>{}</strong>: proveedor de reuniones local, para demostraciones (no hay vídeo).</p>\
             <p>Entre en la sala de espera; el operador le admitirá.</p>{}{}",
            escape(&id),
            button(&id, "entrar", "Entrar en la sala de espera", false),
            button(&id, "salir", "Salir de la reunión", false),
        )
    };
    Page {
        title: "Reunión",
        nav: String::new(),
        body,
        script: String::new(),
    }
    .render()
}

async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Query(query): Query<RoomQuery>,
) -> Response {
    if state.zoom_webhooks.is_some() {
        return not_found_page().await;
    }
    let activity = match action.as_str() {
        "iniciar" => MeetingActivity::Started {
            at: state.engine.now(),
        },
        "entrar" => MeetingActivity::TaxpayerInWaitingRoom,
        "admitir" => MeetingActivity::TaxpayerJoined,
        "salir" => MeetingActivity::TaxpayerLeft,
        "finalizar" => MeetingActivity::Ended,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let kind = crate::metrics::meeting_event_kind(Some(&activity));
    let result = if state.engine.meeting_activity(&id, activity).await {
        MeetingEventResult::Applied
    } else {
        tracing::debug!(meeting = %id, "local room event for a meeting no console holds");
        MeetingEventResult::UnknownMeeting
    };
    crate::metrics::record_meeting_event("local", kind, result);
    let back = if host(&query) { "?rol=anfitrion" } else { "" };
    Redirect::to(&format!("/reunion/{id}{back}")).into_response()
}
