//! The taxpayer pages' language (DESIGN.md section 5), through the router:
//! `?lang=` (remembered in a cookie), the cookie, `Accept-Language`, Spanish;
//! anything unknown is ignored, never a 4xx or 5xx.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::{spawn_app, Answer, TestApp};

async fn page(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.oneshot(request.body(Body::empty()).expect("a request"))
        .await
}

fn html_lang(answer: &Answer) -> String {
    let start = answer
        .text
        .find("<html lang=\"")
        .unwrap_or_else(|| panic!("no <html lang> in:\n{}", answer.text))
        + "<html lang=\"".len();
    answer.text[start..start + 2].to_string()
}

#[tokio::test]
async fn lang_in_the_query_is_used_and_remembered() {
    let app = spawn_app().await;

    let asked = page(&app, "/no-existe?lang=ca", &[("accept-language", "eu")]).await;
    let cookie = asked
        .header("set-cookie")
        .expect("the choice is remembered");
    let remembered = page(&app, "/no-existe", &[("cookie", "ventanilla_lang=ca")]).await;

    assert_eq!(asked.status, StatusCode::NOT_FOUND);
    assert_eq!(html_lang(&asked), "ca");
    assert!(asked.text.contains("Pàgina no trobada"), "{}", asked.text);
    assert!(
        cookie.starts_with("ventanilla_lang=ca;")
            && cookie.contains("Path=/")
            && cookie.contains("Max-Age="),
        "{cookie}"
    );
    assert_eq!(asked.header("content-language").as_deref(), Some("ca"));
    assert_eq!(html_lang(&remembered), "ca");
    assert!(
        remembered.header("set-cookie").is_none(),
        "nothing new to remember"
    );
}

#[tokio::test]
async fn accept_language_picks_the_best_spoken_language() {
    let app = spawn_app().await;

    let basque = page(
        &app,
        "/no-existe",
        &[("accept-language", "fr-FR,eu;q=0.9,es;q=0.5")],
    )
    .await;
    let english = page(&app, "/no-existe", &[("accept-language", "en-GB")]).await;

    assert_eq!(html_lang(&basque), "eu");
    assert!(
        basque.text.contains("Ez da orria aurkitu"),
        "{}",
        basque.text
    );
    assert_eq!(html_lang(&english), "en");
    assert!(english.text.contains("Page not found"));
}

#[tokio::test]
async fn unknown_or_malformed_choices_fall_back_to_spanish_without_an_error() {
    let app = spawn_app().await;
    let long = format!("/no-existe?lang={}", "x".repeat(4000));

    for (path, headers) in [
        (
            "/no-existe?lang=fr",
            vec![("accept-language", "de, *;q=0.1")],
        ),
        (
            "/no-existe?lang=%00%ff",
            vec![("cookie", "ventanilla_lang=<script>")],
        ),
        (long.as_str(), vec![("accept-language", "q=;;;,,,")]),
    ] {
        let answer = page(&app, path, &headers).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(html_lang(&answer), "es", "{path}");
        assert!(answer.text.contains("Página no encontrada"));
        assert!(
            answer.header("set-cookie").is_none(),
            "{path}: nothing to remember"
        );
    }
}

#[tokio::test]
async fn the_accessibility_statement_is_served_in_every_language() {
    let app = spawn_app().await;

    let spanish = page(&app, "/accesibilidad", &[]).await;
    let english = page(&app, "/accesibilidad?lang=en", &[]).await;
    let galician = page(&app, "/accesibilidad", &[("accept-language", "gl")]).await;

    assert_eq!(spanish.status, StatusCode::OK);
    for needle in [
        "<html lang=\"es\"",
        "Declaración de accesibilidad",
        "Real Decreto 1112/2018",
        "WCAG) 2.1",
        "axe-core",
        "1 de diciembre de 2026",
        "href=\"https://",
    ] {
        assert!(
            spanish.text.contains(needle),
            "{needle} in:\n{}",
            spanish.text
        );
    }
    assert!(english.text.contains("Accessibility statement") && english.text.contains("level AA"));
    assert!(galician.text.contains("Declaración de accesibilidade"));
}

#[tokio::test]
async fn every_taxpayer_page_links_the_statement_and_offers_the_five_languages() {
    let app = spawn_app().await;
    let ticket = app.joined(&engine::testsuite::dni(61), "CLAVE").await;

    for path in [
        "/contribuyente".to_string(),
        format!("/contribuyente/{}", ticket.id),
        "/accesibilidad".to_string(),
        "/no-existe".to_string(),
    ] {
        let answer = page(&app, &path, &[("cookie", "ventanilla_lang=eu")]).await;
        assert_eq!(html_lang(&answer), "eu", "{path}");
        assert!(answer.text.contains("href=\"/accesibilidad\""), "{path}");
        for code in ["es", "ca", "gl", "eu", "en"] {
            assert!(
                answer
                    .text
                    .contains(&format!("?lang={code}\" lang=\"{code}\"")),
                "{path} offers {code}"
            );
        }
    }
}
