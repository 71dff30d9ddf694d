//! `/operador` (login, then the Consola de videoasistencia) and
//! `/operador/disponibilidad` (Gestión disponibilidad operador).
//!
//! The console is rendered here from the same body the JSON poll answers; a
//! small script polls `GET /api/v1/operator/console` every `poll_seconds`
//! with `If-None-Match` and reloads the page when it changed, keeping what the
//! operator had typed in the finalization form.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use engine::config::AuthMode;
use engine::domain::{OperatorId, Outcome};
use engine::render::{AssignmentBody, ConsoleBody, ConsoleState, HistoryLine};

use super::{escape, Page};
use crate::auth;
use crate::routes::operator::{availability, console_body};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/operador", get(console_page))
        .route("/operador/disponibilidad", get(availability_page))
}

/// NOTA 1 of the guide: the operator's services are all outside their hours.
pub const CLOSED_MESSAGE: &str = "Los servicios se encuentran fuera de horario. Se recomienda cerrar la Consola de Operador, cerrando el navegador, y acceder a la Consola de nuevo cuando se inicie el horario.";
/// NOTA 2 of the guide: the operator is not available in any service.
pub const UNAVAILABLE_MESSAGE: &str = "No se ha puesto disponible en ningún servicio. Se recomienda cerrar la Consola de Operador, cerrando el navegador, ponerse disponible en los servicios que tenga que prestar y abrir de nuevo la Consola de Operador.";
/// What the console says when the assigned taxpayer pressed Abandonar.
pub const ABANDONED_MESSAGE: &str = "El contribuyente asignado ha abandonado el sistema. Finalice la reunión y espere a que se le asigne otro contribuyente.";

fn operator_nav(state: &AppState) -> String {
    let logout = match state.options.auth_mode {
        AuthMode::Password => "<button type=\"button\" id=\"salir\">Salir</button>",
        AuthMode::TrustedHeader => "",
    };
    format!(
        "<a href=\"/operador\">Consola de Operador</a>\
         <a href=\"/operador/disponibilidad\">Gestión disponibilidad operador</a>{logout}"
    )
}

const LOGOUT_JS: &str = r#"
const salir=document.getElementById('salir');
if(salir){salir.addEventListener('click',async function(){await api('DELETE','/api/v1/session');location.href='/operador';});}
"#;

/// The login form (password mode) or the SSO refusal (trusted-header mode).
fn login_page(state: &AppState, heading: &'static str) -> Response {
    if state.options.auth_mode == AuthMode::TrustedHeader {
        return Page {
            title: heading,
            nav: String::new(),
            body: format!(
                "<h1>{heading}</h1><p class=\"error\">No se ha recibido la identificación del operador. \
                 Acceda a la Consola de Operador a través de la Intranet.</p>"
            ),
            script: String::new(),
        }
        .render_with_status(StatusCode::UNAUTHORIZED);
    }
    Page {
        title: heading,
        nav: String::new(),
        body: format!(
            "<h1>{heading}</h1><h2>Identificación del operador</h2>\
             <form id=\"acceso\"><label for=\"operador\">Operador</label>\
             <input type=\"text\" id=\"operador\" autocomplete=\"username\" required>\
             <label for=\"clave\">Contraseña</label>\
             <input type=\"password\" id=\"clave\" autocomplete=\"current-password\" required>\
             <p class=\"error\" id=\"error-acceso\" hidden></p>\
             <button type=\"submit\">Entrar</button></form>"
        ),
        script: r#"
document.getElementById('acceso').addEventListener('submit',async function(event){
  event.preventDefault();clearErrors();
  const result=await api('POST','/api/v1/session',{operator_id:document.getElementById('operador').value,password:document.getElementById('clave').value});
  if(result.ok){location.reload();}else{showError('error-acceso',result.code);}
});
"#
        .to_string(),
    }
    .render()
}

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
    Page {
        title: "Consola de videoasistencia",
        nav: operator_nav(&state),
        body: console_html(&body, &name_of),
        script: format!("{LOGOUT_JS}{CONSOLE_JS}"),
    }
    .render()
}

