//! Cross-site request forgery: a command authenticated by what a browser
//! sends on its own (the session cookie, or an SSO proxy's header in
//! `trusted_header` mode) must come from the service's own pages (API.md
//! v1.1). `SameSite=Strict` already keeps the cookie off cross-site requests
//! in current browsers; this check does not rely on it.
//!
//! The page's origin is `[server] public_url`, or else the request's own
//! `Host` as `http://` (or the scheme of `X-Forwarded-Proto` when the proxy
//! is trusted). A command whose `Origin` names another origin, or whose
//! `Sec-Fetch-Site` is `cross-site`, is refused with 403
//! `cross_origin_refused`. Bearer clients are not browsers sending ambient
//! credentials, so they are not affected; neither are GET and HEAD.

use crate::config::{web_origin, AuthMode};
use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{bearer_token, cookie_token};
use crate::error::ApiError;
use crate::state::{AppState, GatewayOptions};

/// Middleware: refuses cookie-authenticated commands from another origin.
pub async fn refuse_cross_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_cross_origin_command(&state.options, request.method(), request.headers()) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "cross-origin command refused");
        return ApiError::cross_origin_refused().into_response();
    }
    next.run(request).await
}

/// The decision, on plain values.
pub fn is_cross_origin_command(
    options: &GatewayOptions,
    method: &Method,
    headers: &HeaderMap,
) -> bool {
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || !carries_ambient_credentials(options, headers) {
        return false;
    }
    let marked_cross_site = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("cross-site"));
    if marked_cross_site {
        return true;
    }
    match headers.get(ORIGIN) {
        // Browsers send Origin on every cross-origin POST/PUT/DELETE; its
        // absence is a same-origin browser request or a non-browser client.
        None => false,
        Some(origin) => {
            let origin = origin.to_str().ok().and_then(|text| web_origin(text).ok());
            match (origin, pages_origin(options, headers)) {
                (Some(origin), Some(pages)) => origin != pages,
                // "null", garbage, or no Host to compare with: not our pages.
                _ => true,
            }
        }
    }
}

/// Whether the request authenticates with something a browser attaches by
/// itself: the session cookie without a bearer token (bearer wins), or the
/// SSO proxy's header.
fn carries_ambient_credentials(options: &GatewayOptions, headers: &HeaderMap) -> bool {
    if bearer_token(headers).is_some() {
        return false;
    }
    cookie_token(headers).is_some()
        || (options.auth_mode == AuthMode::TrustedHeader
            && headers.contains_key(&options.auth_header))
}

/// The origin the pages are served from, normalised like an `Origin` header.
fn pages_origin(options: &GatewayOptions, headers: &HeaderMap) -> Option<String> {
    if let Some(public) = &options.public_origin {
        return Some(public.clone());
    }
    let host = headers.get(HOST)?.to_str().ok()?.trim();
    let scheme = if options.trust_forwarded_for {
        headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .map(str::trim)
            .filter(|scheme| matches!(*scheme, "http" | "https"))
            .unwrap_or("http")
    } else {
        "http"
    };
    web_origin(&format!("{scheme}://{host}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn options(public_origin: Option<&str>) -> GatewayOptions {
        let file = crate::config::FileConfig::from_toml_str(crate::config::EMBEDDED_DEFAULT)
            .expect("the default parses");
        let mut options = GatewayOptions::from_file(&file).expect("options");
        options.public_origin = public_origin.map(str::to_string);
        options
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    const COOKIE: (&str, &str) = ("cookie", "ventanilla_session=abc");

    #[test]
    fn only_cookie_commands_from_another_origin_are_cross_origin() {
        let options = options(None);
        let post = Method::POST;
        let own = headers(&[
            COOKIE,
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        let evil = headers(&[
            COOKIE,
            ("host", "127.0.0.1:8080"),
            ("origin", "https://evil.example"),
        ]);
        let no_origin = headers(&[COOKIE, ("host", "127.0.0.1:8080")]);
        let marked = headers(&[COOKIE, ("host", "x"), ("sec-fetch-site", "cross-site")]);
        let null = headers(&[COOKIE, ("host", "x"), ("origin", "null")]);
        let bearer = headers(&[
            COOKIE,
            ("authorization", "Bearer t"),
            ("origin", "https://evil.example"),
        ]);
        let anonymous = headers(&[("host", "x"), ("origin", "https://evil.example")]);

        assert!(!is_cross_origin_command(&options, &post, &own));
        assert!(is_cross_origin_command(&options, &post, &evil));
        assert!(!is_cross_origin_command(&options, &Method::GET, &evil));
        assert!(!is_cross_origin_command(&options, &post, &no_origin));
        assert!(is_cross_origin_command(&options, &post, &marked));
        assert!(is_cross_origin_command(&options, &Method::DELETE, &null));
        assert!(!is_cross_origin_command(&options, &post, &bearer));
        assert!(!is_cross_origin_command(&options, &post, &anonymous));
    }

    #[test]
    fn with_a_public_url_the_host_header_is_not_trusted() {
        let options = options(Some("https://videoasistencia.example.es"));
        let own_host = headers(&[
            COOKIE,
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        let public = headers(&[
            COOKIE,
            ("host", "127.0.0.1:8080"),
            ("origin", "https://videoasistencia.example.es:443"),
        ]);

        assert!(is_cross_origin_command(&options, &Method::POST, &own_host));
        assert!(!is_cross_origin_command(&options, &Method::POST, &public));
    }
}
