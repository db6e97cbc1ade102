//! The `expire-orders` scheduled function.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::lambda::run_scheduled("expire-orders").await
}
