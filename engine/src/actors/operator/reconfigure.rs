//! A reload changed (or removed) this operator.

use super::*;

/// The operator's profile after a reload: `None` when it removed them.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct Reconfigure {
    pub profile: Option<OperatorProfile>,
}

impl Handler<Reconfigure> for OperatorActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: Reconfigure, _ctx: &mut Context<Self>) -> Self::Result {
        match msg.profile {
            Some(profile) => {
                self.retired = false;
                if profile.name != self.profile.name {
                    self.name = Arc::from(profile.name.as_str());
                    self.profile = profile;
                    self.publish();
                } else {
                    self.profile = profile;
                }
                ready(Ok(()))
            }
            None => {
                self.retired = true;
                if matches!(self.duty, Duty::Waiting { .. }) {
                    // No new taxpayer for them: off the waiting list now.
                    self.withdraw()
                } else {
                    // Off duty already, or finishing the attention they hold
                    // (Finalizar then takes them off duty: see services_to_attend).
                    ready(Ok(()))
                }
            }
        }
    }
}
