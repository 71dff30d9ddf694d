//! The Consola de videoasistencia's first paint (the template
//! `templates/operator/console.html`, which escapes every value), and the
//! texts its script (console.js) builds the same markup from when a held
//! poll brings a new body: every fixed text lives here once, for both.
//!
//! What the template cannot say itself is computed here, as the script
//! computes it: the page title, the notices (one per kind), the history's
//! dates and operators' names, whether the meeting's link is a web link.

use crate::render::ConsoleBody;
use engine::console::ConsoleState;
use engine::domain::Outcome;
use minijinja::context;
use minijinja::value::Value as TemplateValue;
use serde::Serialize;
use serde_json::{json, Value};

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
    let mut table = texts();
    let names: serde_json::Map<String, Value> = operator_names
        .iter()
        .map(|(id, name)| (id.clone(), json!(name)))
        .collect();
    table["names"] = Value::Object(names);
    table
        .to_string()
        // `<` escaped so that no text can close the script element.
        .replace('<', "\\u003c")
}

/// Every fixed text of the console: the template's `T`, the script's
/// `CONSOLE_TEXT` (with the names).
fn texts() -> Value {
    let titles: serde_json::Map<String, Value> = ConsoleState::ALL
        .iter()
        .map(|state| (state.as_str().to_string(), json!(state_title(*state))))
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
    })
}

/// "Fecha/hora" as the guide shows it, e.g. "18-02-2023 14:08:42", from the
/// API's local RFC 3339 time.
pub fn guide_datetime(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::civil::DateTime>()
        .map(|local| local.strftime("%d-%m-%Y %H:%M:%S").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// One notice of `#avisos`.
#[derive(Serialize)]
struct Notice<'a> {
    code: &'a str,
    text: &'a str,
    /// The abandonment's, which the script finds by it.
    id: Option<&'static str>,
}

/// The notices, one per kind, the abandonment first (the guide's screen).
fn notices(body: &ConsoleBody) -> Vec<Notice<'_>> {
    let mut notices = Vec::new();
    if body.state == ConsoleState::TaxpayerAbandoned {
        notices.push(Notice {
            code: ABANDONED_CODE,
            text: ABANDONED_MESSAGE,
            id: Some("abandono"),
        });
    }
    for warning in &body.warnings {
        if notices.iter().all(|notice| notice.code != warning.code) {
            notices.push(Notice {
                code: warning.code,
                text: &warning.message,
                id: None,
            });
        }
    }
    notices
}

/// What the template renders the console page from: `body` as the poll
/// answers it, and what only Rust can compute (see the template's header).
/// `operator_name` names an operator id for the history's "Operador".
pub fn console_context(
    body: &ConsoleBody,
    operator_name: &dyn Fn(&str) -> String,
) -> TemplateValue {
    let assignment = body.assignment.as_ref();
    let history_lines: Vec<TemplateValue> = assignment
        .map(|a| a.history.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|line| {
            // No operator: the ticket ended in the queue.
            let operator = line
                .operator_id
                .as_deref()
                .map(operator_name)
                .unwrap_or_else(|| NOBODY.to_string());
            context! {
                at_text => guide_datetime(&line.at),
                operator_name => operator,
                ..TemplateValue::from_serialize(line)
            }
        })
        .collect();
    let meeting_link = assignment
        .and_then(|a| a.meeting.as_ref())
        .map(|meeting| meeting.start_url.as_str())
        .filter(|url| is_web_link(url));
    let preselected = (body.state == ConsoleState::TaxpayerAbandoned)
        .then_some(Outcome::TaxpayerAbandoned.as_str());
    context! {
        title => title(body),
        etag => body.etag(),
        body => TemplateValue::from_serialize(body),
        T => TemplateValue::from_serialize(texts()),
        notices => notices(body),
        history_lines => history_lines,
        meeting_link => meeting_link,
        preselected => preselected,
    }
}

