# Ventanilla: as páxinas do contribuínte en galego.

## Every page
site-name = Sistema de Videoasistencia ao contribuínte
language-selector = Lingua
accessibility-link = Declaración de accesibilidade
back-home = Volver ao inicio
request-again-link = Solicitar videoasistencia

## Unknown page
not-found-title = Páxina non atopada
not-found-text = O enderezo indicado non corresponde a ningunha páxina deste sitio.

## Errors a taxpayer may see (by API error code)
error-invalid_state = Esta acción xa non é posible: a súa solicitude cambiou. A páxina mostra agora o seu estado actual.
error-invalid_nif = O NIF/NIE indicado non é válido.
error-nif_required = Indique o seu NIF/NIE.
error-name_required = Indique o seu nome.
error-contrast_required = Indique a Data/Dato de contraste.
error-observations_too_long = As observacións non poden superar os 1000 caracteres.
error-representation_not_allowed = Este servizo non permite representación.
error-rate_limited = Demasiadas solicitudes seguidas desde esta conexión. Agarde un minuto e volva intentalo.
error-identity_not_verified = Non se puido verificar a súa identidade: revise o NIF/NIE e a Data/Dato de contraste.
error-service_closed = O servizo atópase fóra de horario.
error-service_closing = Coa cola actual, a súa atención comezaría despois da hora de peche do servizo, e este servizo non atende fóra do seu horario. Inténteo outro día.
error-already_waiting = Xa ten unha solicitude de videoasistencia en curso para este servizo.
error-unknown_service = Seleccione un servizo.
error-not_found = Non se atopa a solicitude de videoasistencia.
error-unauthenticated = O acceso gardado neste navegador xa non é válido para esta solicitude.
error-store_unavailable = O sistema non está dispoñible neste momento. Inténteo de novo nuns segundos.
error-engine_unavailable = O sistema non está dispoñible neste momento. Inténteo de novo nuns segundos.
error-meeting_provider_failed = Non se puido preparar a videoconferencia. Inténteo de novo nuns segundos.
error-invalid_request = Revise os datos introducidos.
error-network = Non se puido contactar co servidor. Comprobe a conexión e inténteo de novo.
error-unknown = Produciuse un erro. Inténteo de novo.

## Join form (/contribuyente)
join-title = Solicitude de videoasistencia
join-intro = Cubra todos os campos e prema «Solicitar videoasistencia»: atenderao por videoconferencia o primeiro operador dispoñible do servizo escollido.
field-service = Servizo
choose-option = (Seleccionar)
outside-hours = fóra de horario
field-nif = NIF/NIE
field-name = Nome
field-contrast = Data/Dato de contraste
field-contrast-help = O dato que permite comprobar a súa identidade, por exemplo a data de validez do seu DNI.
join-submit = Solicitar videoasistencia
hours-title = Horario dos servizos
no-operator = Agora mesmo non hai ningún operador atendendo este servizo.
notice-closing-refused = Coa cola actual, a atención de quen o solicite agora comezaría despois da hora de peche de hoxe, e este servizo non atende fóra do seu horario: non se admiten novas solicitudes ata que a cola avance.
notice-closing-warning = Aviso: coa cola actual, a atención de quen o solicite agora comezaría previsiblemente despois da hora de peche de hoxe. Pode solicitala igualmente: atendese a todos os que xa están na cola.

## Ticket page (/contribuyente/{id})
ticket-title = Acceso a videoasistencia
no-access = Non se atopa o acceso a esta solicitude neste navegador. Pode solicitala de novo:
ticket-expired = Esta solicitude finalizou e xa non se mostra: as solicitudes rematadas consérvanse un tempo limitado. Pode solicitala de novo:
access-replaced = Esta solicitude retomouse desde outro navegador ou dispositivo, e o acceso gardado neste xa non é válido. Siga a solicitude no navegador desde o que a retomou.
waiting-heading = A súa solicitude está en espera
label-service = Servizo:
label-position = Posición na cola:
label-wait = Tempo estimado de espera:
label-nif = NIF:
label-name = Nome:
label-operator = Operador:
label-id-number = Número de identificación:
wait-less-than-minute = menos de 1 minuto
wait-one-minute = 1 minuto aproximadamente
wait-minutes = { $minutes } minutos aproximadamente
rise-operator-left = O tempo estimado aumentou porque un operador deixou de atender este servizo.
rise-attention-running-long = O tempo estimado aumentou porque algunha das atencións en curso está durando máis do habitual.
rise-other = O tempo estimado aumentou: as atencións en curso están alongándose.
notice-past-closing = Segundo a estimación actual, a súa atención comezaría despois da hora de peche do servizo. Atendese a todos os que xa están na cola, pero pode que teña que agardar máis alá do horario. Pode seguir agardando ou abandonar.
next-update = Próxima actualización en:
seconds-short = s
keep-open = Non peche esta páxina: cando se lle asigne un operador aparecerá aquí o acceso á videoasistencia.
presence-note = Mentres esta páxina estea aberta conserva a súa quenda, sen límite de tempo. Se a pecha ou perde a conexión máis de { $absent } minutos, atendese aos seguintes sen que perda o seu lugar; se non volve en { $grace } minutos máis, a solicitude dáse por abandonada.
connection-lost = Perdeuse a conexión co servidor. A páxina segue intentándoo soa: se volve conectar en menos de { $minutes } minutos, conserva a súa quenda.
recording-notice-before = En cumprimento da Lei orgánica 3/2018, de protección de datos persoais e garantía dos dereitos dixitais, informámolo de que a videoconferencia vai ser gravada. Pode obter máis información na web da AEAT, no apartado de{" "}
recording-notice-link = Datos Persoais
recording-notice-after = {"."}
assigned = Asignóuselle un operador.
accept-instructions = Se está de acordo co descrito nesta páxina, prema en 'Aceptar e acceder á videoconferencia' para iniciar a conversa.
accept-button = Aceptar e acceder á videoconferencia
meeting-pending = Aceptou. O operador está preparando a videoconferencia: abrirase nunha lapela nova en canto estea lista.
meeting-opened = A videoconferencia abriuse nunha lapela nova. Se non a ve, use esta ligazón:
meeting-link = Acceder á videoconferencia
meeting-opening = Abrindo a videoconferencia…
finished-text = A videoasistencia finalizou. Grazas por utilizar o servizo.
abandoned-own = Abandonou a videoasistencia.
abandoned-absent = A súa solicitude deuse por abandonada porque esta páxina deixou de responder durante demasiado tempo (pechouse, perdeu a conexión ou o dispositivo bloqueouse).
abandon-button = Abandonar
abandon-observations = Observacións (en caso de abandonar)
abandon-confirm = Desexa abandonar a videoasistencia?
title-waiting = ({ $position }) En espera - Acceso a videoasistencia
title-assigned = Operador asignado - Acceso a videoasistencia
title-accepted = Preparando a videoconferencia - Acceso a videoasistencia
title-meeting = Videoconferencia lista - Acceso a videoasistencia
title-finished = Finalizada - Acceso a videoasistencia
title-abandoned = Abandonada - Acceso a videoasistencia
title-no-access = Sen acceso - Acceso a videoasistencia
announce-assigned = Asignóuselle un operador. Prema «Aceptar e acceder á videoconferencia» para iniciar a conversa.
announce-meeting-opened = A videoconferencia abriuse nunha lapela nova.
announce-meeting-ready = A videoconferencia está lista: prema «Acceder á videoconferencia».

