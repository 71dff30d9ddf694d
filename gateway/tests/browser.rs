//! The browser test: a whole attention driven through Debian's headless
//! Chromium (WebDriver, chromedriver), with the operator and the taxpayer in
//! two separate browsers, following the operators' guide from the login to
//! what the next operator reads in "Anotaciones sobre el contribuyente",
//! with the taxpayer entering the local meeting room's waiting room and the
//! operator's console showing the reminder to admit them.
//!
//! The app runs in-process on a manual clock stopped at Monday 30 November
//! 2026, 10:00 in Madrid (both demo services open); the pages' own 9-second
//! timers run for real, so waits poll the DOM instead of sleeping. Screenshots
//! of every screen go to `target/test-output/browser/`.
//!
//! Needs the `chromium` and `chromium-driver` packages (`ops/test` installs
//! them); without them the test fails saying so.

mod browser_support;

use std::time::{Duration, Instant};

use browser_support::{assert_png, output_dir, run_scenario, until, App, Browser, Stage};
use engine::testsuite::madrid;

const NIF: &str = "89890002E";
const NAME: &str = "CERTIFICADO DOS TELEMATICA";
const CONTRAST: &str = "31-12-2030";
const CLAVE: &str = "CLAVE - Trámites de asistencia por videollamada";
const CLAVE_HOURS: &str = "CLAVE: Trámites de asistencia por videollamada - De lunes a viernes (excepto festivos nacionales) de 09:00 a 15:00. (Horario peninsular)";
const OBSERVATIONS: &str = "Todo bien <script>window.__pwned=1</script>";
const REMINDER: &str = "No actúe en esta pantalla hasta no finalizar la reunión en Zoom con el contribuyente, cuando ésta haya concluido.";
const RECORDING_NOTICE: &str = "En cumplimiento de la Ley Orgánica 3/2018, de Protección de Datos Personales y Garantía de los Derechos Digitales, le informamos que la videoconferencia va a ser grabada.";

/// One 9-second poll of a page, with room for a slow machine.
const ONE_POLL: Duration = Duration::from_secs(12);
/// What a click or a page load may take.
const PROMPTLY: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_attention_in_two_browsers_from_login_to_the_next_operators_history() {
    let (at, people) = (madrid("2026-11-30 10:00"), ["operador", "contribuyente"]);
    let took = run_scenario("browser", at, people, whole_attention).await;
    assert!(
        took < Duration::from_secs(90),
        "the browser test should take well under a minute, took {took:?}"
    );
}

