//! `/contribuyente` (the join form) and `/contribuyente/{ticket_id}` (the
//! ticket page: the queue while waiting, then the guide's "Acceso a
//! videoasistencia" screen and the meeting link).
//!
//! The ticket's token never travels in a URL the server sees: the join form
//! keeps it in the browser's localStorage (a `#token` fragment is accepted and
//! moved there), and the page's script sends it as a bearer token. So the
//! ticket page is a shell the script fills in, always with `textContent`.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use engine::ticket::TicketId;

use super::{escape, not_found_page, Page};
use crate::routes::services::public_services;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contribuyente", get(join_page))
        .route("/contribuyente/{ticket_id}", get(ticket_page))
}

async fn join_page(State(state): State<AppState>) -> Response {
    let services = public_services(&state).services;
    let notices: Vec<Option<String>> = services
        .iter()
        .map(|service| join_notice(&state, &service.code, service.waiting))
        .collect();
    let options: String = services
        .iter()
        .zip(&notices)
        .map(|(service, notice)| {
            // The notice travels with the option, so that the form shows it
            // as soon as the service is chosen, before joining.
            let notice = notice
                .as_ref()
                .map(|text| format!(" data-aviso=\"{}\"", escape(text)))
                .unwrap_or_default();
            format!(
                "<option value=\"{}\"{notice}>{} - {}{}</option>",
                escape(&service.code),
                escape(&service.code),
                escape(&service.description),
                if service.open {
                    ""
                } else {
                    " (fuera de horario)"
                }
            )
        })
        .collect();
    let hours: String = services
        .iter()
        .zip(&notices)
        .map(|(service, notice)| {
            let nobody = state
                .engine
                .catalog()
                .service_by_text(&service.code)
                .filter(|_| service.open)
                .is_some_and(|found| state.engine.views().waits().on_duty(&found.code) == 0);
            format!(
                "<li>{}: {} - {}{}{}</li>",
                escape(&service.code),
                escape(&service.description),
                escape(&service.hours),
                if nobody {
                    format!(" <em>{}</em>", escape(NO_OPERATOR))
                } else {
                    String::new()
                },
                notice
                    .as_ref()
                    .map(|text| format!(" <strong>{}</strong>", escape(text)))
                    .unwrap_or_default(),
            )
        })
        .collect();
    Page {
        title: "Solicitud de videoasistencia",
        nav: String::new(),
        body: format!(
            "<h1>Solicitud de videoasistencia</h1>\
             <form id=\"solicitud\" novalidate>\
             <label for=\"servicio\">Servicio</label>\
             <select id=\"servicio\"><option value=\"\">(Seleccionar)</option>{options}</select>\
             <p class=\"aviso\" id=\"aviso-servicio\" hidden></p>\
             <p class=\"error\" id=\"error-servicio\" hidden></p>\
             <label for=\"nif\">NIF/NIE</label>\
             <input type=\"text\" id=\"nif\" maxlength=\"20\" autocomplete=\"off\">\
             <p class=\"error\" id=\"error-nif\" hidden></p>\
             <label for=\"nombre\">Nombre</label>\
             <input type=\"text\" id=\"nombre\" maxlength=\"200\" autocomplete=\"name\">\
             <p class=\"error\" id=\"error-nombre\" hidden></p>\
             <label for=\"contraste\">Fecha/Dato de contraste</label>\
             <input type=\"text\" id=\"contraste\" maxlength=\"100\" autocomplete=\"off\">\
             <p class=\"error\" id=\"error-contraste\" hidden></p>\
             <p class=\"error\" id=\"error-general\" hidden></p>\
             <button type=\"submit\">Solicitar videoasistencia</button></form>\
             <h2>Horario de los servicios</h2><ul>{hours}</ul>"
        ),
        script: JOIN_JS.to_string(),
    }
    .render()
}

/// What the pages say instead of a number when nobody serves the service.
const NO_OPERATOR: &str = "Ahora mismo no hay ningún operador atendiendo este servicio.";

/// The join form's word about `code` for someone joining now, if the
/// estimate says their attention would start after closing time today.
fn join_notice(state: &AppState, code: &str, waiting: u32) -> Option<String> {
    let engine = &state.engine;
    let catalog = engine.catalog();
    let service = catalog.service_by_text(code)?;
    let estimate = engine
        .views()
        .estimate(&service.code, waiting, engine.now());
    if !estimate.past_closing {
        return None;
    }
    Some(if catalog.refuse_joins_past_closing {
        "Con la cola actual, la atención de quien lo solicite ahora empezaría después de la hora de cierre de hoy, y este servicio no atiende fuera de su horario: no se admiten nuevas solicitudes hasta que la cola avance.".to_string()
    } else {
        "Aviso: con la cola actual, la atención de quien lo solicite ahora empezaría previsiblemente después de la hora de cierre de hoy. Puede solicitarla igualmente: se atiende a todos los que ya están en la cola.".to_string()
    })
}

