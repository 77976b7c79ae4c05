-- reconcile: the decisions of a file, one row per settlement (COPY text).
COPY settlement_outcomes (settlement_id, file_id, outcome, rule, payment_id, reason, event, expected_cents,
                          paid_cents, interest_cents, discount_cents, detail, paid_at) FROM STDIN
