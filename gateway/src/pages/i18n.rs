//! The pages' texts: the taxpayer pages' in one Fluent file per language
//! under `gateway/locales/{es,ca,gl,eu,en}/pages.ftl`, and the operator's
//! pages' error messages, in Spanish only (the console is not translated),
//! in `gateway/locales/es/operator.ftl`; all embedded at compile time by
//! `fluent-templates` (the binary reads no file at run time).
//!
//! Spanish is the guide's wording and the fallback; a unit test keeps every
//! language holding every taxpayer message with the same variables, so the
//! fallback never shows in practice.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_bundle::FluentValue;
use fluent_templates::{static_loader, LanguageIdentifier, Loader};

use super::lang::Lang;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "es",
        // Unicode isolation marks around every placeable would end up in
        // the page's text (and in what a screen reader spells out); the
        // values placed here are numbers and our own words.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// Arguments of a message: `{ $name }` → value.
pub type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

fn identifier(lang: Lang) -> LanguageIdentifier {
    // unwrap: the codes are five constants, all valid BCP 47.
    lang.code().parse().expect("a valid language code")
}

/// The message `id` in `lang`, if it exists (in `lang` or the Spanish fallback).
pub fn try_text(lang: Lang, id: &str, args: Option<&Args>) -> Option<String> {
    LOCALES.try_lookup_complete(&identifier(lang), id, args)
}

/// The message `id` in `lang`; a missing id shows as itself (never a panic),
/// and the tests make sure none is missing.
pub fn text(lang: Lang, id: &str) -> String {
    try_text(lang, id, None).unwrap_or_else(|| id.to_string())
}

/// [`text`] with arguments.
pub fn text_with(lang: Lang, id: &str, args: &Args) -> String {
    try_text(lang, id, Some(args)).unwrap_or_else(|| id.to_string())
}

/// A table `key → text in lang` as a JS object literal that is safe inside a
/// `<script>` (no `<`, so no text can close the element).
pub fn script_table<'a>(
    lang: Lang,
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let table: serde_json::Map<String, serde_json::Value> = entries
        .into_iter()
        .map(|(key, id)| (key.to_string(), serde_json::Value::from(text(lang, id))))
        .collect();
    serde_json::Value::Object(table)
        .to_string()
        .replace('<', "\\u003c")
}

/// The API error codes (and the scripts' own `network` and `unknown`) that
/// both the taxpayer's and the operator's pages may meet: each has a
/// message `error-CODE` in pages.ftl (taxpayer-facing words, every
/// language) and `operator-error-CODE` in operator.ftl (the console's
/// Spanish).
const SHARED_ERROR_CODES: &[&str] = &[
    "invalid_state",
    "invalid_nif",
    "observations_too_long",
    "representation_not_allowed",
    "rate_limited",
    "identity_not_verified",
    "service_closed",
    "service_closing",
    "already_waiting",
    "unknown_service",
    "not_found",
    "unauthenticated",
    "store_unavailable",
    "engine_unavailable",
    "meeting_provider_failed",
    "invalid_request",
    "network",
    "unknown",
];

/// The join form's own: an empty field, said under that field.
const TAXPAYER_ONLY_ERROR_CODES: &[&str] = &["nif_required", "name_required", "contrast_required"];

/// The console's own: refusals of Atender, Interrumpir and Finalizar.
const OPERATOR_ONLY_ERROR_CODES: &[&str] = &[
    "not_available",
    "services_closed",
    "invalid_outcome",
    "interrupt_refused_end_of_day",
];

/// Every code a taxpayer page may meet.
pub fn error_codes() -> impl Iterator<Item = &'static str> {
    SHARED_ERROR_CODES
        .iter()
        .chain(TAXPAYER_ONLY_ERROR_CODES)
        .copied()
}

/// Every code the operator's pages may meet.
pub fn operator_error_codes() -> impl Iterator<Item = &'static str> {
    SHARED_ERROR_CODES
        .iter()
        .chain(OPERATOR_ONLY_ERROR_CODES)
        .copied()
}

/// The page scripts' `MESSAGES` table: error code → text in `lang`.
pub fn error_table(lang: Lang) -> String {
    code_table(lang, error_codes(), "error-")
}

/// The operator's pages' `MESSAGES` table: error code → Spanish text.
pub fn operator_error_table() -> String {
    code_table(Lang::Es, operator_error_codes(), "operator-error-")
}

/// `code → text of message PREFIX+code in lang`, as [`script_table`] writes it.
fn code_table(lang: Lang, codes: impl Iterator<Item = &'static str>, prefix: &str) -> String {
    let ids: Vec<(&str, String)> = codes
        .map(|code| (code, format!("{prefix}{code}")))
        .collect();
    script_table(lang, ids.iter().map(|(code, id)| (*code, id.as_str())))
}

/// The source of every language's file, for the completeness test.
#[cfg(test)]
pub const SOURCES: [(Lang, &str); 5] = [
    (Lang::Es, include_str!("../../locales/es/pages.ftl")),
    (Lang::Ca, include_str!("../../locales/ca/pages.ftl")),
    (Lang::Gl, include_str!("../../locales/gl/pages.ftl")),
    (Lang::Eu, include_str!("../../locales/eu/pages.ftl")),
    (Lang::En, include_str!("../../locales/en/pages.ftl")),
];