const JOIN_JS: &str = r#"
function field(id){return document.getElementById(id);}
field('servicio').addEventListener('change',function(){
  const chosen=field('servicio').selectedOptions[0];
  const notice=field('aviso-servicio');
  const text=chosen?chosen.getAttribute('data-aviso'):null;
  notice.textContent=text||'';notice.hidden=!text;
});
document.getElementById('solicitud').addEventListener('submit',async function(event){
  event.preventDefault();clearErrors();
  const body={service:field('servicio').value,nif:field('nif').value.trim(),name:field('nombre').value.trim(),contrast:field('contraste').value.trim()};
  if(!body.service){showError('error-servicio','unknown_service');return;}
  const result=await api('POST','/api/v1/tickets',body);
  if(result.ok){
    localStorage.setItem('ventanilla_ticket_'+result.data.ticket_id,result.data.token);
    location.href='/contribuyente/'+encodeURIComponent(result.data.ticket_id);
    return;
  }
  let target='error-general';
  const message=(result.data&&result.data.error&&result.data.error.message)||'';
  if(result.code==='invalid_nif')target='error-nif';
  else if(result.code==='identity_not_verified')target='error-contraste';
  else if(['unknown_service','service_closed','service_closing','already_waiting'].indexOf(result.code)>=0)target='error-servicio';
  else if(result.code==='invalid_request'&&message.indexOf('name')===0)target='error-nombre';
  else if(result.code==='invalid_request'&&message.indexOf('contrast')===0)target='error-contraste';
  showError(target,result.code);
});
"#;

async fn ticket_page(State(state): State<AppState>, Path(ticket_id): Path<String>) -> Response {
    // Only the id's shape is checked here: whether it exists is the API's
    // answer to the token holder, not something to tell any passer-by.
    if ticket_id.parse::<TicketId>().is_err() {
        return not_found_page().await;
    }
    Page {
        title: "Acceso a videoasistencia",
        nav: String::new(),
        body: format!(
            "<div id=\"ticket\" data-ticket=\"{id}\" data-poll=\"{poll}\" data-sin-operador=\"{no_operator}\">\
             <h1>Videoasistencia</h1>\
             <p class=\"error\" id=\"error-general\" hidden></p>\
             <section id=\"sin-acceso\" hidden><p>No se encuentra el acceso a esta solicitud en este navegador. \
             Puede <a href=\"/contribuyente\">solicitar videoasistencia</a> de nuevo.</p></section>\
             <section id=\"solicitud-caducada\" hidden><p>Esta solicitud ha finalizado y ya no se muestra: \
             las solicitudes terminadas se conservan un tiempo limitado. Puede \
             <a href=\"/contribuyente\">solicitar videoasistencia</a> de nuevo.</p></section>\
             <section id=\"acceso-sustituido\" hidden><p>Esta solicitud se ha retomado desde otro navegador o dispositivo, \
             y el acceso guardado en este ya no es válido. Siga la solicitud en el navegador desde el que la retomó.</p></section>\
             <section id=\"en-espera\" hidden><h2>Su solicitud está en espera</h2>\
             <dl class=\"datos\"><dt>Servicio:</dt><dd data-campo=\"servicio\"></dd>\
             <dt>Posición en la cola:</dt><dd data-campo=\"posicion\"></dd>\
             <dt>Tiempo estimado de espera:</dt><dd data-campo=\"espera\"></dd></dl>\
             <p class=\"aviso\" id=\"aviso-subida\" hidden></p>\
             <p class=\"aviso\" id=\"aviso-cierre\" hidden>Según la estimación actual, su atención empezaría después \
             de la hora de cierre del servicio. Se atiende a todos los que ya están en la cola, pero puede que tenga que \
             esperar más allá del horario. Puede seguir esperando o abandonar.</p>\
             <p>Próxima actualización en: <span id=\"cuenta-atras\">{poll}</span> seg.</p>\
             <p>No cierre esta página: cuando se le asigne un operador aparecerá aquí el acceso a la videoasistencia.</p></section>\
             <section id=\"asignado\" hidden><h2>Acceso a videoasistencia</h2>\
             <dl class=\"datos\"><dt>NIF:</dt><dd data-campo=\"nif\"></dd><dt>Nombre:</dt><dd data-campo=\"nombre\"></dd>\
             <dt>Servicio:</dt><dd data-campo=\"servicio\"></dd></dl>\
             <p data-campo=\"aviso-grabacion\"></p>\
             <p><strong>Se le ha asignado un operador.</strong></p>\
             <dl class=\"datos\"><dt>Operador:</dt><dd data-campo=\"operador\"></dd>\
             <dt>Número de identificación:</dt><dd data-campo=\"identificacion\"></dd></dl>\
             <p>Si está de acuerdo con lo descrito en esta página, pulse en 'Aceptar y Acceder a la videoconferencia' \
             para iniciar la conversación.</p>\
             <button type=\"button\" id=\"aceptar\">Aceptar y Acceder a la videoconferencia</button></section>\
             <section id=\"aceptado\" hidden><h2>Acceso a videoasistencia</h2>\
             <dl class=\"datos\"><dt>Operador:</dt><dd data-campo=\"operador\"></dd>\
             <dt>Número de identificación:</dt><dd data-campo=\"identificacion\"></dd></dl>\
             <p id=\"enlace-pendiente\">El operador está iniciando la reunión. En unos segundos aparecerá aquí el enlace.</p>\
             <p><a class=\"boton\" id=\"enlace-reunion\" hidden target=\"_blank\" rel=\"noopener noreferrer\">\
             Acceder a la videoconferencia</a></p></section>\
             <section id=\"terminado\" hidden><p>La videoasistencia ha finalizado. Gracias por utilizar el servicio.</p></section>\
             <section id=\"abandonado\" hidden><p id=\"abandono-propio\">Ha abandonado la videoasistencia.</p>\
             <p id=\"abandono-ausencia\" hidden>Su solicitud se ha dado por abandonada porque esta página dejó de \
             responder durante demasiado tiempo (se cerró, perdió la conexión o el dispositivo se bloqueó).</p>\
             <p>Puede <a href=\"/contribuyente\">solicitar videoasistencia</a> de nuevo.</p></section>\
             <section id=\"abandonar-bloque\" hidden>\
             <button type=\"button\" class=\"secundario\" id=\"abandonar\">Abandonar</button>\
             <label for=\"observaciones\">Observaciones (en caso de abandonar)</label>\
             <textarea id=\"observaciones\" maxlength=\"1000\"></textarea>\
             <p class=\"error\" id=\"error-observaciones\" hidden></p></section></div>",
            id = escape(&ticket_id),
            poll = state.poll_seconds(),
            no_operator = escape(NO_OPERATOR),
        ),
        script: TICKET_JS.to_string(),
    }
    .render()
}

