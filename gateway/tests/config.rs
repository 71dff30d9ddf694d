//! The configuration contract of the whole file: the gateway's sections
//! (`[server]`, `[auth]`, `[limits]`) beside the engine's, their overrides,
//! what is refused and how it is named. The engine's own sections are
//! checked in `engine/tests/config.rs`.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use engine::config::{ConfigError, IdentityMode, MeetingProviderKind, ZoomRecording};
use engine::domain::IdentityCheck;
use engine::testsuite::{workspace_root, MINIMAL_CONFIG};
use gateway::config::{web_origin, AuthMode, FileConfig};

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// The shipped `config/default.toml`, parsed (not validated), with no
/// `VENTANILLA_*` environment.
fn shipped_config() -> FileConfig {
    FileConfig::load(
        &workspace_root().join("config/default.toml"),
        &HashMap::new(),
    )
    .expect("the shipped default parses")
}

/// The validation error of the minimal config with `edit` applied to its text.
fn error_after(edit: impl FnOnce(&str) -> String) -> String {
    let text = edit(MINIMAL_CONFIG);
    let result =
        FileConfig::from_toml_str(&text).and_then(|config| config.validate(&workspace_root()));
    result
        .expect_err("the edited config is refused")
        .to_string()
}

#[test]
fn the_shipped_default_validates_with_the_guides_services() {
    let settings = shipped_config().validate(&workspace_root()).expect("valid");
    let hours: Vec<(String, String)> = settings
        .services
        .iter()
        .map(|service| (service.code.to_string(), service.hours_text()))
        .collect();
    assert_eq!(
        hours,
        [
            (
                "APOYOIRPF".to_string(),
                "De lunes a viernes (excepto festivos nacionales) de 09:00 a 14:00. (Horario peninsular)".to_string()
            ),
            (
                "CLAVE".to_string(),
                "De lunes a viernes (excepto festivos nacionales) de 09:00 a 15:00. (Horario peninsular)".to_string()
            ),
        ]
    );
    assert!(settings.services[0].representation && !settings.services[1].representation);
    assert_eq!(settings.services[1].attention, Duration::from_secs(240));
    assert_eq!(settings.operators.len(), 3);
    assert!(matches!(settings.identity, IdentityCheck::AnyValidNif));
    assert_eq!(settings.interrupt_margin, Duration::from_secs(15 * 60));
    assert_eq!(settings.poll_seconds, 9);
    assert!(settings.calendar.is_holiday(jiff::civil::date(2027, 3, 26)));
}

#[test]
fn an_empty_file_takes_every_default_but_needs_a_service() {
    let config = FileConfig::from_toml_str("").expect("parses");
    assert_eq!(config.gateway.server.bind, "127.0.0.1:8080");
    assert_eq!(config.engine.store.url, "memory");
    assert_eq!(config.gateway.auth.header, "X-Remote-User");
    assert_eq!(config.gateway.limits.logins_per_minute, 20);
    assert_eq!(config.engine.meetings.zoom.recording, ZoomRecording::Cloud);
    assert!(matches!(
        config.validate(Path::new(".")),
        Err(ConfigError::NoServices)
    ));
}

#[test]
fn environment_variables_override_the_file() {
    let mut config = FileConfig::from_toml_str(MINIMAL_CONFIG).expect("parses");
    let overrides = env(&[
        ("VENTANILLA_SERVER_BIND", "0.0.0.0:9000"),
        ("VENTANILLA_SERVER_POLL_SECONDS", "3"),
        ("VENTANILLA_STORE_URL", "redis://127.0.0.1:6379/0"),
        ("VENTANILLA_AUTH_MODE", "trusted_header"),
        ("VENTANILLA_AUTH_HEADER", "X-Forwarded-User"),
        ("VENTANILLA_IDENTITY_MODE", "directory"),
        (
            "VENTANILLA_IDENTITY_DIRECTORY",
            "config/taxpayers.demo.toml",
        ),
        ("VENTANILLA_DISPATCH_INTERRUPT_MARGIN_MINUTES", "5"),
        ("VENTANILLA_LIMITS_LOGINS_PER_MINUTE", "0"),
        ("VENTANILLA_LIMITS_JOINS_PER_MINUTE", "100"),
        ("VENTANILLA_MEETINGS_PROVIDER", "zoom"),
        ("PATH", "/usr/bin"),
    ]);
    config.apply_env(&overrides).expect("valid overrides");
    assert_eq!(config.gateway.server.bind, "0.0.0.0:9000");
    assert_eq!(config.gateway.server.poll_seconds, 3);
    assert_eq!(config.engine.store.url, "redis://127.0.0.1:6379/0");
    assert_eq!(config.gateway.auth.mode, AuthMode::TrustedHeader);
    assert_eq!(config.gateway.auth.header, "X-Forwarded-User");
    assert_eq!(config.engine.identity.mode, IdentityMode::Directory);
    assert_eq!(config.gateway.limits.joins_per_minute, 100);
    assert_eq!(config.engine.meetings.provider, MeetingProviderKind::Zoom);
    let settings = config.validate(&workspace_root()).expect("valid");
    assert_eq!(settings.interrupt_margin, Duration::from_secs(300));
}

