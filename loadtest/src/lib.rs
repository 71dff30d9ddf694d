//! `ventanilla-load`: drives a running Ventanilla gateway over HTTP exactly
//! as the consoles and the taxpayers' pages do, from a scenario file, and
//! reports what it held.
//!
//! - [`scenario`]: the TOML scenario files and their validation.
//! - [`arrivals`]: the open arrival model (Poisson phases, ramps, bursts).
//! - [`taxpayer`], [`operator`]: the simulated browsers.
//! - [`client`]: the HTTP client every simulated browser shares, timing and
//!   classifying each call.
//! - [`metrics`]: HDR histograms (corrected for coordinated omission) and counters.
//! - [`consistency`]: what each ticket went through, and the final check.
//! - [`estimates`]: how true the waits told at join and at each poll were.
//! - [`spawn`]: `--spawn`, a gateway of the run's own.
//! - [`run`]: one run from start to report; [`report`]: terminal, JSON, HTML.
//! - [`cli`]: the command line and the exit status.

pub mod arrivals;
pub mod cli;
pub mod client;
pub mod consistency;
pub mod estimates;
pub mod metrics;
pub mod operator;
pub mod report;
pub mod run;
pub mod scenario;
pub mod spawn;
pub mod taxpayer;
