//! A reload changed (or removed) this operator.

use super::*;

impl OperatorActor {
    /// The operator's profile after a reload: `None` when it removed them.
    pub(super) fn reconfigure(
        &mut self,
        profile: Option<OperatorProfile>,
        ctx: &mut Context<Self>,
    ) {
        match profile {
            Some(profile) => {
                self.retired = false;
                if profile.name != self.profile.name {
                    self.name = Arc::from(profile.name.as_str());
                    self.profile = profile;
                    self.publish();
                } else {
                    self.profile = profile;
                }
            }
            None => {
                self.retired = true;
                if matches!(self.duty, Duty::Waiting { .. }) {
                    // No new taxpayer for them: off the waiting list now (the
                    // mailbox waits for the dispatcher's answer).
                    ctx.wait(self.withdraw().map(|_withdrawn, _, _| ()));
                }
                // Otherwise off duty already, or finishing the attention
                // they hold (Finalizar then takes them off duty: see
                // services_to_attend).
            }
        }
    }
}
