//! The Consola de videoasistencia's first paint, and the texts its script
//! (console.js) builds the same markup from when a held poll brings a new
//! body: every fixed text lives here once, for both.
//!
//! The markup is in parts the script owns one by one: `#avisos` (the
//! notices, one per kind, a live region), `#atendidos`, and `#estado` (what
//! the state shows). In the finalization states `#estado` keeps its form for
//! the whole assignment; only `#servicios-bloque`, `#reunion` and
//! `#obs-contribuyente` around it change.

use engine::domain::Outcome;
use engine::render::{AssignmentBody, ConsoleBody, ConsoleState, HistoryLine};
use serde_json::{json, Value};

use super::super::escape;

/// NOTA 1 of the guide: the operator's services are all outside their hours.
pub const CLOSED_MESSAGE: &str = "Los servicios se encuentran fuera de horario. Se recomienda cerrar la Consola de Operador, cerrando el navegador, y acceder a la Consola de nuevo cuando se inicie el horario.";
/// NOTA 2 of the guide: the operator is not available in any service.
pub const UNAVAILABLE_MESSAGE: &str = "No se ha puesto disponible en ningún servicio. Se recomienda cerrar la Consola de Operador, cerrando el navegador, ponerse disponible en los servicios que tenga que prestar y abrir de nuevo la Consola de Operador.";
/// What the console says when the assigned taxpayer pressed Abandonar.
pub const ABANDONED_MESSAGE: &str = "El contribuyente asignado ha abandonado el sistema. Finalice la reunión y espere a que se le asigne otro contribuyente.";
/// The notice kind of [`ABANDONED_MESSAGE`] (the warnings' kinds are their codes).
const ABANDONED_CODE: &str = "taxpayer_abandoned";
const HEADING: &str = "Consola de videoasistencia";
const START_HINT: &str =
    "Si no aparece una notificación para iniciar la reunión, iníciela desde el inicio del cliente Zoom.";
const NO_HISTORY: &str = "No hay anotaciones anteriores sobre el contribuyente.";
const NOBODY: &str = "Ninguno (la solicitud terminó en la cola)";
const LEFT_WITH: &str = "Observaciones del contribuyente al abandonar:";
const LOST_CONNECTION: &str =
    "El contribuyente perdió la conexión antes de aceptar la videoconferencia.";
const OBSERVATIONS_LABEL: &str = "Observaciones/Anotaciones (Si el contribuyente atendido pide otra videoasistencia, este dato será visible por el operador que se le asigne)";
const REMINDER: &str = "No actúe en esta pantalla hasta no finalizar la reunión en Zoom con el contribuyente, cuando ésta haya concluido.";
/// Announced (not shown) when the taxpayer presses Aceptar y Acceder.
const ACCEPTED: &str = "El contribuyente ha aceptado y accede a la videoconferencia.";

/// The page title of a state, as the guide names it (the page adds
/// " - Videoasistencia"). "(1)" marks a state that waits for the operator.
fn state_title(state: ConsoleState) -> &'static str {
    match state {
        ConsoleState::Unavailable => {
            "No disponible en ningún servicio — Consola de videoasistencia"
        }
        ConsoleState::Closed => "Servicios fuera de horario — Consola de videoasistencia",
        ConsoleState::Idle => "Sin contribuyente asignado — Consola de videoasistencia",
        ConsoleState::Waiting => {
            "A la espera de atender contribuyente — Consola de videoasistencia"
        }
        ConsoleState::Assigned => "(1) Contribuyente asignado — Consola de videoasistencia",
        ConsoleState::InMeeting => "Contribuyente atendido — Consola de videoasistencia",
        ConsoleState::TaxpayerAbandoned => {
            "(1) El contribuyente ha abandonado — Consola de videoasistencia"
        }
    }
}

/// The title while the attention-time warning shows.
const ATTENTION_TITLE: &str = "(1) Tiempo de atención superado — Consola de videoasistencia";
const ATTENTION_CODE: &str = "attention_time_exceeded";

const STATES: [ConsoleState; 7] = [
    ConsoleState::Unavailable,
    ConsoleState::Closed,
    ConsoleState::Idle,
    ConsoleState::Waiting,
    ConsoleState::Assigned,
    ConsoleState::InMeeting,
    ConsoleState::TaxpayerAbandoned,
];

/// The page title of a console body, as the script also computes it.
pub fn title(body: &ConsoleBody) -> &'static str {
    if body.warnings.iter().any(|w| w.code == ATTENTION_CODE) {
        ATTENTION_TITLE
    } else {
        state_title(body.state)
    }
}

