//! Presence in a real browser (Debian's headless Chromium through
//! chromedriver): a taxpayer who closes the ticket's tab is absent at once
//! (the page's `pagehide` beacon) and, reopening the ticket page in the same
//! browser, is back in their place; a taxpayer whose tab merely sits in the
//! background, where Chromium wakes timers only about once a minute, is never
//! taken for gone by the default `[presence]` settings, and one whose page
//! stops polling altogether is absent after `absent_after` and abandoned
//! after the grace, which their page then says.
//!
//! The app runs in-process on a manual clock stopped at Monday 30 November
//! 2026, 10:00 in Madrid. The test reads presence from the engine's views,
//! never with a GET (a GET is itself a heartbeat), and runs a presence sweep
//! itself after moving the clock. Screenshots go to
//! `target/test-output/browser-presence/`.

// Shared with tests/browser.rs; this binary uses only part of it.
#[allow(dead_code)]
mod browser_support;

use std::future::Future;
use std::panic::resume_unwind;
use std::sync::Arc;
use std::time::{Duration, Instant};

use browser_support::{fresh_output_dir_named, until, App, Browser, Chromedriver};
use engine::clock::Clock as _;
use engine::store::TicketState;
use engine::testsuite::{dni, madrid};
use engine::ticket::TicketId;
use engine::views::TicketView;
use engine::JoinInput;
use serde_json::json;

const CLAVE: &str = "CLAVE - Trámites de asistencia por videollamada";
const WAITING: &str = "Su solicitud está en espera";
const ABSENT_ABANDONED: &str = "Su solicitud se ha dado por abandonada porque esta página dejó de";

/// What a click, a page load or a beacon may take on a busy machine.
const PROMPTLY: Duration = Duration::from_secs(20);

