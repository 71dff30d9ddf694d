//! Who gets whom: FIFO across services with different hours, joins and their
//! refusals, and recovery after a restart.

use std::sync::Arc;
use std::time::Duration;

use engine::console::ConsoleState;
use engine::store::MemoryStore;
use engine::testsuite::{dni, madrid, op, settings_from, TestEngine};
use engine::{EngineError, JoinInput};

#[tokio::test]
async fn the_operator_gets_the_longest_waiting_ticket_among_their_services() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let clave = app.join(&dni(1), "CLAVE").await.expect("join").ticket_id;
    app.advance(Duration::from_secs(1));
    let irpf = app
        .join(&dni(2), "APOYOIRPF")
        .await
        .expect("join")
        .ticket_id;
    app.make_available("op-0001", &["APOYOIRPF"]).await;
    app.make_available("op-0002", &["APOYOIRPF", "CLAVE"]).await;

    app.engine.attend(&op("op-0002")).await.expect("attend");
    app.engine.attend(&op("op-0001")).await.expect("attend");

    let assigned = |operator: &str| {
        app.assignment(operator)
            .expect("assigned")
            .ticket_id
            .to_string()
    };
    assert_eq!(assigned("op-0002"), clave.to_string(), "CLAVE joined first");
    assert_eq!(assigned("op-0001"), irpf.to_string());
}

#[tokio::test]
async fn an_arriving_ticket_goes_to_the_operator_who_has_waited_longest_for_its_service() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    for operator in ["op-0001", "op-0002", "op-0003"] {
        app.make_available(operator, &["CLAVE"]).await;
    }
    app.engine.attend(&op("op-0002")).await.expect("attend");
    app.engine.attend(&op("op-0003")).await.expect("attend");
    app.engine.attend(&op("op-0001")).await.expect("attend");

    app.join(&dni(3), "CLAVE").await.expect("join");
    app.engine.settle().await.expect("settle");
    app.join(&dni(4), "CLAVE").await.expect("join");
    app.engine.settle().await.expect("settle");

    assert_eq!(app.console_state("op-0002"), ConsoleState::Assigned);
    assert_eq!(app.console_state("op-0003"), ConsoleState::Assigned);
    assert_eq!(app.console_state("op-0001"), ConsoleState::Waiting);
}

#[tokio::test]
async fn at_half_past_two_only_clave_takes_new_taxpayers_but_earlier_irpf_ones_are_still_served() {
    let app = TestEngine::start_at(madrid("2026-11-30 13:50")).await;
    let irpf = app
        .join(&dni(5), "APOYOIRPF")
        .await
        .expect("join before 14:00")
        .ticket_id;
    app.set_time(madrid("2026-11-30 14:30"));

    let late_irpf = app.join(&dni(6), "APOYOIRPF").await;
    let clave = app
        .join(&dni(7), "CLAVE")
        .await
        .expect("CLAVE is open")
        .ticket_id;
    app.make_available("op-0001", &["APOYOIRPF"]).await;
    app.make_available("op-0002", &["APOYOIRPF", "CLAVE"]).await;
    let irpf_only = (app.console_state("op-0001"), app.services("op-0001"));
    app.engine
        .attend(&op("op-0001"))
        .await
        .expect("the APOYOIRPF queue still has a taxpayer");
    app.engine.attend(&op("op-0002")).await.expect("attend");

    assert_eq!(late_irpf, Err(EngineError::ServiceClosed));
    assert_eq!(irpf_only.0, ConsoleState::Idle);
    assert!(irpf_only.1.iter().all(|(_, open, active)| !open && *active));
    assert_eq!(
        app.assignment("op-0001")
            .expect("assigned")
            .ticket_id
            .to_string(),
        irpf.to_string()
    );
    assert_eq!(
        app.assignment("op-0002")
            .expect("assigned")
            .ticket_id
            .to_string(),
        clave.to_string()
    );
    // With the APOYOIRPF queue empty after 14:00, its operator has nothing to do.
    app.finalize_after_meeting("op-0001").await;
    assert_eq!(app.console_state("op-0001"), ConsoleState::Closed);
}

trait FinalizeAfterMeeting {
    async fn finalize_after_meeting(&self, operator: &str);
}

impl FinalizeAfterMeeting for TestEngine {
    async fn finalize_after_meeting(&self, operator: &str) {
        self.engine
            .start_meeting(&op(operator))
            .await
            .expect("start");
        self.finalize(operator, "success", "", "attend")
            .await
            .expect("finalize");
        self.engine.settle().await.expect("settle");
    }
}

