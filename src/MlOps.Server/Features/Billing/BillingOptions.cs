namespace MlOps.Server.Features.Billing;

public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>The currency every price and statement is in (ISO 4217).</summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^[A-Z]{3}$")]
    public string Currency { get; set; } = "EUR";
}
