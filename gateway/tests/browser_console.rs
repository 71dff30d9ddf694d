//! The operator's console in a real browser (Debian's headless Chromium
//! through chromedriver): it updates in place. Through every state of the
//! guide (login, Gestión disponibilidad, not available, idle, waiting,
//! assigned, in attention, taxpayer accepted, attention-time warning,
//! finalization with errors, taxpayer abandoned, closed) the test checks:
//! - axe-core finds no WCAG A/AA violation;
//! - a state change keeps `window` (a marker set on it survives: no reload),
//!   keeps focus and the text typed into Observaciones, and never rebuilds
//!   the finalization form (a mark set on the form element survives);
//! - the change is announced: the `role=status` announcer, the notices'
//!   live region, `role=alert` errors with focus on the first one, and the
//!   title naming the state;
//! - at most one notice of a kind;
//! - what the script built matches what the server renders for that state.
//!
//! The taxpayer acts through the engine (join, accept, abandon); the app
//! runs on a manual clock at Monday 30 November 2026, 10:00 in Madrid, moved
//! on to bring the attention-time warning. Screenshots of every state go to
//! `target/test-output/browser-console/`. It also measures how long the
//! console takes to show an assignment after the join (held polls).

#[allow(dead_code)] // shared with the other browser tests; not all used here
mod browser_support;

use std::time::{Duration, Instant};

use browser_support::{axe, run_scenario, until, App, Browser, Stage};
use engine::testsuite::{dni, madrid};
use engine::ticket::TicketId;
use engine::JoinInput;
use serde_json::{json, Value};

const OUTPUT: &str = "browser-console";
const SUFFIX: &str = " — Consola de videoasistencia - Videoasistencia";
const TYPED: &str = "Escrito antes de que el contribuyente acepte";
const MORE: &str = "; y antes del aviso";
const ATTENTION: &str = "Han transcurrido 4 minutos desde que inició la reunión en Zoom.";
const ABANDONED: &str = "El contribuyente asignado ha abandonado el sistema. Finalice la reunión y espere a que se le asigne otro contribuyente.";
const ACCEPTED: &str = "El contribuyente ha aceptado y accede a la videoconferencia.";

/// What a click or a held poll's answer may take on a busy machine.
const PROMPTLY: Duration = Duration::from_secs(10);
/// A held poll (25 s) that only the clock changes answers at its end.
const ONE_HELD_POLL: Duration = Duration::from_secs(40);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_updates_in_place_announces_each_state_and_passes_axe() {
    let at = madrid("2026-11-30 10:00");
    run_scenario(OUTPUT, at, ["operador"], console_states).await;
}

