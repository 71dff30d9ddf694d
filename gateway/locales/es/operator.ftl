# Ventanilla: the operator's pages' error messages, in the guide's Spanish
# (Consola de videoasistencia, Gestión disponibilidad, the login, the local
# meeting room's host page), by API error code. Spanish only: the operator
# console is not translated (the taxpayer pages' own messages, in every
# language, are `error-*` in pages.ftl). A unit test checks that every code
# the operator's pages may meet has its message here, and nothing more.

operator-error-not_available = No se encuentra disponible en ningún servicio. Póngase disponible en «Gestión disponibilidad operador» y vuelva a abrir la Consola de Operador.
operator-error-services_closed = Los servicios se encuentran fuera de horario. Acceda de nuevo a la Consola cuando se inicie el horario.
operator-error-invalid_state = La acción no es posible en el estado actual de la consola. La pantalla se ha actualizado.
operator-error-meeting_provider_failed = No se ha podido crear la reunión en Zoom. Vuelva a pulsar «Iniciar Videoasistencia».
operator-error-invalid_outcome = Seleccione el tipo de Finalización.
operator-error-invalid_nif = El NIF/NIE indicado no es válido.
operator-error-observations_too_long = Las observaciones no pueden superar los 1000 caracteres.
operator-error-representation_not_allowed = Este servicio no permite representación: deje vacío el NIF Representado.
operator-error-interrupt_refused_end_of_day = El sistema no permite la interrupción: está muy próximo el final de la jornada y hay contribuyentes en espera.
operator-error-unauthenticated = Operador o contraseña incorrectos, o la sesión ha caducado.
operator-error-rate_limited = Demasiados intentos seguidos. Espere un minuto y vuelva a intentarlo.
operator-error-identity_not_verified = No se ha podido verificar su identidad: revise el NIF/NIE y la Fecha/Dato de contraste.
operator-error-service_closed = El servicio se encuentra fuera de horario.
operator-error-service_closing = Con la cola actual, su atención empezaría después de la hora de cierre del servicio, y este servicio no atiende fuera de su horario. Inténtelo otro día.
operator-error-already_waiting = Ya tiene una solicitud de videoasistencia en curso para este servicio.
operator-error-unknown_service = Seleccione un servicio.
operator-error-not_found = No se encuentra la solicitud de videoasistencia.
operator-error-store_unavailable = El sistema no está disponible en este momento. Inténtelo de nuevo en unos segundos.
operator-error-engine_unavailable = El sistema no está disponible en este momento. Inténtelo de nuevo en unos segundos.
operator-error-invalid_request = Revise los datos introducidos.
operator-error-network = No se ha podido contactar con el servidor. Compruebe la conexión e inténtelo de nuevo.
operator-error-unknown = Se ha producido un error. Inténtelo de nuevo.
