# Ventanilla: les pàgines del contribuent en català.

## Every page
site-name = Sistema de Videoassistència al contribuent
language-selector = Llengua
accessibility-link = Declaració d'accessibilitat
back-home = Tornar a l'inici
request-again-link = Sol·licitar videoassistència

## Unknown page
not-found-title = Pàgina no trobada
not-found-text = L'adreça indicada no correspon a cap pàgina d'aquest lloc.

## Errors a taxpayer may see (by API error code)
error-invalid_state = Aquesta acció ja no és possible: la seva sol·licitud ha canviat. La pàgina mostra ara el seu estat actual.
error-invalid_nif = El NIF/NIE indicat no és vàlid.
error-nif_required = Indiqui el seu NIF/NIE.
error-name_required = Indiqui el seu nom.
error-contrast_required = Indiqui la Data/Dada de contrast.
error-observations_too_long = Les observacions no poden superar els 1000 caràcters.
error-representation_not_allowed = Aquest servei no permet representació.
error-rate_limited = Massa sol·licituds seguides des d'aquesta connexió. Esperi un minut i torni-ho a intentar.
error-identity_not_verified = No s'ha pogut verificar la seva identitat: revisi el NIF/NIE i la Data/Dada de contrast.
error-service_closed = El servei es troba fora d'horari.
error-service_closing = Amb la cua actual, la seva atenció començaria després de l'hora de tancament del servei, i aquest servei no atén fora del seu horari. Intenti-ho un altre dia.
error-already_waiting = Ja té una sol·licitud de videoassistència en curs per a aquest servei.
error-unknown_service = Seleccioni un servei.
error-not_found = No es troba la sol·licitud de videoassistència.
error-unauthenticated = L'accés desat en aquest navegador ja no és vàlid per a aquesta sol·licitud.
error-store_unavailable = El sistema no està disponible en aquest moment. Torni-ho a intentar d'aquí a uns segons.
error-engine_unavailable = El sistema no està disponible en aquest moment. Torni-ho a intentar d'aquí a uns segons.
error-meeting_provider_failed = No s'ha pogut preparar la videoconferència. Torni-ho a intentar d'aquí a uns segons.
error-invalid_request = Revisi les dades introduïdes.
error-network = No s'ha pogut contactar amb el servidor. Comprovi la connexió i torni-ho a intentar.
error-unknown = S'ha produït un error. Torni-ho a intentar.

## Join form (/contribuyente)
join-title = Sol·licitud de videoassistència
join-intro = Empleni tots els camps i premi «Sol·licitar videoassistència»: l'atendrà per videoconferència el primer operador disponible del servei triat.
field-service = Servei
choose-option = (Seleccionar)
outside-hours = fora d'horari
field-nif = NIF/NIE
field-name = Nom
field-contrast = Data/Dada de contrast
field-contrast-help = La dada que permet comprovar la seva identitat, per exemple la data de validesa del seu DNI.
join-submit = Sol·licitar videoassistència
hours-title = Horari dels serveis
no-operator = Ara mateix no hi ha cap operador atenent aquest servei.
notice-closing-refused = Amb la cua actual, l'atenció de qui ho sol·liciti ara començaria després de l'hora de tancament d'avui, i aquest servei no atén fora del seu horari: no s'admeten sol·licituds noves fins que la cua avanci.
notice-closing-warning = Avís: amb la cua actual, l'atenció de qui ho sol·liciti ara començaria previsiblement després de l'hora de tancament d'avui. Pot sol·licitar-la igualment: s'atén tothom qui ja és a la cua.

