//! The taxpayer's pages in headless Chromium, as a person meets them: axe-core
//! (WCAG 2.x A/AA) on every page state with zero violations, phone widths,
//! the languages. Screenshots of every state in every language under
//! `target/test-output/taxpayer/`.

// Shared with tests/browser.rs; this binary uses only part of it.
#[allow(dead_code)]
mod browser_support;

use std::collections::BTreeMap;
use std::time::Duration;

use browser_support::axe::assert_accessible;
use browser_support::{run_scenario, until, Browser, Stage};
use engine::domain::OperatorId;
use engine::testsuite::dni;
use engine::{FinalizeInput, JoinInput};
use gateway::pages::i18n::text;
use gateway::pages::lang::Lang;
use serde_json::json;

/// What a click or a page load may take on a busy machine.
const PROMPTLY: Duration = Duration::from_secs(15);

/// A weekday morning with every service open.
fn morning() -> jiff::Timestamp {
    jiff::civil::date(2026, 12, 1)
        .at(9, 30, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get("Europe/Madrid").expect("Madrid"))
        .expect("a time in Madrid")
        .timestamp()
}

/// Emulates a phone `width` CSS pixels wide.
async fn phone(browser: &Browser, width: u32) {
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 740, "deviceScaleFactor": 1, "mobile": true}),
        )
        .await;
}

