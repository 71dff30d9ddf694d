# Ventanilla: zergadunaren orriak euskaraz.

## Every page
site-name = Zergadunarentzako Bideolaguntza Sistema
language-selector = Hizkuntza
accessibility-link = Irisgarritasun-adierazpena
back-home = Hasierara itzuli
request-again-link = Bideolaguntza eskatu

## Unknown page
not-found-title = Ez da orria aurkitu
not-found-text = Adierazitako helbidea ez dagokio gune honetako inongo orriri.

## Errors a taxpayer may see (by API error code)
error-invalid_state = Ekintza hau jada ez da posible: zure eskaera aldatu egin da. Orriak haren egungo egoera erakusten du orain.
error-invalid_nif = Adierazitako IFZ/AIZ ez da baliozkoa.
error-nif_required = Adierazi zure IFZ/AIZ.
error-name_required = Adierazi zure izena.
error-contrast_required = Adierazi Egiaztatzeko data/datua.
error-observations_too_long = Oharrek ezin dituzte 1000 karaktere gainditu.
error-representation_not_allowed = Zerbitzu honek ez du ordezkaritzarik onartzen.
error-rate_limited = Eskaera gehiegi jarraian konexio honetatik. Itxaron minutu bat eta saiatu berriro.
error-identity_not_verified = Ezin izan da zure nortasuna egiaztatu: berrikusi IFZ/AIZ eta Egiaztatzeko data/datua.
error-service_closed = Zerbitzua ordutegitik kanpo dago.
error-service_closing = Egungo ilararekin, zure arreta zerbitzuaren itxiera-orduaren ondoren hasiko litzateke, eta zerbitzu honek ez du bere ordutegitik kanpo artatzen. Saiatu beste egun batean.
error-already_waiting = Baduzu bideolaguntza-eskaera bat abian zerbitzu honetarako.
error-unknown_service = Hautatu zerbitzu bat.
error-not_found = Ez da bideolaguntza-eskaera aurkitu.
error-unauthenticated = Nabigatzaile honetan gordetako sarbidea jada ez da baliozkoa eskaera honetarako.
error-store_unavailable = Sistema ez dago erabilgarri une honetan. Saiatu berriro segundo batzuk barru.
error-engine_unavailable = Sistema ez dago erabilgarri une honetan. Saiatu berriro segundo batzuk barru.
error-meeting_provider_failed = Ezin izan da bideokonferentzia prestatu. Saiatu berriro segundo batzuk barru.
error-invalid_request = Berrikusi sartutako datuak.
error-network = Ezin izan da zerbitzariarekin harremanetan jarri. Egiaztatu konexioa eta saiatu berriro.
error-unknown = Errore bat gertatu da. Saiatu berriro.

## Join form (/contribuyente)
join-title = Bideolaguntza-eskaera
join-intro = Bete eremu guztiak eta sakatu «Bideolaguntza eskatu»: aukeratutako zerbitzuko lehen operadore libreak artatuko zaitu bideokonferentziaz.
field-service = Zerbitzua
choose-option = (Hautatu)
outside-hours = ordutegitik kanpo
field-nif = IFZ/AIZ (NIF/NIE)
field-name = Izena
field-contrast = Egiaztatzeko data/datua
field-contrast-help = Zure nortasuna egiaztatzeko aukera ematen duen datua, adibidez zure NANaren baliozkotasun-data.
join-submit = Bideolaguntza eskatu
hours-title = Zerbitzuen ordutegia
no-operator = Oraintxe bertan ez dago zerbitzu hau artatzen ari den operadorerik.
notice-closing-refused = Egungo ilararekin, orain eskatzen duenaren arreta gaurko itxiera-orduaren ondoren hasiko litzateke, eta zerbitzu honek ez du bere ordutegitik kanpo artatzen: ez da eskaera berririk onartzen ilarak aurrera egin arte.
notice-closing-warning = Oharra: egungo ilararekin, orain eskatzen duenaren arreta seguruenik gaurko itxiera-orduaren ondoren hasiko litzateke. Hala ere eska dezakezu: ilaran daudenak guztiak artatzen dira.

