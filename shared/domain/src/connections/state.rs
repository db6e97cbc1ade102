//! A connection's life (CON-1..6, CON-10) as a pure state machine: what each side may do in each
//! state, and what follows. Storage applies one transition per conditional write (on the
//! connection's version), so two concurrent transitions never both apply; this module decides
//! whether a transition is allowed and what it leads to, from the state as read and the instant.

use time::{Duration, OffsetDateTime};

/// Where a connection stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the side that did not start it.
    Pending,
    Active,
    Rejected,
    Cancelled,
    Expired,
}

impl Status {
    /// Whether the connection shows on the Active tab (CON-7).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Active)
    }
}

/// The two sides of a connection.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Learner,
    ThirdParty,
}

/// What the state machine keeps of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    pub initiated_by: Side,
    pub expires_at: OffsetDateTime,
    /// The third party's proposed new expiry, waiting for the learner (CON-5).
    pub extension_requested: Option<OffsetDateTime>,
    /// Whether the learner has chosen documents to share (they may choose none yet).
    pub shares_documents: bool,
}

/// Something one side does, or the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The side that did not start it accepts; a learner accepting chooses documents.
    Accept {
        choose_documents: bool,
    },
    Reject,
    Cancel,
    /// The learner changes the documents shared (CON-4).
    ShareDocuments {
        any: bool,
    },
    /// The learner sets a new expiry directly, also on an expired connection (CON-5).
    Extend {
        until: OffsetDateTime,
    },
    /// The third party proposes a new expiry.
    RequestExtension {
        until: OffsetDateTime,
    },
    ApproveExtension,
    DeclineExtension,
    /// The scheduler (CON-10): marks an active connection past its expiry as expired.
    Expire,
}

