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