/// Chromium's intensive wake-up throttling of hidden tabs, on demand. Run
/// before the page's own scripts (CDP `Page.addScriptToEvaluateOnNewDocument`),
/// it wraps the page's timers and clock: after `__hide()` the page reports
/// itself hidden and none of its timers runs until `__wake(ms)`, which moves
/// the page's clock on by `ms` and runs every timer due by then once, as a
/// one-minute wake-up does (a 1-second interval fires once, not sixty times).
const THROTTLE_HIDDEN_TAB: &str = r#"(() => {
  const realSetInterval = window.setInterval.bind(window);
  const realSetTimeout = window.setTimeout.bind(window);
  const realClearInterval = window.clearInterval.bind(window);
  const realClearTimeout = window.clearTimeout.bind(window);
  const realNow = Date.now.bind(Date);
  const realPerformanceNow = performance.now.bind(performance);
  let skipped = 0;
  let hidden = false;
  let nextId = 1;
  const timers = new Map();
  Date.now = () => realNow() + skipped;
  performance.now = () => realPerformanceNow() + skipped;
  function run(id, timer) {
    if (timer.repeat) { timer.due = Date.now() + timer.ms; } else { timers.delete(id); }
    if (typeof timer.fn === 'function') { timer.fn(...timer.args); }
  }
  function add(fn, ms, args, repeat) {
    const id = nextId++;
    const delay = Math.max(Number(ms) || 0, 0);
    const timer = { fn, ms: delay, args, repeat, due: Date.now() + delay };
    const fire = () => { if (!hidden && timers.has(id)) { run(id, timer); } };
    timer.real = repeat ? realSetInterval(fire, delay) : realSetTimeout(fire, delay);
    timers.set(id, timer);
    return id;
  }
  function clear(id) {
    const timer = timers.get(id);
    if (timer) { realClearInterval(timer.real); realClearTimeout(timer.real); timers.delete(id); }
  }
  window.setInterval = (fn, ms, ...args) => add(fn, ms, args, true);
  window.setTimeout = (fn, ms, ...args) => add(fn, ms, args, false);
  window.clearInterval = clear;
  window.clearTimeout = clear;
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  window.__hide = () => { hidden = true; document.dispatchEvent(new Event('visibilitychange')); return document.visibilityState; };
  window.__wake = (ms) => {
    skipped += ms;
    let ran = 0;
    for (const [id, timer] of [...timers]) {
      if (timers.has(id) && timer.due <= Date.now()) { run(id, timer); ran += 1; }
    }
    return ran;
  };
})();"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_tab_is_absent_at_once_and_reopening_the_page_in_the_same_browser_keeps_the_place()
{
    in_one_browser("browser-presence/closed-tab", closed_tab_then_reopened).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_in_the_background_woken_once_a_minute_stays_present_and_a_silent_one_is_absent_then_abandoned(
) {
    in_one_browser("browser-presence/background-tab", background_tab).await;
}

/// Starts chromedriver, the app and one taxpayer's browser, runs `scenario`
/// as a task so that the browser is closed whether it passes or panics,
/// then raises its panic.
async fn in_one_browser<F, Fut>(folder: &str, scenario: F)
where
    F: FnOnce(App, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let output = fresh_output_dir_named(folder);
    let driver = Chromedriver::start(&output).await;
    let app = App::spawn(madrid("2026-11-30 10:00")).await;
    let taxpayer = driver.open("contribuyente", &output).await;
    let outcome = tokio::spawn(scenario(app, taxpayer.clone())).await;
    taxpayer.close().await;
    drop(driver);
    if let Err(error) = outcome {
        if error.is_panic() {
            resume_unwind(error.into_panic());
        }
        panic!("the scenario did not finish: {error}");
    }
    eprintln!(
        "{folder} took {:?}; screenshots in {}",
        started.elapsed(),
        output.display()
    );
}

async fn closed_tab_then_reopened(app: App, taxpayer: Browser) {
    // One taxpayer ahead, one behind (through the engine), ours in between
    // (through the browser's join form).
    let ahead = join_directly(&app, 1).await;
    let ticket = join_in_the_browser(&app, &taxpayer, 2).await;
    let behind = join_directly(&app, 3).await;
    assert_eq!(position(&app, &ahead), 1);
    assert_eq!(position(&app, &ticket), 2);
    assert_eq!(position(&app, &behind), 3);
    taxpayer.screenshot("01-waiting").await;
    let seen = Arc::clone(&view(&app, &ticket).seen);
    assert!(seen.is_present());

    // The taxpayer opens another tab and closes the ticket's: its `pagehide`
    // beacon makes the ticket absent at once, without any clock moving.
    let ticket_tab = taxpayer.client.window().await.expect("the ticket's tab");
    let other_tab = taxpayer
        .client
        .new_window(true)
        .await
        .expect("a new tab")
        .handle;
    assert_ne!(ticket_tab, other_tab);
    taxpayer
        .client
        .close_window()
        .await
        .expect("close the ticket's tab");
    taxpayer
        .client
        .switch_to_window(other_tab)
        .await
        .expect("switch to the remaining tab");
    until("the closed tab's beacon", PROMPTLY, || {
        let seen = Arc::clone(&seen);
        async move { (!seen.is_present()).then_some(()) }
    })
    .await;
    // The sweep sets it aside: the taxpayer behind moves up, it keeps its place.
    app.engine.sweep_presence().await.expect("a presence sweep");
    assert!(
        seen.marked_absent(),
        "the sweep set the absent ticket aside"
    );
    assert_eq!(view(&app, &ticket).state, TicketState::Waiting);
    assert_eq!(
        position(&app, &behind),
        2,
        "those behind count among the present"
    );

    // Reopening the ticket page in the same browser finds the token in
    // localStorage; its first poll brings the ticket back to its place.
    taxpayer
        .goto(&app.url(&format!("/contribuyente/{ticket}")))
        .await;
    taxpayer.until_text(&[WAITING], PROMPTLY).await;
    until("the ticket back in its place", PROMPTLY, || {
        let seen = Arc::clone(&seen);
        async move { (seen.is_present() && !seen.marked_absent()).then_some(()) }
    })
    .await;
    assert_eq!(position(&app, &ahead), 1);
    assert_eq!(
        position(&app, &ticket),
        2,
        "back before those who joined after"
    );
    assert_eq!(position(&app, &behind), 3);
    until("the page to show its place", PROMPTLY, || {
        let taxpayer = taxpayer.clone();
        async move { (taxpayer.text_of("[data-campo=\"posicion\"]").await == "2").then_some(()) }
    })
    .await;
    taxpayer.screenshot("02-reopened-in-place").await;
}

async fn background_tab(app: App, taxpayer: Browser) {
    taxpayer
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": THROTTLE_HIDDEN_TAB}),
        )
        .await;
    let ticket = join_in_the_browser(&app, &taxpayer, 7).await;
    let seen = Arc::clone(&view(&app, &ticket).seen);
    let hidden = taxpayer.run("return window.__hide();").await;
    assert_eq!(hidden, json!("hidden"), "the page reports itself hidden");

    // Ten minutes in the background, woken once a minute: every wake-up
    // polls, so with the defaults (absent after 150 s) it is never absent.
    for minute in 1..=10 {
        app.clock.advance(Duration::from_secs(60));
        let now = app.clock.now();
        let ran = taxpayer.run("return window.__wake(60000);").await;
        assert!(
            ran.as_u64().is_some_and(|n| n >= 1),
            "minute {minute}: the wake-up ran the page's timers ({ran})"
        );
        until(
            &format!("the page's poll at the wake-up of minute {minute}"),
            PROMPTLY,
            || {
                let seen = Arc::clone(&seen);
                async move { (seen.last_seen() == now).then_some(()) }
            },
        )
        .await;
        app.engine.sweep_presence().await.expect("a presence sweep");
        assert!(
            seen.is_present() && !seen.marked_absent(),
            "minute {minute} in the background: still present"
        );
        assert_eq!(view(&app, &ticket).state, TicketState::Waiting);
        assert_eq!(position(&app, &ticket), 1);
    }
    taxpayer
        .screenshot("01-ten-minutes-in-the-background")
        .await;

    // Then the page stops polling altogether (no more wake-ups): present
    // until `absent_after`, absent from then on, keeping its place.
    app.clock.advance(Duration::from_secs(149));
    app.engine.sweep_presence().await.expect("a presence sweep");
    assert!(seen.is_present(), "149 s of silence: still present");
    app.clock.advance(Duration::from_secs(1));
    app.engine.sweep_presence().await.expect("a presence sweep");
    assert!(
        !seen.is_present() && seen.marked_absent(),
        "150 s of silence: absent"
    );
    assert_eq!(view(&app, &ticket).state, TicketState::Waiting);

    // Silent through the grace too: abandoned for absence, which the page
    // says at its next wake-up.
    app.clock.advance(Duration::from_secs(600));
    app.engine.sweep_presence().await.expect("a presence sweep");
    until("the absent ticket abandoned", PROMPTLY, || {
        let app_view = view(&app, &ticket);
        async move { matches!(app_view.state, TicketState::Abandoned { .. }).then_some(()) }
    })
    .await;
    taxpayer.run("return window.__wake(750000);").await;
    taxpayer.until_text(&[ABSENT_ABANDONED], PROMPTLY).await;
    taxpayer.screenshot("02-abandoned-for-absence").await;
}

