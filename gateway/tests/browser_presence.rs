//! Presence in a real browser (Debian's headless Chromium through
//! chromedriver): a taxpayer who closes the ticket's tab is absent at once
//! (the page's `pagehide` beacon) and, reopening the ticket page in the same
//! browser, is back in their place; a taxpayer whose tab merely sits in the
//! background is never taken for gone by the default `[presence]` settings,
//! even if none of the page's timers ever fires (Chromium wakes a hidden
//! tab's timers only about once a minute): the page's held polls chain
//! without timers. One whose page stops polling (the network drops) is
//! absent after `absent_after` and abandoned after the grace, which its page
//! says once the network is back.
//!
//! The app runs in-process on a manual clock stopped at Monday 30 November
//! 2026, 10:00 in Madrid. The test reads presence from the engine's views,
//! never with a GET (a GET is itself a heartbeat), and runs a presence sweep
//! itself after moving the clock. Screenshots go to
//! `target/test-output/browser-presence/`.

// Shared with tests/browser.rs; this binary uses only part of it.
#[allow(dead_code)]
mod browser_support;

use std::sync::Arc;
use std::time::Duration;

use browser_support::{run_scenario, until, App, Browser, Stage};
use engine::clock::Clock as _;
use engine::store::{AbandonReason, TicketState};
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

/// A tab in the background, at its worst, and a network that drops, on
/// demand. Run before the page's own scripts (CDP
/// `Page.addScriptToEvaluateOnNewDocument`), it wraps the page's timers,
/// clock and `fetch`:
/// - after `__hide()` the page reports itself hidden and no timer of it
///   runs at all (Chromium's intensive throttling of a tab hidden for five
///   minutes wakes its timers about once a minute; this is the worst case,
///   no wake-up) until `__wake(ms)`, which moves the page's clock on by `ms`
///   and runs every timer due by then once, as one wake-up does;
///   `__timersRunWhileHidden()` counts the timers run while hidden;
/// - after `__cutNetwork()` (which answers how many requests it cut in
///   flight) no request of the page gets an answer, and no new one leaves;
///   `__restoreNetwork()` makes every cut request fail as a lost connection
///   does (a `TypeError`), answers how many, and lets new requests through.
const BACKGROUND_TAB: &str = r#"(() => {
  const realSetInterval = window.setInterval.bind(window);
  const realSetTimeout = window.setTimeout.bind(window);
  const realClearInterval = window.clearInterval.bind(window);
  const realClearTimeout = window.clearTimeout.bind(window);
  const realNow = Date.now.bind(Date);
  const realPerformanceNow = performance.now.bind(performance);
  const realFetch = window.fetch.bind(window);
  let skipped = 0;
  let hidden = false;
  let runWhileHidden = 0;
  let nextId = 1;
  const timers = new Map();
  Date.now = () => realNow() + skipped;
  performance.now = () => realPerformanceNow() + skipped;
  function run(id, timer) {
    if (hidden) { runWhileHidden += 1; }
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
  window.__timersRunWhileHidden = () => runWhileHidden;
  window.__wake = (ms) => {
    skipped += ms;
    let ran = 0;
    for (const [id, timer] of [...timers]) {
      if (timers.has(id) && timer.due <= Date.now()) { run(id, timer); ran += 1; }
    }
    return ran;
  };
  let offline = false;
  const inFlight = new Set();
  const cut = [];
  window.fetch = (...args) => new Promise((resolve, reject) => {
    if (offline) { cut.push(reject); return; }
    const request = { reject };
    inFlight.add(request);
    realFetch(...args).then(
      (response) => { if (inFlight.delete(request)) { resolve(response); } },
      (error) => { if (inFlight.delete(request)) { reject(error); } });
  });
  window.__cutNetwork = () => {
    offline = true;
    const n = inFlight.size;
    for (const request of inFlight) { cut.push(request.reject); }
    inFlight.clear();
    return n;
  };
  window.__restoreNetwork = () => {
    offline = false;
    const lost = cut.splice(0);
    for (const reject of lost) { reject(new TypeError('Failed to fetch')); }
    return lost.length;
  };
})();"#;

