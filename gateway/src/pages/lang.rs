//! The taxpayer pages' language (DESIGN.md section 5): Spanish by default,
//! Catalan, Galician, Basque and English on request.
//!
//! A page's language is, in order: a valid `?lang=xx` (then remembered in the
//! `ventanilla_lang` cookie), the remembered cookie, the best of the
//! browser's `Accept-Language`, Spanish. Anything unknown or malformed is
//! ignored, never refused: a language is a preference, not a command.

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::convert::Infallible;

/// The cookie that remembers a `?lang=` choice.
pub const COOKIE_NAME: &str = "ventanilla_lang";
/// How long the choice is remembered (a year, in seconds).
const REMEMBER_SECONDS: u32 = 365 * 24 * 3600;
/// `Accept-Language` entries looked at: a header is client input.
const MAX_ACCEPT_ENTRIES: usize = 16;

/// A language the taxpayer pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Es,
    Ca,
    Gl,
    Eu,
    En,
}

impl Lang {
    /// Every language, in the selector's order.
    pub const ALL: [Lang; 5] = [Lang::Es, Lang::Ca, Lang::Gl, Lang::Eu, Lang::En];

    /// The BCP 47 code, as in `<html lang>`, `?lang=` and the locales folder.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::Ca => "ca",
            Lang::Gl => "gl",
            Lang::Eu => "eu",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the selector (never translated).
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Es => "Español",
            Lang::Ca => "Català",
            Lang::Gl => "Galego",
            Lang::Eu => "Euskara",
            Lang::En => "English",
        }
    }

    /// A code as sent in `?lang=`, the cookie or `Accept-Language` (a
    /// region such as `ca-ES` or `eu_ES` counts as its language).
    pub fn from_code(text: &str) -> Option<Lang> {
        let primary = text.split(['-', '_']).next()?.trim();
        if primary.len() > 8 {
            return None;
        }
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    /// The best language of an `Accept-Language` header: the highest `q`
    /// among those spoken here (the first on a tie), ignoring `q=0`.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, u16)> = None;
        for entry in header.split(',').take(MAX_ACCEPT_ENTRIES) {
            let mut parts = entry.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_code) else {
                continue;
            };
            let quality = parts
                .find_map(|param| param.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_quality);
            let Some(quality) = quality.filter(|q| *q > 0) else {
                continue;
            };
            if best.is_none_or(|(_, known)| quality > known) {
                best = Some((lang, quality));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

/// A `q` value in thousandths ("0.8" is 800); `None` when malformed.
fn parse_quality(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

/// The language a page request asked for, and whether to remember it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub lang: Lang,
    /// A valid `?lang=` that differs from the cookie: set the cookie.
    pub remember: bool,
}

impl Negotiated {
    /// The decision, from the raw query string and the request's headers.
    pub fn from_request(query: Option<&str>, headers: &HeaderMap) -> Negotiated {
        let asked = query.and_then(query_lang);
        let remembered = cookie_lang(headers);
        if let Some(lang) = asked {
            return Negotiated {
                lang,
                remember: remembered != Some(lang),
            };
        }
        let lang = remembered
            .or_else(|| {
                headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|value| value.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or(Lang::Es);
        Negotiated {
            lang,
            remember: false,
        }
    }

    /// The `Set-Cookie` value that remembers the choice, if one is due.
    /// Readable by the page (not HttpOnly): it holds a language code only.
    pub fn cookie(&self, secure: bool) -> Option<String> {
        self.remember.then(|| {
            format!(
                "{COOKIE_NAME}={}; Path=/; Max-Age={REMEMBER_SECONDS}; SameSite=Lax{}",
                self.lang.code(),
                if secure { "; Secure" } else { "" }
            )
        })
    }
}

/// `lang` in a query string, if it names a language spoken here.
fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "lang")
        .and_then(|(_, value)| Lang::from_code(value))
}

/// The remembered language, if the cookie holds a valid one.
fn cookie_lang(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .and_then(|(_, value)| Lang::from_code(value))
}

impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Negotiated::from_request(parts.uri.query(), &parts.headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_query_wins_and_is_remembered() {
        let asked = Negotiated::from_request(
            Some("x=1&lang=ca"),
            &headers(&[("accept-language", "eu"), ("cookie", "ventanilla_lang=gl")]),
        );
        assert_eq!(asked.lang, Lang::Ca);
        assert!(asked.remember);
        let cookie = asked.cookie(true).expect("a cookie to set");
        assert!(cookie.starts_with("ventanilla_lang=ca; Path=/; Max-Age="));
        assert!(cookie.ends_with("; Secure"));
    }

    #[test]
    fn the_same_choice_as_the_cookie_sets_nothing() {
        let asked = Negotiated::from_request(
            Some("lang=ca"),
            &headers(&[("cookie", "a=b; ventanilla_lang=ca")]),
        );
        assert_eq!(asked.lang, Lang::Ca);
        assert_eq!(asked.cookie(false), None);
    }

    #[test]
    fn then_the_cookie_then_accept_language_then_spanish() {
        let cookie = Negotiated::from_request(
            None,
            &headers(&[("cookie", "ventanilla_lang=gl"), ("accept-language", "eu")]),
        );
        assert_eq!((cookie.lang, cookie.remember), (Lang::Gl, false));
        let browser = Negotiated::from_request(
            Some("lang=xx"),
            &headers(&[("accept-language", "fr-FR, eu;q=0.9, en;q=0.8")]),
        );
        assert_eq!((browser.lang, browser.remember), (Lang::Eu, false));
        let nothing = Negotiated::from_request(Some("lang="), &HeaderMap::new());
        assert_eq!(nothing.lang, Lang::Es);
    }

    #[test]
    fn accept_language_weights_and_garbage() {
        assert_eq!(
            Lang::from_accept_language("en;q=0.5, ca;q=0.7"),
            Some(Lang::Ca)
        );
        assert_eq!(Lang::from_accept_language("en, ca"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("ca;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("eu_ES;q=abc, gl-ES"),
            Some(Lang::Gl)
        );
        assert_eq!(Lang::from_accept_language("*, de, ;;;, q=1"), None);
        assert_eq!(Lang::from_accept_language(&"xx,".repeat(10_000)), None);
    }

    #[test]
    fn unknown_or_overlong_codes_are_ignored() {
        assert_eq!(Lang::from_code("CA-es"), Some(Lang::Ca));
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::from_code("esxxxxxxxxxxx"), None);
        assert_eq!(Lang::from_code(""), None);
    }
}
