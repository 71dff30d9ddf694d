//! The configuration contract: what loads, what is refused and how it is named.

use std::collections::HashMap;
use std::path::Path;

use std::time::Duration;

use engine::config::*;
use engine::domain::IdentityCheck;
use engine::testsuite::{shipped_config, workspace_root, MINIMAL_CONFIG};

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// The validation error of the minimal config with `edit` applied to its text.
fn error_after(edit: impl FnOnce(&str) -> String) -> String {
    let text = edit(MINIMAL_CONFIG);
    let result = Config::from_toml_str(&text).and_then(|config| config.validate(&workspace_root()));
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
fn the_shipped_default_in_directory_mode_loads_the_demo_taxpayers() {
    let mut config = shipped_config();
    config.identity.mode = IdentityMode::Directory;
    let settings = config.validate(&workspace_root()).expect("valid");
    let nif = engine::domain::Nif::parse("89890002E").expect("valid");
    assert_eq!(
        settings.identity.name_of(&nif),
        Some("CERTIFICADO DOS TELEMATICA")
    );
}

#[test]
fn an_empty_file_takes_every_default_but_needs_a_service() {
    let config = Config::from_toml_str("").expect("parses");
    assert_eq!(config.server.bind, "127.0.0.1:8080");
    assert_eq!(config.store.url, "memory");
    assert_eq!(config.auth.header, "X-Remote-User");
    assert_eq!(config.limits.logins_per_minute, 20);
    assert_eq!(config.meetings.zoom.recording, ZoomRecording::Cloud);
    assert!(matches!(
        config.validate(Path::new(".")),
        Err(ConfigError::NoServices)
    ));
}

#[test]
fn environment_variables_override_the_file() {
    let mut config = Config::from_toml_str(MINIMAL_CONFIG).expect("parses");
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
    assert_eq!(config.server.bind, "0.0.0.0:9000");
    assert_eq!(config.server.poll_seconds, 3);
    assert_eq!(config.store.url, "redis://127.0.0.1:6379/0");
    assert_eq!(config.auth.mode, AuthMode::TrustedHeader);
    assert_eq!(config.auth.header, "X-Forwarded-User");
    assert_eq!(config.identity.mode, IdentityMode::Directory);
    assert_eq!(config.limits.joins_per_minute, 100);
    assert_eq!(config.meetings.provider, MeetingProviderKind::Zoom);
    let settings = config.validate(&workspace_root()).expect("valid");
    assert_eq!(settings.interrupt_margin, Duration::from_secs(300));
}

#[test]
fn an_unknown_ventanilla_variable_is_refused_by_name() {
    let mut config = Config::default();
    let error = config
        .apply_env(&env(&[("VENTANILLA_SERVER_BINDD", "x")]))
        .expect_err("unknown");
    assert!(error
        .to_string()
        .starts_with("unknown environment variable VENTANILLA_SERVER_BINDD"));
}

#[test]
fn a_bad_variable_value_is_refused_naming_the_variable() {
    let mut config = Config::default();
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
fn a_close_before_the_open_is_refused() {
    let message = error_after(|text| {
        format!(
            "{text}{}",
            MINIMAL_CONFIG
                .replace("CLAVE", "APOYOIRPF")
                .replace("15:00", "08:00")
        )
    });
    assert_eq!(
        message,
        "services[1].close: closes at 08:00, before it opens at 09:00"
    );
}

#[test]
fn an_unknown_weekday_spec_is_refused() {
    let message = error_after(|text| text.replace("mon-fri", "weekdays"));
    assert!(
        message.starts_with("services[0].days: unknown days \"weekdays\""),
        "{message}"
    );
}

#[test]
fn a_duplicate_service_code_is_refused() {
    let message = error_after(|text| format!("{text}{text}"));
    assert_eq!(
        message,
        "services[1].code: service \"CLAVE\" is defined twice"
    );
}

#[test]
fn a_duplicate_operator_id_is_refused() {
    let operator = "\n[[operators]]\nid = \"op-0001\"\nname = \"Ana\"\nid_number = \"A-1\"\n";
    let message = error_after(|text| format!("{text}{operator}{operator}"));
    assert_eq!(
        message,
        "operators[1].id: operator \"op-0001\" is defined twice"
    );
}

#[test]
fn a_bad_holiday_date_is_refused() {
    let message = error_after(|text| {
        format!("[calendar]\nholidays = [\"2026-01-01\", \"2026-02-30\"]\n{text}")
    });
    assert_eq!(
        message,
        "calendar.holidays[1]: \"2026-02-30\" is not a date: use YYYY-MM-DD"
    );
}

#[test]
fn an_unknown_timezone_is_refused() {
    let message = error_after(|text| format!("[calendar]\ntimezone = \"Europe/Madird\"\n{text}"));
    assert_eq!(
        message,
        "calendar.timezone: unknown time zone \"Europe/Madird\""
    );
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
fn an_attention_time_of_zero_minutes_is_refused() {
    let message =
        error_after(|text| text.replace("attention_minutes = 4", "attention_minutes = 0"));
    assert_eq!(
        message,
        "services[0].attention_minutes: must be at least 1 minute, found 0"
    );
}

#[test]
fn an_operator_with_both_password_and_hash_is_refused() {
    let operator = "\n[[operators]]\nid = \"op-0001\"\nname = \"Ana\"\nid_number = \"A-1\"\n\
                    password = \"demo\"\npassword_hash = \"$argon2id$v=19$x\"\n";
    let message = error_after(|text| format!("{text}{operator}"));
    assert_eq!(
        message,
        "operators[0]: give password or password_hash, not both"
    );
}

#[test]
fn directory_mode_without_a_directory_file_is_refused() {
    let message = error_after(|text| format!("[identity]\nmode = \"directory\"\n{text}"));
    assert_eq!(
        message,
        "identity.directory: required when identity.mode is \"directory\""
    );
    let missing = error_after(|text| {
        format!("[identity]\nmode = \"directory\"\ndirectory = \"nowhere.toml\"\n{text}")
    });
    assert!(
        missing.starts_with("identity.directory: cannot read the taxpayer directory nowhere.toml"),
        "{missing}"
    );
}

#[test]
fn an_invalid_zoom_recording_value_is_refused() {
    let message = error_after(|text| format!("{text}\n[meetings.zoom]\nrecording = \"tape\"\n"));
    assert!(
        message.contains("recording") && message.contains("tape"),
        "{message}"
    );
}

#[test]
fn a_bad_service_code_or_operator_id_is_refused_naming_the_key() {
    let message = error_after(|text| text.replace("\"CLAVE\"", "\"CLAVE 2\""));
    assert!(
        message.starts_with("services[0].code: invalid service code \"CLAVE 2\""),
        "{message}"
    );
    let operator = "\n[[operators]]\nid = \"op 1\"\nname = \"Ana\"\nid_number = \"A-1\"\n";
    let message = error_after(|text| format!("{text}{operator}"));
    assert!(
        message.starts_with("operators[0].id: invalid operator id \"op 1\""),
        "{message}"
    );
}

#[test]
fn a_javascript_protocol_link_is_refused() {
    let message = error_after(|text| format!("{text}protocol_url = \"javascript:alert(1)\"\n"));
    assert!(
        message.starts_with("services[0].protocol_url: "),
        "{message}"
    );
}

#[test]
fn debug_output_of_an_operator_never_shows_its_password() {
    let config = shipped_config();
    let shown = format!("{config:?}");
    assert!(!shown.contains("\"demo\""), "{shown}");
    assert!(shown.contains("<redacted>"));
}

#[test]
fn the_v1_1_server_keys_default_to_off_and_ten_seconds() {
    let config = Config::from_toml_str(MINIMAL_CONFIG).expect("parses");
    assert_eq!(config.server.public_url, None);
    assert_eq!(config.server.header_timeout_ms, 10_000);
    assert_eq!(config.server.metrics_bind, None);
    let config = Config::from_toml_str(&format!(
        "[server]\npublic_url = \"https://videoasistencia.example.es/\"\nheader_timeout_ms = 300\nmetrics_bind = \"127.0.0.1:9464\"\n{MINIMAL_CONFIG}"
    ))
    .expect("parses");
    assert!(config.validate(&workspace_root()).is_ok());
    assert_eq!(
        web_origin(config.server.public_url.as_deref().expect("set")),
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