/// "Fecha/hora" as the guide shows it, e.g. "18-02-2023 14:08:42", from the
/// API's local RFC 3339 time.
pub fn guide_datetime(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::civil::DateTime>()
        .map(|local| local.strftime("%d-%m-%Y %H:%M:%S").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The console's HTML for one state (trusted HTML: every value is escaped).
pub fn console_html(body: &ConsoleBody, operator_name: &dyn Fn(&str) -> String) -> String {
    let mut html = String::with_capacity(4096);
    let ticket = body
        .assignment
        .as_ref()
        .map(|a| a.ticket_id.as_str())
        .unwrap_or("");
    html.push_str(&format!(
        "<div id=\"consola\" data-etag=\"{}\" data-poll=\"{}\" data-state=\"{}\" data-ticket=\"{}\">",
        escape(&body.etag()),
        body.next_poll_seconds,
        body.state.as_str(),
        escape(ticket),
    ));
    html.push_str("<h1>Consola de videoasistencia</h1>");
    if body.state == ConsoleState::TaxpayerAbandoned {
        html.push_str(&format!(
            "<p class=\"aviso\" id=\"abandono\">{ABANDONED_MESSAGE}</p>"
        ));
    }
    for warning in &body.warnings {
        html.push_str(&format!(
            "<p class=\"aviso\" data-code=\"{}\">{}</p>",
            escape(warning.code),
            escape(&warning.message)
        ));
    }
    html.push_str("<p class=\"error\" id=\"error-general\" hidden></p>");
    html.push_str(&format!(
        "<dl class=\"datos\"><dt>Operador:</dt><dd>{}</dd><dt>Nombre:</dt><dd>{}</dd>\
         <dt>Contribuyentes atendidos:</dt><dd id=\"atendidos\">{}</dd></dl>",
        escape(&body.operator.id),
        escape(&body.operator.name),
        body.attended_today
    ));
    match body.state {
        ConsoleState::Unavailable => {
            html.push_str(&format!(
                "<p class=\"nota\" id=\"nota-2\">{UNAVAILABLE_MESSAGE} \
                 <a href=\"/operador/disponibilidad\">Gestión disponibilidad operador</a></p>"
            ));
        }
        ConsoleState::Closed => {
            html.push_str(&services_html(body, "Servicios", false));
            html.push_str(&format!(
                "<p class=\"nota\" id=\"nota-1\">{CLOSED_MESSAGE}</p>"
            ));
        }
        ConsoleState::Idle => {
            html.push_str(&services_html(body, "Servicios Activos", true));
            html.push_str("<button type=\"button\" id=\"atender\">Atender Contribuyente</button>");
        }
        ConsoleState::Waiting => {
            html.push_str(&services_html(body, "Servicios Activos", true));
            html.push_str(&format!(
                "<p><strong>A la espera de atender contribuyente</strong></p>\
                 <p>Próxima actualización en: <span id=\"cuenta-atras\">{}</span> seg.</p>\
                 <button type=\"button\" id=\"interrumpir\">Interrumpir</button>",
                body.next_poll_seconds
            ));
        }
        ConsoleState::Assigned => {
            if let Some(assignment) = &body.assignment {
                html.push_str("<h2>CONTRIBUYENTE ASIGNADO</h2>");
                html.push_str(&taxpayer_html(assignment));
                html.push_str(
                    "<p>Si no aparece una notificación para iniciar la reunión, iníciela desde el inicio del cliente Zoom.</p>\
                     <button type=\"button\" id=\"iniciar\">Iniciar Videoasistencia</button>",
                );
                html.push_str(&history_html(&assignment.history, operator_name));
            }
        }
        ConsoleState::InMeeting | ConsoleState::TaxpayerAbandoned => {
            if body.state == ConsoleState::TaxpayerAbandoned {
                html.push_str(&services_html(body, "Servicios Activos", true));
            }
            if let Some(assignment) = &body.assignment {
                html.push_str("<h2>CONTRIBUYENTE ATENDIDO</h2>");
                html.push_str(&taxpayer_html(assignment));
                if let Some(meeting) = &assignment.meeting {
                    if is_web_link(&meeting.start_url) {
                        html.push_str(&format!(
                            "<p><a class=\"boton\" id=\"enlace-reunion\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">Abrir la reunión en Zoom</a></p>",
                            escape(&meeting.start_url)
                        ));
                    }
                    if meeting.running {
                        // The guide's step 11a, offered here for when it was forgotten.
                        html.push_str(
                            "<p><button type=\"button\" id=\"finalizar-reunion\">Finalizar la reunión para todos</button></p>",
                        );
                    }
                }
                if let Some(observations) = assignment
                    .taxpayer_observations
                    .as_deref()
                    .filter(|o| !o.is_empty())
                {
                    html.push_str(&format!(
                        "<p>Observaciones del contribuyente al abandonar: <span class=\"obs\">{}</span></p>",
                        escape(observations)
                    ));
                }
                html.push_str(&finalization_html(body.state, assignment));
                html.push_str(&history_html(&assignment.history, operator_name));
            }
        }
    }
    html.push_str("</div>");
    html
}

/// Only web links become hrefs: a provider's URL is never `javascript:`.
fn is_web_link(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"))
}

/// "Servicios Activos": "CODE: description - hours" per line.
fn services_html(body: &ConsoleBody, heading: &str, active_only: bool) -> String {
    let lines: String = body
        .services
        .iter()
        .filter(|service| !active_only || service.active)
        .map(|service| {
            format!(
                "<li>{}: {} - {}</li>",
                escape(&service.code),
                escape(&service.description),
                escape(&service.hours)
            )
        })
        .collect();
    format!("<h2>{heading}</h2><ul id=\"servicios\">{lines}</ul>")
}

fn taxpayer_html(assignment: &AssignmentBody) -> String {
    format!(
        "<dl class=\"datos\"><dt>NIF:</dt><dd id=\"nif\">{}</dd><dt>Nombre:</dt><dd>{}</dd>\
         <dt>Servicio:</dt><dd>{} - {}</dd><dt>Autenticación:</dt><dd>{}</dd></dl>",
        escape(&assignment.nif),
        escape(&assignment.name),
        escape(&assignment.service.code),
        escape(&assignment.service.description),
        escape(&assignment.authentication)
    )
}

/// "Anotaciones sobre el contribuyente": earlier attentions, newest first.
fn history_html(history: &[HistoryLine], operator_name: &dyn Fn(&str) -> String) -> String {
    let mut html = String::from("<h2>Anotaciones sobre el contribuyente</h2>");
    if history.is_empty() {
        html.push_str("<p>No hay anotaciones anteriores sobre el contribuyente.</p>");
        return html;
    }
    html.push_str(
        "<table id=\"anotaciones\"><thead><tr><th>Fecha/hora</th><th>Operador</th><th>Servicio</th>\
         <th>Resultado</th><th>Observaciones/Anotaciones</th></tr></thead><tbody>",
    );
    for line in history {
        let operator = match &line.operator_id {
            Some(id) => escape(&operator_name(id)),
            // The ticket ended in the queue: nobody attended it.
            None => "Ninguno (la solicitud terminó en la cola)".to_string(),
        };
        let mut observations = escape(&line.observations);
        if let Some(written) = &line.taxpayer_observations {
            observations.push_str(&format!(
                "<br><em>Observaciones del contribuyente al abandonar:</em> {}",
                escape(written)
            ));
        }
        if line.abandon_reason == Some("absent") && line.operator_id.is_some() {
            observations.push_str(
                "<br><em>El contribuyente perdió la conexión antes de aceptar la videoconferencia.</em>",
            );
        }
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"obs\">{}</td></tr>",
            escape(&guide_datetime(&line.at)),
            operator,
            escape(&line.service),
            escape(line.outcome_label),
            observations
        ));
    }
    html.push_str("</tbody></table>");
    html
}

