//! `ventanilla`: the gateway binary (the HTTP server arrives with the gateway issue).

fn main() {
    eprintln!("ventanilla: the HTTP gateway is not built yet");
    std::process::exit(2);
}