/// Why an action is refused, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0}")]
    NotNow(&'static str),
    #[error("{0}")]
    NotYours(&'static str),
    /// The expiry date given is not acceptable (the field is `expires_on`).
    #[error("{0}")]
    BadExpiry(&'static str),
}

/// The limits of expiry dates: from now to `max_length` ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub max_length: Duration,
}

impl State {
    /// The status as it is at `now`: an active connection past its expiry instant is expired even
    /// before the scheduler has marked it (CON-10: access stops at the instant).
    pub fn status_at(&self, now: OffsetDateTime) -> Status {
        match self.status {
            Status::Active if now >= self.expires_at => Status::Expired,
            status => status,
        }
    }

    /// Whether the third party may see the shared documents at `now` (CON-8).
    pub fn third_party_sees_documents(&self, now: OffsetDateTime) -> bool {
        self.status_at(now) == Status::Active && self.shares_documents
    }

    /// The state after `by` does `action` at `now`, or why not.
    pub fn apply(
        &self,
        by: Option<Side>,
        action: Action,
        now: OffsetDateTime,
        rules: Rules,
    ) -> Result<State, Refused> {
        use Refused::{NotNow, NotYours};
        let status = self.status_at(now);
        let mut next = self.clone();
        let learner = by == Some(Side::Learner);
        let third_party = by == Some(Side::ThirdParty);
        match action {
            Action::Accept { .. } | Action::Reject if status != Status::Pending => {
                return Err(NotNow("only a pending connection is accepted or rejected"));
            }
            Action::Accept { .. } | Action::Reject if by != Some(self.initiated_by.other()) => {
                return Err(NotYours(
                    "only the side that did not start the connection accepts or rejects it",
                ));
            }
            Action::Accept { choose_documents } => {
                if now >= self.expires_at {
                    return Err(NotNow("this request has passed its expiry date"));
                }
                next.status = Status::Active;
                if learner {
                    next.shares_documents = choose_documents;
                }
            }
            Action::Reject => next.status = Status::Rejected,
            Action::Cancel => {
                if by.is_none() {
                    return Err(NotYours("only the learner or the third party cancels"));
                }
                if !status.is_open() {
                    return Err(NotNow("only a pending or active connection is cancelled"));
                }
                next.status = Status::Cancelled;
                next.extension_requested = None;
            }
            Action::ShareDocuments { any } => {
                if !learner {
                    return Err(NotYours("only the learner chooses what is shared"));
                }
                // Pending and started by the learner (choosing before the third party accepts), or
                // active.
                let allowed = status == Status::Active
                    || (status == Status::Pending && self.initiated_by == Side::Learner);
                if !allowed {
                    return Err(NotNow(
                        "documents are shared only on a pending or active connection",
                    ));
                }
                next.shares_documents = any;
            }
            Action::Extend { until } => {
                if !learner {
                    return Err(NotYours("only the learner extends a connection"));
                }
                if !matches!(status, Status::Active | Status::Expired) {
                    return Err(NotNow("only an active or expired connection is extended"));
                }
                check_expiry(until, now, rules)?;
                next.status = Status::Active;
                next.expires_at = until;
                next.extension_requested = None;
            }
            Action::RequestExtension { until } => {
                if !third_party {
                    return Err(NotYours("only the third party asks for more time"));
                }
                if !matches!(status, Status::Active | Status::Expired) {
                    return Err(NotNow(
                        "more time is asked for on an active or expired connection",
                    ));
                }
                check_expiry(until, now, rules)?;
                if until <= self.expires_at {
                    return Err(Refused::BadExpiry("must be after the current expiry date"));
                }
                next.extension_requested = Some(until);
            }
            Action::ApproveExtension | Action::DeclineExtension if !learner => {
                return Err(NotYours("only the learner answers a request for more time"));
            }
            Action::ApproveExtension => {
                let until = self
                    .extension_requested
                    .ok_or(NotNow("no extension has been asked for"))?;
                if !matches!(status, Status::Active | Status::Expired) {
                    return Err(NotNow("the connection has ended"));
                }
                check_expiry(until, now, rules)?;
                next.status = Status::Active;
                next.expires_at = until;
                next.extension_requested = None;
            }
            Action::DeclineExtension => {
                if self.extension_requested.is_none() {
                    return Err(NotNow("no extension has been asked for"));
                }
                next.extension_requested = None;
            }
            Action::Expire => {
                if by.is_some() {
                    return Err(NotYours("only the scheduler marks connections expired"));
                }
                if self.status != Status::Active || now < self.expires_at {
                    return Err(NotNow(
                        "only an active connection past its expiry date expires",
                    ));
                }
                next.status = Status::Expired;
            }
        }
        Ok(next)
    }
}

impl Side {
    pub fn other(self) -> Self {
        match self {
            Self::Learner => Self::ThirdParty,
            Self::ThirdParty => Self::Learner,
        }
    }
}

pub fn check_expiry(
    until: OffsetDateTime,
    now: OffsetDateTime,
    rules: Rules,
) -> Result<(), Refused> {
    if until <= now {
        return Err(Refused::BadExpiry("must be in the future"));
    }
    if until > now + rules.max_length {
        return Err(Refused::BadExpiry("is later than connections may last"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const START: OffsetDateTime = datetime!(2026-11-23 09:00 UTC);
    const RULES: Rules = Rules {
        max_length: Duration::days(365),
    };

    fn new(initiated_by: Side) -> State {
        State {
            status: Status::Pending,
            initiated_by,
            expires_at: START + Duration::days(30),
            extension_requested: None,
            shares_documents: initiated_by == Side::Learner,
        }
    }

    #[test]
    fn a_learners_connection_is_accepted_by_the_third_party_and_expires_at_its_instant() {
        let pending = new(Side::Learner);
        let refused = pending.apply(
            Some(Side::Learner),
            Action::Accept {
                choose_documents: true,
            },
            START,
            RULES,
        );
        assert!(matches!(refused, Err(Refused::NotYours(_))));
        let active = pending
            .apply(
                Some(Side::ThirdParty),
                Action::Accept {
                    choose_documents: false,
                },
                START,
                RULES,
            )
            .unwrap();
        assert_eq!(active.status, Status::Active);
        assert!(
            active.shares_documents,
            "the third party accepting does not change what is shared"
        );
        let just_before = active.expires_at - Duration::seconds(1);
        assert!(active.third_party_sees_documents(just_before));
        // At the instant, before any scheduler: no access.
        assert!(!active.third_party_sees_documents(active.expires_at));
        assert_eq!(active.status_at(active.expires_at), Status::Expired);
        let expired = active
            .apply(None, Action::Expire, active.expires_at, RULES)
            .unwrap();
        assert_eq!(expired.status, Status::Expired);
        // The learner extends an expired connection directly.
        let later = active.expires_at + Duration::days(1);
        let extended = expired
            .apply(
                Some(Side::Learner),
                Action::Extend {
                    until: later + Duration::days(30),
                },
                later,
                RULES,
            )
            .unwrap();
        assert!(extended.third_party_sees_documents(later));
    }

    #[test]
    fn a_third_partys_request_for_more_time_is_answered_by_the_learner() {
        let active = new(Side::ThirdParty)
            .apply(
                Some(Side::Learner),
                Action::Accept {
                    choose_documents: true,
                },
                START,
                RULES,
            )
            .unwrap();
        let until = active.expires_at + Duration::days(14);
        let asked = active
            .apply(
                Some(Side::ThirdParty),
                Action::RequestExtension { until },
                START,
                RULES,
            )
            .unwrap();
        assert_eq!(asked.extension_requested, Some(until));
        assert!(matches!(
            asked.apply(
                Some(Side::ThirdParty),
                Action::ApproveExtension,
                START,
                RULES
            ),
            Err(Refused::NotYours(_))
        ));
        let approved = asked
            .apply(Some(Side::Learner), Action::ApproveExtension, START, RULES)
            .unwrap();
        assert_eq!(
            (approved.expires_at, approved.extension_requested),
            (until, None)
        );
        let declined = asked
            .apply(Some(Side::Learner), Action::DeclineExtension, START, RULES)
            .unwrap();
        assert_eq!(declined.expires_at, active.expires_at);
        for bad in [
            START - Duration::days(1),
            START + Duration::days(400),
            active.expires_at,
        ] {
            assert!(matches!(
                active.apply(
                    Some(Side::ThirdParty),
                    Action::RequestExtension { until: bad },
                    START,
                    RULES
                ),
                Err(Refused::BadExpiry(_))
            ));
        }
    }

    #[test]
    fn ended_connections_stay_ended() {
        let pending = new(Side::Learner);
        let rejected = pending
            .apply(Some(Side::ThirdParty), Action::Reject, START, RULES)
            .unwrap();
        let cancelled = pending
            .apply(Some(Side::Learner), Action::Cancel, START, RULES)
            .unwrap();
        for ended in [rejected, cancelled] {
            for (by, action) in [
                (
                    Some(Side::ThirdParty),
                    Action::Accept {
                        choose_documents: true,
                    },
                ),
                (
                    Some(Side::Learner),
                    Action::Extend {
                        until: START + Duration::days(3),
                    },
                ),
                (Some(Side::Learner), Action::Cancel),
                (Some(Side::Learner), Action::ShareDocuments { any: true }),
            ] {
                assert!(
                    ended.apply(by, action, START, RULES).is_err(),
                    "{ended:?} {action:?}"
                );
            }
        }
    }

    fn side() -> impl Strategy<Value = Option<Side>> {
        prop_oneof![
            Just(Some(Side::Learner)),
            Just(Some(Side::ThirdParty)),
            Just(None)
        ]
    }

    fn action() -> impl Strategy<Value = Action> {
        let until = (-5i64..400).prop_map(|d| START + Duration::days(d));
        prop_oneof![
            any::<bool>().prop_map(|c| Action::Accept {
                choose_documents: c
            }),
            Just(Action::Reject),
            Just(Action::Cancel),
            any::<bool>().prop_map(|any| Action::ShareDocuments { any }),
            until.clone().prop_map(|until| Action::Extend { until }),
            until.prop_map(|until| Action::RequestExtension { until }),
            Just(Action::ApproveExtension),
            Just(Action::DeclineExtension),
            Just(Action::Expire),
        ]
    }

    /// The transitions the issue allows, between stored statuses.
    fn allowed(from: Status, to: Status) -> bool {
        use Status::*;
        from == to
            || matches!(
                (from, to),
                (Pending, Active | Rejected | Cancelled)
                    | (Active, Cancelled | Expired)
                    | (Expired, Active)
            )
    }

    proptest! {
        /// Random sequences of both sides' actions and of the clock never reach a state the issue
        /// does not allow, and the third party never sees documents it should not.
        #[test]
        fn no_sequence_reaches_a_forbidden_state(
            initiated_by in prop_oneof![Just(Side::Learner), Just(Side::ThirdParty)],
            steps in prop::collection::vec((side(), action(), 0i64..20 * 24), 1..40),
        ) {
            let mut state = new(initiated_by);
            let mut now = START;
            // Extensions only ever come from the learner: the expiry moves only by them.
            for (by, action, hours) in steps {
                now += Duration::hours(hours);
                let before = state.clone();
                if let Ok(next) = state.apply(by, action, now, RULES) {
                    prop_assert!(allowed(before.status, next.status), "{:?} -> {:?} by {:?}", before.status, next.status, action);
                    prop_assert_eq!(next.initiated_by, before.initiated_by);
                    if next.expires_at != before.expires_at {
                        prop_assert_eq!(by, Some(Side::Learner));
                        prop_assert!(next.expires_at > now && next.expires_at <= now + RULES.max_length);
                    }
                    if next.shares_documents != before.shares_documents {
                        prop_assert_eq!(by, Some(Side::Learner));
                    }
                    state = next;
                }
                // Visibility: only active, before the instant, and with documents chosen.
                let sees = state.third_party_sees_documents(now);
                prop_assert_eq!(sees, state.status == Status::Active && now < state.expires_at && state.shares_documents);
                if state.status_at(now) != Status::Active {
                    prop_assert!(!sees);
                }
            }
        }
    }
}
