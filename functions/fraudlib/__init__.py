"""What the Lambda functions of the fraud-detection pipeline share: the contracts between them (settings,
stored item, alert message, day-index keys, timestamps), scoring and reporting. Pure code: no AWS calls
(`dynamodb_items` only converts values with boto3's own serializers)."""