async fn console_states(stage: Stage<1>) {
    let (app, [operator]) = stage.into_parts();
    // Login, and a wrong password: the error is an alert and takes focus.
    operator.goto(&app.url("/operador")).await;
    operator
        .until_text(&["Identificación del operador"], PROMPTLY)
        .await;
    check_state(&operator, "01-login").await;
    operator.type_into("#operador", "op-0001").await;
    operator.type_into("#clave", "no-es-la-clave").await;
    operator.click("#acceso button[type=submit]").await;
    operator.until_displayed("#error-acceso", PROMPTLY).await;
    assert_eq!(attribute(&operator, "#error-acceso", "role").await, "alert");
    assert_eq!(active_id(&operator).await, "error-acceso");
    check_state(&operator, "02-login-error").await;
    operator.type_into("#clave", "demo").await;
    operator.click("#acceso button[type=submit]").await;

    // Not available anywhere: NOTA 2.
    operator
        .until_text(&["No se ha puesto disponible en ningún servicio"], PROMPTLY)
        .await;
    assert_title(&operator, "No disponible en ningún servicio").await;
    check_state(&operator, "03-console-unavailable").await;

    // Gestión disponibilidad: a named group per service, labels on one line.
    operator.click_link("Gestión disponibilidad operador").await;
    operator
        .until_text(&["Gestión disponibilidad operador", "Disponible"], PROMPTLY)
        .await;
    check_availability_groups(&operator).await;
    check_state(&operator, "04-availability").await;
    operator
        .click("input[name=\"disp-CLAVE\"][value=\"si\"]")
        .await;
    operator.click("#disponibilidad button[type=submit]").await;
    operator
        .until_text(&["Disponibilidad guardada."], PROMPTLY)
        .await;
    let saved_in_status = operator
        .run("return document.getElementById('guardado').closest('[role=status]') !== null;")
        .await;
    assert_eq!(
        saved_in_status,
        json!(true),
        "the saved message is a status"
    );
    check_state(&operator, "05-availability-saved").await;

    // Idle: from here on no change may reload the page.
    operator.click_link("Acceso a la Consola de Operador").await;
    operator
        .until_text(&["Servicios Activos", "Atender Contribuyente"], PROMPTLY)
        .await;
    assert_title(&operator, "Sin contribuyente asignado").await;
    check_state(&operator, "06-console-idle").await;
    operator
        .run("window.__consoleMarker = 'kept'; return null;")
        .await;

    // Waiting, with the guide's countdown.
    operator.click("#atender").await;
    operator
        .until_text(
            &[
                "A la espera de atender contribuyente",
                "Próxima actualización en:",
            ],
            PROMPTLY,
        )
        .await;
    assert_kept(&operator).await;
    assert_title(&operator, "A la espera de atender contribuyente").await;
    until_announced(&operator, "A la espera de atender contribuyente.").await;
    // The "Atender" button went away under the focus: it is on the new
    // screen's control of the same id or its heading, never lost to <body>.
    let focused = operator
        .run("const a = document.activeElement; return a && a !== document.body ? a.textContent : null;")
        .await;
    assert_eq!(focused, json!("Servicios Activos"), "focus lost to <body>");
    check_state(&operator, "07-console-waiting").await;
    same_as_server(&operator, "waiting").await;

    // Assigned: a join reaches the held poll; measured from the join.
    operator.click("#interrumpir").await;
    operator.until_displayed("#atender", PROMPTLY).await;
    operator.click("#atender").await;
    operator.until_displayed("#interrumpir", PROMPTLY).await;
    focus(&operator, "interrumpir").await;
    let (ticket, shown_after) = join_and_time(&app, &operator, 40).await;
    eprintln!("assignment shown on the console {shown_after:?} after the join");
    operator
        .until_text(
            &["CONTRIBUYENTE ASIGNADO", "Iniciar Videoasistencia"],
            PROMPTLY,
        )
        .await;
    assert_kept(&operator).await;
    assert_title(&operator, "(1) Contribuyente asignado").await;
    let announced = until_announced(&operator, "Contribuyente asignado:").await;
    assert!(
        announced.contains(&dni(40)),
        "the NIF is announced: {announced}"
    );
    assert_eq!(
        active_id(&operator).await,
        "titulo-estado",
        "focus moves from the vanished Interrumpir to the new screen's heading"
    );
    check_state(&operator, "08-console-assigned").await;
    same_as_server(&operator, "assigned").await;

    // In attention: the finalization form.
    operator.click("#iniciar").await;
    operator
        .until_text(
            &["CONTRIBUYENTE ATENDIDO", "Finalizar e Interrumpir"],
            PROMPTLY,
        )
        .await;
    assert_kept(&operator).await;
    assert_title(&operator, "Contribuyente atendido").await;
    assert_eq!(active_id(&operator).await, "titulo-estado");
    check_state(&operator, "09-console-in-attention").await;
    same_as_server(&operator, "in attention").await;

    // The taxpayer accepts while the operator types: text, focus and the
    // form itself stay.
    operator.type_into("#observaciones", TYPED).await;
    operator
        .run("document.getElementById('finalizacion').__built = 'once'; return null;")
        .await;
    assert_eq!(active_id(&operator).await, "observaciones");
    app.engine
        .accept(ticket)
        .await
        .expect("the taxpayer accepts");
    until("Contribuyentes atendidos: 1", PROMPTLY, || {
        let operator = operator.clone();
        async move { (operator.text_of("#atendidos").await == "1").then_some(()) }
    })
    .await;
    until_announced(&operator, ACCEPTED).await;
    assert_form_kept(&operator, TYPED).await;
    check_state(&operator, "10-console-taxpayer-accepted").await;

    // The attention-time warning arrives while the operator types on.
    type_more(&operator, MORE).await;
    app.clock.advance(Duration::from_secs(5 * 60));
    heartbeat(&app, &ticket);
    let warning = until("the attention-time warning", ONE_HELD_POLL, || {
        let operator = operator.clone();
        async move {
            operator
                .run(
                    "const n = document.querySelector('#avisos [data-code=attention_time_exceeded]');\
                     return n ? n.textContent : null;",
                )
                .await
                .as_str()
                .map(str::to_string)
        }
    })
    .await;
    assert!(warning.starts_with(ATTENTION), "{warning}");
    assert_form_kept(&operator, &format!("{TYPED}{MORE}")).await;
    assert_title(&operator, "(1) Tiempo de atención superado").await;
    check_state(&operator, "11-console-attention-warning").await;
    same_as_server(&operator, "attention warning").await;

    // Finalizing without an outcome: the error is an alert, focus on its
    // field, marked invalid; what was typed stays.
    operator.choose("#resultado", "(Seleccionar)").await;
    operator.click("#finalizar-interrumpir").await;
    operator.until_displayed("#error-resultado", PROMPTLY).await;
    assert_eq!(
        attribute(&operator, "#error-resultado", "role").await,
        "alert"
    );
    assert_eq!(active_id(&operator).await, "resultado");
    assert_eq!(
        attribute(&operator, "#resultado", "aria-invalid").await,
        "true"
    );
    assert!(attribute(&operator, "#resultado", "aria-describedby")
        .await
        .contains("error-resultado"));
    assert_form_kept_unfocused(&operator, &format!("{TYPED}{MORE}")).await;
    check_state(&operator, "12-console-finalization-errors").await;

    // Finalizar y Atender siguiente: waiting again, then a taxpayer who
    // abandons before Iniciar.
    operator.choose("#resultado", "Finalizada con éxito").await;
    operator.click("#finalizar-atender").await;
    operator
        .until_text(&["A la espera de atender contribuyente"], PROMPTLY)
        .await;
    assert_kept(&operator).await;
    let (second, shown_after) = join_and_time(&app, &operator, 41).await;
    eprintln!("second assignment shown on the console {shown_after:?} after the join");
    app.engine
        .abandon(second, "Me tengo que ir")
        .await
        .expect("the taxpayer abandons");
    let notice = until("the abandoned notice", PROMPTLY, || {
        let operator = operator.clone();
        async move {
            operator
                .run("const n = document.getElementById('abandono'); return n ? n.textContent : null;")
                .await
                .as_str()
                .map(str::to_string)
        }
    })
    .await;
    assert_eq!(notice, ABANDONED);
    assert_kept(&operator).await;
    assert_title(&operator, "(1) El contribuyente ha abandonado").await;
    assert_eq!(
        operator
            .run("return document.getElementById('resultado').value;")
            .await,
        json!("taxpayer_abandoned"),
        "Abandono del contribuyente preselected"
    );
    check_state(&operator, "13-console-taxpayer-abandoned").await;
    same_as_server(&operator, "taxpayer abandoned").await;

    operator.click("#finalizar-interrumpir").await;
    operator
        .until_text(&["Servicios Activos", "Atender Contribuyente"], PROMPTLY)
        .await;
    assert_kept(&operator).await;
    assert_eq!(operator.text_of("#atendidos").await, "1");

    // Closed: after hours (a fresh load; the clock alone moved).
    app.clock.set(madrid("2026-11-30 16:00"));
    operator.goto(&app.url("/operador")).await;
    operator
        .until_text(&["Los servicios se encuentran fuera de horario."], PROMPTLY)
        .await;
    assert_title(&operator, "Servicios fuera de horario").await;
    check_state(&operator, "14-console-closed").await;
}