/// Fails if the page scrolls sideways at the emulated width.
async fn assert_fits(browser: &Browser, state: &str) {
    let widths = browser
        .run("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await;
    let (scroll, viewport) = (
        widths[0].as_u64().unwrap_or(0),
        widths[1].as_u64().unwrap_or(0),
    );
    assert!(
        scroll <= viewport && viewport > 0,
        "{state}: the page is {scroll} px wide in a {viewport} px viewport"
    );
}

const CLAVE: &str = "CLAVE - Trámites de asistencia por videollamada";

fn operator() -> OperatorId {
    "op-0001".parse().expect("a valid operator id")
}

/// axe-core, 375 px and 320 px without sideways scrolling, and a screenshot
/// `NAME.png` at 375 px.
async fn check_state(browser: &Browser, name: &str) {
    assert_accessible(browser, name).await;
    for width in [320, 375] {
        phone(browser, width).await;
        assert_fits(browser, &format!("{name} at {width} px")).await;
    }
    browser.screenshot(name).await;
    browser
        .cdp("Emulation.clearDeviceMetricsOverride", json!({}))
        .await;
}

async fn html_lang(browser: &Browser) -> serde_json::Value {
    browser.run("return document.documentElement.lang;").await
}

async fn script_text(browser: &Browser, script: &str) -> String {
    browser
        .run(script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_static_pages_are_accessible_in_every_language_and_fit_a_phone() {
    run_scenario("taxpayer-static", morning(), ["taxpayer"], static_pages).await;
}

async fn static_pages(stage: Stage<1>) {
    let app = &stage.app;
    let [taxpayer] = stage.browsers.clone();

    for lang in Lang::ALL {
        let code = lang.code();
        for (path, title) in [
            ("/no-existe", "not-found-title"),
            ("/contribuyente", "join-title"),
            ("/accesibilidad", "a11y-title"),
        ] {
            taxpayer
                .goto(&app.url(&format!("{path}?lang={code}")))
                .await;
            taxpayer.until_text(&[&text(lang, title)], PROMPTLY).await;
            assert_eq!(html_lang(&taxpayer).await, json!(code), "{path}");
            // Every taxpayer page links the accessibility statement and
            // offers every language.
            assert_eq!(
                taxpayer
                    .run("return document.querySelectorAll('a[href=\"/accesibilidad\"]').length > 0 && document.querySelectorAll('nav.idiomas a[hreflang]').length === 5;")
                    .await,
                json!(true),
                "{path} in {code}"
            );
            let name = format!("{}-{code}", path.trim_start_matches('/'));
            check_state(&taxpayer, &name).await;
        }
        let statement = taxpayer.visible_text().await;
        for needle in ["WCAG", "2.1", "AA", "axe-core", "1112/2018"] {
            assert!(
                statement.contains(needle),
                "{needle} in the {code} statement"
            );
        }
    }

    // Accept-Language alone: Basque.
    let agent = script_text(&taxpayer, "return navigator.userAgent;").await;
    let fresh = stage.open("euskaldun").await;
    fresh
        .cdp(
            "Emulation.setUserAgentOverride",
            json!({"userAgent": agent, "acceptLanguage": "eu-ES,eu;q=0.9"}),
        )
        .await;
    fresh.goto(&app.url("/contribuyente")).await;
    fresh
        .until_text(&[&text(Lang::Eu, "join-title")], PROMPTLY)
        .await;
    assert_eq!(html_lang(&fresh).await, json!("eu"));
    // The language chosen with ?lang= is remembered on the next page.
    fresh.goto(&app.url("/contribuyente?lang=ca")).await;
    fresh
        .until_text(&[&text(Lang::Ca, "join-title")], PROMPTLY)
        .await;
    fresh.goto(&app.url("/accesibilidad")).await;
    fresh
        .until_text(&[&text(Lang::Ca, "a11y-title")], PROMPTLY)
        .await;
    assert_eq!(html_lang(&fresh).await, json!("ca"));
}

/// Window handles of the browser now.
async fn windows(browser: &Browser) -> Vec<fantoccini::wd::WindowHandle> {
    browser.client.windows().await.expect("the window handles")
}

/// The path of the tab opened by the one-press accept, once it shows the
/// meeting room; closes that tab and comes back to the ticket page.
async fn meeting_tab_path(browser: &Browser, main: &fantoccini::wd::WindowHandle) -> String {
    let others: Vec<_> = until("a tab for the meeting", PROMPTLY, || {
        let browser = browser.clone();
        let main = main.clone();
        async move {
            let others: Vec<_> = windows(&browser)
                .await
                .into_iter()
                .filter(|w| *w != main)
                .collect();
            (!others.is_empty()).then_some(others)
        }
    })
    .await;
    browser
        .client
        .switch_to_window(others[0].clone())
        .await
        .expect("switch to the meeting tab");
    let path = until("the meeting tab to show the room", PROMPTLY, || {
        let browser = browser.clone();
        async move {
            let path = browser.path().await;
            path.starts_with("/reunion/").then_some(path)
        }
    })
    .await;
    let _ = browser.client.close_window().await;
    browser
        .client
        .switch_to_window(main.clone())
        .await
        .expect("back to the ticket page");
    path
}

/// Every state of the ticket page in every language: joined through the
/// form (its errors first), waiting, assigned, accepted, in the meeting,
/// finished, and a second request abandoned. Even languages accept before
/// the meeting exists, odd ones after: one press opens it either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticket_page_updates_in_place_announces_and_opens_the_meeting_in_one_press() {
    run_scenario("taxpayer", morning(), ["taxpayer"], ticket_page_states).await;
}

async fn ticket_page_states(stage: Stage<1>) {
    let (app, [taxpayer]) = stage.into_parts();
    let mut services = BTreeMap::new();
    services.insert("CLAVE".to_string(), true);
    app.engine
        .set_availability(&operator(), &services)
        .await
        .expect("available in CLAVE");

    for (n, lang) in Lang::ALL.into_iter().enumerate() {
        let code = lang.code();
        let t = |id: &str| text(lang, id);
        let name = |state: &str| format!("{state}-{code}");

        // The join form: every empty field says its own error, focus on the first.
        taxpayer
            .goto(&app.url(&format!("/contribuyente?lang={code}")))
            .await;
        taxpayer.until_text(&[&t("join-title")], PROMPTLY).await;
        taxpayer.click("#solicitud button[type=submit]").await;
        taxpayer
            .until_text(&[&t("error-nif_required")], PROMPTLY)
            .await;
        for (error, id) in [
            ("#error-servicio", "error-unknown_service"),
            ("#error-nif", "error-nif_required"),
            ("#error-nombre", "error-name_required"),
            ("#error-contraste", "error-contrast_required"),
        ] {
            assert_eq!(taxpayer.text_of(error).await, t(id), "{error} in {code}");
        }
        assert_eq!(
            script_text(&taxpayer, "return document.activeElement.id;").await,
            "servicio",
            "focus on the first error"
        );
        check_state(&taxpayer, &name("01-join-errors")).await;

        taxpayer.choose("#servicio", CLAVE).await;
        taxpayer.type_into("#nif", &dni(700 + n as u32)).await;
        taxpayer
            .type_into("#nombre", &format!("CONTRIBUYENTE {n}"))
            .await;
        taxpayer.type_into("#contraste", "31-12-2030").await;
        taxpayer.click("#solicitud button[type=submit]").await;

        // Waiting: the queue figures in a polite live region, the title.
        taxpayer
            .until_text(&[&t("waiting-heading")], PROMPTLY)
            .await;
        assert_eq!(
            html_lang(&taxpayer).await,
            json!(code),
            "remembered on the ticket page"
        );
        let queue = script_text(
            &taxpayer,
            "const q=document.getElementById('cola');return q.getAttribute('role')+'|'+q.textContent;",
        )
        .await;
        assert!(
            queue.starts_with("status|") && queue.contains(&t("label-position")),
            "{queue}"
        );
        assert!(
            script_text(&taxpayer, "return document.title;")
                .await
                .starts_with("(1)"),
            "the title says the position"
        );
        check_state(&taxpayer, &name("02-waiting")).await;

        // Typing in Observaciones while the operator is assigned: nothing reloads.
        taxpayer.run("window.__marker = 'kept'; return true;").await;
        taxpayer.type_into("#observaciones", "escrito antes").await;
        app.engine.attend(&operator()).await.expect("attend");
        taxpayer.until_text(&[&t("assigned")], PROMPTLY).await;
        let kept = taxpayer
            .run("return [window.__marker, document.activeElement.id, document.getElementById('observaciones').value];")
            .await;
        assert_eq!(
            kept,
            json!(["kept", "observaciones", "escrito antes"]),
            "in {code}"
        );
        let announced = script_text(
            &taxpayer,
            "const a=document.getElementById('anuncio');return a.getAttribute('role')+'|'+a.textContent;",
        )
        .await;
        assert_eq!(announced, format!("alert|{}", t("announce-assigned")));
        assert_eq!(
            script_text(&taxpayer, "return document.title;").await,
            t("title-assigned")
        );
        assert_eq!(
            script_text(
                &taxpayer,
                "return document.querySelector('h1').textContent;"
            )
            .await,
            t("ticket-title")
        );
        assert!(
            script_text(&taxpayer, "const a=document.querySelector('#aviso-grabacion a');return a?a.textContent+'|'+a.href:'';")
                .await
                .starts_with(&format!("{}|https://", t("recording-notice-link"))),
            "Datos Personales is a link"
        );
        check_state(&taxpayer, &name("03-assigned")).await;

        // The one press, before or after the meeting exists.
        let meeting_first = n % 2 == 1;
        if meeting_first {
            app.engine.start_meeting(&operator()).await.expect("start");
        }
        let main = taxpayer
            .client
            .window()
            .await
            .expect("the ticket page's window");
        taxpayer.click("#aceptar").await;
        if !meeting_first {
            taxpayer
                .until_displayed("#enlace-pendiente", PROMPTLY)
                .await;
            let dead = taxpayer
                .run("const l=document.getElementById('enlace-reunion');return l.hidden&&l.offsetParent===null;")
                .await;
            assert_eq!(dead, json!(true), "no link before the meeting exists");
            check_state(&taxpayer, &name("04-accepted")).await;
            app.engine.start_meeting(&operator()).await.expect("start");
        }
        let room = meeting_tab_path(&taxpayer, &main).await;
        let link = taxpayer.until_displayed("#enlace-reunion", PROMPTLY).await;
        let href = link.attr("href").await.ok().flatten().unwrap_or_default();
        assert!(
            href.starts_with(&room),
            "the tab opened the meeting: {room} vs {href}"
        );
        taxpayer.until_text(&[&t("meeting-opened")], PROMPTLY).await;
        assert_eq!(
            script_text(
                &taxpayer,
                "return document.getElementById('anuncio').textContent;"
            )
            .await,
            t("announce-meeting-opened")
        );
        assert_eq!(
            script_text(&taxpayer, "return document.title;").await,
            t("title-meeting")
        );
        check_state(&taxpayer, &name("05-meeting")).await;

        app.engine
            .finalize(
                &operator(),
                FinalizeInput {
                    outcome: "success".to_string(),
                    observations: None,
                    represented_nif: None,
                    next: "interrupt".to_string(),
                },
            )
            .await
            .expect("finalize");
        taxpayer.until_text(&[&t("finished-text")], PROMPTLY).await;
        assert_eq!(taxpayer.run("return window.__marker;").await, json!("kept"));
        assert_eq!(
            script_text(&taxpayer, "return document.title;").await,
            t("title-finished")
        );
        check_state(&taxpayer, &name("06-finished")).await;

        // A second request, abandoned from its page (joined directly: the
        // form's joins per minute are limited per address). Its token comes
        // in the fragment, as a link from another device would bring it.
        let second = app
            .engine
            .join(JoinInput {
                nif: dni(800 + n as u32),
                name: format!("CONTRIBUYENTE {n}"),
                contrast: "31-12-2030".to_string(),
                service: "CLAVE".to_string(),
            })
            .await
            .expect("join");
        taxpayer
            .goto(&app.url(&format!(
                "/contribuyente/{}#{}",
                second.ticket_id,
                second.token.to_hex()
            )))
            .await;
        taxpayer
            .until_text(&[&t("waiting-heading")], PROMPTLY)
            .await;
        taxpayer
            .run("window.confirm = function () { return true; }; return true;")
            .await;
        taxpayer.click("#abandonar").await;
        taxpayer.until_text(&[&t("abandoned-own")], PROMPTLY).await;
        assert_eq!(
            script_text(
                &taxpayer,
                "return document.getElementById('anuncio').textContent;"
            )
            .await,
            t("abandoned-own")
        );
        assert_eq!(
            script_text(&taxpayer, "return document.title;").await,
            t("title-abandoned")
        );
        check_state(&taxpayer, &name("07-abandoned")).await;
    }
}
