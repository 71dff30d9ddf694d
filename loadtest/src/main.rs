//! `ventanilla-load`: drives a running gateway as consoles do (scenarios arrive with the load-tester issue).

fn main() {
    eprintln!("ventanilla-load: no scenarios yet; see the load-tester issue");
    std::process::exit(2);
}
