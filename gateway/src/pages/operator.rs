//! `/operador` (login, then the Consola de videoasistencia) and
//! `/operador/disponibilidad` (Gestión disponibilidad operador).
//!
//! Every page here is a template under `templates/operator/`. The console's
//! first paint (`console.html`, its context from console.rs) is rendered
//! from the same body the JSON poll answers, so it works without
//! JavaScript; its script (console.js) holds
//! `GET /api/v1/operator/console?wait=25` with `If-None-Match` (the 9-second
//! countdown stays on screen) and applies each new body in place: no
//! reload, focus and typed text kept.

use crate::config::AuthMode;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use engine::domain::OperatorId;
use minijinja::context;
use minijinja::value::Value;

use super::operator_page;
use crate::auth;
use crate::routes::operator::{availability, console_body};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/operador", get(console_page))
        .route("/operador/disponibilidad", get(availability_page))
        .route("/operador/consola.js", get(console_script))
}

mod console;

pub use console::{
    console_context, guide_datetime, ABANDONED_MESSAGE, CLOSED_MESSAGE, UNAVAILABLE_MESSAGE,
};

/// A console page's context in a state that shows every part, for the
/// test that renders every template.
#[cfg(test)]
pub(crate) fn console_sample_context() -> Value {
    let body = console::tests::sample_body(engine::console::ConsoleState::TaxpayerAbandoned);
    console::tests::page_context(&body)
}

/// Whether the operator's links offer Salir: only a session can be left
/// (behind the intranet's SSO there is none).
fn logout(state: &AppState) -> bool {
    state.options.auth_mode == AuthMode::Password
}

const LOGOUT_JS: &str = r#"
const salir=document.getElementById('salir');
if(salir){salir.addEventListener('click',async function(){await api('DELETE','/api/v1/session');location.href='/operador';});}
"#;

/// The login form (password mode) or the SSO refusal (trusted-header mode).
fn login_page(state: &AppState, heading: &'static str) -> Response {
    let sso = state.options.auth_mode == AuthMode::TrustedHeader;
    operator_page(
        if sso {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        },
        "operator/login.html",
        context! {
            heading => heading,
            sso => sso,
            script => Value::from_safe_string(if sso { "" } else { LOGIN_JS }.to_string()),
        },
    )
}

const LOGIN_JS: &str = r#"
document.getElementById('acceso').addEventListener('submit',async function(event){
  event.preventDefault();clearErrors();
  const result=await api('POST','/api/v1/session',{operator_id:document.getElementById('operador').value,password:document.getElementById('clave').value});
  if(result.ok){location.reload();}else{showError('error-acceso',result.code);document.getElementById('error-acceso').focus();}
});
"#;

async fn console_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(operator) = auth::authenticate(&state, &headers).await else {
        return login_page(&state, "Consola de videoasistencia");
    };
    let Ok(body) = console_body(&state, &operator) else {
        return login_page(&state, "Consola de videoasistencia");
    };
    let catalog = state.engine.catalog();
    let name_of = |id: &str| {
        OperatorId::parse(id)
            .ok()
            .and_then(|id| catalog.operator(&id).map(|profile| profile.name.clone()))
            .unwrap_or_else(|| id.to_string())
    };
    operator_page(
        StatusCode::OK,
        "operator/console.html",
        context! {
            nav => true,
            logout => logout(&state),
            script => Value::from_safe_string(format!("{LOGOUT_JS}{LOAD_CONSOLE_JS}")),
            ..console_context(&body, &name_of)
        },
    )
}

/// The console's script is a file of its own: the first paint's HTML holds
/// only what its state shows (no other state's words), and the file can be
/// cached. It runs under the page's nonce, as its loader does.
const LOAD_CONSOLE_JS: &str = r#"
(function(){const s=document.createElement('script');s.nonce=document.currentScript.nonce;s.src='/operador/consola.js';document.body.appendChild(s);})();
"#;

/// `/operador/consola.js`: the texts, the operators' names (for the history
/// of a new assignment) and the script; for a signed-in operator only.
async fn console_script(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if auth::authenticate(&state, &headers).await.is_none() {
        return (
            StatusCode::UNAUTHORIZED,
            [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
            "",
        )
            .into_response();
    }
    let names: Vec<(String, String)> = state
        .engine
        .catalog()
        .operators
        .iter()
        .map(|profile| (profile.id.as_str().to_string(), profile.name.clone()))
        .collect();
    let script = format!(
        "const CONSOLE_TEXT={};{CONSOLE_JS}",
        console::texts_js(&names)
    );
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "private, no-cache"),
        ],
        script,
    )
        .into_response()
}

/// The console's behaviour (console.js): held polls applied in place,
/// countdown, buttons.
const CONSOLE_JS: &str = include_str!("operator/console.js");

async fn availability_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(operator) = auth::authenticate(&state, &headers).await else {
        return login_page(&state, "Gestión disponibilidad operador");
    };
    let Ok(list) = availability(&state, &operator) else {
        return login_page(&state, "Gestión disponibilidad operador");
    };
    let catalog = state.engine.catalog();
    let name = catalog
        .operator(&operator)
        .map(|profile| profile.name.clone())
        .unwrap_or_default();
    let services: Vec<Value> = list
        .services
        .iter()
        .map(|service| {
            let hours = catalog
                .service_by_text(&service.code)
                .map(|s| s.hours_text())
                .unwrap_or_default();
            context! {
                code => &service.code,
                description => &service.description,
                hours => hours,
                available => service.available,
            }
        })
        .collect();
    operator_page(
        StatusCode::OK,
        "operator/availability.html",
        context! {
            operator => operator.as_str(),
            name => name,
            services => services,
            nav => true,
            logout => logout(&state),
            script => Value::from_safe_string(format!("{LOGOUT_JS}{AVAILABILITY_JS}")),
        },
    )
}

const AVAILABILITY_JS: &str = r#"
document.getElementById('disponibilidad').addEventListener('submit',async function(event){
  event.preventDefault();clearErrors();field('guardado').hidden=true;
  const services={};
  document.querySelectorAll('tr[data-code]').forEach(function(row){
    const checked=row.querySelector('input:checked');services[row.dataset.code]=!!checked&&checked.value==='si';
  });
  const result=await api('PUT','/api/v1/operator/availability',{services:services});
  if(result.ok){field('guardado').hidden=false;}
  else if(result.code==='unauthenticated'){location.reload();}
  else{showError('error-disponibilidad',result.code);field('error-disponibilidad').focus();}
});
function field(id){return document.getElementById(id);}
"#;