/// Monday 30 November 2026, 10:00 in Madrid: both demo services open.
fn monday() -> jiff::Timestamp {
    madrid("2026-11-30 10:00")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_tab_is_absent_at_once_and_reopening_the_page_in_the_same_browser_keeps_the_place()
{
    let (folder, people) = ("browser-presence/closed-tab", ["contribuyente"]);
    run_scenario(folder, monday(), people, closed_tab_then_reopened).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_tab_whose_timers_never_fire_stays_present_through_its_held_polls_and_a_silent_one_is_absent_then_abandoned(
) {
    let (folder, people) = ("browser-presence/background-tab", ["contribuyente"]);
    run_scenario(folder, monday(), people, background_tab).await;
}

async fn closed_tab_then_reopened(stage: Stage<1>) {
    let (app, [taxpayer]) = stage.into_parts();
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

/// Taxpayers ahead of the one in the browser: one gives up each minute.
const AHEAD: u32 = 10;

async fn background_tab(stage: Stage<1>) {
    let (app, [taxpayer]) = stage.into_parts();
    taxpayer
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": BACKGROUND_TAB}),
        )
        .await;
    // Ten taxpayers ahead (through the engine), ours last (through the
    // browser's join form).
    let mut ahead = Vec::new();
    for n in 1..=AHEAD {
        ahead.push(join_directly(&app, n).await);
    }
    let ticket = join_in_the_browser(&app, &taxpayer, AHEAD + 1).await;
    assert_eq!(position(&app, &ticket), AHEAD + 1);
    let seen = Arc::clone(&view(&app, &ticket).seen);
    let hidden = taxpayer.run("return window.__hide();").await;
    assert_eq!(hidden, json!("hidden"), "the page reports itself hidden");

    // Ten minutes in the background with not one timer firing: the page
    // still polls, because each held poll, once answered, asks again at once
    // (no timer in between). A held poll is answered when its 25 s are up
    // (304), or at once when the ticket's view changes (200). Not to wait
    // 25 s a step, each minute somebody ahead gives up: the position moves,
    // which answers the held poll, and the page's next poll, stamped at the
    // new minute, is the heartbeat that keeps it present.
    for minute in 1..=AHEAD {
        app.clock.advance(Duration::from_secs(60));
        let now = app.clock.now();
        let (gives_up, still_ahead) = ahead.split_at(minute as usize);
        // The pages of those still ahead poll too (they are not under test).
        for other in still_ahead {
            app.engine.heartbeat(&view(&app, other));
        }
        let leaving = gives_up[gives_up.len() - 1];
        app.engine
            .abandon(leaving, "")
            .await
            .expect("the taxpayer ahead abandons");
        let place = AHEAD + 1 - minute;
        until(
            &format!("minute {minute}: the page showing place {place} and polling again"),
            PROMPTLY,
            || {
                let seen = Arc::clone(&seen);
                let taxpayer = taxpayer.clone();
                async move {
                    let shown = taxpayer
                        .run("return document.querySelector('[data-campo=\"posicion\"]').textContent;")
                        .await;
                    (shown == json!(place.to_string()) && seen.last_seen() == now).then_some(())
                }
            },
        )
        .await;
        app.engine.sweep_presence().await.expect("a presence sweep");
        assert!(
            seen.is_present() && !seen.marked_absent(),
            "minute {minute} in the background: still present"
        );
        assert_eq!(view(&app, &ticket).state, TicketState::Waiting);
        assert_eq!(
            position(&app, &ticket),
            place,
            "minute {minute}: its place, one up for each who gave up"
        );
    }
    assert_eq!(
        taxpayer
            .run("return window.__timersRunWhileHidden();")
            .await,
        json!(0),
        "not one of the page's timers ran while it was hidden"
    );
    taxpayer
        .screenshot("01-ten-minutes-in-the-background")
        .await;

    // Then the network drops: the held poll in flight never comes back and
    // no other leaves. Present until `absent_after`, absent from then on,
    // keeping its place.
    let cut = taxpayer.run("return window.__cutNetwork();").await;
    assert_eq!(
        cut,
        json!(1),
        "the page held one poll when the network dropped"
    );
    let slot = view(&app, &ticket).slot;
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
    assert_eq!(view(&app, &ticket).slot, slot, "absent, it keeps its place");

    // Silent through the grace too: abandoned for absence.
    app.clock.advance(Duration::from_secs(599));
    app.engine.sweep_presence().await.expect("a presence sweep");
    assert_eq!(
        view(&app, &ticket).state,
        TicketState::Waiting,
        "749 s of silence: absent, not yet abandoned"
    );
    app.clock.advance(Duration::from_secs(1));
    app.engine.sweep_presence().await.expect("a presence sweep");
    let reason = until("the absent ticket abandoned", PROMPTLY, || {
        let state = view(&app, &ticket).state.clone();
        async move {
            match state {
                TicketState::Abandoned { reason, .. } => Some(reason),
                _ => None,
            }
        }
    })
    .await;
    assert_eq!(reason, AbandonReason::Absent, "abandoned for absence");

    // The network comes back: the cut poll fails as a lost connection does,
    // the page waits its poll period to ask again, which the next
    // once-a-minute wake-up runs; it then says why the request ended.
    let failed = taxpayer.run("return window.__restoreNetwork();").await;
    assert_eq!(
        failed,
        json!(1),
        "the cut poll failed when the network came back"
    );
    let ran = taxpayer.run("return window.__wake(60000);").await;
    assert!(
        ran.as_u64().is_some_and(|n| n >= 1),
        "the wake-up ran the page's retry ({ran})"
    );
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
