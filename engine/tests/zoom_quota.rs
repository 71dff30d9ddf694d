//! Zoom's 100 meetings a day per host, on the operator's console: from the
//! warning threshold on, Iniciar Videoasistencia leaves a warning saying how
//! many meetings the operator's Zoom user may still create today. The real
//! Zoom provider against the scripted Zoom, inside a real engine.

mod zoom_support;

use std::sync::Arc;

use engine::console::ConsoleState;
use engine::meeting::zoom::{daily_cap_warning, ZoomMeetings};
use engine::meeting::MeetingProvider;
use engine::store::{MemoryStore, Store};
use engine::testsuite::{default_settings, dni, op, ScriptedMeetings, TestEngine};
use engine::EngineParts;
use zoom_support::fake::FakeZoom;
use zoom_support::{clock, provider, settings};

/// `op-0001`'s `zoom_user` in config/default.toml.
const OPERATOR_ZOOM_USER: &str = "op1@example.org";

/// The daily-cap warning `op-0001`'s console shows now (the meeting's,
/// while one is on).
fn quota_warning(app: &TestEngine) -> Option<String> {
    app.meeting("op-0001")
        .and_then(|meeting| meeting.quota_warning)
        .map(|warning| warning.to_string())
}

/// An engine whose meetings are Zoom's (the scripted one), warning from the
/// `threshold`-th create of the day on.
async fn engine_on_zoom(fake: &FakeZoom, threshold: u32) -> (TestEngine, Arc<ZoomMeetings>) {
    let clock = clock();
    let mut zoom_settings = settings(&fake.base_url, &fake.oauth_url());
    zoom_settings.daily_warning_threshold = threshold;
    let zoom = Arc::new(provider(zoom_settings, clock.clone()));
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let engine = engine::Engine::start(EngineParts {
        settings: default_settings(),
        store: Arc::clone(&store),
        meetings: Arc::clone(&zoom) as Arc<dyn MeetingProvider>,
        clock: clock.clone(),
    })
    .await
    .expect("engine starts");
    let app = TestEngine {
        engine,
        clock,
        store,
        // Unused: the engine talks to `zoom`.
        meetings: Arc::new(ScriptedMeetings::default()),
    };
    (app, zoom)
}

/// One attention of `op-0001` up to Iniciar Videoasistencia; the console's
/// daily-cap warning then.
async fn start_attention(app: &TestEngine, taxpayer: u32) -> Option<String> {
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.join(&dni(taxpayer), "CLAVE").await.expect("join");
    app.until_console_state("op-0001", ConsoleState::Assigned)
        .await;
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("the zoom meeting is created");
    app.until_console_state("op-0001", ConsoleState::InMeeting)
        .await;
    quota_warning(app)
}

#[tokio::test]
async fn the_operator_is_warned_with_the_meetings_left_once_their_zoom_user_nears_the_daily_cap() {
    let fake = FakeZoom::start().await;
    let (app, zoom) = engine_on_zoom(&fake, 2).await;
    app.make_available("op-0001", &["CLAVE"]).await;

    let first = start_attention(&app, 1).await;
    app.finalize("op-0001", "success", "", "interrupt")
        .await
        .expect("finalized");
    let after_first = quota_warning(&app);
    let second = start_attention(&app, 2).await;

    // The first create is under the threshold: no warning.
    assert_eq!(first, None);
    assert_eq!(after_first, None);
    // The second reaches it: the console says how many are left today.
    assert_eq!(zoom.creates_today(OPERATOR_ZOOM_USER), 2);
    assert!(zoom.is_near_daily_cap(OPERATOR_ZOOM_USER));
    let warning = second.expect("the daily-cap warning");
    assert!(
        warning.contains("quedan 98 reuniones") && warning.contains("100"),
        "{warning}"
    );
    assert!(warning.contains("supervisor"), "{warning}");
    assert_eq!(fake.creates().len(), 2);
    assert!(fake
        .creates()
        .iter()
        .all(|create| create.target == OPERATOR_ZOOM_USER));
}

#[tokio::test]
async fn the_provider_warns_only_from_the_threshold_and_only_for_a_real_host() {
    let fake = FakeZoom::start().await;
    let zoom = provider(settings(&fake.base_url, &fake.oauth_url()), clock());

    // 89 creates: below the default threshold of 90.
    for _ in 0..89 {
        zoom.daily_creates().record_create(OPERATOR_ZOOM_USER);
    }
    let below = zoom.quota_warning(Some(OPERATOR_ZOOM_USER));
    zoom.daily_creates().record_create(OPERATOR_ZOOM_USER);
    let at_threshold = zoom.quota_warning(Some(OPERATOR_ZOOM_USER));
    for _ in 0..9 {
        zoom.daily_creates().record_create(OPERATOR_ZOOM_USER);
    }
    let one_left = zoom.quota_warning(Some(OPERATOR_ZOOM_USER));
    zoom.daily_creates().record_daily_limit(OPERATOR_ZOOM_USER);
    let exhausted = zoom.quota_warning(Some(OPERATOR_ZOOM_USER));

    assert_eq!(below, None);
    assert_eq!(at_threshold, Some(daily_cap_warning(90, 10)));
    assert!(at_threshold
        .expect("warning")
        .contains("quedan 10 reuniones"));
    assert!(one_left.expect("warning").contains("queda 1 reunión"));
    assert!(exhausted
        .expect("warning")
        .contains("no podrá iniciar otra"));
    // Another host, no host, and "me" get nothing.
    assert_eq!(zoom.quota_warning(Some("luis@example.org")), None);
    assert_eq!(zoom.quota_warning(None), None);
    assert_eq!(zoom.quota_warning(Some("me")), None);
}