/// The operator's Spanish-only file, for its completeness test.
#[cfg(test)]
pub const OPERATOR_SOURCE: &str = include_str!("../../locales/es/operator.ftl");

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast;
    use std::collections::{BTreeMap, BTreeSet};

    /// Message id → the variables it uses, from one file, parsed by Fluent's
    /// own parser (a syntax error fails the test).
    fn messages(lang: Lang, source: &'static str) -> BTreeMap<String, BTreeSet<String>> {
        let resource = fluent_syntax::parser::parse(source)
            .unwrap_or_else(|(_, errors)| panic!("{} does not parse: {errors:?}", lang.code()));
        let mut found = BTreeMap::new();
        for entry in resource.body {
            if let ast::Entry::Message(message) = entry {
                let mut variables = BTreeSet::new();
                if let Some(pattern) = &message.value {
                    pattern_variables(pattern, &mut variables);
                }
                for attribute in &message.attributes {
                    pattern_variables(&attribute.value, &mut variables);
                }
                let id = message.id.name.to_string();
                assert!(
                    found.insert(id.clone(), variables).is_none(),
                    "{id} twice in {}",
                    lang.code()
                );
            }
        }
        found
    }

    fn pattern_variables(pattern: &ast::Pattern<&str>, into: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, into);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, into: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Inline(inline) => inline_variables(inline, into),
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, into);
                for variant in variants {
                    pattern_variables(&variant.value, into);
                }
            }
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, into: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                into.insert(id.name.to_string());
            }
            ast::InlineExpression::Placeable { expression } => {
                expression_variables(expression, into)
            }
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for argument in &arguments.positional {
                    inline_variables(argument, into);
                }
                for named in &arguments.named {
                    inline_variables(&named.value, into);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_message_is_in_every_language_with_the_same_variables() {
        let (_, spanish) = SOURCES[0];
        let reference = messages(Lang::Es, spanish);
        assert!(reference.len() > 5, "the Spanish file holds the messages");
        for (lang, source) in SOURCES.into_iter().skip(1) {
            let other = messages(lang, source);
            let missing: Vec<_> = reference
                .keys()
                .filter(|id| !other.contains_key(*id))
                .collect();
            let extra: Vec<_> = other
                .keys()
                .filter(|id| !reference.contains_key(*id))
                .collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            assert!(
                extra.is_empty(),
                "{} has ids Spanish lacks: {extra:?}",
                lang.code()
            );
            for (id, variables) in &reference {
                assert_eq!(
                    &other[id],
                    variables,
                    "{id} in {} uses other variables than in Spanish",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn every_language_resolves_its_own_texts() {
        for lang in Lang::ALL {
            let title = text(lang, "not-found-title");
            assert!(!title.is_empty() && title != "not-found-title");
        }
        assert_ne!(
            text(Lang::Es, "not-found-title"),
            text(Lang::Eu, "not-found-title")
        );
        assert_eq!(text(Lang::Es, "no-such-message"), "no-such-message");
    }

    #[test]
    fn every_taxpayer_error_code_has_its_message_in_every_language() {
        for (lang, source) in SOURCES {
            let file = messages(lang, source);
            for code in error_codes() {
                let id = format!("error-{code}");
                assert!(file.contains_key(&id), "{id} in {}", lang.code());
            }
        }
    }

    #[test]
    fn every_operator_error_code_has_its_spanish_message_and_no_other_is_there() {
        let file = messages(Lang::Es, OPERATOR_SOURCE);
        let wanted: BTreeSet<String> = operator_error_codes()
            .map(|code| format!("operator-error-{code}"))
            .collect();
        let found: BTreeSet<String> = file.keys().cloned().collect();
        assert_eq!(
            found, wanted,
            "operator.ftl holds exactly the codes' messages"
        );
        assert!(file.values().all(BTreeSet::is_empty), "no variables");
        // Loaded into the Spanish bundle beside pages.ftl, under ids of
        // their own, and never shadowed by a taxpayer message.
        let (_, spanish) = SOURCES[0];
        let taxpayer = messages(Lang::Es, spanish);
        for id in &wanted {
            assert!(!taxpayer.contains_key(id), "{id} in pages.ftl too");
            let text = try_text(Lang::Es, id, None).unwrap_or_default();
            assert!(!text.is_empty() && text != *id, "{id} resolves");
        }
        let table: serde_json::Value =
            serde_json::from_str(&operator_error_table()).expect("a JSON object");
        assert_eq!(
            table["invalid_outcome"],
            "Seleccione el tipo de Finalización."
        );
        assert_eq!(
            table.as_object().map(|codes| codes.len()),
            Some(operator_error_codes().count())
        );
        assert!(!operator_error_table().contains('<'));
    }

    #[test]
    fn script_tables_cannot_close_a_script() {
        let table = script_table(Lang::Es, [("a", "not-found-title")]);
        assert!(!table.contains('<'));
        assert!(table.starts_with("{\"a\":"));
    }
}
