#!/usr/bin/env bash
# Deploy build/STAGE (made by `make package STAGE=...`) as one CloudFormation stack.
#
#   ARTIFACT_BUCKET=my-deploy-artifacts-123456789012 scripts/deploy.sh dev
#
# Needs: AWS CLI v2 with credentials for the target account, an S3 bucket for the code bundle
# and the template, which is over the 51,200-byte inline limit (ARTIFACT_BUCKET, same region), and on the first deployment of an account where AWS Config or the
# API Gateway CloudWatch role already exist: PARAMETER_OVERRIDES="ManageAwsConfig=false ManageApiGatewayAccountRole=false".
# Optional: STACK_NAME (default catdata-STAGE), AWS_REGION (default ap-northeast-1),
# PARAMETER_OVERRIDES (extra Key=Value pairs, e.g. "AlarmEmail=ops@example.jp QuickSightAdminPrincipalArn=arn:...").
set -euo pipefail

STAGE="${1:?usage: scripts/deploy.sh dev|prod}"
case "$STAGE" in dev|prod) ;; *) echo "stage must be dev or prod" >&2; exit 2 ;; esac
STACK_NAME="${STACK_NAME:-catdata-$STAGE}"
REGION="${AWS_REGION:-ap-northeast-1}"
ARTIFACT_BUCKET="${ARTIFACT_BUCKET:?set ARTIFACT_BUCKET to an S3 bucket for the Lambda bundle}"
BUILD_DIR="$(cd "$(dirname "$0")/.." && pwd)/build/$STAGE"

[ -f "$BUILD_DIR/sam.json" ] && [ -f "$BUILD_DIR/deployment.zip" ] || {
  echo "$BUILD_DIR has no sam.json/deployment.zip: run make package STAGE=$STAGE first" >&2; exit 1; }

# Uploads deployment.zip (CodeUri) and rewrites the template to point at it.
aws cloudformation package \
  --region "$REGION" \
  --template-file "$BUILD_DIR/sam.json" \
  --s3-bucket "$ARTIFACT_BUCKET" \
  --s3-prefix "$STACK_NAME" \
  --output-template-file "$BUILD_DIR/packaged.yaml"

# CAPABILITY_IAM: the function roles; CAPABILITY_AUTO_EXPAND: the SAM transform Chalice's template uses.
# shellcheck disable=SC2086  # PARAMETER_OVERRIDES is a list of Key=Value words on purpose
aws cloudformation deploy \
  --region "$REGION" \
  --template-file "$BUILD_DIR/packaged.yaml" \
  --stack-name "$STACK_NAME" \
  --s3-bucket "$ARTIFACT_BUCKET" \
  --s3-prefix "$STACK_NAME" \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --parameter-overrides "Stage=$STAGE" ${PARAMETER_OVERRIDES:-} \
  --tags "app=catdata" "stage=$STAGE" \
  --no-fail-on-empty-changeset

aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table
