//! Adapters of the domain's ports: [`aws`] for deployment, [`embedded`] for the local portal.

pub mod aws;
pub mod embedded;
pub mod stripe;

/// The payments port where payments are not taken (one-off tools, a function deployed without
/// the payments secret): every call is refused, saying why.
pub struct NoPayments(pub &'static str);

#[async_trait::async_trait]
impl portal_domain::ports::Payments for NoPayments {
    async fn open(
        &self,
        _: &portal_domain::ports::payments::NewPayment,
    ) -> Result<portal_domain::ports::payments::PaymentPage, portal_domain::ports::PaymentError>
    {
        Err(portal_domain::ports::PaymentError::Refused(
            self.0.to_owned(),
        ))
    }

    async fn refund(
        &self,
        _: &portal_domain::ports::payments::NewRefund,
    ) -> Result<portal_domain::ports::payments::Refund, portal_domain::ports::PaymentError> {
        Err(portal_domain::ports::PaymentError::Refused(
            self.0.to_owned(),
        ))
    }

    async fn webhook_secret(&self) -> Result<String, portal_domain::ports::PaymentError> {
        Err(portal_domain::ports::PaymentError::Refused(
            self.0.to_owned(),
        ))
    }
}
