//! `ventanilla-load`: runs a load-test scenario against a Ventanilla gateway
//! (see `ventanilla-load --help` and `loadtest/scenarios/`).

fn main() {
    std::process::exit(ventanilla_load::cli::main());
}