async fn whole_attention(stage: Stage<2>) {
    let (app, [operator, taxpayer]) = stage.into_parts();
    let step = Instant::now();

    // 1. The operator logs in, sets CLAVE Disponible SÍ and presses
    //    "Atender Contribuyente".
    log_in(&app, &operator, "op-0001").await;
    let console = operator
        .until_text(&["Operadora Demo", "Contribuyentes atendidos:"], PROMPTLY)
        .await;
    assert!(
        console.contains("No se ha puesto disponible en ningún servicio"),
        "NOTA 2 before the operator is available:\n{console}"
    );
    operator.screenshot("01-operator-unavailable").await;

    make_available(&operator, "CLAVE").await;
    operator.click_link("Acceso a la Consola de Operador").await;
    operator
        .until_text(
            &["Servicios Activos", CLAVE_HOURS, "Atender Contribuyente"],
            PROMPTLY,
        )
        .await;
    assert_eq!(operator.text_of("#atendidos").await, "0");
    operator.screenshot("02-operator-idle").await;

    operator.click("#atender").await;
    operator
        .until_text(
            &[
                "A la espera de atender contribuyente",
                "Próxima actualización en:",
                "Interrumpir",
            ],
            PROMPTLY,
        )
        .await;
    let countdown = seconds_left(&operator).await;
    assert!(
        (1..=9).contains(&countdown),
        "the countdown starts from the 9-second poll: {countdown}"
    );
    let text = operator.visible_text().await;
    assert!(
        text.contains(&format!("Próxima actualización en: {countdown} seg.")),
        "the countdown line as the guide writes it:\n{text}"
    );
    until("the countdown to go down", Duration::from_secs(3), || {
        let operator = operator.clone();
        async move { (seconds_left(&operator).await < countdown).then_some(()) }
    })
    .await;
    operator.screenshot("03-operator-waiting").await;
    eprintln!("1. operator waiting after {:?}", step.elapsed());

    // 2. The taxpayer asks for CLAVE and lands on their ticket page.
    taxpayer.goto(&app.url("/contribuyente")).await;
    taxpayer
        .until_text(
            &[
                "Solicitud de videoasistencia",
                "NIF/NIE",
                "Fecha/Dato de contraste",
            ],
            PROMPTLY,
        )
        .await;
    fill_join_form(&taxpayer).await;
    taxpayer.screenshot("04-taxpayer-join-form").await;
    taxpayer.click("#solicitud button[type=submit]").await;
    let joined = Instant::now();
    let ticket_path = until("the ticket page", PROMPTLY, || {
        let taxpayer = taxpayer.clone();
        async move {
            let path = taxpayer.path().await;
            (path.starts_with("/contribuyente/") && path.len() > "/contribuyente/".len())
                .then_some(path)
        }
    })
    .await;
    taxpayer.until_text(&["Videoasistencia"], PROMPTLY).await;
    eprintln!("2. taxpayer on {ticket_path} after {:?}", step.elapsed());

    // 3. The assignment reaches the operator's page within one poll.
    operator
        .until_text(
            &[
                "CONTRIBUYENTE ASIGNADO",
                NIF,
                NAME,
                CLAVE,
                "NIF/NIE + Fecha/Dato de contraste",
                "Iniciar Videoasistencia",
                "Anotaciones sobre el contribuyente",
            ],
            ONE_POLL,
        )
        .await;
    let within = joined.elapsed();
    assert!(
        within <= ONE_POLL,
        "the assignment took {within:?}, more than one poll"
    );
    assert_eq!(operator.text_of("#nif").await, NIF);
    assert!(operator
        .visible_text()
        .await
        .contains("No hay anotaciones anteriores sobre el contribuyente."));
    operator.screenshot("05-operator-assigned").await;
    eprintln!(
        "3. assignment on the operator's page {within:?} after the join ({:?})",
        step.elapsed()
    );

    // 4. "Iniciar Videoasistencia": the finalization screen. The taxpayer
    //    sees "Acceso a videoasistencia", accepts and gets the meeting link.
    operator.click("#iniciar").await;
    let in_meeting = operator
        .until_text(
            &[
                "CONTRIBUYENTE ATENDIDO",
                NIF,
                "Finalización",
                "Observaciones/Anotaciones (Si el contribuyente atendido pide otra videoasistencia, este dato será visible por el operador que se le asigne)",
                REMINDER,
                "Finalizar y Atender siguiente",
                "Finalizar e Interrumpir",
            ],
            PROMPTLY,
        )
        .await;
    assert!(
        !in_meeting.contains("NIF Representado"),
        "CLAVE allows no representation (the guide): no NIF Representado field"
    );
    let start_url = operator
        .until_displayed("#enlace-reunion", PROMPTLY)
        .await
        .prop("href")
        .await
        .expect("the start link's href")
        .expect("the start link has an href");
    assert!(
        start_url.starts_with(&app.url("/reunion/")) && start_url.ends_with("?rol=anfitrion"),
        "the host's link to the local provider's room: {start_url}"
    );
    operator.screenshot("06-operator-in-meeting").await;

    taxpayer.until_displayed("#asignado", ONE_POLL).await;
    let acceso = taxpayer
        .until_text(
            &[
                "Acceso a videoasistencia",
                NIF,
                NAME,
                "Trámites de asistencia por videollamada",
                RECORDING_NOTICE,
                "Se le ha asignado un operador.",
                "Operadora Demo",
                "A-0001",
                "Aceptar y Acceder a la videoconferencia",
                "Abandonar",
            ],
            PROMPTLY,
        )
        .await;
    assert!(acceso.contains("Número de identificación:"), "{acceso}");
    taxpayer.screenshot("07-taxpayer-acceso").await;

    taxpayer.click("#aceptar").await;
    let link = taxpayer.until_displayed("#enlace-reunion", PROMPTLY).await;
    let href = link
        .prop("href")
        .await
        .expect("the link's href")
        .expect("the meeting link has an href");
    assert!(
        href.starts_with(&app.url("/reunion/")),
        "the local provider's room on this gateway: {href}"
    );
    taxpayer
        .until_text(&["Acceder a la videoconferencia", "A-0001"], PROMPTLY)
        .await;
    taxpayer.screenshot("08-taxpayer-accepted").await;
    // The link opens the room, where the taxpayer enters the waiting room.
    taxpayer.goto(&href).await;
    taxpayer
        .until_text(
            &["Sala de videoasistencia", "Entrar en la sala de espera"],
            PROMPTLY,
        )
        .await;
    taxpayer.screenshot("08b-taxpayer-meeting-room").await;
    taxpayer.click("#sala-entrar").await;
    let entered = Instant::now();
    taxpayer
        .until_text(&["Sala de videoasistencia"], PROMPTLY)
        .await;

    // The operator's console says so on its next poll, with the guide's
    // reminder: Participantes, then Admitir.
    let reminder = operator
        .until_text(
            &[
                "El contribuyente está en la sala de espera de Zoom.",
                "Participantes",
                "Admitir",
            ],
            ONE_POLL,
        )
        .await;
    let within = entered.elapsed();
    assert!(
        within <= ONE_POLL,
        "the waiting-room reminder took {within:?}, more than one poll"
    );
    assert!(
        reminder.contains(REMINDER),
        "still the finalization screen:\n{reminder}"
    );
    operator
        .screenshot("08c-operator-taxpayer-in-waiting-room")
        .await;
    eprintln!("   waiting-room reminder on the operator's page {within:?} after Entrar");

    // Back to the ticket page (the room page and its reload after Entrar are
    // in the history); it comes back from the browser's localStorage.
    for _ in 0..3 {
        taxpayer
            .client
            .back()
            .await
            .expect("back to the ticket page");
        if taxpayer.path().await.starts_with("/contribuyente/") {
            break;
        }
    }
    taxpayer
        .until_text(
            &["Acceso a videoasistencia", "Acceder a la videoconferencia"],
            PROMPTLY,
        )
        .await;
    eprintln!("4. meeting started and accepted after {:?}", step.elapsed());

    // The accept counts the taxpayer as attended: the console reloads on its
    // next poll. Wait for it so that the form is not reloaded under typing.
    until("Contribuyentes atendidos: 1", ONE_POLL, || {
        let operator = operator.clone();
        async move {
            let counter = operator
                .client
                .find(fantoccini::Locator::Css("#atendidos"))
                .await
                .ok()?;
            (counter.text().await.ok()? == "1").then_some(())
        }
    })
    .await;

    // 5. "Finalizada con éxito", an observation with markup, "Finalizar e
    //    Interrumpir": the operator is idle again.
    operator.choose("#resultado", "Finalizada con éxito").await;
    operator.type_into("#observaciones", OBSERVATIONS).await;
    operator.screenshot("09-operator-finalization-filled").await;
    operator.click("#finalizar-interrumpir").await;
    operator
        .until_text(&["Servicios Activos", "Atender Contribuyente"], PROMPTLY)
        .await;
    assert_eq!(operator.text_of("#atendidos").await, "1");
    eprintln!("5. finalized after {:?}", step.elapsed());

    // 6. The next operator logs in here after "Salir"; the taxpayer asks
    //    again and is assigned to them.
    operator.click("#salir").await;
    operator
        .until_text(&["Identificación del operador"], PROMPTLY)
        .await;
    log_in(&app, &operator, "op-0002").await;
    operator
        .until_text(
            &["Operador Demo Dos", "Contribuyentes atendidos:"],
            PROMPTLY,
        )
        .await;
    make_available(&operator, "CLAVE").await;
    operator.click_link("Acceso a la Consola de Operador").await;
    operator
        .until_text(&["Operador Demo Dos", "Atender Contribuyente"], PROMPTLY)
        .await;

    // The first ticket's page tells the taxpayer it ended (its own poll).
    taxpayer
        .until_text(
            &["La videoasistencia ha finalizado. Gracias por utilizar el servicio."],
            ONE_POLL,
        )
        .await;
    taxpayer.goto(&app.url("/contribuyente")).await;
    fill_join_form(&taxpayer).await;
    taxpayer.click("#solicitud button[type=submit]").await;
    taxpayer
        .until_text(
            &["Su solicitud está en espera", "Posición en la cola:"],
            PROMPTLY,
        )
        .await;

    operator.click("#atender").await;
    operator
        .until_text(
            &[
                "CONTRIBUYENTE ASIGNADO",
                NIF,
                NAME,
                "Iniciar Videoasistencia",
            ],
            ONE_POLL,
        )
        .await;
    operator.until_displayed("#anotaciones", PROMPTLY).await;
    let headings = operator.text_of("#anotaciones thead").await;
    for heading in [
        "Fecha/hora",
        "Operador",
        "Servicio",
        "Resultado",
        "Observaciones/Anotaciones",
    ] {
        assert!(headings.contains(heading), "{heading} in {headings}");
    }
    let row = operator.text_of("#anotaciones tbody tr").await;
    for cell in [
        "30-11-2026 10:00:00",
        "Operadora Demo",
        "CLAVE",
        "Finalizada con éxito",
    ] {
        assert!(row.contains(cell), "{cell:?} in the history row {row:?}");
    }
    assert_eq!(
        operator.text_of("#anotaciones td.obs").await,
        OBSERVATIONS,
        "the observation is shown as typed, markup as text"
    );
    assert_eq!(
        operator.run("return typeof window.__pwned;").await,
        serde_json::json!("undefined"),
        "the observation's script must not run"
    );
    assert_eq!(
        operator
            .run("return document.querySelectorAll('#anotaciones script').length;")
            .await,
        serde_json::json!(0),
        "no script element inside the history table"
    );
    operator.screenshot("10-second-operator-history").await;
    eprintln!("6. second operator's history after {:?}", step.elapsed());

    assert_screenshots(&[
        "01-operator-unavailable",
        "02-operator-idle",
        "03-operator-waiting",
        "04-taxpayer-join-form",
        "05-operator-assigned",
        "06-operator-in-meeting",
        "07-taxpayer-acceso",
        "08-taxpayer-accepted",
        "08b-taxpayer-meeting-room",
        "08c-operator-taxpayer-in-waiting-room",
        "09-operator-finalization-filled",
        "10-second-operator-history",
    ]);
}

