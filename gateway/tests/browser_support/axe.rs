#![allow(dead_code)] // each test binary compiles browser_support; not all run axe-core

//! axe-core in the browser tests: injects `axe.min.js` (installed by
//! `ops/test` under `target/tools/axe-core`, pinned) into the page, runs it
//! for WCAG 2.0/2.1/2.2 A and AA, and fails the test on any violation, with
//! each rule, its help text and the offending elements.
//!
//! Chromium runs the injected source through WebDriver, outside the page's
//! Content-Security-Policy, so the page needs no exception for it.

use std::path::PathBuf;
use std::sync::OnceLock;

use super::Browser;

/// The version `ops/test` installs (keep the two in step).
pub const AXE_VERSION: &str = "4.14.1";

/// `target/tools/axe-core/node_modules/axe-core/axe.min.js` of the workspace.
fn axe_path() -> PathBuf {
    let gateway = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    gateway
        .parent()
        .unwrap_or(gateway)
        .join("target/tools/axe-core/node_modules/axe-core/axe.min.js")
}

/// axe-core's source, read once; a clear failure when it is not installed.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "axe-core is not installed at {} ({error}): run ops/test, or \
                 `npm install --prefix target/tools/axe-core axe-core@{AXE_VERSION}`",
                path.display()
            )
        })
    })
}

/// One rule axe-core found broken, with the elements that break it.
#[derive(Debug)]
pub struct Violation {
    pub rule: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

/// Runs axe-core on the page as it is now; answers its violations.
pub async fn violations(browser: &Browser) -> Vec<Violation> {
    // Injected once per document: a reload or a new page needs it again.
    let loaded = browser
        .run("return typeof window.axe !== 'undefined';")
        .await;
    if loaded != serde_json::Value::Bool(true) {
        browser
            .client
            .execute(axe_source(), Vec::new())
            .await
            .unwrap_or_else(|error| panic!("{}: injecting axe-core failed: {error}", browser.who));
    }
    let report = browser
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               window.axe.run(document, {
                 runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
                 resultTypes: ['violations']
               }).then(function (result) {
                 done(result.violations.map(function (v) {
                   return {rule: v.id, impact: v.impact || '', help: v.help,
                           targets: v.nodes.map(function (n) { return n.target.join(' ') + ' ' + n.html.slice(0, 160); })};
                 }));
               }, function (error) { done({error: String(error)}); });"#,
            Vec::new(),
        )
        .await
        .unwrap_or_else(|error| panic!("{}: axe.run failed: {error}", browser.who));
    if let Some(error) = report.get("error") {
        panic!("{}: axe.run failed: {error}", browser.who);
    }
    report
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|violation| Violation {
            rule: text(&violation, "rule"),
            impact: text(&violation, "impact"),
            help: text(&violation, "help"),
            targets: violation["targets"]
                .as_array()
                .map(|targets| {
                    targets
                        .iter()
                        .map(|target| target.as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

fn text(value: &serde_json::Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_string()
}

/// Fails the test unless axe-core finds no violation on the page now;
/// `state` names the page state in the failure.
pub async fn assert_accessible(browser: &Browser, state: &str) {
    let found = violations(browser).await;
    assert!(
        found.is_empty(),
        "{}: axe-core {AXE_VERSION} finds {} violation(s) on {state} ({}):\n{}",
        browser.who,
        found.len(),
        browser.path().await,
        found
            .iter()
            .map(|v| format!(
                "- {} [{}] {}\n    {}",
                v.rule,
                v.impact,
                v.help,
                v.targets.join("\n    ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
