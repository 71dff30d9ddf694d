//! A slow meeting provider blocks nobody: the real Zoom client against a
//! scripted local Zoom that takes 6 s to create (or end) a meeting, inside a
//! real engine. While the operator's Iniciar Videoasistencia (or Finalizar)
//! waits for Zoom, the operator's actor answers everything else; a meeting
//! that arrives for a taxpayer who left meanwhile is ended.

mod zoom_support;

use std::sync::Arc;
use std::time::Duration;

use engine::console::ConsoleState;
use engine::meeting::activity::MeetingActivity;
use engine::meeting::zoom::ZoomMeetings;
use engine::meeting::MeetingProvider;
use engine::store::{MemoryStore, Store};
use engine::testsuite::{default_settings, dni, op, ScriptedMeetings, TestEngine};
use engine::ticket::TicketId;
use engine::{EngineError, EngineParts};
use zoom_support::fake::{FakeZoom, Reply, MEETING_ID};
use zoom_support::{clock, provider, settings};

/// How long the scripted Zoom takes to answer.
const ZOOM_DELAY: Duration = Duration::from_secs(6);

/// An engine on the real Zoom client, talking to `fake`, whose timeout is
/// longer than the fake's delay (so the slow answer does arrive).
async fn engine_on_slow_zoom(fake: &FakeZoom) -> TestEngine {
    let clock = clock();
    let mut zoom_settings = settings(&fake.base_url, &fake.oauth_url());
    zoom_settings.request_timeout = ZOOM_DELAY + Duration::from_secs(4);
    let zoom: Arc<ZoomMeetings> = Arc::new(provider(zoom_settings, clock.clone()));
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let engine = engine::Engine::start(EngineParts {
        settings: default_settings(),
        store: Arc::clone(&store),
        meetings: zoom as Arc<dyn MeetingProvider>,
        clock: clock.clone(),
    })
    .await
    .expect("engine starts");
    TestEngine {
        engine,
        clock,
        store,
        // Unused: the engine talks to the scripted Zoom.
        meetings: Arc::new(ScriptedMeetings::default()),
    }
}

/// `op-0001` holds taxpayer `taxpayer`'s ticket (CLAVE); answers the ticket.
async fn assigned(app: &TestEngine, taxpayer: u32) -> TicketId {
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let receipt = app.join(&dni(taxpayer), "CLAVE").await.expect("join");
    app.until_console_state("op-0001", ConsoleState::Assigned)
        .await;
    receipt.ticket_id
}

/// Waits (up to 20 s) until `done` holds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

/// The Iniciar being answered.
type PendingStart =
    tokio::task::JoinHandle<Result<engine::actors::operator::StartReceipt, EngineError>>;

/// `op-0001` holds taxpayer `taxpayer`'s ticket and has pressed Iniciar;
/// the scripted Zoom got the create and will answer it in 6 s.
async fn iniciar_pending(taxpayer: u32) -> (FakeZoom, TestEngine, TicketId, PendingStart) {
    let fake = FakeZoom::start().await;
    fake.script_create([Reply::Hang(ZOOM_DELAY)]);
    let app = engine_on_slow_zoom(&fake).await;
    let ticket = assigned(&app, taxpayer).await;
    let engine = app.engine.clone();
    let start = tokio::spawn(async move { engine.start_meeting(&op("op-0001")).await });
    eventually("Zoom receives the create", || fake.creates().len() == 1).await;
    (fake, app, ticket, start)
}