/// Joins CLAVE through the browser's form as taxpayer `n`; answers the
/// ticket once its page shows it waiting.
async fn join_in_the_browser(app: &App, taxpayer: &Browser, n: u32) -> TicketId {
    taxpayer.goto(&app.url("/contribuyente")).await;
    taxpayer
        .until_text(&["Solicitud de videoasistencia"], PROMPTLY)
        .await;
    taxpayer.choose("#servicio", CLAVE).await;
    taxpayer.type_into("#nif", &dni(n)).await;
    taxpayer
        .type_into("#nombre", &format!("CONTRIBUYENTE {n}"))
        .await;
    taxpayer.type_into("#contraste", "31-12-2030").await;
    taxpayer.click("#solicitud button[type=submit]").await;
    let path = until("the ticket page", PROMPTLY, || {
        let taxpayer = taxpayer.clone();
        async move {
            let path = taxpayer.path().await;
            (path.starts_with("/contribuyente/") && path.len() > "/contribuyente/".len())
                .then_some(path)
        }
    })
    .await;
    taxpayer.until_text(&[WAITING], PROMPTLY).await;
    path.trim_start_matches("/contribuyente/")
        .parse()
        .unwrap_or_else(|error| panic!("{path}: not a ticket id: {error:?}"))
}

/// Joins CLAVE through the engine as taxpayer `n`.
async fn join_directly(app: &App, n: u32) -> TicketId {
    app.engine
        .join(JoinInput {
            nif: dni(n),
            name: format!("CONTRIBUYENTE {n}"),
            contrast: "31-12-2030".to_string(),
            service: "CLAVE".to_string(),
        })
        .await
        .expect("join")
        .ticket_id
}

fn view(app: &App, ticket: &TicketId) -> Arc<TicketView> {
    app.engine
        .views()
        .ticket(ticket)
        .unwrap_or_else(|| panic!("no view of ticket {ticket}"))
}

/// The ticket's place among the present, as its page would show it.
fn position(app: &App, ticket: &TicketId) -> u32 {
    let view = view(app, ticket);
    let slot = view
        .slot
        .unwrap_or_else(|| panic!("ticket {ticket} has no queue slot"));
    app.engine
        .views()
        .figures(&view.service)
        .expect("the service's figures")
        .position(slot)
}
