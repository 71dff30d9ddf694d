//! A store that fails or delays the commits it is told to, in front of a
//! memory store: the invariant tests inject failed and slow commits with it.

use std::collections::VecDeque;
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;

use crate::domain::{Annotation, Nif};
use crate::store::{
    Change, LoggedChange, MemoryStore, Store, StoreError, StoredState, TrimCutoffs, TrimReport,
};

/// What happens to one of the next commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Committed as usual: lets a plan reach a later commit.
    Pass,
    /// Refused as if the store could not be reached; nothing is applied.
    Fail,
    /// Applied at once, in order, but acknowledged only after this long,
    /// so that later decisions are made while it is in flight.
    Delay(Duration),
}

/// A memory store whose next commits meet the planned faults, in order.
#[derive(Default)]
pub struct FaultyStore {
    inner: MemoryStore,
    plan: Mutex<VecDeque<Fault>>,
    /// The changes refused so far (at most [`MAX_PLANNED`] kept).
    refused: Mutex<Vec<Change>>,
}

/// At most this many faults wait in a plan: a test cannot grow it forever.
const MAX_PLANNED: usize = 64;

impl FaultyStore {
    pub fn new() -> FaultyStore {
        FaultyStore::default()
    }

    /// The next commit not yet planned for meets `fault`.
    pub fn plan(&self, fault: Fault) {
        let mut plan = self.plan.lock();
        if plan.len() < MAX_PLANNED {
            plan.push_back(fault);
        }
    }

    /// Forgets the faults no commit has met yet.
    pub fn clear(&self) {
        self.plan.lock().clear();
    }

    /// The changes refused since the last call.
    pub fn take_refused(&self) -> Vec<Change> {
        std::mem::take(&mut *self.refused.lock())
    }
}

#[async_trait]
impl Store for FaultyStore {
    async fn load(&self) -> Result<StoredState, StoreError> {
        self.inner.load().await
    }

    async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        let fault = self.plan.lock().pop_front();
        match fault {
            Some(Fault::Fail) => {
                let mut refused = self.refused.lock();
                if refused.len() < MAX_PLANNED {
                    refused.push(change.clone());
                }
                Err(StoreError::Unavailable("injected failure".to_string()))
            }
            Some(Fault::Delay(delay)) => {
                // Applied in the order it was handed over, acknowledged late:
                // as a store whose ordered writer waits on a slow fsync.
                let applied = self.inner.apply(change).await;
                tokio::time::sleep(delay).await;
                applied
            }
            Some(Fault::Pass) | None => self.inner.apply(change).await,
        }
    }

    async fn history(&self, nif: &Nif) -> Result<Vec<Annotation>, StoreError> {
        self.inner.history(nif).await
    }

    async fn events(&self, from: u64, limit: usize) -> Result<Vec<LoggedChange>, StoreError> {
        self.inner.events(from, limit).await
    }

    async fn trim(&self, cutoffs: &TrimCutoffs) -> Result<TrimReport, StoreError> {
        self.inner.trim(cutoffs).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn planned_faults_meet_the_next_commits_in_order_then_commits_go_through() {
        let store = FaultyStore::new();
        store.plan(Fault::Fail);
        store.plan(Fault::Delay(Duration::from_millis(1)));
        let waits = |id: &str| Change::OperatorWaiting {
            operator: crate::domain::OperatorId::parse(id).expect("id"),
            at: jiff::Timestamp::UNIX_EPOCH,
        };
        assert!(matches!(
            store.apply(&waits("op-0001")).await,
            Err(StoreError::Unavailable(_))
        ));
        assert_eq!(store.load().await.expect("load").operators.len(), 0);
        assert_eq!(store.take_refused(), vec![waits("op-0001")]);
        store
            .apply(&waits("op-0001"))
            .await
            .expect("delayed commit applies");
        store
            .apply(&waits("op-0002"))
            .await
            .expect("then commits go through");
        assert_eq!(store.events(0, 10).await.expect("events").len(), 2);
    }
}