const TICKET_JS: &str = r#"
function field(id){return document.getElementById(id);}
const root=field('ticket');
const ticketId=root.dataset.ticket;
const poll=Number(root.dataset.poll)||9;
const key='ventanilla_ticket_'+ticketId;
// localStorage, not sessionStorage: a taxpayer who closes the tab can open
// the ticket page again in the same browser and keep their place.
if(location.hash.length>1){localStorage.setItem(key,decodeURIComponent(location.hash.slice(1)));history.replaceState(null,'',location.pathname);}
const token=localStorage.getItem(key);
let etag=null;let finished=false;
// The countdown follows the clock, not the count of ticks: Chromium wakes the
// timers of a tab hidden for five minutes only about once a minute, and the
// figure must be right after such a wake-up. It never polls: the held polls
// below chain without timers, so a hidden tab keeps its heartbeat.
let nextPoll=Date.now()+poll*1000;
const sections={waiting:'en-espera',assigned:'asignado',accepted:'aceptado',finished:'terminado',abandoned:'abandonado'};
function set(name,text){document.querySelectorAll('[data-campo="'+name+'"]').forEach(function(el){el.textContent=text==null?'':String(text);});}
const noOperator=root.dataset.sinOperador;
const riseReasons={operator_left:'El tiempo estimado ha aumentado porque un operador ha dejado de atender este servicio.',attention_running_long:'El tiempo estimado ha aumentado porque alguna de las atenciones en curso está durando más de lo habitual.'};
let lastMinutes=null;
function minutesOf(seconds){return Math.max(1,Math.round(seconds/60));}
function waitText(seconds){if(seconds==null)return noOperator;if(seconds<30)return 'menos de 1 minuto';const minutes=minutesOf(seconds);return minutes===1?'1 minuto aproximadamente':minutes+' minutos aproximadamente';}
function showRise(t){
  const rise=field('aviso-subida');
  if(t.state!=='waiting'||t.estimated_wait_seconds==null){rise.hidden=true;return;}
  const minutes=minutesOf(t.estimated_wait_seconds);
  if(lastMinutes!=null&&minutes>lastMinutes){rise.textContent=riseReasons[t.estimate_reason]||'El tiempo estimado ha aumentado: las atenciones en curso se están alargando.';rise.hidden=false;}
  else if(lastMinutes!=null&&minutes<lastMinutes){rise.hidden=true;}
  lastMinutes=minutes;
}
// The demo room on this site needs the ticket's token: it travels in the
// fragment, which no server sees.
function roomLink(url){return /^\/reunion\/[0-9]+$/.test(url)&&token?url+'#'+encodeURIComponent(token):url;}
function isWebLink(url){return /^https?:\/\//.test(url)||(/^\//.test(url)&&!/^\/\//.test(url));}
function render(t){
  Object.keys(sections).forEach(function(state){field(sections[state]).hidden=(state!==t.state);});
  field('abandonar-bloque').hidden=!(t.state==='waiting'||t.state==='assigned'||t.state==='accepted');
  set('servicio',t.service_description||t.service);
  set('posicion',t.position);set('espera',waitText(t.estimated_wait_seconds));
  field('aviso-cierre').hidden=!(t.state==='waiting'&&t.estimate_past_closing);
  showRise(t);
  set('nif',t.nif);set('nombre',t.name);set('aviso-grabacion',t.recording_notice);
  set('operador',t.operator?t.operator.name:'');set('identificacion',t.operator?t.operator.id_number:'');
  const link=field('enlace-reunion');
  if(t.join_url&&isWebLink(t.join_url)){link.href=roomLink(t.join_url);link.hidden=false;field('enlace-pendiente').hidden=true;}
  field('abandono-ausencia').hidden=(t.abandon_reason!=='absent');
  field('abandono-propio').hidden=(t.abandon_reason==='absent');
  finished=(t.state==='finished'||t.state==='abandoned');
  if(finished)localStorage.removeItem(key);
}
function noAccess(section){Object.keys(sections).forEach(function(state){field(sections[state]).hidden=true;});field('abandonar-bloque').hidden=true;field(section||'sin-acceso').hidden=false;finished=true;}
async function refresh(){
  if(!token){noAccess();return 'stop';}
  const headers={'Authorization':'Bearer '+token};if(etag)headers['If-None-Match']=etag;
  let response;
  try{response=await fetch('/api/v1/tickets/'+encodeURIComponent(ticketId)+'?wait='+WAIT_SECONDS,{headers:headers,cache:'no-store'});}catch(e){return 'failed';}
  if(response.status===304)return finished?'stop':'same';
  // A token this browser kept that no longer opens the ticket: it was taken up elsewhere.
  if(response.status===401){localStorage.removeItem(key);noAccess('acceso-sustituido');return 'stop';}
  // Unknown here: it ended and its retention ran out.
  if(response.status===404){localStorage.removeItem(key);noAccess('solicitud-caducada');return 'stop';}
  if(!response.ok)return 'failed';
  etag=response.headers.get('ETag');
  render(await response.json());
  return finished?'stop':(etag?'changed':'failed');
}
holdPolls(poll,refresh);
setInterval(function(){
  if(finished)return;
  const remaining=Math.ceil((nextPoll-Date.now())/1000);
  const counter=field('cuenta-atras');if(counter)counter.textContent=String(Math.max(remaining,0));
  // The countdown is the guide's; the held polls above bring every change.
  if(remaining<=0)nextPoll=Date.now()+poll*1000;
},1000);
const bearer={'Authorization':'Bearer '+token};
// Closing the tab says so at once (a reload says it too, then polls again
// within a second: the server never ends a ticket on this alone).
window.addEventListener('pagehide',function(){
  if(!token||finished)return;
  try{fetch('/api/v1/tickets/'+encodeURIComponent(ticketId)+'/leave',{method:'POST',headers:bearer,keepalive:true});}catch(e){}
});
field('aceptar').addEventListener('click',async function(){
  clearErrors();
  const result=await api('POST','/api/v1/tickets/'+encodeURIComponent(ticketId)+'/accept',undefined,bearer);
  if(!result.ok){showError('error-general',result.code);}
  etag=null;refresh();
});
field('abandonar').addEventListener('click',async function(){
  if(!confirm('¿Desea abandonar la videoasistencia?'))return;
  clearErrors();
  const result=await api('POST','/api/v1/tickets/'+encodeURIComponent(ticketId)+'/abandon',{observations:field('observaciones').value},bearer);
  if(!result.ok){showError(result.code==='observations_too_long'?'error-observaciones':'error-general',result.code);}
  etag=null;refresh();
});
"#;
