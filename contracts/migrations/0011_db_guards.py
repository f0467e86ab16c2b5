"""The money tables defend themselves (rental.core.dbguards): no TRUNCATE, known kinds and
methods only, bounded amounts, and a deposit that never goes below zero — a refund or deduction
larger than what is held for the contract is refused, counted under the contract's row lock so
two at once cannot both pass."""

from django.db import migrations

from rental.core import dbguards

DEPOSIT_BALANCE = """
CREATE OR REPLACE FUNCTION contracts_deposit_keep_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held numeric;
BEGIN
    IF NEW.kind = 'collected' THEN
        RETURN NEW;
    END IF;
    PERFORM 1 FROM contracts_contract WHERE id = NEW.contract_id FOR UPDATE;
    SELECT coalesce(sum(CASE WHEN kind = 'collected' THEN amount ELSE -amount END), 0)
        INTO held FROM contracts_depositentry WHERE contract_id = NEW.contract_id;
    IF NEW.amount > held THEN
        RAISE EXCEPTION 'deposit of contract % would go below zero: % held, % taken out',
            NEW.contract_id, held, NEW.amount
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'contracts_deposit_balance_not_negative';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER contracts_depositentry_balance BEFORE INSERT ON contracts_depositentry
    FOR EACH ROW EXECUTE FUNCTION contracts_deposit_keep_balance();
"""


class Migration(migrations.Migration):
    dependencies = [("contracts", "0010_neutral_fulfilment"), ("core", "0005_db_guards")]

    operations = [
        dbguards.refuse_truncate(
            "contracts_charge", "contracts_payment", "contracts_depositentry"
        ),
        dbguards.ChoiceChecks("contracts"),
        dbguards.DecimalBounds("contracts", signed=(("charge", "amount"),)),
        migrations.RunSQL(
            DEPOSIT_BALANCE,
            "DROP TRIGGER IF EXISTS contracts_depositentry_balance ON contracts_depositentry;"
            "DROP FUNCTION IF EXISTS contracts_deposit_keep_balance();",
        ),
    ]
