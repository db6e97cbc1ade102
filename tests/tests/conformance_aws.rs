//! The AWS adapters (DynamoDB, S3, SES v2) against the port conformance suites, through the moto
//! emulator at `PORTAL_TEST_AWS_ENDPOINT` (see `portal_tests::moto` for how to start it and for
//! what the fixtures make up for where moto differs from AWS).

use portal_tests::moto::{blobs, mailer, table};
use portal_tests::{blobs_conformance, mailer_conformance, table_conformance};

table_conformance!(table);
blobs_conformance!(blobs);
mailer_conformance!(mailer);
