"""Domain models and rules: pure Python and pydantic, no boto3, no chalice."""
