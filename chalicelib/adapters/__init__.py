"""The outside world behind small interfaces: DynamoDB, S3, Cognito, EventBridge."""
