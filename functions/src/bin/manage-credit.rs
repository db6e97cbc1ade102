//! The `manage-credit` function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::lambda::run_http("manage-credit").await
}