#[test]
fn a_bad_variable_value_is_refused_naming_the_variable() {
    let mut config = FileConfig::default();
    let number = config.apply_env(&env(&[("VENTANILLA_SERVER_POLL_SECONDS", "nine")]));
    assert!(number
        .expect_err("bad")
        .to_string()
        .starts_with("VENTANILLA_SERVER_POLL_SECONDS: "));
    let keyword = config.apply_env(&env(&[("VENTANILLA_AUTH_MODE", "kerberos")]));
    let message = keyword.expect_err("bad").to_string();
    assert!(
        message.starts_with("VENTANILLA_AUTH_MODE: ") && message.contains("trusted_header"),
        "{message}"
    );
}

#[test]
fn an_unknown_key_is_refused_naming_it() {
    let message =
        error_after(|text| text.replace("attention_minutes", "colour = 1\nattention_minutes"));
    assert!(message.contains("colour"), "{message}");
    let message = error_after(|text| format!("[server]\nbnd = \"x\"\n{text}"));
    assert!(message.contains("bnd"), "{message}");
}

#[test]
fn an_empty_services_list_is_refused() {
    let message = error_after(|_| "[server]\npoll_seconds = 9\n".into());
    assert_eq!(
        message,
        "services: at least one [[services]] entry is required"
    );
}

#[test]
fn the_v1_1_server_keys_default_to_off_and_ten_seconds() {
    let config = FileConfig::from_toml_str(MINIMAL_CONFIG).expect("parses");
    assert_eq!(config.gateway.server.public_url, None);
    assert_eq!(config.gateway.server.header_timeout_ms, 10_000);
    assert_eq!(config.gateway.server.metrics_bind, None);
    let config = FileConfig::from_toml_str(&format!(
        "[server]\npublic_url = \"https://videoasistencia.example.es/\"\nheader_timeout_ms = 300\nmetrics_bind = \"127.0.0.1:9464\"\n{MINIMAL_CONFIG}"
    ))
    .expect("parses");
    assert!(config.validate(&workspace_root()).is_ok());
    assert_eq!(
        web_origin(config.gateway.server.public_url.as_deref().expect("set")),
        Ok("https://videoasistencia.example.es".to_string())
    );
}

#[test]
fn a_public_url_that_is_not_an_http_origin_is_refused_naming_the_key() {
    for bad in [
        "videoasistencia.example.es",
        "ftp://videoasistencia.example.es",
        "https://videoasistencia.example.es/consola",
        "https://user@videoasistencia.example.es",
        "https://videoasistencia.example.es/?a=1",
    ] {
        let message = error_after(|text| format!("[server]\npublic_url = \"{bad}\"\n{text}"));
        assert!(message.contains("server.public_url"), "{bad}: {message}");
    }
}

#[test]
fn a_zero_header_timeout_or_a_bad_metrics_address_is_refused_naming_the_key() {
    let message = error_after(|text| format!("[server]\nheader_timeout_ms = 0\n{text}"));
    assert!(message.contains("server.header_timeout_ms"), "{message}");
    let message = error_after(|text| format!("[server]\nmetrics_bind = \"localhost\"\n{text}"));
    assert!(message.contains("server.metrics_bind"), "{message}");
}

#[test]
fn web_origins_drop_the_default_port_and_keep_others() {
    assert_eq!(
        web_origin("http://127.0.0.1:8080"),
        Ok("http://127.0.0.1:8080".to_string())
    );
    assert_eq!(
        web_origin("HTTPS://Example.ES:443"),
        Ok("https://example.es".to_string())
    );
    assert!(web_origin("null").is_err());
}

#[test]
fn an_unknown_ventanilla_variable_is_refused_listing_every_override() {
    let mut config = FileConfig::default();
    let error = config
        .apply_env(&env(&[("VENTANILLA_SERVER_BINDD", "x")]))
        .expect_err("unknown");
    assert_eq!(
        error.to_string(),
        format!(
            "unknown environment variable VENTANILLA_SERVER_BINDD: the overrides are {}",
            gateway::config::ENV_VARIABLES.join(", ")
        )
    );
}

#[test]
fn an_unknown_section_is_refused_naming_it_and_every_section() {
    let message = error_after(|text| format!("[servr]\nbind = \"x\"\n{text}"));
    assert!(message.contains("servr"), "{message}");
    assert!(
        message.contains("line 1") && message.contains("`server`, `store`, `auth`"),
        "{message}"
    );
}

#[test]
fn a_bad_value_in_a_gateway_section_is_refused_with_its_line() {
    let message = error_after(|text| format!("{text}\n[limits]\njoins_per_minute = \"ten\"\n"));
    assert!(
        message.contains("joins_per_minute") && message.contains("line 11"),
        "{message}"
    );
}
