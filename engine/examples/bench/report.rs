//! Where the benchmark's figures go: Markdown rows for BENCHMARKS.md on
//! stdout, or, with `--json`, the rows on stderr and one JSON object of
//! named figures on stdout (DESIGN "Benchmarks print JSON"), so a
//! comparison can be scripted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static JSON: AtomicBool = AtomicBool::new(false);
static FIGURES: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());

/// `--json` was given.
pub fn use_json() {
    JSON.store(true, Ordering::Relaxed);
}

/// One Markdown row.
pub fn row(markdown: &str) {
    if JSON.load(Ordering::Relaxed) {
        eprintln!("{markdown}");
    } else {
        println!("{markdown}");
    }
}

/// One named figure for the JSON object (a later value of the same name
/// replaces an earlier one).
pub fn figure(name: &str, value: f64) {
    let mut figures = FIGURES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    figures.retain(|(known, _)| known != name);
    figures.push((name.to_string(), value));
}

/// Prints the JSON object, when asked for, once every figure is in.
pub fn finish() {
    if !JSON.load(Ordering::Relaxed) {
        return;
    }
    let figures = FIGURES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let object: serde_json::Map<String, serde_json::Value> = figures
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::json!(value)))
        .collect();
    println!("{}", serde_json::Value::Object(object));
}
