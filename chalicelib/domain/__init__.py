"""Pure business rules: no boto3, stripe or chalice in here."""
