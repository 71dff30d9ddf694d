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
    let options: String = services
        .iter()
        .map(|service| {
            format!(
                "<option value=\"{}\">{} - {}{}</option>",
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
        .map(|service| {
            format!(
                "<li>{}: {} - {}</li>",
                escape(&service.code),
                escape(&service.description),
                escape(&service.hours)
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

const JOIN_JS: &str = r#"
function field(id){return document.getElementById(id);}
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
  else if(['unknown_service','service_closed','already_waiting'].indexOf(result.code)>=0)target='error-servicio';
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
            "<div id=\"ticket\" data-ticket=\"{id}\" data-poll=\"{poll}\">\
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
let etag=null;let remaining=poll;let finished=false;
const sections={waiting:'en-espera',assigned:'asignado',accepted:'aceptado',finished:'terminado',abandoned:'abandonado'};
function set(name,text){document.querySelectorAll('[data-campo="'+name+'"]').forEach(function(el){el.textContent=text==null?'':String(text);});}
function waitText(seconds){if(seconds==null)return '';const minutes=Math.ceil(seconds/60);return minutes<=1?'1 minuto aproximadamente':minutes+' minutos aproximadamente';}
// The demo room on this site needs the ticket's token: it travels in the
// fragment, which no server sees.
function roomLink(url){return /^\/reunion\/[0-9]+$/.test(url)&&token?url+'#'+encodeURIComponent(token):url;}
function isWebLink(url){return /^https?:\/\//.test(url)||(/^\//.test(url)&&!/^\/\//.test(url));}
function render(t){
  Object.keys(sections).forEach(function(state){field(sections[state]).hidden=(state!==t.state);});
  field('abandonar-bloque').hidden=!(t.state==='waiting'||t.state==='assigned'||t.state==='accepted');
  set('servicio',t.service_description||t.service);
  set('posicion',t.position);set('espera',waitText(t.estimated_wait_seconds));
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
  if(!token){noAccess();return;}
  const headers={'Authorization':'Bearer '+token};if(etag)headers['If-None-Match']=etag;
  let response;
  try{response=await fetch('/api/v1/tickets/'+encodeURIComponent(ticketId),{headers:headers,cache:'no-store'});}catch(e){return;}
  if(response.status===304)return;
  // A token this browser kept that no longer opens the ticket: it was taken up elsewhere.
  if(response.status===401){localStorage.removeItem(key);noAccess('acceso-sustituido');return;}
  // Unknown here: it ended and its retention ran out.
  if(response.status===404){localStorage.removeItem(key);noAccess('solicitud-caducada');return;}
  if(!response.ok)return;
  etag=response.headers.get('ETag');
  render(await response.json());
}
refresh();
setInterval(function(){
  if(finished)return;
  remaining-=1;
  const counter=field('cuenta-atras');if(counter)counter.textContent=String(Math.max(remaining,0));
  if(remaining<=0){remaining=poll;refresh();}
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