#[tokio::test]
async fn a_join_is_refused_with_the_reason_and_changes_nothing() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let join = |nif: &str, name: &str, contrast: &str, service: &str| JoinInput {
        nif: nif.to_string(),
        name: name.to_string(),
        contrast: contrast.to_string(),
        service: service.to_string(),
    };
    let cases = [
        (
            join("12345678A", "Ana", "01-01-2030", "CLAVE"),
            "invalid_nif",
        ),
        (
            join("12345678Z", "", "01-01-2030", "CLAVE"),
            "invalid_request",
        ),
        (join("12345678Z", "Ana", "  ", "CLAVE"), "invalid_request"),
        (
            join("12345678Z", &"A".repeat(201), "x", "CLAVE"),
            "invalid_request",
        ),
        (join("12345678Z", "Ana", "x", "RENTA"), "unknown_service"),
    ];
    for (input, code) in cases {
        assert_eq!(
            app.engine.join(input).await.expect_err("refused").code(),
            code
        );
    }
    app.join("12345678Z", "CLAVE").await.expect("first join");
    assert_eq!(
        app.join("12345678-z", "CLAVE").await,
        Err(EngineError::AlreadyWaiting)
    );
    app.join("12345678Z", "APOYOIRPF")
        .await
        .expect("another service is another queue");

    let figures = app.engine.inspect().await.expect("inspect");
    assert_eq!(figures.queues.values().map(Vec::len).sum::<usize>(), 2);
}

#[tokio::test]
async fn in_directory_mode_only_a_listed_taxpayer_with_the_right_contrast_may_join() {
    let text = include_str!("../../config/default.toml")
        .replace("mode = \"any_valid_nif\"", "mode = \"directory\"");
    let settings = settings_from(&text);
    let app = TestEngine::start_with(
        settings,
        Arc::new(MemoryStore::new()),
        madrid("2026-11-30 10:00"),
    )
    .await;
    let join = |nif: &str, contrast: &str| JoinInput {
        nif: nif.to_string(),
        name: "CERTIFICADO DOS TELEMATICA".to_string(),
        contrast: contrast.to_string(),
        service: "CLAVE".to_string(),
    };
    let directory = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/taxpayers.demo.toml"
    ))
    .expect("the demo directory ships");
    let contrast = directory
        .lines()
        .skip_while(|line| !line.contains("89890002E"))
        .find_map(|line| line.strip_prefix("contrast = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("the guide's taxpayer has a contrast datum")
        .to_string();

    let wrong = app.engine.join(join("89890002E", "not it")).await;
    let unknown = app.engine.join(join(&dni(99), &contrast)).await;
    let right = app.engine.join(join("89890002E", &contrast)).await;

    assert_eq!(wrong, Err(EngineError::IdentityNotVerified));
    assert_eq!(unknown, Err(EngineError::IdentityNotVerified));
    assert!(right.is_ok(), "{right:?}");
}

#[tokio::test]
async fn after_a_restart_queues_operators_and_the_attention_in_progress_carry_on() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.make_available("op-0002", &["APOYOIRPF"]).await;
    let in_meeting = app.join(&dni(10), "CLAVE").await.expect("join");
    let second = app.join(&dni(11), "CLAVE").await.expect("join");
    let third = app.join(&dni(12), "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let started = app
        .engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    app.engine.settle().await.expect("settle");
    app.engine
        .accept(in_meeting.ticket_id)
        .await
        .expect("accept");
    app.engine
        .attend(&op("op-0002"))
        .await
        .expect("op-0002 waits");
    let before = app.assignment("op-0001");

    let app = app.restart().await;

    assert_eq!(app.console_state("op-0001"), ConsoleState::InMeeting);
    assert_eq!(app.attended_today("op-0001"), 1);
    let meeting = app.meeting("op-0001").expect("meeting");
    assert_eq!(meeting.record.start_url, started.start_url);
    assert_eq!(
        app.assignment("op-0001").map(|a| a.ticket_id),
        before.map(|a| a.ticket_id)
    );
    assert_eq!(app.console_state("op-0002"), ConsoleState::Waiting);
    assert_eq!(app.position(second.ticket_id), Some(1));
    assert_eq!(app.position(third.ticket_id), Some(2));
    let ticket_view = app
        .engine
        .views()
        .ticket(&in_meeting.ticket_id)
        .expect("view");
    assert!(
        ticket_view.token.matches(&in_meeting.token.to_hex()),
        "the taxpayer's token still opens it"
    );
    assert_eq!(app.ticket_state(in_meeting.ticket_id), "accepted");
    assert!(app.ticket_view(in_meeting.ticket_id).join_url.is_some());

    // The attention finishes as if nothing happened, and the queue moves.
    app.finalize("op-0001", "success", "tras reinicio", "attend")
        .await
        .expect("finalize");
    app.engine.settle().await.expect("settle");
    assert_eq!(
        app.assignment("op-0001")
            .expect("next")
            .ticket_id
            .to_string(),
        second.ticket_id.to_string()
    );
    assert_eq!(
        app.join(&dni(12), "CLAVE").await,
        Err(EngineError::AlreadyWaiting)
    );
}

#[tokio::test]
async fn a_waiting_operator_recovered_after_a_restart_still_gets_the_next_arrival() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0003", &["CLAVE"]).await;
    app.engine.attend(&op("op-0003")).await.expect("attend");

    let app = app.restart().await;
    app.join(&dni(30), "CLAVE").await.expect("join");

    app.until_console_state("op-0003", ConsoleState::Assigned)
        .await;
}
