//! Pipelined commits: the dispatcher decides in memory and goes on with its
//! next message while the store commits.
//!
//! A handler asks `Dispatch` to decide (which parks what it decided on) and
//! hands the decision's changes here with what to do once they are durable.
//! Changes go to the store at once, in the order they were decided: each
//! batch's applies are started (handed to the store's ordered writer) in
//! order before the next batch's, and the store applies them in that order,
//! group-committing whatever reached it while its last commit was in flight.
//! Up to `MAX_IN_FLIGHT` batches may be in flight; what is decided beyond
//! that, or inside a continuation, waits for the next batch.
//!
//! Each decision settles in the order it was made, whatever order the
//! store's answers come in: its continuation commits or rolls it back in
//! `Dispatch`, delivers the effects and only then replies, so nobody hears
//! of anything a crash could undo. A later batch may reach the store before
//! an earlier one is refused; that is no different from a decision made
//! while the earlier one was in flight (nothing a decision parked is in
//! reach of later ones, so no decision depends on another's commit). A
//! message about something parked by a decision still committing (an
//! Interrumpir of an operator being matched, an Abandonar of a ticket being
//! matched) waits here until that decision has settled, then is decided
//! again.
//!
//! With a store that answers at once (memory), a batch settles inside the
//! handler that made it: every decision sees the state the previous one
//! left, exactly as if the mailbox were held across each commit.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Poll, Waker};

use tokio::sync::oneshot;

use super::*;
use crate::store::{Change, StoreError};

/// What to do once a decision's changes are durable (or refused), with one
/// result per change, in order.
type Then = Box<dyn FnOnce(&mut Dispatcher, &mut Context<Dispatcher>, Answers)>;

/// A message to decide again once the decisions in flight have settled.
type Deferred = Box<dyn FnOnce(&mut Dispatcher, &mut Context<Dispatcher>)>;

/// What waits until nothing is in flight (a ping, an inspection).
type WhenDrained = Box<dyn FnOnce(&Dispatcher)>;

/// The store's answers to one batch, one per change, in order.
type Answers = Vec<Result<(), StoreError>>;

/// One decision's changes and continuation.
struct Commit {
    changes: Vec<Change>,
    then: Then,
}

/// Batches handed to the store and not yet settled, at most this many: a
/// bound on what one burst keeps waiting (the store batches them anyway).
const MAX_IN_FLIGHT: usize = 64;

/// A batch handed to the store: each decision's continuation and how many
/// of the batch's results are its, and the results once the store answered.
struct InFlight {
    id: u64,
    continuations: Vec<(usize, Then)>,
    answers: Option<Answers>,
}

#[derive(Default)]
pub(super) struct Pipeline {
    /// Decided, not yet handed to the store: the next batch.
    queued: Vec<Commit>,
    /// The batches the store is committing, oldest first.
    in_flight: VecDeque<InFlight>,
    next_batch: u64,
    /// Inside `flush` or `settle`: a commit made by a continuation is only
    /// queued, and the running loop hands it to the store.
    flushing: bool,
    deferred: VecDeque<Deferred>,
    /// Pings and inspections waiting until nothing is in flight.
    drained: Vec<WhenDrained>,
}

impl Pipeline {
    fn is_idle(&self) -> bool {
        self.queued.is_empty() && self.in_flight.is_empty() && self.deferred.is_empty()
    }
}

impl Dispatcher {
    /// Hands `changes` (one decision's, applied in this order) to the store;
    /// `then` runs once they are durable or refused, after every decision
    /// made before this one has settled.
    pub(super) fn commit<F>(&mut self, ctx: &mut Context<Self>, changes: Vec<Change>, then: F)
    where
        F: FnOnce(&mut Dispatcher, &mut Context<Dispatcher>, Vec<Result<(), StoreError>>) + 'static,
    {
        self.pipeline.queued.push(Commit {
            changes,
            then: Box::new(then),
        });
        self.flush(ctx);
    }

    /// Decides `message` again once the decisions in flight have settled.
    pub(super) fn defer(
        &mut self,
        message: impl FnOnce(&mut Dispatcher, &mut Context<Dispatcher>) + 'static,
    ) {
        self.pipeline.deferred.push_back(Box::new(message));
    }