/// The finalization form of the in-meeting and abandoned screens.
fn finalization_html(state: ConsoleState, assignment: &AssignmentBody) -> String {
    let preselected =
        (state == ConsoleState::TaxpayerAbandoned).then_some(Outcome::TaxpayerAbandoned);
    let mut options = format!(
        "<option value=\"\"{}>(Seleccionar)</option>",
        if preselected.is_none() {
            " selected"
        } else {
            ""
        }
    );
    for outcome in Outcome::ALL {
        options.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            outcome.as_str(),
            if preselected == Some(outcome) {
                " selected"
            } else {
                ""
            },
            outcome.label()
        ));
    }
    let representation = if assignment.representation_allowed {
        "<p>En caso de representación consigne el NIF del receptor de la asistencia.</p>\
         <label for=\"nif-representado\">NIF Representado</label>\
         <input type=\"text\" id=\"nif-representado\" maxlength=\"20\" autocomplete=\"off\">\
         <p class=\"error\" id=\"error-nif\" hidden></p>\
         <p class=\"nota\">Nota: En caso de representación deberá seguirse el protocolo establecido para el servicio.</p>"
    } else {
        ""
    };
    format!(
        "<form id=\"finalizacion\"><label for=\"resultado\">* Finalización</label>\
         <select id=\"resultado\">{options}</select><p class=\"error\" id=\"error-resultado\" hidden></p>\
         <label for=\"observaciones\">Observaciones/Anotaciones (Si el contribuyente atendido pide otra videoasistencia, \
         este dato será visible por el operador que se le asigne)</label>\
         <textarea id=\"observaciones\" maxlength=\"1000\"></textarea>\
         <p class=\"error\" id=\"error-observaciones\" hidden></p>\
         <p class=\"aviso\">No actúe en esta pantalla hasta no finalizar la reunión en Zoom con el contribuyente, \
         cuando ésta haya concluido.</p>\
         <button type=\"button\" id=\"finalizar-atender\">Finalizar y Atender siguiente</button>\
         <button type=\"button\" id=\"finalizar-interrumpir\">Finalizar e Interrumpir</button>\
         {representation}</form>"
    )
}