/// Every fixed text the script needs, and the operators' names for the
/// "Operador" column of a new assignment's history, as a JS object literal
/// safe inside a `<script>`.
pub fn texts_js(operator_names: &[(String, String)]) -> String {
    let titles: serde_json::Map<String, Value> = STATES
        .iter()
        .map(|state| (state.as_str().to_string(), json!(state_title(*state))))
        .collect();
    let names: serde_json::Map<String, Value> = operator_names
        .iter()
        .map(|(id, name)| (id.clone(), json!(name)))
        .collect();
    let outcomes: Vec<Value> = Outcome::ALL
        .iter()
        .map(|o| json!([o.as_str(), o.label()]))
        .collect();
    json!({
        "heading": HEADING,
        "titles": titles,
        "attentionTitle": ATTENTION_TITLE,
        "attentionCode": ATTENTION_CODE,
        "closed": CLOSED_MESSAGE,
        "unavailable": UNAVAILABLE_MESSAGE,
        "abandoned": ABANDONED_MESSAGE,
        "abandonedCode": ABANDONED_CODE,
        "startHint": START_HINT,
        "noHistory": NO_HISTORY,
        "nobody": NOBODY,
        "leftWith": LEFT_WITH,
        "lostConnection": LOST_CONNECTION,
        "observationsLabel": OBSERVATIONS_LABEL,
        "reminder": REMINDER,
        "accepted": ACCEPTED,
        "outcomes": outcomes,
        "names": names,
    })
    .to_string()
    // `<` escaped so that no text can close the script element.
    .replace('<', "\\u003c")
}

