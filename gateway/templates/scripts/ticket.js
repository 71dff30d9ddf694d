function field(id){return document.getElementById(id);}
function fill(template,values){return template.replace(/\{(\w+)\}/g,function(all,name){return name in values?String(values[name]):all;});}
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
const extraSections=['sin-acceso','solicitud-caducada','acceso-sustituido'];
// Only what changed is written: an unchanged text node is not touched, so a
// screen reader's live region says only news, and nothing under the
// taxpayer's hands (focus, the Observaciones text) is ever rebuilt.
function setText(el,text){const value=text==null?'':String(text);if(el.textContent!==value)el.textContent=value;}
function set(name,text){document.querySelectorAll('[data-campo="'+name+'"]').forEach(function(el){setText(el,text);});}
function show(el,visible){if(el.hidden===visible)el.hidden=!visible;}
function announce(text){setText(field('anuncio'),text);}
let lastMinutes=null;
function minutesOf(seconds){return Math.max(1,Math.round(seconds/60));}
function waitText(seconds){if(seconds==null)return root.dataset.sinOperador||TEXTS.noOperator;if(seconds<30)return TEXTS.lessThanMinute;const minutes=minutesOf(seconds);return minutes===1?TEXTS.oneMinute:fill(TEXTS.minutes,{minutes:minutes});}
const riseReasons={operator_left:TEXTS.riseOperatorLeft,attention_running_long:TEXTS.riseRunningLong};
function showRise(t){
  const rise=field('aviso-subida');
  if(t.state!=='waiting'||t.estimated_wait_seconds==null){show(rise,false);return;}
  const minutes=minutesOf(t.estimated_wait_seconds);
  if(lastMinutes!=null&&minutes>lastMinutes){setText(rise,riseReasons[t.estimate_reason]||TEXTS.riseOther);show(rise,true);}
  else if(lastMinutes!=null&&minutes<lastMinutes){show(rise,false);}
  lastMinutes=minutes;
}
// The demo room on this site needs the ticket's token: it travels in the
// fragment, which no server sees.
function roomLink(url){return /^\/reunion\/[0-9]+$/.test(url)&&token?url+'#'+encodeURIComponent(token):url;}
function isWebLink(url){return /^https?:\/\//.test(url)||(/^\//.test(url)&&!/^\/\//.test(url));}
// The guide's one press: "Aceptar y Acceder a la videoconferencia" opens a
// tab at once (a browser allows it only during the press), which shows the
// meeting as soon as it exists.
let meetingTab=null;let meetingOpened=false;
function openMeeting(url){
  const link=field('enlace-reunion');
  link.href=roomLink(url);show(link,true);
  show(field('enlace-pendiente'),false);
  if(meetingOpened)return;
  meetingOpened=true;
  if(meetingTab&&!meetingTab.closed){
    try{meetingTab.location.replace(link.href);show(field('enlace-abierto'),true);announce(TEXTS.announceOpened);document.title=TEXTS.titleMeeting;return;}catch(e){}
  }
  // No tab (a reload, or the browser refused it): the link, said and focused.
  announce(TEXTS.announceReady);document.title=TEXTS.titleMeeting;
  link.focus();
}
let lastState=null;
function titleFor(t){
  switch(t.state){
    case 'waiting':return fill(TEXTS.titleWaiting,{position:t.position==null?'-':t.position});
    case 'assigned':return TEXTS.titleAssigned;
    case 'accepted':return meetingOpened?TEXTS.titleMeeting:TEXTS.titleAccepted;
    case 'finished':return TEXTS.titleFinished;
    default:return TEXTS.titleAbandoned;
  }
}
// Focus that would fall to <body> with a section being hidden goes to the
// section that replaces it.
function keepFocus(sectionId){
  const active=document.activeElement;
  if(!active||active===document.body||active.offsetParent!==null)return;
  const target=field(sectionId).querySelector('[tabindex="-1"]:not([hidden]),button,a[href]:not([hidden])');
  if(target)target.focus();
}
function render(t){
  Object.keys(sections).forEach(function(state){show(field(sections[state]),state===t.state);});
  extraSections.forEach(function(id){show(field(id),false);});
  show(field('abandonar-bloque'),t.state==='waiting'||t.state==='assigned'||t.state==='accepted');
  set('servicio',t.service_description||t.service);
  set('posicion',t.position);set('espera',waitText(t.estimated_wait_seconds));
  show(field('aviso-cierre'),t.state==='waiting'&&t.estimate_past_closing);
  showRise(t);
  set('nif',t.nif);set('nombre',t.name);
  set('operador',t.operator?t.operator.name:'');set('identificacion',t.operator?t.operator.id_number:'');
  show(field('abandono-ausencia'),t.abandon_reason==='absent');
  show(field('abandono-propio'),t.abandon_reason!=='absent');
  if(t.state!==lastState){
    if(t.state==='assigned')announce(TEXTS.announceAssigned);
    else if(t.state==='finished')announce(TEXTS.announceFinished);
    else if(t.state==='abandoned')announce(t.abandon_reason==='absent'?TEXTS.announceAbsent:TEXTS.announceAbandoned);
  }
  if(t.state==='accepted'&&t.join_url&&isWebLink(t.join_url))openMeeting(t.join_url);
  if(t.state!==lastState){
    if(lastState!==null)keepFocus(sections[t.state]);
    lastState=t.state;
  }
  document.title=titleFor(t);
  finished=(t.state==='finished'||t.state==='abandoned');
  if(finished){localStorage.removeItem(key);if(meetingTab&&!meetingOpened&&!meetingTab.closed)meetingTab.close();}
}
function noAccess(section){
  Object.keys(sections).forEach(function(state){show(field(sections[state]),false);});
  show(field('abandonar-bloque'),false);show(field(section),true);
  document.title=TEXTS.titleNoAccess;finished=true;
}
// A poll that fails says so, with how long the place is kept (WCAG 2.2.1):
// nothing times out while the page polls; the page keeps trying by itself.
let failedSince=null;
function connection(ok){
  const warning=field('aviso-conexion');
  if(ok){failedSince=null;show(warning,false);return;}
  if(failedSince===null)failedSince=Date.now();
  if(Date.now()-failedSince>=5000){setText(warning,TEXTS.connectionLost);show(warning,true);}
}
async function refresh(){
  if(!token){noAccess('sin-acceso');return 'stop';}
  const headers={'Authorization':'Bearer '+token};if(etag)headers['If-None-Match']=etag;
  let response;
  try{response=await fetch('/api/v1/tickets/'+encodeURIComponent(ticketId)+'?wait='+WAIT_SECONDS,{headers:headers,cache:'no-store'});}catch(e){connection(false);return 'failed';}
  connection(response.status<500);
  if(response.status===304)return finished?'stop':'same';
  // A token this browser kept that no longer opens the ticket: it was taken up elsewhere.
  if(response.status===401){localStorage.removeItem(key);noAccess('acceso-sustituido');return 'stop';}
  // Unknown here: it ended and its retention ran out.
  if(response.status===404){localStorage.removeItem(key);noAccess('solicitud-caducada');return 'stop';}
  if(!response.ok)return 'failed';
  etag=response.headers.get('ETag');
  let body;try{body=await response.json();}catch(e){return 'failed';}
  render(body);
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
let accepting=false;
field('aceptar').addEventListener('click',async function(){
  if(accepting)return;
  accepting=true;setText(field('error-general'),'');
  // Opened now, during the press; filled in when the meeting exists.
  try{meetingTab=window.open('','_blank');}catch(e){meetingTab=null;}
  if(meetingTab){try{meetingTab.opener=null;meetingTab.document.title=TEXTS.opening;meetingTab.document.body.textContent=TEXTS.opening;}catch(e){}}
  const result=await api('POST','/api/v1/tickets/'+encodeURIComponent(ticketId)+'/accept',undefined,bearer);
  accepting=false;
  // invalid_state: already accepted (a second press) or no longer assigned:
  // the poll below shows which, without a console's wording.
  if(!result.ok&&result.code!=='invalid_state'){
    setText(field('error-general'),messageFor(result.code));
    if(meetingTab&&!meetingTab.closed)meetingTab.close();
    meetingTab=null;
  }
  etag=null;refresh();
});
field('abandonar').addEventListener('click',async function(){
  if(!confirm(TEXTS.confirmAbandon))return;
  setText(field('error-general'),'');setText(field('error-observaciones'),'');
  const result=await api('POST','/api/v1/tickets/'+encodeURIComponent(ticketId)+'/abandon',{observations:field('observaciones').value},bearer);
  if(!result.ok){
    if(result.code==='observations_too_long'){setText(field('error-observaciones'),messageFor(result.code));field('observaciones').focus();}
    else setText(field('error-general'),messageFor(result.code));
  }
  etag=null;refresh();
});