/// Only web links become hrefs: a provider's URL is never `javascript:`.
/// (console.js `isWebLink` says the same.)
fn is_web_link(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::render::{
        AssignmentBody, HistoryLine, MeetingBody, OperatorLine, ServiceLine, ServiceRef, Warning,
    };

    /// A console body in `state`, with an assignment where the state has
    /// one: a meeting running, two history lines (one that ended in the
    /// queue, one the taxpayer left), and texts people typed, with markup.
    pub(crate) fn sample_body(state: ConsoleState) -> ConsoleBody {
        let with_assignment = matches!(
            state,
            ConsoleState::Assigned | ConsoleState::InMeeting | ConsoleState::TaxpayerAbandoned
        );
        let assignment = with_assignment.then(|| AssignmentBody {
            ticket_id: "t-1".to_string(),
            nif: "12345678Z".to_string(),
            name: "<b>Ana</b> O'Neill".to_string(),
            joined_at: "2026-11-30T10:00:00+01:00".to_string(),
            assigned_at: "2026-11-30T10:01:00+01:00".to_string(),
            service: ServiceRef {
                code: "APOYOIRPF".to_string(),
                description: "Trámites & \"más\"".to_string(),
            },
            authentication: "NIF/NIE + Fecha/Dato de contraste".to_string(),
            representation_allowed: true,
            history: vec![
                HistoryLine {
                    at: "2026-11-27T09:15:02+01:00".to_string(),
                    operator_id: Some("op-0002".to_string()),
                    service: "CLAVE".to_string(),
                    outcome: "taxpayer_abandoned",
                    outcome_label: "Abandono del contribuyente",
                    observations: "<script>alert('x')</script>".to_string(),
                    taxpayer_observations: Some(String::new()),
                    abandon_reason: Some("absent"),
                },
                HistoryLine {
                    at: "2026-11-26T12:00:00+01:00".to_string(),
                    operator_id: None,
                    service: "CLAVE".to_string(),
                    outcome: "taxpayer_abandoned",
                    outcome_label: "Abandono del contribuyente",
                    observations: String::new(),
                    taxpayer_observations: Some("me fui".to_string()),
                    abandon_reason: Some("taxpayer"),
                },
            ],
            meeting: (state != ConsoleState::Assigned).then(|| MeetingBody {
                start_url: "/reunion/12?rol=anfitrion".to_string(),
                started_at: "2026-11-30T10:02:00+01:00".to_string(),
                taxpayer: None,
                running: true,
            }),
            taxpayer_observations: (state == ConsoleState::TaxpayerAbandoned)
                .then(|| "<i>adiós</i>".to_string()),
        });
        let warning = |code: &'static str| Warning {
            code,
            message: format!("Aviso \"{code}\" <b>"),
        };
        ConsoleBody {
            version: 7,
            operator: OperatorLine {
                id: "op-0001".to_string(),
                name: "Operadora <Demo>".to_string(),
            },
            attended_today: 3,
            state,
            services: vec![
                ServiceLine {
                    code: "CLAVE".to_string(),
                    description: "Clave".to_string(),
                    hours: "De 09:00 a 15:00".to_string(),
                    open: true,
                    active: true,
                },
                ServiceLine {
                    code: "CERRADO".to_string(),
                    description: "Cerrado".to_string(),
                    hours: "De 16:00 a 17:00".to_string(),
                    open: false,
                    active: false,
                },
            ],
            assignment,
            warnings: if with_assignment {
                vec![
                    warning(ATTENTION_CODE),
                    warning(ATTENTION_CODE),
                    warning("other"),
                ]
            } else {
                Vec::new()
            },
            next_poll_seconds: 9,
            epoch: 1,
            catalog_generation: 0,
        }
    }

    fn operator_name(id: &str) -> String {
        format!("Nombre de {id}")
    }

    /// The whole console page for `body`, as the handler renders it.
    pub(crate) fn page_context(body: &ConsoleBody) -> TemplateValue {
        context! {
            lang => "es", nonce => "n", style => "", common_js => "", messages => "{}",
            operator_messages => "{}", nav => true, logout => true, script => "",
            ..console_context(body, &operator_name)
        }
    }

    fn render(state: ConsoleState) -> String {
        crate::pages::templates::render("operator/console.html", page_context(&sample_body(state)))
            .unwrap_or_else(|error| panic!("{state:?}: {error}"))
    }

    /// `html` from `start` to the first `end` after it, both included.
    fn part<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
        let from = html
            .find(start)
            .unwrap_or_else(|| panic!("no {start} in {html}"));
        let to = html[from..]
            .find(end)
            .unwrap_or_else(|| panic!("no {end} after {start}"));
        &html[from..from + to + end.len()]
    }

    #[test]
    fn every_state_shows_its_screen_and_nothing_of_the_others() {
        let expected: [(ConsoleState, &[&str], &[&str]); 7] = [
            (
                ConsoleState::Unavailable,
                &[
                    "<p class=\"nota\" id=\"nota-2\">No se ha puesto disponible en ningún servicio.",
                    " <a href=\"/operador/disponibilidad\">Gestión disponibilidad operador</a></p>",
                ],
                &["id=\"servicios\"", "id=\"atender\""],
            ),
            (
                ConsoleState::Closed,
                &[
                    "<h2>Servicios</h2><ul id=\"servicios\"><li>CLAVE: Clave - De 09:00 a 15:00</li><li>CERRADO: Cerrado - De 16:00 a 17:00</li></ul>",
                    "<p class=\"nota\" id=\"nota-1\">Los servicios se encuentran fuera de horario.",
                ],
                &["id=\"atender\"", "Servicios Activos"],
            ),
            (
                ConsoleState::Idle,
                &[
                    "<h2>Servicios Activos</h2><ul id=\"servicios\"><li>CLAVE: Clave - De 09:00 a 15:00</li></ul>",
                    "<button type=\"button\" id=\"atender\">Atender Contribuyente</button>",
                ],
                &["CERRADO", "id=\"interrumpir\""],
            ),
            (
                ConsoleState::Waiting,
                &[
                    "<p><strong>A la espera de atender contribuyente</strong></p>",
                    "<p>Próxima actualización en: <span id=\"cuenta-atras\">9</span> seg.</p>",
                    "<button type=\"button\" id=\"interrumpir\">Interrumpir</button>",
                ],
                &["id=\"atender\"", "CERRADO"],
            ),
            (
                ConsoleState::Assigned,
                &[
                    "<h2 id=\"titulo-estado\" tabindex=\"-1\">CONTRIBUYENTE ASIGNADO</h2>",
                    "<dt>NIF:</dt><dd id=\"nif\">12345678Z</dd>",
                    "<p>Si no aparece una notificación para iniciar la reunión, iníciela desde el inicio del cliente Zoom.</p>",
                    "<button type=\"button\" id=\"iniciar\">Iniciar Videoasistencia</button>",
                    "<table id=\"anotaciones\">",
                ],
                &["id=\"finalizacion\"", "id=\"enlace-reunion\"", "id=\"servicios\""],
            ),
            (
                ConsoleState::InMeeting,
                &[
                    "<div id=\"servicios-bloque\"></div><h2 id=\"titulo-estado\" tabindex=\"-1\">CONTRIBUYENTE ATENDIDO</h2>",
                    "<div id=\"reunion\"><p><a class=\"boton\" id=\"enlace-reunion\" href=\"/reunion/12?rol=anfitrion\" target=\"_blank\" rel=\"noopener noreferrer\">Abrir la reunión en Zoom</a></p><p><button type=\"button\" id=\"finalizar-reunion\">Finalizar la reunión para todos</button></p></div>",
                    "<div id=\"obs-contribuyente\"></div>",
                    "<option value=\"\" selected>(Seleccionar)</option><option value=\"success\">Finalizada con éxito</option>",
                    "<label for=\"nif-representado\">NIF Representado</label>",
                ],
                &["id=\"iniciar\"", "id=\"abandono\""],
            ),
            (
                ConsoleState::TaxpayerAbandoned,
                &[
                    "<div id=\"servicios-bloque\"><h2>Servicios Activos</h2><ul id=\"servicios\"><li>CLAVE: Clave - De 09:00 a 15:00</li></ul></div>",
                    "<p class=\"aviso\" id=\"abandono\" data-code=\"taxpayer_abandoned\">El contribuyente asignado ha abandonado el sistema.",
                    "<p>Observaciones del contribuyente al abandonar: <span class=\"obs\">&lt;i&gt;adiós&lt;/i&gt;</span></p>",
                    "<option value=\"\">(Seleccionar)</option>",
                    "<option value=\"taxpayer_abandoned\" selected>Abandono del contribuyente</option>",
                ],
                &["id=\"iniciar\""],
            ),
        ];
        for (state, present, absent) in expected {
            let html = render(state);
            let estado = part(&html, "<div id=\"consola\"", "</main>");
            assert!(
                estado.starts_with("<div id=\"consola\" data-etag=\"&quot;o1-7-"),
                "{state:?}: {estado}"
            );
            assert!(estado.contains(&format!(" data-state=\"{}\"", state.as_str())));
            for wanted in present {
                assert!(
                    estado.contains(wanted),
                    "{state:?} lacks {wanted:?} in {estado}"
                );
            }
            for unwanted in absent {
                assert!(
                    !estado.contains(unwanted),
                    "{state:?} has {unwanted:?} in {estado}"
                );
            }
            // The script writes no whitespace between elements; neither
            // does the first paint it is compared with.
            assert!(!estado.contains(">\n"), "{state:?}: {estado}");
            assert!(html.contains(&format!(
                "<title>{} - Videoasistencia</title>",
                title(&sample_body(state))
            )));
        }
    }

    #[test]
    fn what_people_typed_is_escaped_and_the_history_reads_as_the_guide_writes_it() {
        let html = render(ConsoleState::Assigned);
        assert!(html.contains("<dd>Operadora &lt;Demo&gt;</dd>"), "{html}");
        assert!(html.contains("<dd>&lt;b&gt;Ana&lt;/b&gt; O'Neill</dd>"));
        assert!(html.contains("<dd>APOYOIRPF - Trámites &amp; &quot;más&quot;</dd>"));
        let rows = part(&html, "<tbody>", "</tbody>");
        assert_eq!(
            rows,
            "<tbody><tr><td>27-11-2026 09:15:02</td><td>Nombre de op-0002</td><td>CLAVE</td>\
             <td>Abandono del contribuyente</td><td class=\"obs\">&lt;script&gt;alert('x')&lt;/script&gt;\
             <br><em>Observaciones del contribuyente al abandonar:</em> \
             <br><em>El contribuyente perdió la conexión antes de aceptar la videoconferencia.</em></td></tr>\
             <tr><td>26-11-2026 12:00:00</td><td>Ninguno (la solicitud terminó en la cola)</td><td>CLAVE</td>\
             <td>Abandono del contribuyente</td><td class=\"obs\"><br><em>Observaciones del contribuyente al abandonar:</em> me fui</td></tr></tbody>"
        );
        assert!(!html.contains("<script>alert") && !html.contains("<b>"));
    }

    #[test]
    fn notices_come_one_per_kind_the_abandonment_first() {
        let html = render(ConsoleState::TaxpayerAbandoned);
        let avisos = part(&html, "<div id=\"avisos\"", "</div>");
        assert_eq!(
            avisos,
            format!(
                "<div id=\"avisos\" aria-live=\"polite\"><p class=\"aviso\" id=\"abandono\" data-code=\"taxpayer_abandoned\">{ABANDONED_MESSAGE}</p>\
                 <p class=\"aviso\" data-code=\"attention_time_exceeded\">Aviso &quot;attention_time_exceeded&quot; &lt;b&gt;</p>\
                 <p class=\"aviso\" data-code=\"other\">Aviso &quot;other&quot; &lt;b&gt;</p></div>"
            )
        );
        assert!(html.contains(&format!(
            "<title>{ATTENTION_TITLE} - Videoasistencia</title>"
        )));
    }

    #[test]
    fn only_web_links_become_the_meeting_link() {
        let mut body = sample_body(ConsoleState::InMeeting);
        if let Some(meeting) = body.assignment.as_mut().and_then(|a| a.meeting.as_mut()) {
            meeting.start_url = "javascript:alert(1)".to_string();
            meeting.running = false;
        }
        let html = crate::pages::templates::render("operator/console.html", page_context(&body))
            .expect("renders");
        assert!(html.contains("<div id=\"reunion\"></div>"), "{html}");
        assert!(!html.contains("javascript:"));
        assert!(is_web_link("https://zoom.us/s/1") && is_web_link("/reunion/1"));
        assert!(!is_web_link("//evil.example/") && !is_web_link("javascript:x"));
    }
}