## Ticket page (/contribuyente/{id})
ticket-title = Bideolaguntzarako sarbidea
no-access = Ez da eskaera honetarako sarbidea aurkitu nabigatzaile honetan. Berriro eska dezakezu:
ticket-expired = Eskaera hau amaitu da eta jada ez da erakusten: amaitutako eskaerak denbora mugatu batez gordetzen dira. Berriro eska dezakezu:
access-replaced = Eskaera hau beste nabigatzaile edo gailu batetik berreskuratu da, eta honetan gordetako sarbidea jada ez da baliozkoa. Jarraitu eskaera berreskuratu zenuen nabigatzailean.
waiting-heading = Zure eskaera zain dago
label-service = Zerbitzua:
label-position = Ilarako postua:
label-wait = Itxaronaldi estimatua:
label-nif = IFZ:
label-name = Izena:
label-operator = Operadorea:
label-id-number = Identifikazio-zenbakia:
wait-less-than-minute = minutu bat baino gutxiago
wait-one-minute = minutu bat inguru
wait-minutes = { $minutes } minutu inguru
rise-operator-left = Itxaronaldi estimatua handitu egin da operadore batek zerbitzu hau artatzeari utzi diolako.
rise-attention-running-long = Itxaronaldi estimatua handitu egin da abian diren arretaren bat ohi baino gehiago luzatzen ari delako.
rise-other = Itxaronaldi estimatua handitu egin da: abian diren arretak luzatzen ari dira.
notice-past-closing = Egungo estimazioaren arabera, zure arreta zerbitzuaren itxiera-orduaren ondoren hasiko litzateke. Ilaran daudenak guztiak artatzen dira, baina baliteke ordutegitik haratago itxaron behar izatea. Itxaroten jarrai dezakezu edo utzi.
next-update = Hurrengo eguneratzea:
seconds-short = s barru
keep-open = Ez itxi orri hau: operadore bat esleitzen zaizunean, bideolaguntzarako sarbidea hemen agertuko da.
presence-note = Orri hau irekita dagoen bitartean zure txanda gordetzen da, denbora-mugarik gabe. Ixten baduzu edo konexioa { $absent } minutu baino gehiagoz galtzen baduzu, hurrengoak artatzen dira zure lekua galdu gabe; beste { $grace } minututan itzultzen ez bazara, eskaera utzitzat joko da.
connection-lost = Zerbitzariarekiko konexioa galdu da. Orria berez saiatzen jarraitzen du: { $minutes } minutu baino lehen berriro konektatzen bada, zure txanda gordeko da.
recording-notice-before = Datu Pertsonalak Babesteko eta Eskubide Digitalak Bermatzeko 3/2018 Lege Organikoa betez, jakinarazten dizugu bideokonferentzia grabatu egingo dela. Informazio gehiago AEATren webgunean lor dezakezu, atal honetan:{" "}
recording-notice-link = Datu Pertsonalak
recording-notice-after = {"."}
assigned = Operadore bat esleitu zaizu.
accept-instructions = Orri honetan azaldutakoarekin ados bazaude, sakatu 'Onartu eta bideokonferentziara sartu' elkarrizketa hasteko.
accept-button = Onartu eta bideokonferentziara sartu
meeting-pending = Onartu duzu. Operadorea bideokonferentzia prestatzen ari da: prest dagoenean fitxa berri batean irekiko da.
meeting-opened = Bideokonferentzia fitxa berri batean ireki da. Ikusten ez baduzu, erabili esteka hau:
meeting-link = Bideokonferentziara sartu
meeting-opening = Bideokonferentzia irekitzen…
finished-text = Bideolaguntza amaitu da. Eskerrik asko zerbitzua erabiltzeagatik.
abandoned-own = Bideolaguntza utzi duzu.
abandoned-absent = Zure eskaera utzitzat jo da, orri honek denbora gehiegian erantzun ez duelako (itxi egin zen, konexioa galdu zuen edo gailua blokeatu egin zen).
abandon-button = Utzi
abandon-observations = Oharrak (uzten baduzu)
abandon-confirm = Bideolaguntza utzi nahi duzu?
title-waiting = ({ $position }) Zain - Bideolaguntzarako sarbidea
title-assigned = Operadorea esleituta - Bideolaguntzarako sarbidea
title-accepted = Bideokonferentzia prestatzen - Bideolaguntzarako sarbidea
title-meeting = Bideokonferentzia prest - Bideolaguntzarako sarbidea
title-finished = Amaituta - Bideolaguntzarako sarbidea
title-abandoned = Utzita - Bideolaguntzarako sarbidea
title-no-access = Sarbiderik gabe - Bideolaguntzarako sarbidea
announce-assigned = Operadore bat esleitu zaizu. Sakatu «Onartu eta bideokonferentziara sartu» elkarrizketa hasteko.
announce-meeting-opened = Bideokonferentzia fitxa berri batean ireki da.
announce-meeting-ready = Bideokonferentzia prest dago: sakatu «Bideokonferentziara sartu».