/// `/operador`: the login form, then the console.
async fn log_in(app: &App, operator: &Browser, id: &str) {
    operator.goto(&app.url("/operador")).await;
    operator
        .until_text(
            &["Identificación del operador", "Operador", "Contraseña"],
            PROMPTLY,
        )
        .await;
    operator.type_into("#operador", id).await;
    operator.type_into("#clave", "demo").await;
    operator.click("#acceso button[type=submit]").await;
}

/// "Gestión disponibilidad operador": Disponible SÍ for `service`, saved.
async fn make_available(operator: &Browser, service: &str) {
    operator.click_link("Gestión disponibilidad operador").await;
    operator
        .until_text(&["Gestión disponibilidad operador", "Disponible"], PROMPTLY)
        .await;
    operator
        .click(&format!("input[name=\"disp-{service}\"][value=\"si\"]"))
        .await;
    operator.click("#disponibilidad button[type=submit]").await;
    operator
        .until_text(&["Disponibilidad guardada."], PROMPTLY)
        .await;
}

/// The join form filled for CLAVE as the guide's example taxpayer.
async fn fill_join_form(taxpayer: &Browser) {
    taxpayer.choose("#servicio", CLAVE).await;
    taxpayer.type_into("#nif", NIF).await;
    taxpayer.type_into("#nombre", NAME).await;
    taxpayer.type_into("#contraste", CONTRAST).await;
}

/// The "Próxima actualización en: N seg." counter, or 0 when it is gone.
async fn seconds_left(operator: &Browser) -> u32 {
    match operator
        .client
        .find(fantoccini::Locator::Css("#cuenta-atras"))
        .await
    {
        Ok(counter) => counter
            .text()
            .await
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0),
        Err(_) => 0,
    }
}

fn assert_screenshots(names: &[&str]) {
    for name in names {
        assert_png(&output_dir().join(format!("{name}.png")));
    }
}