## The demo meeting room, taxpayer side (/reunion/{id})
room-title = Sala de videoasistencia
room-about = Reunión { $id }: provedor de reunións local, para demostracións (non hai vídeo).
room-enter-hint = Entre na sala de espera; o operador admitirao.
room-enter = Entrar na sala de espera
room-leave = Saír da reunión
room-open-from-link = Abra a reunión desde a ligazón da súa solicitude de videoasistencia.
room-wrong-link = Esta ligazón non corresponde á súa solicitude de videoasistencia.
room-not-found-title = Reunión non atopada
room-not-found = Non existe a reunión «{ $id }».

## Accessibility statement (/accesibilidad)
a11y-title = Declaración de accesibilidade
a11y-intro = A Axencia Tributaria comprometeuse a facer accesible este sitio de videoasistencia, de conformidade co Real decreto 1112/2018, do 7 de setembro, sobre accesibilidade dos sitios web e aplicacións para dispositivos móbiles do sector público. Esta declaración aplícase ás páxinas do contribuínte: a solicitude, a páxina da solicitude co acceso á videoconferencia e esta declaración.
a11y-status-heading = Situación de cumprimento
a11y-status = Estas páxinas son plenamente conformes co nivel AA das Pautas de accesibilidade para o contido web (WCAG) 2.1 e coa norma UNE-EN 301 549:2022, no que se puido comprobar.
a11y-how-heading = Como se comprobou
a11y-how = Mediante unha autoavaliación: as probas automáticas do proxecto abren cada estado de cada páxina (solicitude, erros, en espera, operador asignado, aceptada, finalizada, abandonada, páxina non atopada e esta declaración), nas cinco linguas, en Chromium sen interface, e pásanlles a ferramenta axe-core (regras WCAG 2.0, 2.1 e 2.2 de niveis A e AA): calquera incumprimento detectado fai fallar as probas. As mesmas probas comproban que os cambios se anuncian aos lectores de pantalla, que o foco e o texto escrito se conservan cando a páxina se actualiza e que as páxinas caben sen desprazamento horizontal en pantallas de 320 píxeles de ancho.
a11y-time-heading = Límites de tempo
a11y-time = Ningunha acción do contribuínte ten un límite de tempo mentres a páxina da súa solicitude está aberta. Se a pecha ou perde a conexión máis de { $absent } minutos, atendese aos seguintes sen que perda o seu lugar; se non volve en { $grace } minutos máis, a solicitude dáse por abandonada. A páxina avisa cando perde a conexión.
a11y-limits-heading = Contido non accesible
a11y-limits = A videoconferencia celébrase na aplicación do provedor de reunións (Zoom), cuxa accesibilidade non depende deste sitio. O nome e o horario de cada servizo móstranse en castelán.
a11y-contact-heading = Observacións e datos de contacto
a11y-contact = Pode comunicar calquera problema de accesibilidade, pedir información nun formato accesible ou presentar unha queixa polo incumprimento dos requisitos do Real decreto 1112/2018 a través do formulario de suxestións e queixas da sede electrónica da Axencia Tributaria, indicando «Accesibilidade da videoasistencia».
a11y-complaint-heading = Procedemento de aplicación
a11y-complaint = Se, unha vez realizada unha solicitude de información accesible ou queixa, esta fose desestimada, non se estivese de acordo coa decisión adoptada ou a resposta non cumprise os requisitos do artigo 12 do Real decreto 1112/2018, a persoa interesada poderá iniciar unha reclamación ante a unidade responsable de accesibilidade.
a11y-date-heading = Data da declaración
a11y-date = Esta declaración preparouse o 1 de decembro de 2026 e revísase con cada cambio destas páxinas.
a11y-contact-link = Sede electrónica: suxestións e queixas
