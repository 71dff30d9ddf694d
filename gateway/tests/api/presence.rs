//! Taxpayers who leave and come back, through the HTTP contract: polls are
//! heartbeats, the page's `leave` beacon makes a ticket absent at once,
//! a verified taxpayer takes their ticket up again with a new token.

use std::time::Duration;

use axum::http::StatusCode;
use engine::testsuite::dni;
use serde_json::json;

use crate::helpers::{
    send, spawn_app, spawn_app_with, AppOptions, TestApp, Ticket, DEFAULT_CONFIG,
};

/// The clock moves on `by` without any page polling, then the presence
/// sweep runs.
async fn silent_for(app: &TestApp, by: Duration) {
    app.test_engine.advance_without_polls(by);
    app.test_engine
        .engine
        .sweep_presence()
        .await
        .expect("sweep");
}

/// The clock moves past the default retention of ended tickets (24 h),
/// then a retention pass runs.
async fn past_retention(app: &TestApp) {
    app.test_engine
        .advance(Duration::from_secs(24 * 60 * 60 + 1));
    app.test_engine.engine.prune_now().await.expect("prune");
}

#[tokio::test]
async fn a_polling_page_stays_present_and_a_silent_one_is_reported_absent_in_its_place() {
    let app = spawn_app().await;
    let silent = app.joined(&dni(60), "CLAVE").await;
    let polling = app.joined(&dni(61), "CLAVE").await;
    app.test_engine
        .advance_without_polls(Duration::from_secs(150));
    assert_eq!(polling.get(&app).await.status, StatusCode::OK);
    app.test_engine
        .engine
        .sweep_presence()
        .await
        .expect("sweep");

    // The silent taxpayer is away; their page, when it polls, is back in place.
    let ticket = app.test_engine.ticket_view(silent.id.parse().expect("id"));
    assert!(!ticket.present());
    let body = polling.get(&app).await.json();
    assert_eq!(body["present"], json!(true));
    assert_eq!(body["position"], json!(1), "the absent one does not count");

    let back = silent.get(&app).await.json();
    assert_eq!(back["present"], json!(true));
    assert_eq!(back["position"], json!(1), "back in its original place");
    assert_eq!(back["abandon_reason"], json!(null));
}

#[tokio::test]
async fn the_leave_beacon_needs_the_ticket_token_and_never_ends_the_ticket() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(62), "CLAVE").await;
    let stranger = Ticket {
        id: ticket.id.clone(),
        token: "0".repeat(64),
    };

    let refused = stranger.post(&app, "leave", None).await;
    let unknown = Ticket {
        id: "00000000000000ff".into(),
        token: ticket.token.clone(),
    }
    .post(&app, "leave", None)
    .await;
    let left = ticket.post(&app, "leave", None).await;

    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.error_code(), "unauthenticated");
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(left.status, StatusCode::NO_CONTENT);
    let view = app.test_engine.ticket_view(ticket.id.parse().expect("id"));
    assert!(!view.present(), "absent at once");
    assert_eq!(view.state.name(), "waiting");
    let polled = ticket.get(&app).await.json();
    assert_eq!(polled["present"], json!(true), "a reload polls again");
    assert_eq!(polled["state"], json!("waiting"));
}

#[tokio::test]
async fn a_ticket_abandoned_for_silence_says_so() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(63), "CLAVE").await;
    silent_for(&app, Duration::from_secs(150)).await;
    silent_for(&app, Duration::from_secs(600)).await;
    app.test_engine
        .until_ticket_state(ticket.id.parse().expect("id"), "abandoned")
        .await;

    let body = ticket.get(&app).await.json();

    assert_eq!(body["state"], json!("abandoned"));
    assert_eq!(body["abandon_reason"], json!("absent"));
    let again = app.join(&dni(63), "CLAVE").await;
    assert_eq!(again.status, StatusCode::CREATED, "may join again");
}

fn directory_form() -> serde_json::Value {
    json!({"nif": "89890002E", "name": "CERTIFICADO DOS TELEMATICA", "contrast": "31-12-2030", "service": "CLAVE"})
}

#[tokio::test]
async fn in_directory_mode_joining_again_answers_200_with_the_same_ticket_and_a_new_token() {
    let config = DEFAULT_CONFIG.replace("mode = \"any_valid_nif\"", "mode = \"directory\"");
    let app = spawn_app_with(AppOptions {
        config,
        ..AppOptions::default()
    })
    .await;
    let join = || {
        send(
            app.client()
                .post(app.url("/api/v1/tickets"))
                .json(&directory_form()),
        )
    };
    let first = join().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);

    let again = join().await;

    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    let (first, again) = (first.json(), again.json());
    assert_eq!(again["ticket_id"], first["ticket_id"]);
    assert_eq!(again["position"], first["position"]);
    assert_ne!(again["token"], first["token"]);
    let (old, new) = (Ticket::from_join(&first), Ticket::from_join(&again));
    assert_eq!(old.get(&app).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(new.get(&app).await.status, StatusCode::OK);
}

#[tokio::test]
async fn with_any_valid_nif_joining_again_stays_already_waiting() {
    let app = spawn_app().await;
    app.joined(&dni(64), "CLAVE").await;

    let again = app.join(&dni(64), "CLAVE").await;

    assert_eq!(
        (again.status, again.error_code().as_str()),
        (StatusCode::CONFLICT, "already_waiting")
    );
}

#[tokio::test]
async fn an_ended_ticket_answers_404_once_its_retention_runs_out() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(65), "CLAVE").await;
    assert_eq!(
        ticket.post(&app, "abandon", None).await.status,
        StatusCode::OK
    );
    assert_eq!(ticket.get(&app).await.status, StatusCode::OK, "still shown");

    past_retention(&app).await;

    let gone = ticket.get(&app).await;
    assert_eq!(
        (gone.status, gone.error_code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let page = send(
        app.client()
            .get(app.url(&format!("/contribuyente/{}", ticket.id))),
    )
    .await
    .text;
    assert!(page.contains("Esta solicitud ha finalizado y ya no se muestra"));
}

#[tokio::test]
async fn a_poll_held_on_a_ticket_whose_retention_runs_out_answers_404() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(66), "CLAVE").await;
    ticket.post(&app, "abandon", None).await;
    let etag = ticket.get(&app).await.header("etag").expect("an ETag");
    let held = {
        let request = app
            .client()
            .get(app.url(&format!("/api/v1/tickets/{}?wait=20", ticket.id)))
            .bearer_auth(&ticket.token)
            .header("If-None-Match", etag);
        tokio::spawn(send(request))
    };
    // The hold has started before the ticket is forgotten.
    tokio::time::sleep(Duration::from_millis(300)).await;
    past_retention(&app).await;

    let answer = tokio::time::timeout(Duration::from_secs(10), held)
        .await
        .expect("answered long before its wait")
        .expect("the request task");

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}
