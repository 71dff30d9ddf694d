//! The `[store]` keys of high availability: `min_replicas`,
//! `replica_timeout_ms` and `redis+sentinel://` URLs, checked at start
//! with errors that name the key.

use engine::config::Config;
use engine::testsuite::{shipped_config, workspace_root, MINIMAL_CONFIG};

fn validated(store: &str) -> Result<Config, String> {
    let text = format!("[store]\n{store}\n{MINIMAL_CONFIG}");
    let config = Config::from_toml_str(&text).map_err(|error| error.to_string())?;
    config
        .validate(&workspace_root())
        .map(|_| config)
        .map_err(|error| error.to_string())
}

#[test]
fn the_shipped_default_waits_for_no_replica_and_would_wait_200_ms() {
    let config = shipped_config();
    assert_eq!(config.store.min_replicas, 0);
    assert_eq!(config.store.replica_timeout_ms, 200);
    let config = validated("url = \"redis://127.0.0.1:6379/0\"").expect("valid");
    assert_eq!(
        (config.store.min_replicas, config.store.replica_timeout_ms),
        (0, 200)
    );
}

#[test]
fn a_replica_wait_that_outlasts_the_command_timeout_is_refused_naming_the_key() {
    let error = validated(
        "url = \"redis://127.0.0.1:6379/0\"\nmin_replicas = 1\nreplica_timeout_ms = 2000\ncommand_timeout_ms = 2000",
    )
    .expect_err("refused");
    assert!(error.contains("store.replica_timeout_ms"), "{error}");
    assert!(error.contains("command_timeout_ms"), "{error}");
    let error = validated("url = \"redis://h:1/0\"\nmin_replicas = 1\nreplica_timeout_ms = 0")
        .expect_err("refused");
    assert!(error.contains("store.replica_timeout_ms"), "{error}");
    validated("url = \"redis://h:1/0\"\nmin_replicas = 1\nreplica_timeout_ms = 500")
        .expect("a wait shorter than the command timeout is fine");
}

#[test]
fn an_absurd_number_of_replicas_is_refused_naming_the_key() {
    let error = validated("url = \"redis://h:1/0\"\nmin_replicas = 17").expect_err("refused");
    assert!(error.contains("store.min_replicas"), "{error}");
    let error = validated("url = \"redis://h:1/0\"\nmin_replicas = -1").expect_err("refused");
    assert!(error.contains("min_replicas"), "{error}");
}

#[test]
fn a_sentinel_url_is_accepted_and_a_malformed_one_refused_naming_the_key_not_the_password() {
    validated(
        "url = \"redis+sentinel://10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379/ventanilla/0\"",
    )
    .expect("a Sentinel URL");
    validated("url = \"redis+sentinel://s1:26379/ventanilla\"").expect("the database is optional");
    for bad in [
        "redis+sentinel://:hunter2@s1:26379",
        "redis+sentinel://:hunter2@s1/ventanilla",
        "redis+sentinel://:hunter2@s1:26379/ventanilla/99",
    ] {
        let error = validated(&format!("url = \"{bad}\"")).expect_err(bad);
        assert!(error.contains("store.url"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }
}