## The demo meeting room, taxpayer side (/reunion/{id})
room-title = Bideolaguntza-gela
room-about = { $id } bilera: bileren hornitzaile lokala, erakustaldietarako (ez dago bideorik).
room-enter-hint = Sartu itxarongelan; operadoreak onartuko zaitu.
room-enter = Itxarongelan sartu
room-leave = Bileratik irten
room-open-from-link = Ireki bilera zure bideolaguntza-eskaeraren estekatik.
room-wrong-link = Esteka hau ez dagokio zure bideolaguntza-eskaerari.
room-not-found-title = Ez da bilera aurkitu
room-not-found = Ez dago «{ $id }» bilerarik.

## Accessibility statement (/accesibilidad)
a11y-title = Irisgarritasun-adierazpena
a11y-intro = Zerga Agentziak bideolaguntzako gune hau irisgarria egiteko konpromisoa hartu du, sektore publikoko webguneen eta gailu mugikorretarako aplikazioen irisgarritasunari buruzko irailaren 7ko 1112/2018 Errege Dekretuaren arabera. Adierazpen hau zergadunaren orriei aplikatzen zaie: eskaera, bideokonferentziarako sarbidea duen eskaeraren orria eta adierazpen hau.
a11y-status-heading = Betetze-egoera
a11y-status = Orri hauek erabat betetzen dituzte Web Edukiaren Irisgarritasun Jarraibideen (WCAG) 2.1 bertsioaren AA maila eta UNE-EN 301 549:2022 araua, egiaztatu ahal izan den neurrian.
a11y-how-heading = Nola egiaztatu den
a11y-how = Autoebaluazio baten bidez: proiektuaren proba automatikoek orri bakoitzaren egoera bakoitza irekitzen dute (eskaera, erroreak, zain, operadorea esleituta, onartuta, amaituta, utzita, orria ez da aurkitu eta adierazpen hau), bost hizkuntzetan, interfazerik gabeko Chromium-en, eta axe-core tresna pasatzen diete (WCAG 2.0, 2.1 eta 2.2 arauak, A eta AA mailak): hautemandako edozein ez-betetzek probak huts eginarazten ditu. Proba berek egiaztatzen dute aldaketak pantaila-irakurgailuei iragartzen zaizkiela, fokua eta idatzitako testua gordetzen direla orria eguneratzean, eta orriak 320 pixeleko zabalerako pantailetan sartzen direla alboko korritzerik gabe.
a11y-time-heading = Denbora-mugak
a11y-time = Zergadunaren ekintzek ez dute denbora-mugarik eskaeraren orria irekita dagoen bitartean. Ixten baduzu edo konexioa { $absent } minutu baino gehiagoz galtzen baduzu, hurrengoak artatzen dira zure lekua galdu gabe; beste { $grace } minututan itzultzen ez bazara, eskaera utzitzat joko da. Orriak abisua ematen du konexioa galtzen duenean.
a11y-limits-heading = Eduki ez-irisgarria
a11y-limits = Bideokonferentzia bileren hornitzailearen aplikazioan (Zoom) egiten da, eta haren irisgarritasuna ez dago gune honen esku. Zerbitzu bakoitzaren izena eta ordutegia gaztelaniaz erakusten dira.
a11y-contact-heading = Oharrak eta harremanetarako datuak
a11y-contact = Irisgarritasun-arazo oro jakinarazi, informazioa formatu irisgarrian eskatu edo 1112/2018 Errege Dekretuaren baldintzak ez betetzeagatiko kexa aurkez dezakezu Zerga Agentziaren egoitza elektronikoko iradokizun eta kexen formularioaren bidez, «Bideolaguntzaren irisgarritasuna» adieraziz.
a11y-complaint-heading = Aplikazio-prozedura
a11y-complaint = Informazio irisgarriaren eskaera edo kexa bat egin ondoren, hura ezetsi bada, hartutako erabakiarekin ados ez bazaude edo erantzunak 1112/2018 Errege Dekretuaren 12. artikuluaren baldintzak betetzen ez baditu, interesdunak erreklamazio bat has dezake irisgarritasunaren arduradun den unitatearen aurrean.
a11y-date-heading = Adierazpenaren data
a11y-date = Adierazpen hau 2026ko abenduaren 1ean prestatu zen, eta orri hauen aldaketa bakoitzarekin berrikusten da.
a11y-contact-link = Egoitza elektronikoa: iradokizunak eta kexak
