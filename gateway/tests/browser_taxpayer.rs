//! The taxpayer's pages in headless Chromium, as a person meets them: axe-core
//! (WCAG 2.x A/AA) on every page state with zero violations, phone widths,
//! the languages. Screenshots of every state in every language under
//! `target/test-output/taxpayer/`.

// Shared with tests/browser.rs; this binary uses only part of it.
#[allow(dead_code)]
mod browser_support;

use std::time::Duration;

use browser_support::axe::assert_accessible;
use browser_support::{fresh_output_dir_named, App, Browser, Chromedriver};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_not_found_page_is_accessible_in_every_language_and_fits_a_phone() {
    let output = fresh_output_dir_named("taxpayer");
    let app = App::spawn(morning()).await;
    let driver = Chromedriver::start(&output).await;
    let taxpayer = driver.open("taxpayer", &output).await;

    for (code, title) in [
        ("es", "Página no encontrada"),
        ("ca", "Pàgina no trobada"),
        ("gl", "Páxina non atopada"),
        ("eu", "Ez da orria aurkitu"),
        ("en", "Page not found"),
    ] {
        taxpayer
            .goto(&app.url(&format!("/no-existe?lang={code}")))
            .await;
        taxpayer.until_text(&[title], PROMPTLY).await;
        assert_eq!(
            taxpayer.run("return document.documentElement.lang;").await,
            json!(code)
        );
        assert_accessible(&taxpayer, &format!("the not-found page in {code}")).await;
        for width in [375, 320] {
            phone(&taxpayer, width).await;
            assert_fits(&taxpayer, &format!("not-found {code} at {width} px")).await;
        }
        taxpayer.screenshot(&format!("not-found-{code}-320")).await;
        taxpayer
            .cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await;
    }
    taxpayer.close().await;
}
