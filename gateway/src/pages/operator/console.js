// The Consola de videoasistencia in place (templates/operator/console.html
// renders the first paint, with the same markup): held polls bring each new body of
// GET /api/v1/operator/console, and apply() changes only what differs, so the
// window, focus and typed text stay. The finalization form is built once per
// assignment; afterwards only the parts around it and its buttons' disabled
// state change. Every value goes in as text (textContent), never as markup.
(function(){
const T=CONSOLE_TEXT;
const consola=document.getElementById('consola');
const estado=document.getElementById('estado');
const poll=Number(consola.dataset.poll)||9;
let shown={etag:consola.dataset.etag,version:Number(consola.dataset.version)||0,state:consola.dataset.state,
  ticket:consola.dataset.ticket||'',attended:Number(consola.dataset.attended)||0,notices:'',meeting:'',services:''};
let remaining=poll;
let busy=false;
function field(id){return document.getElementById(id);}
function h(tag,attrs,children){
  const el=document.createElement(tag);
  Object.keys(attrs||{}).forEach(function(name){
    const value=attrs[name];
    if(value===null||value===undefined||value===false)return;
    el.setAttribute(name,value===true?'':String(value));
  });
  (children||[]).forEach(function(child){
    if(child===null||child===undefined)return;
    el.appendChild(typeof child==='string'?document.createTextNode(child):child);
  });
  return el;
}
function isWebLink(url){return /^https?:\/\//.test(url)||(url.charAt(0)==='/'&&url.charAt(1)!=='/');}
function formState(state){return state==='in_meeting'||state==='taxpayer_abandoned';}
function titleOf(body){
  const attention=body.warnings.some(function(w){return w.code===T.attentionCode;});
  return attention?T.attentionTitle:T.titles[body.state];
}

// The parts, as templates/operator/console.html renders them (its macros
// have these names).
function services(body,heading,activeOnly){
  const items=body.services.filter(function(s){return !activeOnly||s.active;})
    .map(function(s){return h('li',null,[s.code+': '+s.description+' - '+s.hours]);});
  return [h('h2',null,[heading]),h('ul',{id:'servicios'},items)];
}
function taxpayer(a){
  return h('dl',{'class':'datos'},[h('dt',null,['NIF:']),h('dd',{id:'nif'},[a.nif]),h('dt',null,['Nombre:']),h('dd',null,[a.name]),
    h('dt',null,['Servicio:']),h('dd',null,[a.service.code+' - '+a.service.description]),
    h('dt',null,['Autenticación:']),h('dd',null,[a.authentication])]);
}
function guideDate(at){
  const m=/^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})/.exec(at);
  return m?m[3]+'-'+m[2]+'-'+m[1]+' '+m[4]:at;
}
function history(lines){
  const parts=[h('h2',null,['Anotaciones sobre el contribuyente'])];
  if(!lines.length){parts.push(h('p',null,[T.noHistory]));return parts;}
  const head=['Fecha/hora','Operador','Servicio','Resultado','Observaciones/Anotaciones'].map(function(t){return h('th',null,[t]);});
  const rows=lines.map(function(line){
    const obs=[line.observations];
    if(line.taxpayer_observations!==null&&line.taxpayer_observations!==undefined){obs.push(h('br'),h('em',null,[T.leftWith]),' '+line.taxpayer_observations);}
    if(line.abandon_reason==='absent'&&line.operator_id){obs.push(h('br'),h('em',null,[T.lostConnection]));}
    const who=line.operator_id?(T.names[line.operator_id]||line.operator_id):T.nobody;
    return h('tr',null,[h('td',null,[guideDate(line.at)]),h('td',null,[who]),h('td',null,[line.service]),
      h('td',null,[line.outcome_label]),h('td',{'class':'obs'},obs)]);
  });
  parts.push(h('table',{id:'anotaciones'},[h('thead',null,[h('tr',null,head)]),h('tbody',null,rows)]));
  return parts;
}
function meeting(a){
  const m=a.meeting;if(!m)return [];
  const parts=[];
  if(isWebLink(m.start_url))parts.push(h('p',null,[h('a',{'class':'boton',id:'enlace-reunion',href:m.start_url,target:'_blank',rel:'noopener noreferrer'},['Abrir la reunión en Zoom'])]));
  if(m.running)parts.push(h('p',null,[h('button',{type:'button',id:'finalizar-reunion'},['Finalizar la reunión para todos'])]));
  return parts;
}
function leftWith(a){
  const o=a.taxpayer_observations;
  return o?[h('p',null,[T.leftWith+' ',h('span',{'class':'obs'},[o])])]:[];
}
function finalization(body){
  const a=body.assignment;
  const pre=body.state==='taxpayer_abandoned'?'taxpayer_abandoned':'';
  const options=[h('option',{value:'',selected:pre===''},['(Seleccionar)'])].concat(T.outcomes.map(function(o){
    return h('option',{value:o[0],selected:pre===o[0]},[o[1]]);}));
  const children=[h('label',{'for':'resultado'},['* Finalización']),
    h('select',{id:'resultado',required:true,'aria-describedby':'error-resultado'},options),
    h('p',{'class':'error',id:'error-resultado',role:'alert',hidden:true}),
    h('label',{'for':'observaciones'},[T.observationsLabel]),
    h('textarea',{id:'observaciones',maxlength:1000,'aria-describedby':'error-observaciones'}),
    h('p',{'class':'error',id:'error-observaciones',role:'alert',hidden:true}),
    h('p',{'class':'recordatorio'},[T.reminder]),
    h('button',{type:'button',id:'finalizar-atender'},['Finalizar y Atender siguiente']),
    h('button',{type:'button',id:'finalizar-interrumpir'},['Finalizar e Interrumpir'])];
  if(a.representation_allowed){children.push(
    h('p',null,['En caso de representación consigne el NIF del receptor de la asistencia.']),
    h('label',{'for':'nif-representado'},['NIF Representado']),
    h('input',{type:'text',id:'nif-representado',maxlength:20,autocomplete:'off','aria-describedby':'error-nif'}),
    h('p',{'class':'error',id:'error-nif',role:'alert',hidden:true}),
    h('p',{'class':'nota'},['Nota: En caso de representación deberá seguirse el protocolo establecido para el servicio.']));}
  return h('form',{id:'finalizacion','data-ticket':a.ticket_id},children);
}
function stateParts(body){
  const a=body.assignment;
  switch(body.state){
  case 'unavailable':
    return [h('p',{'class':'nota',id:'nota-2'},[T.unavailable+' ',h('a',{href:'/operador/disponibilidad'},['Gestión disponibilidad operador'])])];
  case 'closed':
    return services(body,'Servicios',false).concat([h('p',{'class':'nota',id:'nota-1'},[T.closed])]);
  case 'idle':
    return services(body,'Servicios Activos',true).concat([h('button',{type:'button',id:'atender'},['Atender Contribuyente'])]);
  case 'waiting':
    return services(body,'Servicios Activos',true).concat([h('p',null,[h('strong',null,['A la espera de atender contribuyente'])]),
      h('p',null,['Próxima actualización en: ',h('span',{id:'cuenta-atras'},[String(body.next_poll_seconds)]),' seg.']),
      h('button',{type:'button',id:'interrumpir'},['Interrumpir'])]);
  case 'assigned':
    if(!a)return [];
    return [h('h2',{id:'titulo-estado',tabindex:-1},['CONTRIBUYENTE ASIGNADO']),taxpayer(a),h('p',null,[T.startHint]),
      h('button',{type:'button',id:'iniciar'},['Iniciar Videoasistencia'])].concat(history(a.history));
  default:
    if(!a)return [];
    return [h('div',{id:'servicios-bloque'},body.state==='taxpayer_abandoned'?services(body,'Servicios Activos',true):[]),
      h('h2',{id:'titulo-estado',tabindex:-1},['CONTRIBUYENTE ATENDIDO']),taxpayer(a),
      h('div',{id:'reunion'},meeting(a)),h('div',{id:'obs-contribuyente'},leftWith(a)),finalization(body)].concat(history(a.history));
  }
}
function fill(el,parts){while(el.firstChild)el.removeChild(el.firstChild);parts.forEach(function(p){el.appendChild(p);});}

// The notices: one per kind (data-code), in the body's order; a kept notice
// is left alone, so the live region announces only what is new.
function notices(body){
  const wanted=[];
  if(body.state==='taxpayer_abandoned')wanted.push({code:T.abandonedCode,text:T.abandoned,id:'abandono'});
  body.warnings.forEach(function(w){if(!wanted.some(function(n){return n.code===w.code;}))wanted.push({code:w.code,text:w.message});});
  const box=field('avisos');
  Array.prototype.slice.call(box.children).forEach(function(el){
    if(!wanted.some(function(n){return n.code===el.dataset.code;}))box.removeChild(el);
  });
  wanted.forEach(function(n,i){
    let el=box.querySelector('[data-code="'+n.code+'"]');
    if(!el){el=h('p',{'class':'aviso','data-code':n.code,id:n.id});}
    if(el.textContent!==n.text)el.textContent=n.text;
    if(box.children[i]!==el)box.insertBefore(el,box.children[i]||null);
  });
}
function announce(text){
  const region=field('anuncio');
  region.textContent='';
  // A moment apart, so that the same words are announced again.
  setTimeout(function(){region.textContent=text;},50);
}

// "oEPOCH-VERSION-HASH": an answer older than the one shown (a held poll
// overtaken by the fetch after a command) is dropped.
function older(etag){
  const now=/^"o([0-9a-f]+)-(\d+)-/.exec(shown.etag||''),then=/^"o([0-9a-f]+)-(\d+)-/.exec(etag||'');
  return !!(now&&then&&now[1]===then[1]&&Number(then[2])<Number(now[2]));
}
function apply(body,etag){
  if(etag===shown.etag||older(etag))return;
  const a=body.assignment;
  const ticket=a?a.ticket_id:'';
  const before=document.activeElement;
  const focusId=before&&before!==document.body?before.id:'';
  notices(body);
  field('atendidos').textContent=String(body.attended_today);
  const form=field('finalizacion');
  if(formState(body.state)&&form&&form.dataset.ticket===ticket){
    // The same assignment: the form stays as the operator left it.
    if(body.state!==shown.state)fill(field('servicios-bloque'),body.state==='taxpayer_abandoned'?services(body,'Servicios Activos',true):[]);
    const meetingKey=JSON.stringify(a.meeting);
    if(meetingKey!==shown.meeting)fill(field('reunion'),meeting(a));
    fill(field('obs-contribuyente'),leftWith(a));
    if(body.state==='taxpayer_abandoned'&&shown.state!=='taxpayer_abandoned'&&field('resultado').value==='')field('resultado').value='taxpayer_abandoned';
  }else{
    fill(estado,stateParts(body));
    wire();
    restoreForm();
    if(body.state==='waiting')remaining=poll;
  }
  // Focus stays where it was; if its element went away, it goes to the
  // same control in the new screen, else to the new screen's heading.
  if(before&&before!==document.body&&!document.body.contains(before)){
    const again=focusId&&field(focusId);
    const heading=field('titulo-estado')||estado.querySelector('h2')||estado;
    if(again)again.focus();else{if(!heading.hasAttribute('tabindex'))heading.setAttribute('tabindex','-1');heading.focus();}
  }
  document.title=titleOf(body)+' - Videoasistencia';
  consola.dataset.state=body.state;consola.dataset.ticket=ticket;consola.dataset.etag=etag;
  if(body.state!==shown.state||ticket!==shown.ticket){
    let words=T.titles[body.state].replace(/^\(1\) /,'').split(' — ')[0]+'.';
    if(body.state==='assigned'&&a)words='Contribuyente asignado: '+a.name+', NIF '+a.nif+', servicio '+a.service.code+' - '+a.service.description+'.';
    announce(words);
  }else if(ticket&&body.attended_today>shown.attended){
    announce(T.accepted);
  }
  shown={etag:etag,version:body.version,state:body.state,ticket:ticket,attended:body.attended_today,
    meeting:a?JSON.stringify(a.meeting):''};
  setBusy(busy);
}

async function fetchConsole(wait){
  const url='/api/v1/operator/console'+(wait?'?wait='+WAIT_SECONDS:'');
  let response;
  try{response=await fetch(url,{headers:{'If-None-Match':shown.etag},credentials:'same-origin',cache:'no-store'});}catch(e){return 'failed';}
  if(response.status===304)return 'same';
  if(response.status===401){location.reload();return 'stop';}
  if(!response.ok)return 'failed';
  let body;
  try{body=await response.json();}catch(e){return 'failed';}
  apply(body,response.headers.get('ETag')||'');
  return 'changed';
}
holdPolls(poll,function(){return fetchConsole(true);});
setInterval(function(){
  remaining-=1;
  const counter=field('cuenta-atras');if(counter)counter.textContent=String(Math.max(remaining,0));
  if(remaining<=0)remaining=poll;
},1000);

// What was typed in the form survives a reload by hand (sessionStorage).
function formKey(){return 'ventanilla_finalizacion_'+(shown.ticket||consola.dataset.ticket);}
function saveForm(){
  if(!field('resultado'))return;
  const nif=field('nif-representado');
  sessionStorage.setItem(formKey(),JSON.stringify({state:consola.dataset.state,outcome:field('resultado').value,observations:field('observaciones').value,nif:nif?nif.value:''}));
}
function restoreForm(){
  if(!field('resultado'))return;
  let saved=null;
  try{saved=JSON.parse(sessionStorage.getItem(formKey())||'null');}catch(e){}
  if(!saved)return;
  if(saved.state===consola.dataset.state)field('resultado').value=saved.outcome;
  field('observaciones').value=saved.observations||'';
  const nif=field('nif-representado');if(nif)nif.value=saved.nif||'';
}

function clearConsoleErrors(){
  document.querySelectorAll('#consola .error').forEach(function(el){el.textContent='';el.hidden=true;});
  document.querySelectorAll('#consola [aria-invalid]').forEach(function(el){el.removeAttribute('aria-invalid');});
}
// Shows the error and moves focus to it: to its field when it has one.
function showConsoleError(id,code){
  const el=field(id)||field('error-general');
  el.textContent=messageFor(code);el.hidden=false;
  const owner=document.querySelector('[aria-describedby~="'+el.id+'"]');
  if(owner){owner.setAttribute('aria-invalid','true');owner.focus();}else{el.focus();}
}
// While a command is on its way the buttons say so (aria-disabled, not
// disabled: a disabled button would drop the focus) and do nothing.
function setBusy(on){
  busy=on;
  ['atender','interrumpir','iniciar','finalizar-reunion','finalizar-atender','finalizar-interrumpir'].forEach(function(id){
    const el=field(id);if(!el)return;
    if(on)el.setAttribute('aria-disabled','true');else el.removeAttribute('aria-disabled');
  });
}
async function command(path,body,errorFor){
  if(busy)return null;
  clearConsoleErrors();setBusy(true);
  const result=await api('POST',path,body);
  setBusy(false);
  if(result.ok){await fetchConsole(false);return result;}
  if(result.code==='unauthenticated'){location.reload();return null;}
  showConsoleError((errorFor&&errorFor[result.code])||'error-general',result.code);
  if(result.code==='invalid_state')await fetchConsole(false);
  return null;
}
async function finalize(next){
  const nif=field('nif-representado');
  const body={outcome:field('resultado').value,observations:field('observaciones').value,represented_nif:nif&&nif.value.trim()?nif.value.trim():null,next:next};
  const key=formKey();
  const errors={invalid_outcome:'error-resultado',observations_too_long:'error-observaciones',invalid_nif:'error-nif',representation_not_allowed:'error-nif'};
  if(await command('/api/v1/operator/finalize',body,errors))sessionStorage.removeItem(key);
}
// The buttons of whatever #estado holds now (called after each rebuild).
function wire(){
  function on(id,handler){const el=field(id);if(el)el.addEventListener('click',handler);}
  on('atender',function(){command('/api/v1/operator/attend');});
  on('interrumpir',function(){command('/api/v1/operator/interrupt');});
  on('iniciar',async function(){
    const result=await command('/api/v1/operator/start');
    if(result&&result.data&&result.data.start_url)window.open(result.data.start_url,'_blank','noopener');
  });
  on('finalizar-atender',function(){finalize('attend');});
  on('finalizar-interrumpir',function(){finalize('interrupt');});
  ['resultado','observaciones','nif-representado'].forEach(function(id){const el=field(id);if(el)el.addEventListener('input',saveForm);});
}
// "Finalizar la reunión para todos" comes and goes inside #reunion.
estado.addEventListener('click',function(event){
  if(event.target&&event.target.id==='finalizar-reunion')command('/api/v1/operator/meeting/end');
});
wire();
restoreForm();
})();