## Ticket page (/contribuyente/{id})
ticket-title = Accés a videoassistència
no-access = No es troba l'accés a aquesta sol·licitud en aquest navegador. Pot tornar a sol·licitar-la:
ticket-expired = Aquesta sol·licitud ha finalitzat i ja no es mostra: les sol·licituds acabades es conserven un temps limitat. Pot tornar a sol·licitar-la:
access-replaced = Aquesta sol·licitud s'ha reprès des d'un altre navegador o dispositiu, i l'accés desat en aquest ja no és vàlid. Segueixi la sol·licitud en el navegador des del qual la va reprendre.
waiting-heading = La seva sol·licitud està en espera
label-service = Servei:
label-position = Posició a la cua:
label-wait = Temps estimat d'espera:
label-nif = NIF:
label-name = Nom:
label-operator = Operador:
label-id-number = Número d'identificació:
wait-less-than-minute = menys d'1 minut
wait-one-minute = 1 minut aproximadament
wait-minutes = { $minutes } minuts aproximadament
rise-operator-left = El temps estimat ha augmentat perquè un operador ha deixat d'atendre aquest servei.
rise-attention-running-long = El temps estimat ha augmentat perquè alguna de les atencions en curs dura més del que és habitual.
rise-other = El temps estimat ha augmentat: les atencions en curs s'estan allargant.
notice-past-closing = Segons l'estimació actual, la seva atenció començaria després de l'hora de tancament del servei. S'atén tothom qui ja és a la cua, però potser haurà d'esperar més enllà de l'horari. Pot continuar esperant o abandonar.
next-update = Propera actualització en:
seconds-short = s
keep-open = No tanqui aquesta pàgina: quan se li assigni un operador apareixerà aquí l'accés a la videoassistència.
presence-note = Mentre aquesta pàgina estigui oberta conserva el seu torn, sense límit de temps. Si la tanca o perd la connexió més de { $absent } minuts, s'atén els següents sense que perdi el seu lloc; si no torna en { $grace } minuts més, la sol·licitud es dona per abandonada.
connection-lost = S'ha perdut la connexió amb el servidor. La pàgina ho continua intentant sola: si torna a connectar en menys de { $minutes } minuts, conserva el seu torn.
recording-notice-before = En compliment de la Llei orgànica 3/2018, de protecció de dades personals i garantia dels drets digitals, l'informem que la videoconferència serà enregistrada. Pot obtenir més informació al web de l'AEAT, a l'apartat de{" "}
recording-notice-link = Dades Personals
recording-notice-after = {"."}
assigned = Se li ha assignat un operador.
accept-instructions = Si està d'acord amb el que es descriu en aquesta pàgina, premi 'Acceptar i accedir a la videoconferència' per iniciar la conversa.
accept-button = Acceptar i accedir a la videoconferència
meeting-pending = Ha acceptat. L'operador està preparant la videoconferència: s'obrirà en una pestanya nova tan aviat com estigui a punt.
meeting-opened = La videoconferència s'ha obert en una pestanya nova. Si no la veu, utilitzi aquest enllaç:
meeting-link = Accedir a la videoconferència
meeting-opening = S'està obrint la videoconferència…
finished-text = La videoassistència ha finalitzat. Gràcies per utilitzar el servei.
abandoned-own = Ha abandonat la videoassistència.
abandoned-absent = La seva sol·licitud s'ha donat per abandonada perquè aquesta pàgina va deixar de respondre durant massa temps (es va tancar, va perdre la connexió o el dispositiu es va bloquejar).
abandon-button = Abandonar
abandon-observations = Observacions (en cas d'abandonar)
abandon-confirm = Vol abandonar la videoassistència?
title-waiting = ({ $position }) En espera - Accés a videoassistència
title-assigned = Operador assignat - Accés a videoassistència
title-accepted = Preparant la videoconferència - Accés a videoassistència
title-meeting = Videoconferència a punt - Accés a videoassistència
title-finished = Finalitzada - Accés a videoassistència
title-abandoned = Abandonada - Accés a videoassistència
title-no-access = Sense accés - Accés a videoassistència
announce-assigned = Se li ha assignat un operador. Premi «Acceptar i accedir a la videoconferència» per iniciar la conversa.
announce-meeting-opened = La videoconferència s'ha obert en una pestanya nova.
announce-meeting-ready = La videoconferència està a punt: premi «Accedir a la videoconferència».

## The demo meeting room, taxpayer side (/reunion/{id})
room-title = Sala de videoassistència
room-about = Reunió { $id }: proveïdor de reunions local, per a demostracions (no hi ha vídeo).
room-enter-hint = Entri a la sala d'espera; l'operador l'admetrà.
room-enter = Entrar a la sala d'espera
room-leave = Sortir de la reunió
room-open-from-link = Obri la reunió des de l'enllaç de la seva sol·licitud de videoassistència.
room-wrong-link = Aquest enllaç no correspon a la seva sol·licitud de videoassistència.
room-not-found-title = Reunió no trobada
room-not-found = No existeix la reunió «{ $id }».

## Accessibility statement (/accesibilidad)
a11y-title = Declaració d'accessibilitat
a11y-intro = L'Agència Tributària s'ha compromès a fer accessible aquest lloc de videoassistència, de conformitat amb el Reial decret 1112/2018, de 7 de setembre, sobre accessibilitat dels llocs web i aplicacions per a dispositius mòbils del sector públic. Aquesta declaració s'aplica a les pàgines del contribuent: la sol·licitud, la pàgina de la sol·licitud amb l'accés a la videoconferència i aquesta declaració.
a11y-status-heading = Situació de compliment
a11y-status = Aquestes pàgines són plenament conformes amb el nivell AA de les Pautes d'accessibilitat per al contingut web (WCAG) 2.1 i amb la norma UNE-EN 301 549:2022, en la mesura que s'ha pogut comprovar.
a11y-how-heading = Com s'ha comprovat
a11y-how = Mitjançant una autoavaluació: les proves automàtiques del projecte obren cada estat de cada pàgina (sol·licitud, errors, en espera, operador assignat, acceptada, finalitzada, abandonada, pàgina no trobada i aquesta declaració), en les cinc llengües, en Chromium sense interfície, i hi passen l'eina axe-core (regles WCAG 2.0, 2.1 i 2.2 de nivells A i AA): qualsevol incompliment detectat fa fallar les proves. Les mateixes proves comproven que els canvis s'anuncien als lectors de pantalla, que el focus i el text escrit es conserven quan la pàgina s'actualitza i que les pàgines hi caben sense desplaçament horitzontal en pantalles de 320 píxels d'amplada.
a11y-time-heading = Límits de temps
a11y-time = Cap acció del contribuent no té límit de temps mentre la pàgina de la seva sol·licitud està oberta. Si la tanca o perd la connexió més de { $absent } minuts, s'atén els següents sense que perdi el seu lloc; si no torna en { $grace } minuts més, la sol·licitud es dona per abandonada. La pàgina avisa quan perd la connexió.
a11y-limits-heading = Contingut no accessible
a11y-limits = La videoconferència se celebra en l'aplicació del proveïdor de reunions (Zoom), l'accessibilitat de la qual no depèn d'aquest lloc. El nom i l'horari de cada servei es mostren en castellà.
a11y-contact-heading = Observacions i dades de contacte
a11y-contact = Pot comunicar qualsevol problema d'accessibilitat, demanar informació en un format accessible o presentar una queixa per l'incompliment dels requisits del Reial decret 1112/2018 mitjançant el formulari de suggeriments i queixes de la seu electrònica de l'Agència Tributària, indicant «Accessibilitat de la videoassistència».
a11y-complaint-heading = Procediment d'aplicació
a11y-complaint = Si, un cop feta una sol·licitud d'informació accessible o una queixa, aquesta s'hagués desestimat, no s'estigués d'acord amb la decisió adoptada o la resposta no complís els requisits de l'article 12 del Reial decret 1112/2018, la persona interessada podrà iniciar una reclamació davant la unitat responsable d'accessibilitat.
a11y-date-heading = Data de la declaració
a11y-date = Aquesta declaració es va preparar l'1 de desembre de 2026 i es revisa amb cada canvi d'aquestes pàgines.
a11y-contact-link = Seu electrònica: suggeriments i queixes
