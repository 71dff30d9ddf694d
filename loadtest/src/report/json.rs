//! The JSON report: the `Report` value as it is, for CI gates and for
//! comparing runs.

use std::path::Path;

use anyhow::Context as _;

use super::Report;

/// Writes `report` to `path`, pretty-printed.
pub fn write(report: &Report, path: &Path) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(report).context("cannot serialize the report")?;
    std::fs::write(path, text)
        .with_context(|| format!("cannot write the JSON report to {}", path.display()))
}

/// Reads a report written by [`write`].
pub fn read(path: &Path) -> anyhow::Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a report", path.display()))
}
