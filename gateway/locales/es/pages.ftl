# Ventanilla: the taxpayer pages in Spanish, the guide's wording.
# Every message here exists in ca, gl, eu and en with the same variables
# (a unit test checks it).

## Every page
site-name = Sistema de Videoasistencia al contribuyente
language-selector = Idioma
accessibility-link = Declaración de accesibilidad
back-home = Volver al inicio
request-again-link = Solicitar videoasistencia

## Unknown page
not-found-title = Página no encontrada
not-found-text = La dirección indicada no corresponde a ninguna página de este sitio.

## Errors a taxpayer may see (by API error code)
error-invalid_state = Esta acción ya no es posible: su solicitud ha cambiado. La página muestra ahora su estado actual.
error-invalid_nif = El NIF/NIE indicado no es válido.
error-nif_required = Indique su NIF/NIE.
error-name_required = Indique su nombre.
error-contrast_required = Indique la Fecha/Dato de contraste.
error-observations_too_long = Las observaciones no pueden superar los 1000 caracteres.
error-representation_not_allowed = Este servicio no permite representación.
error-rate_limited = Demasiadas solicitudes seguidas desde esta conexión. Espere un minuto y vuelva a intentarlo.
error-identity_not_verified = No se ha podido verificar su identidad: revise el NIF/NIE y la Fecha/Dato de contraste.
error-service_closed = El servicio se encuentra fuera de horario.
error-service_closing = Con la cola actual, su atención empezaría después de la hora de cierre del servicio, y este servicio no atiende fuera de su horario. Inténtelo otro día.
error-already_waiting = Ya tiene una solicitud de videoasistencia en curso para este servicio.
error-unknown_service = Seleccione un servicio.
error-not_found = No se encuentra la solicitud de videoasistencia.
error-unauthenticated = El acceso guardado en este navegador ya no es válido para esta solicitud.
error-store_unavailable = El sistema no está disponible en este momento. Inténtelo de nuevo en unos segundos.
error-engine_unavailable = El sistema no está disponible en este momento. Inténtelo de nuevo en unos segundos.
error-meeting_provider_failed = No se ha podido preparar la videoconferencia. Inténtelo de nuevo en unos segundos.
error-invalid_request = Revise los datos introducidos.
error-network = No se ha podido contactar con el servidor. Compruebe la conexión e inténtelo de nuevo.
error-unknown = Se ha producido un error. Inténtelo de nuevo.
