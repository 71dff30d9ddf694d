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
