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

## Join form (/contribuyente)
join-title = Solicitud de videoasistencia
join-intro = Rellene todos los campos y pulse «Solicitar videoasistencia»: le atenderá por videoconferencia el primer operador disponible del servicio elegido.
field-service = Servicio
choose-option = (Seleccionar)
outside-hours = fuera de horario
field-nif = NIF/NIE
field-name = Nombre
field-contrast = Fecha/Dato de contraste
field-contrast-help = El dato que permite comprobar su identidad, por ejemplo la fecha de validez de su DNI.
join-submit = Solicitar videoasistencia
hours-title = Horario de los servicios
no-operator = Ahora mismo no hay ningún operador atendiendo este servicio.
notice-closing-refused = Con la cola actual, la atención de quien lo solicite ahora empezaría después de la hora de cierre de hoy, y este servicio no atiende fuera de su horario: no se admiten nuevas solicitudes hasta que la cola avance.
notice-closing-warning = Aviso: con la cola actual, la atención de quien lo solicite ahora empezaría previsiblemente después de la hora de cierre de hoy. Puede solicitarla igualmente: se atiende a todos los que ya están en la cola.

## Ticket page (/contribuyente/{id})
ticket-title = Acceso a videoasistencia
no-access = No se encuentra el acceso a esta solicitud en este navegador. Puede solicitarla de nuevo:
ticket-expired = Esta solicitud ha finalizado y ya no se muestra: las solicitudes terminadas se conservan un tiempo limitado. Puede solicitarla de nuevo:
access-replaced = Esta solicitud se ha retomado desde otro navegador o dispositivo, y el acceso guardado en este ya no es válido. Siga la solicitud en el navegador desde el que la retomó.
waiting-heading = Su solicitud está en espera
label-service = Servicio:
label-position = Posición en la cola:
label-wait = Tiempo estimado de espera:
label-nif = NIF:
label-name = Nombre:
label-operator = Operador:
label-id-number = Número de identificación:
wait-less-than-minute = menos de 1 minuto
wait-one-minute = 1 minuto aproximadamente
wait-minutes = { $minutes } minutos aproximadamente
rise-operator-left = El tiempo estimado ha aumentado porque un operador ha dejado de atender este servicio.
rise-attention-running-long = El tiempo estimado ha aumentado porque alguna de las atenciones en curso está durando más de lo habitual.
rise-other = El tiempo estimado ha aumentado: las atenciones en curso se están alargando.
notice-past-closing = Según la estimación actual, su atención empezaría después de la hora de cierre del servicio. Se atiende a todos los que ya están en la cola, pero puede que tenga que esperar más allá del horario. Puede seguir esperando o abandonar.
next-update = Próxima actualización en:
seconds-short = seg.
keep-open = No cierre esta página: cuando se le asigne un operador aparecerá aquí el acceso a la videoasistencia.
presence-note = Mientras esta página esté abierta conserva su turno, sin límite de tiempo. Si la cierra o pierde la conexión más de { $absent } minutos, se atiende a los siguientes sin que pierda su lugar; si no vuelve en { $grace } minutos más, la solicitud se da por abandonada.
connection-lost = Se ha perdido la conexión con el servidor. La página lo sigue intentando sola: si vuelve a conectar en menos de { $minutes } minutos, conserva su turno.
recording-notice-before = En cumplimiento de la Ley Orgánica 3/2018, de Protección de Datos Personales y Garantía de los Derechos Digitales, le informamos que la videoconferencia va a ser grabada. Puede obtener más información en la web de la AEAT, en el apartado de{" "}
recording-notice-link = Datos Personales
recording-notice-after = {"."}
assigned = Se le ha asignado un operador.
accept-instructions = Si está de acuerdo con lo descrito en esta página, pulse en 'Aceptar y Acceder a la videoconferencia' para iniciar la conversación.
accept-button = Aceptar y Acceder a la videoconferencia
meeting-pending = Ha aceptado. El operador está preparando la videoconferencia: se abrirá en una pestaña nueva en cuanto esté lista.
meeting-opened = La videoconferencia se ha abierto en una pestaña nueva. Si no la ve, use este enlace:
meeting-link = Acceder a la videoconferencia
meeting-opening = Abriendo la videoconferencia…
finished-text = La videoasistencia ha finalizado. Gracias por utilizar el servicio.
abandoned-own = Ha abandonado la videoasistencia.
abandoned-absent = Su solicitud se ha dado por abandonada porque esta página dejó de responder durante demasiado tiempo (se cerró, perdió la conexión o el dispositivo se bloqueó).
abandon-button = Abandonar
abandon-observations = Observaciones (en caso de abandonar)
abandon-confirm = ¿Desea abandonar la videoasistencia?
title-waiting = ({ $position }) En espera - Acceso a videoasistencia
title-assigned = Operador asignado - Acceso a videoasistencia
title-accepted = Preparando la videoconferencia - Acceso a videoasistencia
title-meeting = Videoconferencia lista - Acceso a videoasistencia
title-finished = Finalizada - Acceso a videoasistencia
title-abandoned = Abandonada - Acceso a videoasistencia
title-no-access = Sin acceso - Acceso a videoasistencia
announce-assigned = Se le ha asignado un operador. Pulse «Aceptar y Acceder a la videoconferencia» para iniciar la conversación.
announce-meeting-opened = La videoconferencia se ha abierto en una pestaña nueva.
announce-meeting-ready = La videoconferencia está lista: pulse «Acceder a la videoconferencia».

