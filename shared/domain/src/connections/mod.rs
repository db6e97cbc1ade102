//! Connections: a learner shares chosen documents with a third party for a limited time (CON).
//! So far the state machine; storage, routes and pages follow (issue 5).

pub mod state;
