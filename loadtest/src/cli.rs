//! The command line: which scenario, against what, and where the reports go.
//! Exit status: 0 passed, 3 an SLO failed, 4 the consistency check failed,
//! 130 interrupted (Ctrl-C), 1 the run could not be made, 2 a usage error.

use std::path::PathBuf;

use clap::Parser;

use crate::report::{self, Report};
use crate::run::{self, RunOptions, Target};
use crate::scenario::{Scenario, SHIPPED};

/// Exit status when the run could not be made at all.
pub const EXIT_RUN_FAILED: i32 = 1;

/// Drives a Ventanilla gateway with scripted taxpayer floods and operator
/// crowds, then reports latencies, throughput, SLOs and a consistency check.
#[derive(Debug, Parser)]
#[command(name = "ventanilla-load", version, about, after_help = after_help())]
pub struct Cli {
    /// A scenario file, or the name of a shipped scenario
    /// (smoke, campaign-day, flood, max-polls, lifecycles, mmc-honest-wait,
    /// lognormal-honest-wait, shared-honest-wait)
    #[arg(value_name = "SCENARIO")]
    pub scenario: String,
    /// A running gateway to drive (loopback only), e.g. http://127.0.0.1:8080
    #[arg(long, value_name = "URL", conflicts_with = "spawn")]
    pub target: Option<String>,
    /// Start a ventanilla of the run's own with a generated configuration
    #[arg(long)]
    pub spawn: bool,
    /// Store of the spawned (or printed) gateway: "memory" or a redis:// URL
    #[arg(
        long,
        value_name = "URL",
        default_value = "memory",
        conflicts_with = "target"
    )]
    pub store: String,
    /// The ventanilla binary to spawn [default: beside this binary, else PATH]
    #[arg(long, value_name = "PATH", requires = "spawn")]
    pub ventanilla: Option<PathBuf>,
    /// Write the JSON report here
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the HTML report (self-contained, with plots) here
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Seed of arrivals and behaviours, overriding the scenario's
    #[arg(long)]
    pub seed: Option<u64>,
    /// No progress bar and no summary table (reports are still written)
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the final consistency check (e.g. a gateway shared with others)
    #[arg(long)]
    pub skip_consistency: bool,
    /// Print the gateway configuration --spawn would generate (listening on
    /// 127.0.0.1:8080) and exit, to start a matching gateway by hand
    #[arg(long, conflicts_with_all = ["target", "spawn"])]
    pub print_config: bool,
}

fn after_help() -> String {
    let names: Vec<&str> = SHIPPED.iter().map(|(name, _)| *name).collect();
    format!(
        "Shipped scenarios: {}.\nExit status: 0 passed, 3 an SLO failed, 4 the consistency check failed, 130 interrupted by Ctrl-C, 1 the run could not be made.",
        names.join(", ")
    )
}

/// Parses the command line, runs, writes the reports; returns the exit status.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match run_cli(cli) {
        Ok(Some(report)) => report.exit_code,
        Ok(None) => report::EXIT_PASSED,
        Err(error) => {
            eprintln!("ventanilla-load: {error:#}");
            EXIT_RUN_FAILED
        }
    }
}

/// Runs what the command line asks; `None` when there was no run to report.
fn run_cli(cli: Cli) -> anyhow::Result<Option<Report>> {
    let scenario = Scenario::load(&cli.scenario)?;
    if cli.print_config {
        print!(
            "{}",
            crate::spawn::generated_config(&scenario, "127.0.0.1:8080", &cli.store)?
        );
        return Ok(None);
    }
    let target = match (cli.target, cli.spawn) {
        (Some(url), false) => Target::Url(url),
        (None, true) => Target::Spawn {
            store: cli.store,
            ventanilla: cli.ventanilla,
        },
        _ => anyhow::bail!("say where the load goes: --target URL or --spawn"),
    };
    let options = RunOptions {
        scenario,
        target,
        seed: cli.seed,
        quiet: cli.quiet,
        skip_consistency: cli.skip_consistency,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(run::execute(options))?;
    // Tasks cut off by the grace periods must not hold the process.
    runtime.shutdown_background();
    if !cli.quiet {
        println!("{}", report::terminal::render(&report));
    }
    if let Some(path) = &cli.json {
        report::json::write(&report, path)?;
    }
    if let Some(path) = &cli.html {
        report::html::write(&report, path)?;
    }
    Ok(Some(report))
}
