//! The `sessions` function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::lambda::run_http("sessions").await
}
