//! The engine's part of the configuration contract: what loads, what is
//! refused and how it is named. The whole file, the gateway's sections with
//! these, is checked in `gateway/tests/config.rs`.

use std::collections::HashMap;

use engine::config::*;
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
fn an_unknown_key_in_an_engine_section_is_refused_naming_it() {
    let message =
        error_after(|text| text.replace("attention_minutes", "colour = 1\nattention_minutes"));
    assert!(message.contains("colour"), "{message}");
}

#[test]
fn the_engine_alone_refuses_the_gateways_sections_naming_them() {
    for section in ["server", "auth", "limits"] {
        let message = error_after(|text| format!("[{section}]\n{text}"));
        assert!(
            message.contains(&format!(
                "unknown field `{section}`, expected one of `store`"
            )),
            "{message}"
        );
    }
}
