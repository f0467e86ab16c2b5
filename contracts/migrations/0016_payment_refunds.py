"""An overpayment can be handed back: a negative payment, never larger than what the customer
paid beyond the charges, counted under the contract's row lock so two refunds at once cannot
both pass (before, an overpaid contract could never close)."""

from django.db import migrations, models

from rental.core import dbguards

REFUND_AT_MOST_OVERPAID = """
CREATE OR REPLACE FUNCTION contracts_payment_refund_overpaid_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    charged numeric;
    paid numeric;
BEGIN
    IF NEW.amount > 0 THEN
        RETURN NEW;
    END IF;
    PERFORM 1 FROM contracts_contract WHERE id = NEW.contract_id FOR UPDATE;
    SELECT coalesce(sum(amount), 0) INTO charged FROM contracts_charge
        WHERE contract_id = NEW.contract_id;
    SELECT coalesce(sum(amount), 0) INTO paid FROM contracts_payment
        WHERE contract_id = NEW.contract_id;
    IF paid + NEW.amount < charged THEN
        RAISE EXCEPTION 'refund of % on contract % is more than the % overpaid',
            -NEW.amount, NEW.contract_id, greatest(paid - charged, 0)
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'contracts_payment_refund_at_most_overpaid';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER contracts_payment_refund_overpaid_only BEFORE INSERT ON contracts_payment
    FOR EACH ROW EXECUTE FUNCTION contracts_payment_refund_overpaid_only();
"""


class Migration(migrations.Migration):
    dependencies = [("contracts", "0015_board_active_ends")]

    operations = [
        migrations.RemoveConstraint(model_name="payment", name="contracts_payment_positive"),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount", 0), _negated=True), name="contracts_payment_not_zero"
            ),
        ),
        dbguards.DecimalBounds(
            "contracts",
            signed=(
                ("charge", "amount"),
                ("payment", "amount"),
                ("revenuepiece", "adjustment"),
                ("revenuepiece", "charged"),
                ("revenuepiece", "collected"),
                ("contractmonth", "charged"),
            ),
        ),
        migrations.RunSQL(
            REFUND_AT_MOST_OVERPAID,
            "DROP TRIGGER IF EXISTS contracts_payment_refund_overpaid_only ON contracts_payment;"
            "DROP FUNCTION IF EXISTS contracts_payment_refund_overpaid_only();",
        ),
    ]
