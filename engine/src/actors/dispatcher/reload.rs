//! A configuration reload (SIGHUP): applied as one dispatcher message, so
//! every command is decided either wholly before it or wholly after it.

use super::*;
use crate::catalog::Catalog;
use crate::config::EngineSettings;

/// Replace the catalog with the one `settings` describe. Operators it adds
/// get an actor (reachable through the front door before the swap); one
/// it removes keeps theirs, to finish the attention they hold and to take
/// it up again if a later reload adds them back.
#[derive(Message)]
#[rtype(result = "Arc<Catalog>")]
pub struct Reload {
    pub settings: EngineSettings,
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
                Some(holder) => holder.notify(OperatorNotice::Reconfigured {
                    profile: Some(profile.clone()),
                }),
                None => {
                    let handle = self.starter.operator(&self.shared, profile);
                    self.operators.insert(profile.id.clone(), handle);
                }
            }
        }
        for profile in &previous.operators {
            if catalog.operator(&profile.id).is_none() {
                if let Some(holder) = self.operators.get(&profile.id) {
                    holder.notify(OperatorNotice::Reconfigured { profile: None });
                }
            }
        }
        let catalog = Arc::new(catalog);
        self.shared.catalog.store(Arc::clone(&catalog));
        self.shared.views.wake_all();
        MessageResult(catalog)
    }
}