/// "Fecha/hora" as the guide shows it, e.g. "18-02-2023 14:08:42", from the
/// API's local RFC 3339 time.
pub fn guide_datetime(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::civil::DateTime>()
        .map(|local| local.strftime("%d-%m-%Y %H:%M:%S").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The notices, one per kind, the abandonment first (the guide's screen).
fn notices_html(body: &ConsoleBody) -> String {
    let mut html = String::from("<div id=\"avisos\" aria-live=\"polite\">");
    if body.state == ConsoleState::TaxpayerAbandoned {
        html.push_str(&format!(
            "<p class=\"aviso\" id=\"abandono\" data-code=\"{ABANDONED_CODE}\">{ABANDONED_MESSAGE}</p>"
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for warning in &body.warnings {
        if seen.contains(&warning.code) {
            continue;
        }
        seen.push(warning.code);
        html.push_str(&format!(
            "<p class=\"aviso\" data-code=\"{}\">{}</p>",
            escape(warning.code),
            escape(&warning.message)
        ));
    }
    html.push_str("</div>");
    html
}

/// The console's HTML for one state (trusted HTML: every value is escaped).
pub fn console_html(body: &ConsoleBody, operator_name: &dyn Fn(&str) -> String) -> String {
    let mut html = String::with_capacity(4096);
    let ticket = body
        .assignment
        .as_ref()
        .map(|a| a.ticket_id.as_str())
        .unwrap_or("");
    html.push_str(&format!(
        "<div id=\"consola\" data-etag=\"{}\" data-version=\"{}\" data-poll=\"{}\" data-state=\"{}\" \
         data-ticket=\"{}\" data-attended=\"{}\">",
        escape(&body.etag()),
        body.version,
        body.next_poll_seconds,
        body.state.as_str(),
        escape(ticket),
        body.attended_today,
    ));
    html.push_str(&format!("<h1>{HEADING}</h1>"));
    html.push_str(&notices_html(body));
    html.push_str(
        "<p class=\"error\" id=\"error-general\" role=\"alert\" tabindex=\"-1\" hidden></p>",
    );
    html.push_str("<p class=\"solo-lector\" id=\"anuncio\" role=\"status\"></p>");
    html.push_str(&format!(
        "<dl class=\"datos\"><dt>Operador:</dt><dd>{}</dd><dt>Nombre:</dt><dd>{}</dd>\
         <dt>Contribuyentes atendidos:</dt><dd id=\"atendidos\">{}</dd></dl>",
        escape(&body.operator.id),
        escape(&body.operator.name),
        body.attended_today
    ));
    html.push_str("<div id=\"estado\">");
    html.push_str(&state_html(body, operator_name));
    html.push_str("</div></div>");
    html
}

/// What `#estado` holds in the body's state.
fn state_html(body: &ConsoleBody, operator_name: &dyn Fn(&str) -> String) -> String {
    let mut html = String::new();
    match body.state {
        ConsoleState::Unavailable => {
            html.push_str(&format!(
                "<p class=\"nota\" id=\"nota-2\">{UNAVAILABLE_MESSAGE} \
                 <a href=\"/operador/disponibilidad\">Gestión disponibilidad operador</a></p>"
            ));
        }
        ConsoleState::Closed => {
            html.push_str(&services_html(body, "Servicios", false));
            html.push_str(&format!(
                "<p class=\"nota\" id=\"nota-1\">{CLOSED_MESSAGE}</p>"
            ));
        }
        ConsoleState::Idle => {
            html.push_str(&services_html(body, "Servicios Activos", true));
            html.push_str("<button type=\"button\" id=\"atender\">Atender Contribuyente</button>");
        }
        ConsoleState::Waiting => {
            html.push_str(&services_html(body, "Servicios Activos", true));
            html.push_str(&format!(
                "<p><strong>A la espera de atender contribuyente</strong></p>\
                 <p>Próxima actualización en: <span id=\"cuenta-atras\">{}</span> seg.</p>\
                 <button type=\"button\" id=\"interrumpir\">Interrumpir</button>",
                body.next_poll_seconds
            ));
        }
        ConsoleState::Assigned => {
            if let Some(assignment) = &body.assignment {
                html.push_str(
                    "<h2 id=\"titulo-estado\" tabindex=\"-1\">CONTRIBUYENTE ASIGNADO</h2>",
                );
                html.push_str(&taxpayer_html(assignment));
                html.push_str(&format!(
                    "<p>{START_HINT}</p>\
                     <button type=\"button\" id=\"iniciar\">Iniciar Videoasistencia</button>"
                ));
                html.push_str(&history_html(&assignment.history, operator_name));
            }
        }
        ConsoleState::InMeeting | ConsoleState::TaxpayerAbandoned => {
            if let Some(assignment) = &body.assignment {
                html.push_str("<div id=\"servicios-bloque\">");
                if body.state == ConsoleState::TaxpayerAbandoned {
                    html.push_str(&services_html(body, "Servicios Activos", true));
                }
                html.push_str("</div>");
                html.push_str(
                    "<h2 id=\"titulo-estado\" tabindex=\"-1\">CONTRIBUYENTE ATENDIDO</h2>",
                );
                html.push_str(&taxpayer_html(assignment));
                html.push_str(&format!(
                    "<div id=\"reunion\">{}</div>",
                    meeting_html(assignment)
                ));
                html.push_str("<div id=\"obs-contribuyente\">");
                if let Some(observations) = assignment
                    .taxpayer_observations
                    .as_deref()
                    .filter(|o| !o.is_empty())
                {
                    html.push_str(&format!(
                        "<p>{LEFT_WITH} <span class=\"obs\">{}</span></p>",
                        escape(observations)
                    ));
                }
                html.push_str("</div>");
                html.push_str(&finalization_html(body.state, assignment));
                html.push_str(&history_html(&assignment.history, operator_name));
            }
        }
    }
    html
}

/// The host's link to the meeting, and the guide's step 11a.
fn meeting_html(assignment: &AssignmentBody) -> String {
    let Some(meeting) = &assignment.meeting else {
        return String::new();
    };
    let mut html = String::new();
    if is_web_link(&meeting.start_url) {
        html.push_str(&format!(
            "<p><a class=\"boton\" id=\"enlace-reunion\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">Abrir la reunión en Zoom</a></p>",
            escape(&meeting.start_url)
        ));
    }
    if meeting.running {
        // Offered here for when it was forgotten in Zoom.
        html.push_str(
            "<p><button type=\"button\" id=\"finalizar-reunion\">Finalizar la reunión para todos</button></p>",
        );
    }
    html
}

/// Only web links become hrefs: a provider's URL is never `javascript:`.
/// (console.js `isWebLink` says the same.)
fn is_web_link(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"))
}

/// "Servicios Activos": "CODE: description - hours" per line.
fn services_html(body: &ConsoleBody, heading: &str, active_only: bool) -> String {
    let lines: String = body
        .services
        .iter()
        .filter(|service| !active_only || service.active)
        .map(|service| {
            format!(
                "<li>{}: {} - {}</li>",
                escape(&service.code),
                escape(&service.description),
                escape(&service.hours)
            )
        })
        .collect();
    format!("<h2>{heading}</h2><ul id=\"servicios\">{lines}</ul>")
}

fn taxpayer_html(assignment: &AssignmentBody) -> String {
    format!(
        "<dl class=\"datos\"><dt>NIF:</dt><dd id=\"nif\">{}</dd><dt>Nombre:</dt><dd>{}</dd>\
         <dt>Servicio:</dt><dd>{} - {}</dd><dt>Autenticación:</dt><dd>{}</dd></dl>",
        escape(&assignment.nif),
        escape(&assignment.name),
        escape(&assignment.service.code),
        escape(&assignment.service.description),
        escape(&assignment.authentication)
    )
}

/// "Anotaciones sobre el contribuyente": earlier attentions, newest first.
fn history_html(history: &[HistoryLine], operator_name: &dyn Fn(&str) -> String) -> String {
    let mut html = String::from("<h2>Anotaciones sobre el contribuyente</h2>");
    if history.is_empty() {
        html.push_str(&format!("<p>{NO_HISTORY}</p>"));
        return html;
    }
    html.push_str(
        "<table id=\"anotaciones\"><thead><tr><th>Fecha/hora</th><th>Operador</th><th>Servicio</th>\
         <th>Resultado</th><th>Observaciones/Anotaciones</th></tr></thead><tbody>",
    );
    for line in history {
        let operator = match &line.operator_id {
            Some(id) => escape(&operator_name(id)),
            // The ticket ended in the queue: nobody attended it.
            None => NOBODY.to_string(),
        };
        let mut observations = escape(&line.observations);
        if let Some(written) = &line.taxpayer_observations {
            observations.push_str(&format!("<br><em>{LEFT_WITH}</em> {}", escape(written)));
        }
        if line.abandon_reason == Some("absent") && line.operator_id.is_some() {
            observations.push_str(&format!("<br><em>{LOST_CONNECTION}</em>"));
        }
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"obs\">{}</td></tr>",
            escape(&guide_datetime(&line.at)),
            operator,
            escape(&line.service),
            escape(line.outcome_label),
            observations
        ));
    }
    html.push_str("</tbody></table>");
    html
}

/// The finalization form of the in-meeting and abandoned screens. Each
/// error paragraph is named by its field's `aria-describedby`, so the script
/// can mark the field invalid and move focus to it.
fn finalization_html(state: ConsoleState, assignment: &AssignmentBody) -> String {
    let preselected =
        (state == ConsoleState::TaxpayerAbandoned).then_some(Outcome::TaxpayerAbandoned);
    let mut options = format!(
        "<option value=\"\"{}>(Seleccionar)</option>",
        if preselected.is_none() {
            " selected"
        } else {
            ""
        }
    );
    for outcome in Outcome::ALL {
        options.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            outcome.as_str(),
            if preselected == Some(outcome) {
                " selected"
            } else {
                ""
            },
            outcome.label()
        ));
    }
    let representation = if assignment.representation_allowed {
        "<p>En caso de representación consigne el NIF del receptor de la asistencia.</p>\
         <label for=\"nif-representado\">NIF Representado</label>\
         <input type=\"text\" id=\"nif-representado\" maxlength=\"20\" autocomplete=\"off\" aria-describedby=\"error-nif\">\
         <p class=\"error\" id=\"error-nif\" role=\"alert\" hidden></p>\
         <p class=\"nota\">Nota: En caso de representación deberá seguirse el protocolo establecido para el servicio.</p>"
    } else {
        ""
    };
    format!(
        "<form id=\"finalizacion\" data-ticket=\"{ticket}\"><label for=\"resultado\">* Finalización</label>\
         <select id=\"resultado\" required aria-describedby=\"error-resultado\">{options}</select>\
         <p class=\"error\" id=\"error-resultado\" role=\"alert\" hidden></p>\
         <label for=\"observaciones\">{OBSERVATIONS_LABEL}</label>\
         <textarea id=\"observaciones\" maxlength=\"1000\" aria-describedby=\"error-observaciones\"></textarea>\
         <p class=\"error\" id=\"error-observaciones\" role=\"alert\" hidden></p>\
         <p class=\"recordatorio\">{REMINDER}</p>\
         <button type=\"button\" id=\"finalizar-atender\">Finalizar y Atender siguiente</button>\
         <button type=\"button\" id=\"finalizar-interrumpir\">Finalizar e Interrumpir</button>\
         {representation}</form>",
        ticket = escape(&assignment.ticket_id),
    )
}