/// The console's behaviour: countdown and poll, buttons, and keeping the
/// finalization form across reloads (sessionStorage, per ticket).
const CONSOLE_JS: &str = r#"
const consola=document.getElementById('consola');
const poll=Number(consola.dataset.poll)||9;
const estado=consola.dataset.state;
const ticket=consola.dataset.ticket;
let etag=consola.dataset.etag;
let remaining=poll;
const formKey='ventanilla_finalizacion_'+ticket;
function field(id){return document.getElementById(id);}
function saveForm(){
  if(!ticket||!field('resultado'))return;
  const nif=field('nif-representado');
  sessionStorage.setItem(formKey,JSON.stringify({state:estado,outcome:field('resultado').value,observations:field('observaciones').value,nif:nif?nif.value:''}));
}
function restoreForm(){
  if(!ticket||!field('resultado'))return;
  let saved=null;
  try{saved=JSON.parse(sessionStorage.getItem(formKey)||'null');}catch(e){}
  if(!saved)return;
  if(saved.state===estado)field('resultado').value=saved.outcome;
  field('observaciones').value=saved.observations||'';
  const nif=field('nif-representado');if(nif)nif.value=saved.nif||'';
}
restoreForm();
['resultado','observaciones','nif-representado'].forEach(function(id){const el=field(id);if(el)el.addEventListener('input',saveForm);});
async function refresh(){
  let response;
  try{response=await fetch('/api/v1/operator/console',{headers:{'If-None-Match':etag},credentials:'same-origin',cache:'no-store'});}catch(e){return;}
  if(response.status===304)return;
  if(response.status===401){location.reload();return;}
  if(response.ok){const tag=response.headers.get('ETag');if(tag&&tag!==etag){etag=tag;saveForm();location.reload();}}
}
setInterval(function(){
  remaining-=1;
  const counter=field('cuenta-atras');if(counter)counter.textContent=String(Math.max(remaining,0));
  if(remaining<=0){remaining=poll;refresh();}
},1000);
async function command(path,body,errorFor){
  clearErrors();
  const result=await api('POST',path,body);
  if(result.ok)return result;
  if(result.code==='unauthenticated'){location.reload();return null;}
  showError((errorFor&&errorFor[result.code])||'error-general',result.code);
  if(result.code==='invalid_state'){setTimeout(function(){location.reload();},2500);}
  return null;
}
function on(id,handler){const el=field(id);if(el)el.addEventListener('click',handler);}
on('atender',async function(){if(await command('/api/v1/operator/attend'))location.reload();});
on('interrumpir',async function(){if(await command('/api/v1/operator/interrupt'))location.reload();});
on('finalizar-reunion',async function(){if(await command('/api/v1/operator/meeting/end'))location.reload();});
on('iniciar',async function(){
  const result=await command('/api/v1/operator/start');
  if(result){if(result.data&&result.data.start_url)window.open(result.data.start_url,'_blank','noopener');location.reload();}
});
async function finalize(next){
  const nif=field('nif-representado');
  const body={outcome:field('resultado').value,observations:field('observaciones').value,represented_nif:nif&&nif.value.trim()?nif.value.trim():null,next:next};
  const errors={invalid_outcome:'error-resultado',observations_too_long:'error-observaciones',invalid_nif:'error-nif',representation_not_allowed:'error-nif'};
  if(await command('/api/v1/operator/finalize',body,errors)){sessionStorage.removeItem(formKey);location.reload();}
}
on('finalizar-atender',function(){finalize('attend');});
on('finalizar-interrumpir',function(){finalize('interrupt');});
"#;

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
    let rows: String = list
        .services
        .iter()
        .map(|service| {
            let hours = catalog
                .service_by_text(&service.code)
                .map(|s| s.hours_text())
                .unwrap_or_default();
            let code = escape(&service.code);
            let (yes, no) = if service.available { (" checked", "") } else { ("", " checked") };
            format!(
                "<tr data-code=\"{code}\"><td>{code}</td><td>{}</td><td>{}</td><td class=\"radio\">\
                 <label><input type=\"radio\" name=\"disp-{code}\" value=\"si\"{yes}> SÍ</label>\
                 <label><input type=\"radio\" name=\"disp-{code}\" value=\"no\"{no}> NO</label></td></tr>",
                escape(&service.description),
                escape(&hours)
            )
        })
        .collect();
    Page {
        title: "Gestión disponibilidad operador",
        nav: operator_nav(&state),
        body: format!(
            "<h1>Gestión disponibilidad operador</h1>\
             <dl class=\"datos\"><dt>Operador:</dt><dd>{}</dd><dt>Nombre:</dt><dd>{}</dd></dl>\
             <p>Póngase como disponible (Disponible = SÍ) en el servicio o servicios que tenga que prestar. \
             Sólo es necesario hacerlo una vez mientras preste esos servicios habitualmente.</p>\
             <form id=\"disponibilidad\"><table><thead><tr><th>Servicio</th><th>Descripción</th><th>Horario</th>\
             <th>Disponible</th></tr></thead><tbody>{rows}</tbody></table>\
             <p class=\"error\" id=\"error-disponibilidad\" hidden></p>\
             <p class=\"nota\" id=\"guardado\" hidden>Disponibilidad guardada.</p>\
             <button type=\"submit\">Guardar</button> \
             <a href=\"/operador\">Acceso a la Consola de Operador</a></form>",
            escape(operator.as_str()),
            escape(&name)
        ),
        script: format!(
            "{LOGOUT_JS}{}",
            r#"
document.getElementById('disponibilidad').addEventListener('submit',async function(event){
  event.preventDefault();clearErrors();field('guardado').hidden=true;
  const services={};
  document.querySelectorAll('tr[data-code]').forEach(function(row){
    const checked=row.querySelector('input:checked');services[row.dataset.code]=!!checked&&checked.value==='si';
  });
  const result=await api('PUT','/api/v1/operator/availability',{services:services});
  if(result.ok){field('guardado').hidden=false;}
  else if(result.code==='unauthenticated'){location.reload();}
  else{showError('error-disponibilidad',result.code);}
});
function field(id){return document.getElementById(id);}
"#
        ),
    }
    .render()
}