## The demo meeting room, taxpayer side (/reunion/{id})
room-title = Sala de videoasistencia
room-about = Reunión { $id }: proveedor de reuniones local, para demostraciones (no hay vídeo).
room-enter-hint = Entre en la sala de espera; el operador le admitirá.
room-enter = Entrar en la sala de espera
room-leave = Salir de la reunión
room-open-from-link = Abra la reunión desde el enlace de su solicitud de videoasistencia.
room-wrong-link = Este enlace no corresponde a su solicitud de videoasistencia.
room-not-found-title = Reunión no encontrada
room-not-found = No existe la reunión «{ $id }».

## Accessibility statement (/accesibilidad)
a11y-title = Declaración de accesibilidad
a11y-intro = La Agencia Tributaria se ha comprometido a hacer accesible este sitio de videoasistencia, de conformidad con el Real Decreto 1112/2018, de 7 de septiembre, sobre accesibilidad de los sitios web y aplicaciones para dispositivos móviles del sector público. Esta declaración se aplica a las páginas del contribuyente: la solicitud, la página de la solicitud con el acceso a la videoconferencia y esta declaración.
a11y-status-heading = Situación de cumplimiento
a11y-status = Estas páginas son plenamente conformes con el nivel AA de las Pautas de Accesibilidad para el Contenido Web (WCAG) 2.1 y con la norma UNE-EN 301 549:2022, en lo que se ha podido comprobar.
a11y-how-heading = Cómo se ha comprobado
a11y-how = Mediante una autoevaluación: las pruebas automáticas del proyecto abren cada estado de cada página (solicitud, errores, en espera, operador asignado, aceptada, finalizada, abandonada, página no encontrada y esta declaración), en los cinco idiomas, en Chromium sin interfaz, y pasan la herramienta axe-core (reglas WCAG 2.0, 2.1 y 2.2 de niveles A y AA): cualquier incumplimiento detectado hace fallar las pruebas. Las mismas pruebas comprueban que los cambios se anuncian a los lectores de pantalla, que el foco y el texto escrito se conservan cuando la página se actualiza y que las páginas caben sin desplazamiento horizontal en pantallas de 320 píxeles de ancho.
a11y-time-heading = Límites de tiempo
a11y-time = Ninguna acción del contribuyente tiene un límite de tiempo mientras la página de su solicitud está abierta. Si la cierra o pierde la conexión más de { $absent } minutos, se atiende a los siguientes sin que pierda su lugar; si no vuelve en { $grace } minutos más, la solicitud se da por abandonada. La página avisa cuando pierde la conexión.
a11y-limits-heading = Contenido no accesible
a11y-limits = La videoconferencia se celebra en la aplicación del proveedor de reuniones (Zoom), cuya accesibilidad no depende de este sitio. El nombre y el horario de cada servicio se muestran en castellano.
a11y-contact-heading = Observaciones y datos de contacto
a11y-contact = Puede comunicar cualquier problema de accesibilidad, pedir información en un formato accesible o presentar una queja por el incumplimiento de los requisitos del Real Decreto 1112/2018 a través del formulario de sugerencias y quejas de la sede electrónica de la Agencia Tributaria, indicando «Accesibilidad de la videoasistencia».
a11y-complaint-heading = Procedimiento de aplicación
a11y-complaint = Si una vez realizada una solicitud de información accesible o queja ésta hubiera sido desestimada, no se estuviera de acuerdo con la decisión adoptada o la respuesta no cumpliera los requisitos del artículo 12 del Real Decreto 1112/2018, la persona interesada podrá iniciar una reclamación ante la unidad responsable de accesibilidad.
a11y-date-heading = Fecha de la declaración
a11y-date = Esta declaración se preparó el 1 de diciembre de 2026 y se revisa con cada cambio de estas páginas.
a11y-contact-link = Sede electrónica: sugerencias y quejas
