//! The `shared-documents` function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::lambda::run_http("shared-documents").await
}
