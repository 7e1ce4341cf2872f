"""IAM policy documents: validation, the AWS action catalogue and the evaluator."""