/// axe-core, one notice of a kind, and a screenshot.
async fn check_state(operator: &Browser, name: &str) {
    axe::assert_accessible(operator, name).await;
    let notices = operator
        .run(
            "return Array.from(document.querySelectorAll('.aviso')).map(function(n){\
             return [n.dataset.code || '', n.textContent, !!n.closest('[aria-live]')];});",
        )
        .await;
    let notices = notices.as_array().cloned().unwrap_or_default();
    for (i, notice) in notices.iter().enumerate() {
        assert_eq!(
            notice[2],
            json!(true),
            "{name}: notice {notice} outside a live region"
        );
        for other in &notices[i + 1..] {
            assert!(
                notice[0] != other[0] && notice[1] != other[1],
                "{name}: two notices of a kind: {notice} and {other}"
            );
        }
    }
    operator.screenshot(name).await;
}

async fn assert_title(operator: &Browser, state: &str) {
    let title = operator.client.title().await.expect("the title");
    assert_eq!(title, format!("{state}{SUFFIX}"));
}

async fn active_id(operator: &Browser) -> String {
    operator
        .run("const a = document.activeElement; return a && a !== document.body ? a.id : '';")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn attribute(operator: &Browser, css: &str, name: &str) -> String {
    operator
        .run(&format!(
            "const e = document.querySelector({css:?}); return e ? e.getAttribute({name:?}) : null;"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn focus(operator: &Browser, id: &str) {
    operator
        .run(&format!(
            "document.getElementById({id:?}).focus(); return null;"
        ))
        .await;
    assert_eq!(active_id(operator).await, id);
}

/// No reload since the idle console: the marker on `window` is still there.
async fn assert_kept(operator: &Browser) {
    assert_eq!(
        operator.run("return window.__consoleMarker || null;").await,
        json!("kept"),
        "the console reloaded (its window is new)"
    );
}

/// The form is the one built at Iniciar, with `typed` in Observaciones,
/// and the focus still in it.
async fn assert_form_kept(operator: &Browser, typed: &str) {
    assert_form_kept_unfocused(operator, typed).await;
    assert_eq!(active_id(operator).await, "observaciones", "focus kept");
}

async fn assert_form_kept_unfocused(operator: &Browser, typed: &str) {
    assert_kept(operator).await;
    let form = operator
        .run(
            "const f = document.getElementById('finalizacion');\
             return [f.__built || null, document.getElementById('observaciones').value];",
        )
        .await;
    assert_eq!(form[0], json!("once"), "the finalization form was rebuilt");
    assert_eq!(form[1], json!(typed), "the typed observations");
}

/// Types on at the end of Observaciones (the caret stays where it was).
async fn type_more(operator: &Browser, text: &str) {
    let field = operator.until_displayed("#observaciones", PROMPTLY).await;
    field.send_keys(text).await.expect("type on");
}

/// The announcer (`role=status`) says `words` (at its start).
async fn until_announced(operator: &Browser, words: &str) -> String {
    let said = until(&format!("{words:?} announced"), PROMPTLY, || {
        let operator = operator.clone();
        let words = words.to_string();
        async move {
            let region = operator
                .run(
                    "const r = document.getElementById('anuncio');\
                     return r ? [r.getAttribute('role'), r.textContent] : null;",
                )
                .await;
            let text = region[1].as_str().unwrap_or_default().to_string();
            (region[0] == json!("status") && text.starts_with(&words)).then_some(text)
        }
    })
    .await;
    said
}

/// "Gestión disponibilidad": each row's SÍ/NO radios are a fieldset whose
/// legend names the service, and SÍ and NO sit on one line each, side by side.
async fn check_availability_groups(operator: &Browser) {
    let rows = operator
        .run(
            "return Array.from(document.querySelectorAll('tr[data-code]')).map(function(row){\
               const set = row.querySelector('fieldset');\
               const legend = set && set.querySelector('legend');\
               const labels = Array.from(row.querySelectorAll('label')).map(function(l){\
                 const r = l.getBoundingClientRect(); return [l.textContent.trim(), r.top, r.height, !!l.closest('fieldset')];});\
               const line = parseFloat(getComputedStyle(row.querySelector('label')).lineHeight) || 20;\
               return {code: row.dataset.code, legend: legend ? legend.textContent : null, labels: labels, line: line};\
             });",
        )
        .await;
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert!(rows.len() >= 2, "a row per service: {rows:?}");
    for row in rows {
        let code = row["code"].as_str().unwrap_or_default();
        let legend = row["legend"].as_str().unwrap_or_default();
        assert!(
            legend.starts_with(&format!("{code} - ")),
            "{code}: the group's legend names the service: {row}"
        );
        let labels = row["labels"].as_array().cloned().unwrap_or_default();
        assert_eq!(labels.len(), 2, "{row}");
        assert_eq!(labels[0][0], json!("SÍ"));
        assert_eq!(labels[1][0], json!("NO"));
        let line = row["line"].as_f64().unwrap_or(20.0);
        for label in &labels {
            assert_eq!(label[3], json!(true), "{code}: label outside the group");
            assert!(
                label[2].as_f64().unwrap_or(f64::MAX) < line * 1.6,
                "{code}: a label wraps: {row}"
            );
        }
        assert_eq!(labels[0][1], labels[1][1], "{code}: NO under SÍ: {row}");
    }
}

/// What the script built for this state is what the server renders for it:
/// the same text and the same element ids, in `#avisos` and `#estado`.
async fn same_as_server(operator: &Browser, state: &str) {
    let compared = operator
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const norm = function(s){ return s.replace(/\\s+/g, ' ').trim(); };\
             const parts = function(doc){ return ['avisos', 'estado'].map(function(id){\
               const el = doc.getElementById(id);\
               return [norm(el.textContent), Array.from(el.querySelectorAll('[id]')).map(function(e){ return e.id; }).join(',')];\
             }); };\
             fetch('/operador', {credentials: 'same-origin', cache: 'no-store'})\
               .then(function(r){ return r.text(); })\
               .then(function(html){\
                 const server = new DOMParser().parseFromString(html, 'text/html');\
                 done({live: parts(document), server: parts(server)});\
               }, function(e){ done({error: String(e)}); });",
            Vec::new(),
        )
        .await
        .unwrap_or_else(|error| panic!("comparing with the server's page: {error}"));
    // The countdown's digits move on their own.
    let strip = |value: &Value| {
        value
            .to_string()
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<String>()
    };
    assert_eq!(
        strip(&compared["live"]),
        strip(&compared["server"]),
        "{state}: the script's screen differs from the server's"
    );
}

/// Joins CLAVE through the engine as taxpayer `n` and answers how long the
/// console took to show them (probed every 10 ms).
async fn join_and_time(app: &App, operator: &Browser, n: u32) -> (TicketId, Duration) {
    let joined = Instant::now();
    let ticket = app
        .engine
        .join(JoinInput {
            nif: dni(n),
            name: format!("CONTRIBUYENTE {n}"),
            contrast: "31-12-2030".to_string(),
            service: "CLAVE".to_string(),
        })
        .await
        .expect("join")
        .ticket_id;
    let script = format!(
        "const e = document.getElementById('nif'); return !!e && e.textContent === {:?};",
        dni(n)
    );
    loop {
        if operator.run(&script).await == json!(true) {
            return (ticket, joined.elapsed());
        }
        assert!(
            joined.elapsed() < PROMPTLY,
            "the assignment did not show within {PROMPTLY:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The taxpayer's page is open (its polls are heartbeats): keep them present
/// when the clock jumps.
fn heartbeat(app: &App, ticket: &TicketId) {
    let view = app
        .engine
        .views()
        .ticket(ticket)
        .unwrap_or_else(|| panic!("no view of ticket {ticket}"));
    app.engine.heartbeat(&view);
}
