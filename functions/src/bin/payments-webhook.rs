//! The `payments-webhook` function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::lambda::run_http("payments-webhook").await
}