    /// Runs `then` once nothing is in flight (at once if nothing is).
    pub(super) fn when_drained(&mut self, then: impl FnOnce(&Dispatcher) + 'static) {
        if self.pipeline.is_idle() {
            then(self);
        } else {
            self.pipeline.drained.push(Box::new(then));
        }
    }

    /// Hands the queued decisions to the store as one batch, unless
    /// `MAX_IN_FLIGHT` batches are already committing. A batch the store
    /// answers at once settles here if nothing before it is in flight, and
    /// what its continuations decided goes next.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.pipeline.flushing {
            return;
        }
        self.pipeline.flushing = true;
        while !self.pipeline.queued.is_empty() && self.pipeline.in_flight.len() < MAX_IN_FLIGHT {
            let batch = std::mem::take(&mut self.pipeline.queued);
            let mut continuations = Vec::with_capacity(batch.len());
            let mut changes = Vec::new();
            for commit in batch {
                continuations.push((commit.changes.len(), commit.then));
                changes.extend(commit.changes);
            }
            let store = Arc::clone(&self.shared.store);
            let mut batch: Pin<Box<dyn Future<Output = Answers>>> = Box::pin(async move {
                // Started in order: the store sees them as decided.
                futures_util::future::join_all(changes.iter().map(|c| store.apply(c))).await
            });
            // The first poll hands every change to the store now, before
            // any later batch's; a store that answers at once (memory) is
            // done with it here.
            let first = batch
                .as_mut()
                .poll(&mut std::task::Context::from_waker(Waker::noop()));
            let id = self.pipeline.next_batch;
            self.pipeline.next_batch += 1;
            let answers = match first {
                Poll::Ready(answers) => Some(answers),
                Poll::Pending => {
                    ctx.spawn(batch.into_actor(self).map(move |answers, this, ctx| {
                        if let Some(batch) = this.pipeline.in_flight.iter_mut().find(|b| b.id == id)
                        {
                            batch.answers = Some(answers);
                        }
                        this.settle_answered(ctx);
                        this.flush(ctx);
                    }));
                    None
                }
            };
            self.pipeline.in_flight.push_back(InFlight {
                id,
                continuations,
                answers,
            });
            self.settle_answered(ctx);
        }
        self.pipeline.flushing = false;
        if self.pipeline.is_idle() {
            for then in std::mem::take(&mut self.pipeline.drained) {
                then(self);
            }
        }
    }

    /// Settles the answered batches at the front, oldest first: each
    /// decision in order, then the messages that waited for them are
    /// decided again. A batch answered behind one still in flight waits.
    fn settle_answered(&mut self, ctx: &mut Context<Self>) {
        let was_flushing = std::mem::replace(&mut self.pipeline.flushing, true);
        while self
            .pipeline
            .in_flight
            .front()
            .is_some_and(|batch| batch.answers.is_some())
        {
            let Some(InFlight {
                continuations,
                answers,
                ..
            }) = self.pipeline.in_flight.pop_front()
            else {
                break;
            };
            let mut results = answers.unwrap_or_default().into_iter();
            for (count, then) in continuations {
                then(self, ctx, results.by_ref().take(count).collect());
            }
            for message in std::mem::take(&mut self.pipeline.deferred) {
                message(self, ctx);
            }
        }
        self.pipeline.flushing = was_flushing;
    }
}

/// The first of a decision's results (a lost one reads as unavailable).
pub(super) fn first(results: Vec<Result<(), StoreError>>) -> Result<(), StoreError> {
    results.into_iter().next().unwrap_or_else(|| {
        Err(StoreError::Unavailable(
            "the store gave no answer".to_string(),
        ))
    })
}

/// The reply to a message that waits for its decision to settle: at once
/// when it settled inside the handler, otherwise when it does (`lost` if
/// the dispatcher stopped first).
pub(super) fn answer<T: 'static>(mut answer: oneshot::Receiver<T>, lost: T) -> Response<T> {
    match answer.try_recv() {
        Ok(value) => Response::reply(value),
        Err(_) => Response::fut(async move { answer.await.unwrap_or(lost) }),
    }
}
