function messageFor(code){return MESSAGES[code]||MESSAGES.unknown;}
async function api(method,url,body,headers){
  const options={method:method,headers:Object.assign({},headers||{}),credentials:'same-origin',cache:'no-store'};
  if(body!==undefined){options.headers['Content-Type']='application/json';options.body=JSON.stringify(body);}
  let response;
  try{response=await fetch(url,options);}catch(e){return {ok:false,status:0,code:'network',data:null};}
  let data=null;
  try{data=await response.json();}catch(e){}
  const code=data&&data.error?data.error.code:(response.ok?null:'unknown');
  return {ok:response.ok,status:response.status,code:code,data:data,response:response};
}
function showError(id,code){const el=document.getElementById(id);if(el){el.textContent=messageFor(code);el.hidden=false;}}
function clearErrors(){document.querySelectorAll('.error').forEach(function(el){el.textContent='';el.hidden=true;});}
const WAIT_SECONDS=25;
async function holdPolls(pollSeconds,ask){
  for(;;){
    const began=Date.now();
    const outcome=await ask();
    if(outcome==='stop')return;
    if(outcome==='failed'||(outcome==='same'&&Date.now()-began<1000))await new Promise(function(done){setTimeout(done,pollSeconds*1000);});
  }
}