#[tokio::test]
async fn abandonar_answers_while_iniciar_waits_for_zoom_and_the_late_meeting_is_ended() {
    let (fake, app, ticket, start) = iniciar_pending(1).await;
    let abandoned = app.engine.abandon(ticket, "Me tengo que ir").await;
    // Nothing was ended yet: the create had not answered when Abandonar did.
    let ends_when_abandoned = fake.ends().len();
    let console = app.console_state("op-0001");
    let started = start.await.expect("start task");

    assert_eq!(abandoned, Ok(()));
    assert_eq!(ends_when_abandoned, 0);
    assert_eq!(console, ConsoleState::TaxpayerAbandoned);
    assert_eq!(app.ticket_state(ticket), "abandoned");
    // Iniciar hears why at once instead of a meeting nobody will join.
    assert_eq!(
        started,
        Err(EngineError::InvalidState {
            state: "taxpayer_abandoned"
        })
    );
    // When Zoom finally answers, its meeting is ended, and no console holds it.
    eventually("the late meeting is ended", || fake.ends().len() == 1).await;
    assert_eq!(fake.ends()[0].target, MEETING_ID.to_string());
    assert_eq!(fake.ends()[0].body["action"], "end");
    assert!(
        !app.engine
            .meeting_activity(&MEETING_ID.to_string(), MeetingActivity::TaxpayerJoined)
            .await
    );
    assert_eq!(
        app.console_state("op-0001"),
        ConsoleState::TaxpayerAbandoned
    );
    app.assignment("op-0001").expect("the abandoned attention");
    let meeting = app.meeting("op-0001");
    assert!(meeting.is_none(), "{meeting:?}");
    app.finalize("op-0001", "taxpayer_abandoned", "", "interrupt")
        .await
        .expect("finalized after the abandonment");
    assert_eq!(app.console_state("op-0001"), ConsoleState::Idle);
}

#[tokio::test]
async fn the_operator_s_commands_are_answered_while_iniciar_waits_and_iniciar_gets_its_meeting() {
    let (fake, app, ticket, start) = iniciar_pending(2).await;
    // The taxpayer's Aceptar, another Iniciar, a wrong command and a change
    // of availability are all answered while the create is pending.
    let accepted = app.engine.accept(ticket).await;
    let engine = app.engine.clone();
    let second = tokio::spawn(async move { engine.start_meeting(&op("op-0001")).await });
    let interrupt = app.engine.interrupt(&op("op-0001")).await;
    app.make_available("op-0001", &["CLAVE", "APOYOIRPF"]).await;
    let pending_while_answering = !start.is_finished();
    let console_meanwhile = app.console_state("op-0001");
    let started = start.await.expect("start task");
    let second = second.await.expect("second start task");

    assert!(pending_while_answering);
    assert_eq!(accepted, Ok(None), "no link before the meeting exists");
    assert_eq!(
        interrupt,
        Err(EngineError::InvalidState { state: "assigned" })
    );
    assert_eq!(console_meanwhile, ConsoleState::Assigned);
    let receipt = started.expect("the meeting is created");
    assert_eq!(
        receipt.start_url,
        format!("https://zoom.us/s/{MEETING_ID}?zak=xyz")
    );
    // One meeting for both presses.
    assert_eq!(second.expect("the same meeting"), receipt);
    assert_eq!(fake.creates().len(), 1);
    app.until_console_state("op-0001", ConsoleState::InMeeting)
        .await;
    assert_eq!(app.console_state("op-0001"), ConsoleState::InMeeting);
    app.engine.settle().await.expect("settle");
    // The taxpayer who accepted meanwhile gets the link once it exists.
    assert_eq!(
        app.ticket_view(ticket).join_url.as_deref(),
        Some(format!("https://zoom.us/j/{MEETING_ID}?pwd=abc").as_str())
    );
    assert!(fake.ends().is_empty());
}

#[tokio::test]
async fn finalizar_y_atender_siguiente_serves_the_next_taxpayer_while_zoom_ends_the_meeting() {
    let fake = FakeZoom::start().await;
    let app = engine_on_slow_zoom(&fake).await;
    assigned(&app, 3).await;
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("meeting created");
    fake.script_end([Reply::Hang(ZOOM_DELAY)]);

    let engine = app.engine.clone();
    let finalize = tokio::spawn(async move {
        let input = engine::FinalizeInput {
            outcome: "success".into(),
            observations: None,
            represented_nif: None,
            next: "attend".into(),
        };
        engine.finalize(&op("op-0001"), input).await
    });
    eventually("Zoom receives the end", || fake.ends().len() == 1).await;
    // The operator already waits for the next taxpayer, who is assigned at once.
    let next = app.join(&dni(4), "CLAVE").await.expect("join");
    app.until_console_state("op-0001", ConsoleState::Assigned)
        .await;
    let assignment = app.assignment("op-0001");
    let pending_while_assigned = !finalize.is_finished();
    let finalized = finalize.await.expect("finalize task");

    assert!(pending_while_assigned);
    assert_eq!(
        assignment.expect("assignment").ticket_id.to_string(),
        next.ticket_id.to_string()
    );
    assert_eq!(finalized, Ok(()));
    assert_eq!(fake.ends()[0].target, MEETING_ID.to_string());
}
