"""Pure logic shared by the Lambda functions of the fraud-detection pipeline (no AWS imports)."""
