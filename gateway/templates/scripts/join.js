function field(id){return document.getElementById(id);}
const fieldErrors={servicio:'error-servicio',nif:'error-nif',nombre:'error-nombre',contraste:'error-contraste'};
function clearFormErrors(){
  Object.keys(fieldErrors).forEach(function(id){field(fieldErrors[id]).textContent='';field(id).removeAttribute('aria-invalid');});
  field('error-general').textContent='';
}
// A field's error is said on the field (aria-describedby) and focus moves to
// the first one, so a screen reader reads the field and its error together.
function fieldError(id,code){field(fieldErrors[id]).textContent=messageFor(code);field(id).setAttribute('aria-invalid','true');}
function focusFirstError(){
  const first=['servicio','nif','nombre','contraste'].find(function(id){return field(id).getAttribute('aria-invalid')==='true';});
  if(first)field(first).focus();
}
field('servicio').addEventListener('change',function(){
  const chosen=field('servicio').selectedOptions[0];
  const notice=field('aviso-servicio');
  const text=chosen?chosen.getAttribute('data-aviso'):null;
  notice.textContent=text||'';notice.hidden=!text;
});
let sending=false;
field('solicitud').addEventListener('submit',async function(event){
  event.preventDefault();
  if(sending)return;
  clearFormErrors();
  const body={service:field('servicio').value,nif:field('nif').value.trim(),name:field('nombre').value.trim(),contrast:field('contraste').value.trim()};
  if(!body.service)fieldError('servicio','unknown_service');
  if(!body.nif)fieldError('nif','nif_required');
  if(!body.name)fieldError('nombre','name_required');
  if(!body.contrast)fieldError('contraste','contrast_required');
  if(!body.service||!body.nif||!body.name||!body.contrast){focusFirstError();return;}
  sending=true;
  const result=await api('POST','/api/v1/tickets',body);
  sending=false;
  if(result.ok){
    localStorage.setItem('ventanilla_ticket_'+result.data.ticket_id,result.data.token);
    location.href='/contribuyente/'+encodeURIComponent(result.data.ticket_id);
    return;
  }
  const message=(result.data&&result.data.error&&result.data.error.message)||'';
  if(result.code==='invalid_nif')fieldError('nif','invalid_nif');
  else if(result.code==='identity_not_verified')fieldError('contraste','identity_not_verified');
  else if(['unknown_service','service_closed','service_closing','already_waiting'].indexOf(result.code)>=0)fieldError('servicio',result.code);
  else if(result.code==='invalid_request'&&message.indexOf('name')===0)fieldError('nombre','invalid_request');
  else if(result.code==='invalid_request'&&message.indexOf('contrast')===0)fieldError('contraste','invalid_request');
  else{field('error-general').textContent=messageFor(result.code);return;}
  focusFirstError();
});
