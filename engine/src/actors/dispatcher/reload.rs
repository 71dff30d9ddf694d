//! A configuration reload (SIGHUP): applied as one dispatcher message, so
//! every command is decided either wholly before it or wholly after it.

use parking_lot::RwLock;

use super::*;
use crate::catalog::Catalog;
use crate::config::EngineSettings;
use crate::domain::OperatorProfile;
use crate::store::OperatorRecord;
use crate::views::OperatorView;

/// The operators' actors by id, shared with the engine's front door: a
/// reload adds to it (never removes: a removed operator's actor finishes
/// the attention it holds, and one added back later takes it up again).
pub type OperatorDirectory = RwLock<HashMap<OperatorId, Addr<OperatorActor>>>;

/// Replace the catalog with the one `settings` describe.
#[derive(Message)]
#[rtype(result = "Arc<Catalog>")]
pub struct Reload {
    pub settings: EngineSettings,
    /// Where added operators' actors are registered before the swap.
    pub directory: Arc<OperatorDirectory>,
}

impl Handler<Reload> for Dispatcher {
    type Result = MessageResult<Reload>;

    fn handle(&mut self, msg: Reload, _ctx: &mut Context<Self>) -> Self::Result {
        let previous = self.shared.catalog();
        let catalog = Catalog::reloaded(msg.settings, &previous, |code| {
            self.dispatch.has_live_tickets(code)
        });
        // Figures and estimates exist for every service before it can be joined.
        for service in catalog.services() {
            self.shared.views.configure_service(service);
        }
        for profile in &catalog.operators {
            match self.operators.get(&profile.id) {
                Some(addr) => addr.do_send(operator::Reconfigure {
                    profile: Some(profile.clone()),
                }),
                None => {
                    let addr = self.start_operator(profile);
                    msg.directory
                        .write()
                        .insert(profile.id.clone(), addr.clone());
                    self.operators.insert(profile.id.clone(), addr);
                }
            }
        }
        for profile in &previous.operators {
            if catalog.operator(&profile.id).is_none() {
                if let Some(addr) = self.operators.get(&profile.id) {
                    addr.do_send(operator::Reconfigure { profile: None });
                }
            }
        }
        let catalog = Arc::new(catalog);
        self.shared.catalog.store(Arc::clone(&catalog));
        self.shared.views.wake_all();
        MessageResult(catalog)
    }
}

impl Dispatcher {
    /// An operator a reload added: off duty, with no availability yet.
    fn start_operator(&self, profile: &OperatorProfile) -> Addr<OperatorActor> {
        self.shared
            .views
            .add_operator(OperatorView::off_duty(profile));
        OperatorActor::new(
            Arc::clone(&self.shared),
            profile.clone(),
            OperatorRecord::default(),
            None,
        )
        .start()
    }
}
